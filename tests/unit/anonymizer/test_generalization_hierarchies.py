"""Each level of a quasi-identifier's hierarchy says less than the one below it."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from hypothesis import given, settings, strategies as st

from anonymizer import Column, Policy, Rule, Scrubber, TableAnonymizer
from anonymizer.hierarchies import OTHER, base_value, hierarchy

SETTINGS = settings(max_examples=200, deadline=None)


def levels(kind: str, value: str, rule: Rule = Rule("generalize"), counts: Counter | None = None, k: int = 5):
    h = hierarchy(kind, rule, counts or Counter(), k)
    base = base_value(kind, value)
    return [h.generalize(base, level) for level in range(h.top + 1)]


def test_dates_and_timestamps_go_to_month_then_year_then_suppressed():
    assert levels("date", "2026-03-15") == ["2026-03", "2026", None]
    assert levels("dateTime", "2026-03-15T10:22:31.000+06:00") == ["2026-03", "2026", None]
    assert levels("date", "15.03.2026") == [None, None, None]
    assert levels("date", "") == [None, None, None]


@SETTINGS
@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2030, 12, 31)))
def test_a_date_is_never_published_more_precisely_than_its_month(moment):
    for kind, raw in (("date", moment.date().isoformat()), ("dateTime", moment.isoformat() + ".000Z")):
        month, year, top = levels(kind, raw)
        assert (month, year, top) == (f"{moment:%Y-%m}", f"{moment:%Y}", None)


def test_numbers_go_to_the_bands_of_the_rule_then_suppressed():
    assert levels("int", "17") == ["17", "15-19", "10-19", None]
    assert levels("int", " 17 ", Rule("generalize", bands=(2, 20))) == ["17", "16-17", "0-19", None]
    assert levels("decimal", "-3.5") == ["-3.5", "-5--1", "-10--1", None]
    assert levels("int", "many") == ["many", None, None, None]


@SETTINGS
@given(st.integers(-1000, 10**6), st.lists(st.integers(1, 50), min_size=1, max_size=3))
def test_an_integer_lies_in_its_band_of_the_given_width(number, widths):
    for value, width in zip(levels("int", str(number), Rule("generalize", bands=tuple(widths)))[1:], widths):
        low, high = (int(x) for x in re.fullmatch(r"(-?\d+)-(-?\d+)", value).groups())
        assert low <= number <= high and high - low + 1 == width and low % width == 0


@SETTINGS
@given(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False),
       st.sampled_from(["", " 800", " 800 4.5"]))
def test_a_geopoint_is_snapped_to_the_tenth_degree_then_the_degree_grid_never_finer(lat, lon, rest):
    fine, coarse, top = levels("geopoint", f"{lat!r} {lon!r}{rest}")
    assert top is None
    for cell, truth in zip(fine.split(), (lat, lon)):
        assert len(cell.split(".")[1]) == 1                       # one decimal: 0.1°, never finer
        assert float(cell) - 1e-9 <= truth < float(cell) + 0.1 + 1e-9
    for cell, truth in zip(coarse.split(), (lat, lon)):
        assert "." not in cell and int(cell) - 1e-9 <= truth < int(cell) + 1 + 1e-9


def test_geopoints_of_a_bishkek_college_and_bad_readings():
    assert levels("geopoint", "42.874621 74.569762 812.0 4.9") == ["42.8 74.5", "42 74", None]
    assert levels("geopoint", "-0.05 -74.51") == ["-0.1 -74.6", "-1 -75", None]
    assert levels("geopoint", "42.87") == [None, None, None]
    assert levels("geopoint", "nan 74.5") == [None, None, None]


def test_categories_rarer_than_k_are_merged_into_other_then_suppressed():
    counts = Counter({"chui": 7, "osh": 5, "naryn": 2, "talas": 1})
    assert [levels("select1", v, counts=counts, k=5) for v in ("chui", "osh", "naryn", "talas")] == [
        ["chui", "chui", None], ["osh", "osh", None], ["naryn", OTHER, None], ["talas", OTHER, None]]


def test_the_policy_groups_come_first_and_rare_groups_are_then_merged():
    rule = Rule("generalize", groups={"metalwork": ("welder", "turner"), "food": ("cook", "baker")})
    counts = Counter({"welder": 3, "turner": 3, "cook": 1, "baker": 1, "tailor": 6})
    assert [levels("select1", v, rule, counts, k=5) for v in ("welder", "cook", "tailor")] == [
        ["welder", "metalwork", "metalwork", None], ["cook", "food", OTHER, None], ["tailor", "tailor", "tailor", None]]


def test_free_text_categories_are_compared_in_lower_case_with_single_spaces():
    assert base_value("string", "  Electric   Welder ") == "electric welder"
    assert base_value("select1", "Welder") == "Welder"


def test_a_table_with_a_rare_region_merges_it_into_other():
    columns = [Column("background-region", "background/region", "select1", "quasi_identifier"),
               Column("KEY", "KEY", "string", "linking_identifier")]
    regions = ["chui"] * 5 + ["osh"] * 5 + ["naryn", "talas", "batken"]
    worker = TableAnonymizer("f", columns, Policy(k=3, suppression_limit=0.0), b"key", Scrubber())
    rows = [[r, f"uuid:{i}"] for i, r in enumerate(regions)]
    for row in rows:
        worker.observe(row)
    worker.decide()
    assert [worker.transform(r)[0] for r in rows] == ["chui"] * 5 + ["osh"] * 5 + [OTHER] * 3
    assert worker.output_columns()[0].treatment == "generalized: categories rarer than 3 merged into 'other'"
