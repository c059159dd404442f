"""Reading what a submission says about itself, without a database."""
import pytest

from server.problems import Problem
from server.services.submission_xml import attachment_names, parse_submission
from server.services.submissions import safe_file_name
from server.config import normalise_database_url


def test_parse_reads_form_version_and_meta_in_any_namespace():
    parsed = parse_submission(
        b'<data xmlns="http://opendatakit.org/submissions" xmlns:orx="http://openrosa.org/xforms" '
        b'id="f" version="7"><orx:meta><orx:instanceID>uuid:1</orx:instanceID>'
        b'<orx:deprecatedID>uuid:0</orx:deprecatedID><orx:instanceName>S-1</orx:instanceName></orx:meta></data>')
    assert (parsed.xml_form_id, parsed.version, parsed.instance_id, parsed.deprecated_id, parsed.instance_name) == \
        ("f", "7", "uuid:1", "uuid:0", "S-1")


@pytest.mark.parametrize("xml, code", [
    (b"<data id='f'><meta><instanceID>uuid:1</instanceID></meta>", "400.1"),
    (b"<!DOCTYPE data SYSTEM 'http://example.org/x.dtd'><data id='f'/>", "400.1"),
    (b"<data><meta><instanceID>uuid:1</instanceID></meta></data>", "400.8"),
    (b"<data id='f'><meta/></data>", "400.27"),
])
def test_bad_submissions_are_problems(xml, code):
    with pytest.raises(Problem) as caught:
        parse_submission(xml)
    assert caught.value.code == code


def test_attachment_names_follow_binary_fields_in_groups_and_repeats():
    root = parse_submission(
        b'<data id="f"><photo>a.jpg</photo><g><r><p>b.jpg</p></r><r><p>c.jpg</p></r><r><p/></r></g>'
        b'<note>a.jpg is not a file field</note><meta><instanceID>uuid:1</instanceID></meta></data>').root
    assert attachment_names(root, "data", ["/data/photo", "/data/g/r/p"]) == ["a.jpg", "b.jpg", "c.jpg"]
    assert attachment_names(root, "data", []) == []


@pytest.mark.parametrize("name", ["", ".", "..", "../x.jpg", "a/b.jpg", "a\\b.jpg", "a\x00.jpg", "x" * 256])
def test_path_like_file_names_are_refused(name):
    with pytest.raises(Problem):
        safe_file_name(name)


def test_plain_file_names_pass_unchanged():
    assert safe_file_name("1700000000000.jpg") == "1700000000000.jpg"
    assert safe_file_name("фото 1.jpg") == "фото 1.jpg"


def test_postgres_urls_get_the_psycopg3_driver():
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
