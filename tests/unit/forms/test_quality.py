"""Data-quality flags derived from XForms compiled with pyxform, applied to flat submission answers."""
from __future__ import annotations

import json

import pytest

from forms import compile_xlsform, library_forms
from forms.quality import Unsupported, check_submission, derive_checks, evaluate, parse_expression

HEAD = ["type", "name", "label::Kyrgyz (ky)", "label::Russian (ru)", "required", "relevant", "constraint",
        "parameters", "bind::sapat:class", "bind::sapat:min_seconds"]
SETTINGS = {"form_id": "q", "version": "1", "default_language": "Kyrgyz (ky)",
            "namespaces": 'sapat="https://sapat.kg/xforms"'}
CHOICES = [["list_name", "name", "label::Kyrgyz (ky)", "label::Russian (ru)"],
           ["yes_no", "yes", "Ооба", "Да"], ["yes_no", "no", "Жок", "Нет"],
           *[["agree5", str(n), str(n), str(n)] for n in range(1, 6)]]


def row(kind, name, required="", relevant="", constraint="", parameters="", cls="none", min_seconds=""):
    return [kind, name, name, name, required, relevant, constraint, parameters, cls, min_seconds]


def checks_of(make_xlsform, rows):
    form = compile_xlsform(make_xlsform([HEAD, *rows], CHOICES, SETTINGS), filename="q.xlsx", validate=False)
    return derive_checks(form.xml)


def codes(flags):
    return [(f["code"], f["field"]) for f in flags]


SURVEY = [
    row("select_one yes_no", "consent", "yes"),
    row("begin_group", "about", relevant="${consent} = 'yes'", cls=""),
    row("integer", "age", "yes", constraint=". >= 14 and . <= 70", cls="quasi_identifier"),
    row("select_one yes_no", "works", "yes"),
    row("text", "employer", "yes", relevant="selected(${works}, 'yes')", cls="free_text"),
    row("end_group", "", cls=""),
]


def test_required_answers_are_checked_per_section_only_where_relevant(make_xlsform):
    checks = checks_of(make_xlsform, SURVEY)
    assert check_submission(checks, {"/data/consent": "no"}) == []
    flags = check_submission(checks, {"/data/consent": "yes", "/data/about/works": "no"})
    assert flags == [{"code": "missing_required", "field": "/data/about", "detail": "1 of 2 required answers missing"}]
    flags = check_submission(checks, {"/data/consent": "yes", "/data/about/works": "yes"})
    assert flags[0]["detail"] == "2 of 3 required answers missing"
    complete = {"/data/consent": "yes", "/data/about/age": "30", "/data/about/works": "yes",
                "/data/about/employer": "Ак-Жол"}
    assert check_submission(checks, complete) == []
    assert codes(check_submission(checks, {})) == [("missing_required", "/data")]


def test_relevance_the_checks_cannot_evaluate_and_repeats_are_not_checked_for_answers(make_xlsform):
    checks = checks_of(make_xlsform, [
        row("integer", "a", "yes"),
        row("integer", "b", "yes", relevant="${a} * 2 > 3"),
        row("begin_repeat", "rooms", cls=""),
        row("integer", "seats", "yes"),
        row("end_repeat", "", cls=""),
    ])
    assert check_submission(checks, {"/data/a": "5"}) == []


def test_numbers_outside_simple_constraint_bounds_are_flagged(make_xlsform):
    checks = checks_of(make_xlsform, [
        row("integer", "age", constraint=". >= 14 and . <= 70"),
        row("decimal", "share", constraint=". < 100"),
        row("integer", "present", constraint=". >= 1 and . <= ${age}"),
        row("integer", "other", constraint=". >= 0 or . = -1"),
        row("range", "score", parameters="start=1 end=10 step=1"),
        row("begin_repeat", "rooms", cls=""),
        row("integer", "seats", constraint="0 <= . and . <= 40"),
        row("end_repeat", "", cls=""),
    ])
    ok = {"/data/age": "70", "/data/share": "99.5", "/data/present": "1", "/data/other": "-7",
          "/data/score": "10", "/data/rooms[1]/seats": "0", "/data/rooms[2]/seats": "40"}
    assert check_submission(checks, ok) == []
    bad = {"/data/age": "13", "/data/share": "100", "/data/present": "0", "/data/score": "11",
           "/data/rooms[1]/seats": "12", "/data/rooms[2]/seats": "41", "/data/other": "not a number"}
    assert codes(check_submission(checks, bad)) == [
        ("out_of_range", "/data/age"), ("out_of_range", "/data/share"), ("out_of_range", "/data/present"),
        ("out_of_range", "/data/score"), ("out_of_range", "/data/rooms[2]/seats")]
    details = {f["field"]: f["detail"] for f in check_submission(checks, bad)}
    assert details["/data/age"] == "number outside the allowed range (≥ 14 and ≤ 70)"
    assert details["/data/share"] == "number outside the allowed range (< 100)"


TIMED = [row("start", "start", cls="quasi_identifier"), row("end", "end", cls="quasi_identifier"),
         row("integer", "n")]


def timed(start: str, end: str) -> dict[str, str]:
    return {"/data/start": f"2026-03-02T{start}.000+06:00", "/data/end": f"2026-03-02T{end}.000+06:00"}


