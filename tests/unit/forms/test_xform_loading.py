"""load_xform / inspect_xform / validate_xform on uploaded XForms."""

from __future__ import annotations

import pytest

from forms import FormError, compile_xlsform, inspect_xform, load_xform, validate_xform

HTML_OPEN = (
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"'
    ' xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">'
)
HEAD = '<?xml version="1.0" encoding="UTF-8"?>' + HTML_OPEN


def xform(instance: str, *, title: str = "Осмотр мастерской", itext: str = "",
          after_instance: str = "", body: str = "") -> bytes:
    """A minimal hand-written XForm around the given primary instance."""
    return (
        f"{HEAD}<h:head><h:title>{title}</h:title><model>{itext}"
        f"<instance>{instance}</instance>{after_instance}</model></h:head>"
        f"<h:body>{body}</h:body></h:html>"
    ).encode("utf-8")


MEDIA_ITEXT = """
<itext>
  <translation lang="Kyrgyz (ky)">
    <text id="q:label"><value form="image">jr://images/logo.png</value>
      <value form="audio">jr://audio/intro.mp3</value></text>
  </translation>
  <translation lang="Russian (ru)" default="true()">
    <text id="q:label"><value form="image">jr://images/logo.png</value>
      <value form="video">jr://video/safety.mp4</value></text>
  </translation>
</itext>
"""
MEDIA_INSTANCES = """
<instance id="schools" src="jr://file-csv/schools.csv"/>
<instance id="regions" src="jr://file/regions.xml"/>
<instance id="last" src="jr://instance/last-saved"/>
"""


def test_inspect_reads_id_version_title_root_and_meta():
    info = inspect_xform(xform(
        '<inspection id="workshop_inspection" version="3" orx:version="ignored">'
        "<room/><orx:meta><orx:instanceID/></orx:meta></inspection>"
    ))

    assert info.form_id == "workshop_inspection"
    assert info.version == "3"
    assert info.title == "Осмотр мастерской"
    assert info.root_name == "inspection"
    assert info.has_meta_instance_id


def test_inspect_reports_no_version_and_no_instance_id_when_absent():
    info = inspect_xform(xform('<data id="plain"><a/><meta><instanceName/></meta></data>'))

    assert info.version is None
    assert not info.has_meta_instance_id
    assert info.languages == []
    assert info.media_files == []


def test_inspect_lists_languages_in_declared_order_and_media_once_each():
    body = ('<input ref="/data/school" appearance="minimal search(\'fruits\')">'
            "<label>School</label></input>")
    xml = xform('<data id="m"><q/><school/></data>', itext=MEDIA_ITEXT,
                after_instance=MEDIA_INSTANCES, body=body)

    info = inspect_xform(xml)

    assert info.languages == ["Kyrgyz (ky)", "Russian (ru)"]
    assert info.media_files == [
        "logo.png", "intro.mp3", "safety.mp4", "schools.csv", "regions.xml", "fruits.csv",
    ]


def test_binary_paths_are_the_binary_binds_of_the_primary_instance():
    binds = (
        '<bind nodeset="/data/photo" type="binary"/>'
        '<bind nodeset="/data/rooms/sketch" type="binary"/>'
        '<bind nodeset="/data/note" type="string"/>'
    )
    xml = xform('<data id="b"><photo/><rooms><sketch/></rooms><note/></data>',
                after_instance=binds)

    assert inspect_xform(xml).binary_paths == ["/data/photo", "/data/rooms/sketch"]


def test_xform_without_form_id_is_refused():
    with pytest.raises(FormError, match="no form id"):
        load_xform(xform("<data><a/></data>"), validate=False)


@pytest.mark.parametrize("xml", [
    b"",
    b"<h:html xmlns:h='http://www.w3.org/1999/xhtml'><h:head>",
    b"<h:html><unbound:prefix/></h:html>",
])
def test_malformed_xml_is_refused(xml):
    with pytest.raises(FormError, match="not well-formed XML"):
        load_xform(xml, validate=False)


@pytest.mark.parametrize("xml", [
    b"<html><body>Hello</body></html>",
    b'<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head/></h:html>',
    HEAD.encode() + b"<h:head><model/></h:head></h:html>",
])
def test_well_formed_xml_that_is_not_an_xform_is_refused(xml):
    with pytest.raises(FormError, match="not an XForm"):
        load_xform(xml, validate=False)


def test_billion_laughs_xform_is_refused_before_any_entity_expands():
    laughs = "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE h:html [<!ENTITY lol0 "lol">{laughs}]>'
        f"{HTML_OPEN}"
        '<h:head><h:title>&lol9;</h:title><model><instance><data id="x"/></instance>'
        "</model></h:head><h:body/></h:html>"
    ).encode()

    with pytest.raises(FormError, match="DOCTYPE"):
        load_xform(xml, validate=False)


def test_external_entity_xform_is_refused():
    xml = (
        '<?xml version="1.0"?><!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        "<data>&secret;</data>"
    ).encode()

    with pytest.raises(FormError, match="DOCTYPE"):
        inspect_xform(xml)


def test_xform_that_is_not_utf8_is_refused():
    xml = xform('<data id="cp1251"><a/></data>', title="Анкета").decode().encode("cp1251")

    with pytest.raises(FormError, match="not UTF-8"):
        load_xform(xml, validate=False)


def test_compiled_xform_loads_back_with_the_same_info_and_passes_odk_validate(
    make_xlsform, java
):
    compiled = compile_xlsform(
        make_xlsform([["type", "name", "label"], ["image", "photo", "Фото"]],
                     settings={"form_id": "photo_form", "version": "7"}),
        validate=False,
    )

    loaded = load_xform(compiled.xml)

    assert loaded.info == compiled.info
    assert loaded.xml == compiled.xml
    assert loaded.media == {}


def test_xform_bound_to_a_missing_node_is_rejected_by_odk_validate(java):
    xml = xform('<data id="broken"><a/><meta><instanceID/></meta></data>',
                body='<input ref="/data/missing"><label>Missing</label></input>')

    with pytest.raises(FormError) as caught:
        load_xform(xml)

    assert "Question bound to non-existent node: [/data/missing]" in caught.value.message
    [detail] = caught.value.details
    assert "java" not in detail["message"].lower()
    assert detail["sheet"] is None and detail["row"] is None


def test_validate_xform_accepts_a_valid_form(java):
    assert validate_xform(xform('<data id="ok"><a/></data>',
                                body='<input ref="/data/a"><label>A</label></input>')) is None


def test_validate_xform_without_java_raises_runtime_error_not_form_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(RuntimeError, match="Java"):
        validate_xform(xform('<data id="ok"><a/></data>'))
