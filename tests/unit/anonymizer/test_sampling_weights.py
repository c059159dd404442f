"""With sampling weights the re-identification risk of a class is one over the population it stands for."""
from __future__ import annotations

import pytest

from anonymizer import Column, Policy, Scrubber, TableAnonymizer

COLUMNS = [Column("background-sex", "background/sex", "select1", "quasi_identifier"),
           Column("background-region", "background/region", "select1", "quasi_identifier"),
           Column("weight", "weight", "decimal", "none"),
           Column("KEY", "KEY", "string", "linking_identifier")]
# Two classes after anonymization (k = 3): women in Naryn stand for 12.5 + 30 + 7.5 = 50 students,
# men in Naryn for 40 + 40 + 20 + 20 = 120; one man in Talas (weight 80) is removed: fewer than k.
ROWS = [["f", "naryn", "12.5"], ["f", "naryn", "30"], ["f", "naryn", "7.5"], ["m", "naryn", "40"],
        ["m", "naryn", "40"], ["m", "naryn", "20"], ["m", "naryn", "20"], ["m", "talas", "80"]]


def report(weight_column):
    worker = TableAnonymizer("f", COLUMNS, Policy(k=3, suppression_limit=0.2), b"key", Scrubber(),
                             weight_column=weight_column)
    rows = [row + [f"uuid:{i}"] for i, row in enumerate(ROWS)]
    for row in rows:
        worker.observe(row)
    worker.decide()
    return [worker.transform(r) for r in rows], worker.risk_report()


def test_weighted_max_risk_is_one_over_the_smallest_sum_of_weights_of_a_published_class():
    out, risk = report("weight")
    assert [row is None for row in out] == [False] * 7 + [True]
    assert (risk["k_reached"], risk["records_removed"], risk["equivalence_classes"]) == (3, 1, 2)
    assert risk["risk"]["weighted"] is True
    assert risk["risk"]["max"] == pytest.approx(1 / 50)
    assert risk["risk"]["mean"] == pytest.approx((3 / 50 + 4 / 120) / 7)
    assert risk["risk"]["expected_reidentifications"] == pytest.approx(3 / 50 + 4 / 120)
    assert risk["risk"]["records_above_threshold"] == 0


def test_without_weights_the_risk_is_one_over_the_class_size():
    out, risk = report(None)
    assert risk["risk"]["weighted"] is False
    assert risk["risk"]["max"] == pytest.approx(1 / 3)
    assert risk["risk"]["records_above_threshold"] == 7          # 1/3 and 1/4 are above 0.2
    assert risk["risk"]["expected_reidentifications"] == pytest.approx(2.0)
