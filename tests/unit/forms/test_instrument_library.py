"""The demo instrument library compiles, validates and is fully bilingual."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from forms import CompiledForm, compile_xlsform, library_forms

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"
LANGUAGES = ["Kyrgyz (ky)", "Russian (ru)"]
CYRILLIC = re.compile(r"[А-Яа-яЁёӨөҮүҢң]")


def _compiled(name: str) -> CompiledForm:
    """A library form compiled without ODK Validate (validated in its own test)."""
    path = next(p for p in library_forms() if p.name == name)
    return compile_xlsform(path.read_bytes(), filename=path.name, validate=False)


def _model(form: CompiledForm) -> ElementTree.Element:
    html = ElementTree.fromstring(form.xml)
    return html.find("{http://www.w3.org/1999/xhtml}head").find(f"{XF}model")


def _binds(form: CompiledForm) -> dict[str, dict[str, str]]:
    return {b.get("nodeset"): b.attrib for b in _model(form).iter(f"{XF}bind")}


def test_library_lists_the_student_questionnaire_and_lesson_observation_sorted():
    names = [path.name for path in library_forms()]

    assert names == ["lesson_observation.xlsx", "student_questionnaire.xlsx"]
    assert all(isinstance(path, Path) and path.is_file() for path in library_forms())


@pytest.mark.parametrize("path", library_forms(), ids=lambda p: p.stem)
def test_library_form_compiles_and_passes_odk_validate(path, java):
    form = compile_xlsform(path.read_bytes(), filename=path.name, validate=True)

    assert form.info.form_id == path.stem
    assert form.info.version == "2026112301"
    assert form.info.languages == LANGUAGES
    assert form.info.has_meta_instance_id
    assert form.warnings == []
    assert form.media == {}


@pytest.mark.parametrize("path", library_forms(), ids=lambda p: p.stem)
def test_library_form_has_kyrgyz_and_russian_text_for_every_label(path):
    form = compile_xlsform(path.read_bytes(), filename=path.name, validate=False)
    translations = {
        t.get("lang"): {
            text.get("id"): "".join(text.itertext()).strip()
            for text in t.iter(f"{XF}text")
        }
        for t in _model(form).iter(f"{XF}translation")
    }

    kyrgyz, russian = translations["Kyrgyz (ky)"], translations["Russian (ru)"]
    assert kyrgyz.keys() == russian.keys()
    for text_id in kyrgyz:
        assert CYRILLIC.search(kyrgyz[text_id]), f"no Kyrgyz text for {text_id}"
        assert CYRILLIC.search(russian[text_id]), f"no Russian text for {text_id}"
        assert kyrgyz[text_id] != russian[text_id], f"untranslated text {text_id}"


@pytest.mark.parametrize("path", library_forms(), ids=lambda p: p.stem)
def test_library_form_records_start_end_and_device_id(path):
    binds = _binds(compile_xlsform(path.read_bytes(), filename=path.name, validate=False))

    assert binds["/data/start"][f"{JR}preloadParams"] == "start"
    assert binds["/data/end"][f"{JR}preloadParams"] == "end"
    assert binds["/data/deviceid"][f"{JR}preloadParams"] == "deviceid"


@pytest.mark.parametrize("path", library_forms(), ids=lambda p: p.stem)
def test_library_form_refuses_a_school_code_that_is_not_six_digits(path):
    binds = _binds(compile_xlsform(path.read_bytes(), filename=path.name, validate=False))

    assert binds["/data/school_code"]["constraint"] == "regex(., '^[0-9]{6}$')"
    assert binds["/data/school_code"]["required"] == "true()"


def test_student_questionnaire_asks_questions_only_after_consent():
    binds = _binds(_compiled("student_questionnaire.xlsx"))

    for path in ["/data/background", "/data/learning", "/data/difficulties",
                 "/data/plans", "/data/comment"]:
        relevant = " ".join(binds[path]["relevant"].split())
        assert relevant == "/data/consent = 'yes'", path
    assert "relevant" not in binds["/data/school_code"]


def test_student_questionnaire_has_eight_or_more_likert_items_on_a_five_point_scale():
    form = _compiled("student_questionnaire.xlsx")
    xml = form.xml.decode()

    assert xml.count("instance('agree5')/root/item") >= 8
    assert re.search(r'<instance id="agree5">(.*?)</instance>', xml).group(1).count("<item>") == 5
    assert "<select ref=\"/data/difficulties\"" in xml


def test_lesson_observation_collects_photos_in_a_repeat_and_a_gps_point():
    form = _compiled("lesson_observation.xlsx")
    binds = _binds(form)

    assert form.info.binary_paths == ["/data/photos/photo"]
    assert binds["/data/site_location"]["type"] == "geopoint"
    assert b'<repeat nodeset="/data/photos">' in form.xml


def test_lesson_observation_scores_eight_or_more_criteria_from_0_to_3_with_evidence():
    form = _compiled("lesson_observation.xlsx")
    binds = _binds(form)
    criteria = [
        path for path, attrs in binds.items()
        if path.startswith("/data/criteria/") and f"{path}_evidence" in binds
    ]

    assert len(criteria) >= 8
    assert form.xml.decode().count("instance('score03')/root/item") == len(criteria)
    for path in criteria:
        assert path in binds[f"{path}_evidence"]["required"]
