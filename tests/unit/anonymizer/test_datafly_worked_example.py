"""Twelve students, k = 3: which generalization Datafly picks and which records lose their quasi-identifiers,
computed by hand.

    #  sex age region    level 0: every combination is unique (12 classes of 1); age has the most
    1  f   17  chui      distinct values (10: 16 17 18 19 21 22 23 33 45 52; region 5, sex 2), so
    2  f   18  chui      age climbs to bands of 5:
    3  f   19  chui        f 15-19 chui  {1 2 3}      m 15-19 chui  {4 5 6}    m 20-24 naryn {7 8 9}
    4  m   16  chui        f 45-49 talas {10}         m 50-54 batken {11}      f 30-34 osh   {12}
    5  m   17  chui      Three records sit in classes smaller than 3.
    6  m   18  chui      * limit 0.25: budget floor(0.25 * 12) = 3: stop; 10, 11, 12 lose sex, age and
    7  m   21  naryn       region (9 cells); together they are a class of 3, so nothing is removed.
    8  m   22  naryn     * limit 0.1: budget 1: climb on. Age (5 bands) ties with region (5): the first
    9  m   23  naryn       column wins, so age climbs to bands of 10 (same classes), then is suppressed
   10  f   45  talas       (same classes again: 3 small); then region (5) beats sex (2): talas, batken,
   11  m   52  batken      osh (fewer than 3 each) become "other": f other {10 12}, m other {11} still
   12  f   33  osh         small; region is suppressed: f {1 2 3 10 12}, m {4..9 11}; only sex remains.
With row 12 replaced by a third man of 20-24 in Naryn and limit 0.25, only 10 and 11 are small: they
fit the budget but form a class of 2 < k, so both are removed.
"""
from __future__ import annotations

from anonymizer import Column, Policy, Scrubber, TableAnonymizer

COLUMNS = [Column("KEY", "KEY", "string", "linking_identifier"),
           Column("background-sex", "background/sex", "select1", "quasi_identifier"),
           Column("background-age", "background/age", "int", "quasi_identifier"),
           Column("background-region", "background/region", "select1", "quasi_identifier"),
           Column("score", "score", "int", "none")]
STUDENTS = [("f", "17", "chui"), ("f", "18", "chui"), ("f", "19", "chui"), ("m", "16", "chui"), ("m", "17", "chui"),
            ("m", "18", "chui"), ("m", "21", "naryn"), ("m", "22", "naryn"), ("m", "23", "naryn"),
            ("f", "45", "talas"), ("m", "52", "batken"), ("f", "33", "osh")]


def anonymize(students, limit):
    worker = TableAnonymizer("student_questionnaire", COLUMNS, Policy(k=3, suppression_limit=limit), b"key",
                             Scrubber())
    rows = [[f"uuid:{i}", *s, "4"] for i, s in enumerate(students, 1)]
    for row in rows:
        worker.observe(row)
    worker.decide()
    return [None if (out := worker.transform(r)) is None else tuple(out[1:4]) for r in rows], worker


def test_with_a_budget_of_three_age_goes_to_bands_of_five_and_the_three_outliers_are_suppressed():
    out, worker = anonymize(STUDENTS, 0.25)
    assert out == [("f", "15-19", "chui")] * 3 + [("m", "15-19", "chui")] * 3 + [("m", "20-24", "naryn")] * 3 \
        + [(None, None, None)] * 3
    report = worker.risk_report()
    assert report["generalization_levels"] == {"background-sex": "exact", "background-age": "bands of 5",
                                               "background-region": "exact"}
    assert {k: report[k] for k in ("k_reached", "records_out", "records_removed",
                                   "records_with_suppressed_quasi_identifiers", "cells_suppressed",
                                   "equivalence_classes", "sample_uniques_before", "sample_uniques_after")} == {
        "k_reached": 3, "records_out": 12, "records_removed": 0, "records_with_suppressed_quasi_identifiers": 3,
        "cells_suppressed": 9, "equivalence_classes": 4, "sample_uniques_before": 12, "sample_uniques_after": 0}


def test_with_a_budget_of_one_age_and_region_are_suppressed_and_only_sex_remains():
    out, worker = anonymize(STUDENTS, 0.1)
    assert out == [(s, None, None) for s, _, _ in STUDENTS]
    report = worker.risk_report()
    assert report["generalization_levels"] == {"background-sex": "exact", "background-age": "suppressed",
                                               "background-region": "suppressed"}
    assert (report["k_reached"], report["equivalence_classes"], report["records_removed"]) == (5, 2, 0)
    assert report["records_with_suppressed_quasi_identifiers"] == 0


def test_two_suppressed_outliers_are_removed_because_together_they_are_fewer_than_k():
    out, worker = anonymize(STUDENTS[:11] + [("m", "20", "naryn")], 0.25)
    assert out[:9] + out[11:] == [("f", "15-19", "chui")] * 3 + [("m", "15-19", "chui")] * 3 \
        + [("m", "20-24", "naryn")] * 4
    assert out[9:11] == [None, None]
    report = worker.risk_report()
    assert (report["records_out"], report["records_removed"], report["k_reached"]) == (10, 2, 3)
    assert report["records_with_suppressed_quasi_identifiers"] == 0


def test_when_two_quasi_identifiers_have_as_many_values_the_first_column_climbs_first():
    # Twelve women aged 16, 17, 18 in Chui, Osh and Naryn (each combination once or twice; each region 4 times):
    # age and region both have 3 values. Age is listed first, so it climbs to 15-19, and every region is then a
    # class of 4. (Had region climbed first, merging nothing rarer than 3, it would have been suppressed.)
    students = [("f", age, region) for region in ("chui", "osh", "naryn") for age in ("16", "17", "18")] \
        + [("f", "16", "chui"), ("f", "17", "osh"), ("f", "18", "naryn")]
    out, worker = anonymize(students, 0.0)
    assert out == [("f", "15-19", region) for _, _, region in students]
    assert worker.risk_report()["generalization_levels"] == {
        "background-sex": "exact", "background-age": "bands of 5", "background-region": "exact"}
