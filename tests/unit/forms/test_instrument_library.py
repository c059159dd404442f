"""Every instrument of the library compiles, passes ODK Validate and follows forms/README.md."""
from __future__ import annotations

import re
from functools import cache
from xml.etree import ElementTree

import pytest

from forms import (CompiledForm, check_answer_key, codebook, compile_xlsform, key_path, library_forms,
                   library_problems, load_answer_key)

XF = "{http://www.w3.org/2002/xforms}"
INSTRUMENTS = {
    "student_questionnaire", "graduate_questionnaire", "teacher_questionnaire", "head_questionnaire",
    "employer_questionnaire", "lesson_observation", "workshop_inspection", "expert_evaluation", "test_welder",
}
# Participant questionnaires and the category letter of their participant codes.
PARTICIPANTS = {"student_questionnaire": "S", "graduate_questionnaire": "G", "teacher_questionnaire": "T",
                "head_questionnaire": "H", "employer_questionnaire": "E", "test_welder": "S"}
FIELDWORK = ("lesson_observation", "workshop_inspection", "expert_evaluation")
TESTS = ("test_welder",)
CYRILLIC = re.compile(r"[А-Яа-яЁёӨөҮүҢң]")


@cache
def compiled(stem: str) -> CompiledForm:
    """A library form compiled without ODK Validate (validated in its own test)."""
    path = next(p for p in library_forms() if p.stem == stem)
    return compile_xlsform(path.read_bytes(), filename=path.name, validate=False)


def binds(stem: str) -> dict[str, dict[str, str]]:
    html = ElementTree.fromstring(compiled(stem).xml)
    return {b.get("nodeset"): b.attrib for b in html.iter(f"{XF}bind")}


def test_library_holds_every_instrument_the_regulation_names():
    assert {p.stem for p in library_forms()} == INSTRUMENTS


@pytest.mark.parametrize("path", library_forms(), ids=lambda p: p.stem)
def test_instrument_compiles_and_passes_odk_validate_without_warnings(path, java):
    form = compile_xlsform(path.read_bytes(), filename=path.name, validate=True)
    assert form.warnings == []
    assert form.info.form_id == path.stem
    assert re.fullmatch(r"20\d{8}", form.info.version or "")
    assert form.info.languages == ["Kyrgyz (ky)", "Russian (ru)"]
    assert form.info.has_meta_instance_id


@pytest.mark.parametrize("stem", sorted(INSTRUMENTS))
def test_instrument_follows_the_library_rules(stem):
    """Kyrgyz first, every text in both languages, every field classified."""
    assert library_problems(compiled(stem)) == []


@pytest.mark.parametrize("stem", sorted(INSTRUMENTS))
def test_every_text_is_written_in_both_languages_not_copied(stem):
    html = ElementTree.fromstring(compiled(stem).xml)
    texts = {t.get("lang"): {x.get("id"): "".join(x.itertext()).strip() for x in t.iter(f"{XF}text")}
             for t in html.iter(f"{XF}translation")}
    kyrgyz, russian = texts["Kyrgyz (ky)"], texts["Russian (ru)"]
    assert kyrgyz.keys() == russian.keys()
    for text_id, text in kyrgyz.items():
        if CYRILLIC.search(text):
            assert CYRILLIC.search(russian[text_id]), text_id
    # Identical strings are allowed for numbers and codes, not for whole sentences.
    copied = [i for i in kyrgyz if len(kyrgyz[i]) > 25 and kyrgyz[i] == russian[i]]
    assert copied == []


def by_name(stem: str) -> dict[str, dict[str, str]]:
    """Binds by field name (names are unique within a library form)."""
    return {path.rsplit("/", 1)[-1]: attrs for path, attrs in binds(stem).items()}


@pytest.mark.parametrize("stem, letter", sorted(PARTICIPANTS.items()))
def test_participants_are_identified_by_code_and_asked_consent_first(stem, letter):
    code = binds(stem)["/data/participant_code"]
    assert code["required"] == "true()"
    assert f"-{letter}[0-9]{{3}}$" in code["constraint"]
    answered = [v for v in codebook(compiled(stem)).variables
                if v.type not in ("start", "end", "deviceid", "calculate")]
    assert [v.name for v in answered[:2]] == ["participant_code", "consent"]
    consent = answered[1].path
    top = [child for child in compiled(stem).definition["children"]
           if child["type"] not in ("start", "end", "deviceid", "note", "calculate")
           and child["name"] not in ("participant_code", "meta")]
    after = top[next(i for i, child in enumerate(top) if consent.startswith(f"/data/{child['name']}")) + 1:]
    assert after, "nothing is asked after consent"
    for child in after:
        relevant = " ".join(binds(stem)[f"/data/{child['name']}"].get("relevant", "").split())
        assert f"{consent} = 'yes'" in relevant, child["name"]


@pytest.mark.parametrize("stem", FIELDWORK)
def test_fieldwork_checklists_name_school_and_observer_by_code_only(stem):
    fields = by_name(stem)
    assert fields["school_code"]["constraint"] == "regex(., '^[0-9]{6}$')"
    assert fields["observer_code"]["constraint"] == "regex(., '^[A-Z]{2}[0-9]{3}$')"
    assert not set(fields) & {"observer_name", "name", "full_name", "pin", "phone", "teacher_name"}


@pytest.mark.parametrize("stem", ["lesson_observation", "workshop_inspection", "expert_evaluation"])
def test_photos_are_classified_as_identifying(stem):
    photos = [v for v in codebook(compiled(stem)).variables if v.type == "photo"]
    assert photos and all(v.classification == "direct_identifier" for v in photos)


def test_workshop_inspection_records_the_site_gps():
    gps = [v for v in codebook(compiled("workshop_inspection")).variables if v.type == "geopoint"]
    assert len(gps) == 1 and gps[0].classification == "direct_identifier"


@pytest.mark.parametrize("stem", TESTS)
def test_every_test_item_has_a_key_and_the_xform_gives_none_away(stem):
    path = next(p for p in library_forms() if p.stem == stem)
    key = load_answer_key(key_path(path).read_bytes())
    form = compiled(stem)
    assert check_answer_key(key, form) == []
    assert len(key.items) >= 30 and len(key.domains) >= 3
    kinds = [item.type for item in key.items.values()]
    assert kinds.count("open") == 1 and kinds.count("multiple") >= 1 and kinds.count("single") >= 1
    assert key_path(path).name not in form.info.media_files
    assert b".key.json" not in form.xml
    singles = [item.key for item in key.items.values() if item.type == "single"]
    assert max(singles.count(letter) for letter in set(singles)) < 0.5 * len(singles)
