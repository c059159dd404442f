"""Classical item analysis, scoring and rater agreement against textbook formulas on matrices checked by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from server.measurement import agreement, items, scoring
from server.measurement.scoring import PENDING, Item

# Five takers, four one-point items (p = .8, .6, .4, .2); totals 3, 2, 1, 4, 0.
HAND = np.array([[1, 1, 1, 0],
                 [1, 1, 0, 0],
                 [1, 0, 0, 0],
                 [1, 1, 1, 1],
                 [0, 0, 0, 0]], dtype=float)
NAMES = ["q1", "q2", "q3", "q4"]


def test_alpha_difficulty_and_point_biserial_equal_the_hand_computation():
    result = items.analyse(HAND, [1, 1, 1, 1], NAMES)
    # Item variances (n-1): .2, .3, .3, .2 → 1.0; total variance: SS 10 / 4 = 2.5; alpha = 4/3 (1 - 1/2.5) = .8
    assert result.alpha == pytest.approx(0.8)
    assert [i.difficulty for i in result.items] == pytest.approx([0.8, 0.6, 0.4, 0.2])
    # q1 against the rest score (2, 1, 0, 3, 0): cov 1.2, SS 0.8 and 6.8 → 1.2 / sqrt(5.44)
    assert result.items[0].discrimination == pytest.approx(1.2 / math.sqrt(5.44))
    assert result.mean_total == pytest.approx(2.0) and result.sd_total == pytest.approx(math.sqrt(2.5))
    # Alpha without q1: the other three items' variances .8, rest-score variance 6.8/4 = 1.7
    assert result.items[0].alpha_if_deleted == pytest.approx(3 / 2 * (1 - 0.8 / 1.7))


def test_point_biserial_is_the_textbook_formula_for_one_point_items():
    rng = np.random.default_rng(3)
    matrix = (rng.random((200, 8)) < np.linspace(0.2, 0.8, 8)).astype(float)
    result = items.analyse(matrix, [1] * 8, [f"q{i}" for i in range(8)])
    for j, stats in enumerate(result.items):
        x, rest = matrix[:, j], matrix.sum(axis=1) - matrix[:, j]
        p, q = x.mean(), 1 - x.mean()
        mean_1, mean_0 = rest[x == 1].mean(), rest[x == 0].mean()
        textbook = (mean_1 - mean_0) / rest.std(ddof=0) * math.sqrt(p * q)
        assert stats.discrimination == pytest.approx(textbook)
        assert stats.discrimination == pytest.approx(np.corrcoef(x, rest)[0, 1])


def test_omitted_and_not_reached_are_told_apart():
    nan = float("nan")
    matrix = np.array([[1, nan, 1, nan],     # q2 omitted, q4 not reached
                       [1, 1, nan, nan],     # q3 and q4 not reached
                       [nan, 1, 0, 1],       # q1 omitted
                       [1, 0, 1, 1]])
    late = items.not_reached(matrix)
    assert late.tolist() == [[False, False, False, True], [False, False, True, True],
                             [False, False, False, False], [False, False, False, False]]
    result = items.analyse(matrix, [1, 1, 1, 1], NAMES)
    assert [i.omitted for i in result.items] == [0.25, 0.25, 0.0, 0.0]
    assert [i.not_reached for i in result.items] == [0.0, 0.0, 0.25, 0.5]
    assert [i.reached for i in result.items] == [4, 4, 3, 2]
    assert result.items[2].difficulty == pytest.approx(2 / 3)   # over the three who reached it
    assert result.items[0].difficulty == pytest.approx(3 / 4)   # the omission scores 0


def test_distractors_give_share_and_mean_total_per_option():
    answers = {"q1": ["a", "b", "a", "c", None]}
    matrix = np.array([[1, 1], [0, 1], [1, 0], [0, 0], [float("nan"), 1]])
    result = items.analyse(matrix, [1, 1], ["q1", "q2"], answers, {"q1": ["a"]}, {"q1": ["a", "b", "c", "d"]})
    rows = {d.option: d for d in result.distractors["q1"]}
    assert rows["a"].share == pytest.approx(0.4) and rows["a"].key and rows["a"].mean_total == pytest.approx(1.5)
    assert rows["b"].share == pytest.approx(0.2) and rows["b"].mean_total == pytest.approx(1.0)
    assert rows["d"].share == 0 and math.isnan(rows["d"].mean_total)


def test_every_item_type_is_scored_including_missing_answers():
    single = Item("q1", "single", 1, "c")
    assert [scoring.score_item(single, a) for a in ("c", "b", None, "")] == [1.0, 0.0, None, None]
    strict = Item("q2", "multiple", 2, ["b", "c", "e"])
    partial = Item("q3", "multiple", 2, ["b", "c", "e"], "partial")
    assert scoring.score_item(strict, "e c b") == 2.0 and scoring.score_item(strict, "b c") == 0.0
    assert scoring.score_item(partial, "b c") == pytest.approx(2 * 2 / 3)
    assert scoring.score_item(partial, "b c a") == pytest.approx(2 * 1 / 3)      # a wrong pick takes one back
    assert scoring.score_item(partial, "a d") == 0.0 and scoring.score_item(partial, None) is None
    open_item = Item("q4", "open", 2, coding=({"code": 2}, {"code": 1}, {"code": 0}, {"code": 9, "missing": True}))
    assert scoring.score_item(open_item, "Зачистка, разделка, сборка") == PENDING
    assert scoring.score_item(open_item, "текст", 1) == 1.0 and scoring.score_item(open_item, "", 9) is None
    assert scoring.score_item(open_item, None) is None
    scored = scoring.score_response([single, strict, partial, open_item], {"q1": "c", "q3": "b c e", "q4": "…"})
    summary = scoring.totals([single, strict, partial, open_item], scored,
                             {"q1": "safety", "q2": "safety", "q3": "materials", "q4": "materials"})
    assert summary["total"] == 3.0 and summary["max"] == 7.0 and summary["pending"] == 1
    assert summary["domains"] == {"safety": {"total": 1.0, "max": 3.0}, "materials": {"total": 2.0, "max": 4.0}}


def test_percent_agreement_and_cohens_kappa():
    # The textbook 2×2 table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o .7, p_e .5, kappa .4
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    observed, kappa = agreement.agreement(first, second)
    assert observed == pytest.approx(0.7) and kappa == pytest.approx(0.4)
    assert agreement.agreement([2, 1, 0], [2, 1, 0]) == (1.0, 1.0)
    with pytest.raises(ValueError):
        agreement.agreement([1], [1, 2])


def test_pending_codes_are_neither_omitted_nor_a_not_reached_run():
    nan = float("nan")
    matrix = np.array([[1, 0, nan], [1, 1, nan], [0, nan, nan]])
    pending = np.array([[False, False, True], [False, False, True], [False, False, False]])
    result = items.analyse(matrix, [1, 1, 2], ["q1", "q2", "q3"], pending=pending)
    assert [i.not_reached for i in result.items] == pytest.approx([0, 1 / 3, 1 / 3])
    assert [i.omitted for i in result.items] == [0, 0, 0] and result.items[2].reached == 0


def test_levels_from_cut_scores_and_weighted_shares():
    from server.measurement import levels
    cuts = [("below", 0), ("basic", 40), ("proficient", 65), ("advanced", 85)]
    assigned = levels.assign([10, 40, 64.9, 65, 100, 85], cuts)
    assert assigned == ["below", "basic", "basic", "proficient", "advanced", "advanced"]
    codes = [c for c, _ in cuts]
    assert levels.shares(assigned, codes) == pytest.approx({"below": 1 / 6, "basic": 2 / 6, "proficient": 1 / 6,
                                                            "advanced": 2 / 6})
    weighted = levels.shares(assigned, codes, [4, 1, 1, 1, 1, 2])
    assert weighted == pytest.approx({"below": 0.4, "basic": 0.2, "proficient": 0.1, "advanced": 0.3})
