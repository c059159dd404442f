"""After anonymization every published class of quasi-identifiers holds at least k records, and the
risk report says what one counts in the output oneself."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from anonymizer import Column, Policy, Scrubber, TableAnonymizer
from anonymizer.hierarchies import base_value
from tests.support.kyrgyz_people import REGIONS

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEY = b"generated pseudonym key for tests"
SPECIALTIES = ["welder", "turner", "cook", "baker", "electrician", "tailor", "driver", "plumber"]
GROUPS = {"metalwork": ["welder", "turner"], "food": ["cook", "baker"]}


def _date(days: int) -> str:
    return (date(1995, 1, 1) + timedelta(days=days)).isoformat()


def _moment(minutes: int) -> str:
    return (datetime(2026, 9, 1, 8) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+06:00")


# Quasi-identifiers of the questionnaires: (column, values as collected, all-distinct values for row i).
QUASI = {
    "sex": (Column("background-sex", "background/sex", "select1", "quasi_identifier"), st.sampled_from("fm"),
            None),
    "region": (Column("background-region", "background/region", "select1", "quasi_identifier"),
               st.sampled_from(REGIONS), None),
    "birth_date": (Column("background-birth_date", "background/birth_date", "date", "quasi_identifier"),
                   st.integers(0, 15 * 365).map(_date), lambda i: _date(40 * i)),
    "age": (Column("background-age", "background/age", "int", "quasi_identifier"),
            st.integers(14, 60).map(str), lambda i: str(14 + i)),
    "site_gps": (Column("site_gps", "site_gps", "geopoint", "quasi_identifier"),
                 st.tuples(st.floats(39.2, 43.3), st.floats(69.2, 80.3)).map(lambda p: f"{p[0]:.6f} {p[1]:.6f} 800 5"),
                 lambda i: f"{39.2 + 0.13 * (i % 30):.4f} {69.2 + 0.11 * i:.4f} 760 4"),
    "specialty": (Column("background-specialty", "background/specialty", "string", "quasi_identifier"),
                  st.sampled_from(SPECIALTIES + ["Welder ", "COOK"]), None),
    "submitted": (Column("SubmissionDate", "__system/submissionDate", "dateTime", "quasi_identifier"),
                  st.integers(0, 200_000).map(_moment), lambda i: _moment(50_000 * i)),
}
KEY_COLUMN = Column("KEY", "KEY", "string", "linking_identifier")
SCORE = Column("score", "score", "int", "none")
limits = st.one_of(st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.25, 1.0]), st.floats(0, 1))


@st.composite
def tables(draw):
    """(columns, rows, policy): 1-4 quasi-identifiers, 0-80 rows, k 2-10, with missing answers sometimes."""
    chosen = draw(st.lists(st.sampled_from(sorted(QUASI)), min_size=1, max_size=4, unique=True))
    unique = draw(st.booleans()) and any(QUASI[q][2] for q in chosen)
    size = draw(st.integers(0, 80))
    rows = []
    for i in range(size):
        row = [f"uuid:{i:08d}-generated"]
        for q in chosen:
            _, values, distinct = QUASI[q]
            if unique and distinct:
                row.append(distinct(i))
            else:       # one answer in ten is missing
                row.append(draw(values) if draw(st.integers(0, 9)) else draw(st.sampled_from([None, ""])))
        rows.append(row + [str(draw(st.integers(1, 5)))])
    overrides = {"f:background/specialty": {"action": "generalize", "groups": GROUPS}} if draw(st.booleans()) else {}
    policy = Policy(k=draw(st.integers(2, 10)), suppression_limit=draw(limits), overrides=overrides)
    return [KEY_COLUMN] + [QUASI[q][0] for q in chosen] + [SCORE], rows, policy


def anonymize(columns, rows, policy, key=KEY):
    worker = TableAnonymizer("f", columns, policy, key, Scrubber())
    for row in rows:
        worker.observe(row)
    worker.decide()
    return worker, [worker.transform(row) for row in rows]


@SETTINGS
@given(tables())
def test_every_published_class_of_quasi_identifiers_holds_at_least_k_records(table):
    columns, rows, policy = table
    worker, out = anonymize(columns, rows, policy)
    names = [c.name for c in worker.output_columns()]
    quasi = [i for i, c in enumerate(worker.output_columns()) if c.rule.action == "generalize"]
    assert [names[i] for i in quasi] == [c.name for c in columns if c.classification == "quasi_identifier"]
    published = [row for row in out if row is not None]
    classes = Counter(tuple(row[i] for i in quasi) for row in published)
    assert all(n >= policy.k for n in classes.values()), (policy.k, classes)

    report = worker.risk_report()
    assert report["k_required"] == policy.k
    assert report["k_reached"] == (min(classes.values()) if classes else None)
    assert report["records_in"] == len(rows)
    assert report["records_out"] == len(published)
    assert report["records_removed"] == len(rows) - len(published)
    assert report["sample_uniques_after"] == sum(1 for n in classes.values() if n == 1) == 0
    assert report["equivalence_classes"] == len(classes)
    blank = sum(1 for row in published if all(row[i] is None for i in quasi))
    assert report["records_with_suppressed_quasi_identifiers"] <= blank
    if set(report["generalization_levels"].values()) != {"suppressed"}:
        # Datafly stopped before it ran out of levels: the records it suppressed fit the budget
        budget = math.floor(policy.suppression_limit * len(rows))
        assert report["records_with_suppressed_quasi_identifiers"] + report["records_removed"] <= budget


@SETTINGS
@given(tables())
def test_published_quasi_identifiers_are_the_collected_values_generalized_never_others(table):
    columns, rows, policy = table
    worker, out = anonymize(columns, rows, policy)
    by_name = {c.name: i for i, c in enumerate(columns)}
    for p, (column, level) in enumerate(zip([columns[i] for i in worker.quasi], worker.plan.levels)):
        at = [c.name for c in worker.output_columns()].index(column.name)
        for row, published in zip(rows, out):
            if published is None or published[at] is None:
                continue
            raw = base_value(column.type, row[by_name[column.name]])
            assert published[at] == worker.hierarchies[p].generalize(raw, level)
            if column.type in ("date", "dateTime"):
                assert row[by_name[column.name]].startswith(published[at])


@settings(max_examples=40, deadline=None)
@given(tables(), st.data())
def test_tables_smaller_than_k_publish_nothing_and_say_so(table, data):
    columns, rows, policy = table
    rows = rows[:data.draw(st.integers(0, policy.k - 1))]
    worker, out = anonymize(columns, rows, policy)
    report = worker.risk_report()
    assert out == [None] * len(rows)
    assert (report["records_out"], report["records_removed"], report["k_reached"]) == (0, len(rows), None)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 10), st.integers(10, 60), limits)
def test_all_unique_quasi_identifiers_are_generalized_until_k_holds(k, size, limit):
    columns = [KEY_COLUMN, QUASI["birth_date"][0], QUASI["site_gps"][0], SCORE]
    rows = [[f"uuid:{i}", QUASI["birth_date"][2](i), QUASI["site_gps"][2](i), "3"] for i in range(size)]
    worker, out = anonymize(columns, rows, Policy(k=k, suppression_limit=limit))
    report = worker.risk_report()
    assert report["sample_uniques_before"] == size
    published = [row[1:3] for row in out if row is not None]
    assert all(n >= k for n in Counter(map(tuple, published)).values())
    assert report["records_out"] == len(published) and report["sample_uniques_after"] == 0


def test_a_table_without_quasi_identifiers_is_published_whole_and_reported_as_published():
    columns = [KEY_COLUMN, SCORE]
    rows = [[f"uuid:{i}", str(i % 5 + 1)] for i in range(3)]
    worker, out = anonymize(columns, rows, Policy(k=5))
    report = worker.risk_report()
    assert all(row is not None for row in out)
    assert (report["records_out"], report["records_removed"], report["k_reached"]) == (3, 0, 3)
    assert report["quasi_identifiers"] == [] and report["generalization_levels"] == {}
