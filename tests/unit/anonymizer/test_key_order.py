"""Published rows come out sorted by their pseudonymous key, never in the order they arrived."""
from __future__ import annotations

import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from anonymizer import Column, KeyOrder, Policy, Scrubber, TableAnonymizer, pseudonym

KEY = b"generated pseudonym key for tests"


def ordered(rows: list[list], count: int, key: int = 0) -> list[list]:
    order = KeyOrder(key, count, tempfile.TemporaryFile)
    try:
        for row in rows:
            order.add(row)
        return list(order)
    finally:
        order.close()


def arrivals(n: int) -> list[list]:
    """Rows in arrival order: the pseudonym of the submission, then when it came and who came before."""
    return [[pseudonym(KEY, f"uuid:{i:06d}"), f"2026-09-{1 + i % 28:02d}", i] for i in range(n)]


def test_one_bucket_and_many_buckets_give_the_rows_sorted_by_pseudonym_alike():
    rows = arrivals(3000)
    one = ordered(rows, count=3000)
    many = KeyOrder(0, 100_000, tempfile.TemporaryFile)
    assert many.buckets > 1                      # the external sort really runs through scratch files
    many.close()
    spooled = ordered(rows, count=100_000)
    assert one == spooled == sorted(rows, key=lambda r: r[0])
    assert [r[2] for r in one] != list(range(3000))              # not the arrival order
    assert [r[2] for r in one] != list(range(2999, -1, -1))      # nor its reverse


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10**9), unique=True, max_size=300), st.sampled_from([1, 300, 50_000, 10**6]),
       st.randoms(use_true_random=False))
def test_the_output_order_depends_on_the_keys_only_not_on_the_arrival_order(values, count, rng):
    rows = [[pseudonym(KEY, str(v)), v] for v in values]
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert ordered(rows, count) == ordered(shuffled, count) == sorted(rows)


def test_an_anonymized_table_is_published_in_key_order():
    columns = [Column("SubmissionDate", "__system/submissionDate", "dateTime", "quasi_identifier"),
               Column("score", "score", "int", "none"), Column("KEY", "KEY", "string", "linking_identifier")]
    rows = [[f"2026-09-{1 + i // 100:02d}T10:00:00.000Z", str(i % 7), f"uuid:{i:05d}"] for i in range(2500)]
    worker = TableAnonymizer("f", columns, Policy(k=5), KEY, Scrubber())
    for row in rows:
        worker.observe(row)
    worker.decide()
    at = [c.name for c in worker.output_columns()].index("KEY")
    published = [worker.transform(row) for row in rows]
    for count in (2500, 100_000):
        out = ordered(published, count, key=at)
        assert [r[at] for r in out] == sorted(pseudonym(KEY, r[2]) for r in rows)


@pytest.mark.parametrize("count", [10, 100_000])
def test_an_empty_table_gives_no_rows(count):
    assert ordered([], count) == []
