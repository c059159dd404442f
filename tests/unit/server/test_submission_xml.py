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
    assert (parsed.xml_form_id, parsed.version, parsed.instance_id, parsed.deprecated_id) == \
        ("f", "7", "uuid:1", "uuid:0")


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


def test_answers_are_split_by_classification_and_unclassified_ones_are_personal():
    from server.services.submission_xml import split_values
    root = parse_submission(
        '<data id="f"><code>410023-S001</code><sex>f</sex><note>Айгүл жазды</note><r><n>1</n></r><r><n>2</n></r>'
        '<unknown>x</unknown><meta><instanceID>uuid:1</instanceID><instanceName>410023-S001</instanceName></meta>'
        '</data>'.encode()).root
    split = split_values(root, "data", {"/data/code": "linking_identifier", "/data/sex": "quasi_identifier",
                                        "/data/note": "free_text", "/data/r/n": "none"})
    assert split.clear == {"/data/sex": "f", "/data/r[1]/n": "1", "/data/r[2]/n": "2",
                           "/data/meta/instanceID": "uuid:1"}
    assert split.personal == {"/data/code": "410023-S001", "/data/note": "Айгүл жазды", "/data/unknown": "x",
                              "/data/meta/instanceName": "410023-S001"}
    assert split.linking == {"/data/code": "410023-S001"}


def test_ephemeral_upload_file_reads_back_what_was_written_and_keeps_no_plaintext_on_disk(tmp_path):
    import os
    from server.crypto import EphemeralFile
    data = ("Айбек Токтосунов +996555123456 " * 5000).encode()
    scratch = EphemeralFile(directory=str(tmp_path))
    for start in range(0, len(data), 7777):  # writes that do not fall on cipher block boundaries
        scratch.write(data[start:start + 7777])
    scratch.seek(0)
    assert scratch.read(13) + scratch.read() == data
    scratch.seek(5)
    assert scratch.read(100) == data[5:105]
    on_disk = os.pread(scratch._file.fileno(), len(data), 0)
    assert "Айбек".encode() not in on_disk and len(on_disk) == len(data)
    assert os.listdir(tmp_path) == []  # unlinked from birth
