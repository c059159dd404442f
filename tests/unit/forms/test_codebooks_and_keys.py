"""Codebooks, field classification, library rules and answer keys, on XLSForms built in memory."""
from __future__ import annotations

import json

import pytest

from forms import (FormError, check_answer_key, codebook, compile_xlsform, field_classes, library_problems,
                   load_answer_key, load_xform)

HEAD = ["type", "name", "label::Kyrgyz (ky)", "label::Russian (ru)", "bind::sapat:class", "calculation"]
CHOICE_HEAD = ["list_name", "name", "label::Kyrgyz (ky)", "label::Russian (ru)"]
SETTINGS = {"form_id": "t", "version": "1", "default_language": "Kyrgyz (ky)",
            "namespaces": 'sapat="https://sapat.kg/xforms"'}
CHOICES = [CHOICE_HEAD, ["abcd", "a", "А", "А"], ["abcd", "b", "Б", "Б"], ["abcd", "c", "В", "В"]]


def compiled(make_xlsform, rows, choices=CHOICES, settings=SETTINGS):
    return compile_xlsform(make_xlsform([HEAD, *rows], choices, settings), filename="t.xlsx", validate=False)


def key_file(items, form_id="t", version="1") -> bytes:
    return json.dumps({"form_id": form_id, "version": version,
                       "domains": [{"code": "d", "label_ky": "Д", "label_ru": "Д"}], "items": items}).encode()


def test_codebook_lists_variables_with_labels_choices_classes_and_repeats(make_xlsform):
    form = compiled(make_xlsform, [
        ["text", "participant_code", "Код", "Код", "linking_identifier"],
        ["begin_repeat", "rooms", "Бөлмөлөр", "Кабинеты", ""],
        ["select_one abcd", "grade", "Баа", "Оценка", "none"],
        ["end_repeat", "", "", "", ""],
        ["note", "thanks", "Рахмат", "Спасибо", ""],
    ])
    book = codebook(form)
    by_path = {v.path: v for v in book.variables}
    assert list(by_path) == ["/data/participant_code", "/data/rooms/grade", "/data/meta/instanceID"]
    grade = by_path["/data/rooms/grade"]
    assert grade.labels == {"ky": "Баа", "ru": "Оценка"} and grade.repeat == "/data/rooms"
    assert [(c.value, c.labels["ru"]) for c in grade.choices] == [("a", "А"), ("b", "Б"), ("c", "В")]
    assert by_path["/data/participant_code"].classification == "linking_identifier"
    assert by_path["/data/meta/instanceID"].classification == "none"
    assert field_classes(form.xml) == {"/data/participant_code": "linking_identifier", "/data/rooms/grade": "none"}


def test_codebook_of_an_uploaded_xform_is_refused_with_a_reason(make_xlsform):
    form = compiled(make_xlsform, [["text", "a", "А", "А", "none"]])
    with pytest.raises(FormError, match="XLSForm source"):
        codebook(load_xform(form.xml, validate=False))


def test_library_rules_flag_missing_language_missing_class_and_default_language(make_xlsform):
    form = compiled(make_xlsform, [["text", "a", "Суроо", "", "none"], ["integer", "b", "Б", "Б", ""],
                                   ["text", "c", "В", "В", "secret"]],
                    settings={**SETTINGS, "default_language": "Russian (ru)"})
    problems = "\n".join(library_problems(form))
    assert "default_language must be 'Kyrgyz (ky)'" in problems
    assert "/data/a: label lacks ru" in problems
    assert "/data/b: bind::sapat:class is None" in problems
    assert "/data/c: bind::sapat:class is 'secret'" in problems


def test_conforming_form_has_no_library_problems(make_xlsform):
    assert library_problems(compiled(make_xlsform, [["select_one abcd", "q1", "Суроо", "Вопрос", "none"]])) == []


def test_key_that_fits_its_form_has_no_problems(make_xlsform):
    form = compiled(make_xlsform, [["select_one abcd", "q1", "1", "1", "none"],
                                   ["select_multiple abcd", "q2", "2", "2", "none"],
                                   ["text", "q3", "3", "3", "free_text"]])
    key = load_answer_key(key_file([
        {"name": "q1", "domain": "d", "type": "single", "key": "b", "points": 1},
        {"name": "q2", "domain": "d", "type": "multiple", "key": ["a", "c"], "points": 2, "scoring": "partial"},
        {"name": "q3", "domain": "d", "type": "open", "points": 2,
         "coding": [{"code": 1, "label_ky": "", "label_ru": ""}, {"code": 9, "missing": True}]},
    ]))
    assert check_answer_key(key, form) == []


def test_key_problems_unkeyed_item_unknown_choice_wrong_type_and_stray_entry(make_xlsform):
    form = compiled(make_xlsform, [["select_one abcd", "q1", "1", "1", "none"],
                                   ["select_one abcd", "q2", "2", "2", "none"],
                                   ["select_one abcd", "q3", "3", "3", "none"]])
    key = load_answer_key(key_file([
        {"name": "q1", "domain": "d", "type": "single", "key": "z", "points": 1},
        {"name": "q2", "domain": "d", "type": "multiple", "key": ["a"], "points": 1},
        {"name": "q9", "domain": "d", "type": "single", "key": "a", "points": 1},
    ], version="2"))
    problems = "\n".join(check_answer_key(key, form))
    assert "The key is for t 2, the form is t 1." in problems
    assert "Item q3 has no key." in problems
    assert "Key entry q9 names no item of the form." in problems
    assert "Item q1: key 'z' is not one of its choices" in problems
    assert "Item q2 is a select one in the form but multiple in the key." in problems


def test_a_form_that_computes_with_an_item_leaks_its_key(make_xlsform):
    form = compiled(make_xlsform, [["select_one abcd", "q1", "1", "1", "none"],
                                   ["calculate", "score", "", "", "none", "if(${q1} = 'b', 1, 0)"]])
    key = load_answer_key(key_file([{"name": "q1", "domain": "d", "type": "single", "key": "b", "points": 1}]))
    assert check_answer_key(key, form) == ["The bind of /data/score refers to item /data/q1."]


@pytest.mark.parametrize("items, message", [
    ([{"name": "q1", "domain": "x", "type": "single", "key": "a", "points": 1}], "domain 'x'"),
    ([{"name": "q1", "domain": "d", "type": "single", "key": ["a"], "points": 1}], "one choice name"),
    ([{"name": "q1", "domain": "d", "type": "multiple", "key": [], "points": 1}], "non-empty list"),
    ([{"name": "q1", "domain": "d", "type": "open", "points": 1, "coding": []}], "missing"),
    ([{"name": "q1", "domain": "d", "type": "essay", "points": 1}], "type must be"),
    ([{"name": "q1", "domain": "d", "type": "single", "key": "a"}], "required entry"),
])
def test_malformed_key_files_are_refused_naming_the_item(items, message):
    with pytest.raises(FormError, match=message):
        load_answer_key(key_file(items))