def test_an_interview_shorter_than_the_minimum_is_flagged(make_xlsform):
    checks = checks_of(make_xlsform, TIMED)
    assert check_submission(checks, timed("10:00:00", "10:03:00")) == []
    assert check_submission(checks, timed("10:00:00", "10:02:05")) == [
        {"code": "too_fast", "field": "/data/end", "detail": "filled in 125 s; the minimum is 180 s"}]
    assert check_submission(checks, timed("10:00:00", "10:02:05"), min_seconds=60) == []
    assert codes(check_submission(checks, timed("10:00:00", "09:59:00"))) == [("too_fast", "/data/end")]
    assert check_submission(checks, {"/data/start": "2026-03-02T10:00:00.000+06:00"}) == []
    assert check_submission(checks, {"/data/start": "yesterday", "/data/end": "today"}) == []


def test_a_form_may_set_its_own_minimum_duration(make_xlsform):
    rows = [TIMED[0], row("end", "end", cls="quasi_identifier", min_seconds="600"), TIMED[2]]
    checks = checks_of(make_xlsform, rows)
    assert checks.min_seconds == 600
    assert codes(check_submission(checks, timed("10:00:00", "10:05:00"), min_seconds=60)) == [
        ("too_fast", "/data/end")]


def battery(count: int, name: str = "sat") -> list[list]:
    return [row("begin_group", name, cls=""), *[row("select_one agree5", f"{name}{i}") for i in range(count)],
            row("end_group", "", cls="")]


def test_a_likert_battery_answered_all_alike_is_straight_lining(make_xlsform):
    checks = checks_of(make_xlsform, battery(5) + battery(4, "small") + [row("select_one agree5", "alone")])
    assert list(checks.batteries) == ["/data/sat"]
    same = {f"/data/sat/sat{i}": "4" for i in range(5)}
    assert check_submission(checks, same) == [
        {"code": "straight_lining", "field": "/data/sat", "detail": "all 5 answers of the battery are the same"}]
    assert check_submission(checks, {**same, "/data/sat/sat3": "5"}) == []
    assert check_submission(checks, {k: v for k, v in same.items() if not k.endswith("sat0")}) == []
    assert check_submission(checks, {f"/data/small/small{i}": "1" for i in range(4)}) == []


def test_a_battery_inside_a_repeat_is_judged_per_instance(make_xlsform):
    rows = [row("begin_repeat", "people", cls=""), *battery(5), row("end_repeat", "", cls="")]
    checks = checks_of(make_xlsform, rows)
    values = {f"/data/people[{n}]/sat/sat{i}": str(n if n == 1 else i % 5 + 1) for n in (1, 2) for i in range(5)}
    assert codes(check_submission(checks, values)) == [("straight_lining", "/data/people[1]/sat")]


def test_flags_never_carry_an_answer(make_xlsform):
    checks = checks_of(make_xlsform, SURVEY + TIMED[:2] + battery(5))
    values = {"/data/consent": "yes", "/data/about/age": "987654", "/data/about/works": "yes",
              **timed("10:00:00", "10:00:42"), **{f"/data/sat/sat{i}": "3" for i in range(5)}}
    flags = check_submission(checks, values)
    assert {f["code"] for f in flags} == {"missing_required", "out_of_range", "too_fast", "straight_lining"}
    text = json.dumps(flags, ensure_ascii=False)
    assert "987654" not in text and "10:00" not in text and '"3"' not in text and "yes" not in text


@pytest.mark.parametrize("expression, values, expected", [
    (" /data/a  = 'yes'", {"/data/a": "yes"}, True),
    (" /data/a  != 'no' and ( /data/n  > 0 or  /data/m  >= 2)", {"/data/a": "x", "/data/m": "2"}, True),
    ("not(selected( /data/s , 'b'))", {"/data/s": "a b"}, False),
    ("count-selected( /data/s ) <= 3", {"/data/s": "a b c d"}, False),
    (" /data/n  > 0", {}, False),
    (" /data/n  != 5", {}, True),
])
def test_the_expression_subset_evaluates_as_xpath_does(expression, values, expected):
    assert evaluate(parse_expression(expression), values) is expected


@pytest.mark.parametrize("expression", ["${a} = 1", ". + 1 > 2", "jr:choice-name(., 'x')", "position(..) = 1",
                                        "/data/a = ", "(/data/a = 1"])
def test_expressions_outside_the_subset_are_refused(expression):
    with pytest.raises(Unsupported):
        evaluate(parse_expression(expression), {})


def test_every_library_instrument_yields_checks_and_a_blank_submission_is_flagged():
    for path in library_forms():
        checks = derive_checks(compile_xlsform(path.read_bytes(), filename=path.name, validate=False).xml)
        assert checks.start and checks.end and checks.required, path.name
        assert "missing_required" in {f["code"] for f in check_submission(checks, {})}, path.name
    employer = next(p for p in library_forms() if p.name == "employer_questionnaire.xlsx")
    checks = derive_checks(compile_xlsform(employer.read_bytes(), filename=employer.name, validate=False).xml)
    assert "/data/competences" in checks.batteries and "/data/hiring/graduates_hired" in checks.bounds
