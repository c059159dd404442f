"""Weight adjustments: non-response classes, post-stratification, raking, trimming, products."""
from __future__ import annotations

import numpy as np
import pytest

from server.sampling.weights import (RakeReport, collapse_empty_classes, combine,
                                     nonresponse_adjust, poststratify, rake, trim)


def _sums(weights, labels):
    totals: dict = {}
    for w, label in zip(weights, labels):
        totals[label] = totals.get(label, 0.0) + float(w)
    return totals


# ---------------------------------------------------------------- non-response

def test_nonresponse_adjustment_moves_each_class_weight_onto_its_respondents():
    weights = [10.0, 10.0, 20.0, 5.0, 5.0, 5.0]
    responded = [True, False, True, True, True, False]
    classes = ["girls", "girls", "girls", "boys", "boys", "boys"]
    adjusted = nonresponse_adjust(weights, responded, classes)
    # girls: 40 in all, 30 answered -> factor 4/3; boys: 15 in all, 10 answered -> factor 3/2
    assert adjusted.tolist() == pytest.approx([10 * 4 / 3, 0.0, 20 * 4 / 3, 7.5, 7.5, 0.0])


def test_nonresponse_adjustment_preserves_every_class_total():
    rng = np.random.default_rng(7)
    weights = rng.uniform(1, 30, 500)
    classes = rng.integers(0, 12, 500)
    responded = rng.random(500) < 0.7
    adjusted = nonresponse_adjust(weights, responded, classes)
    before, after = _sums(weights, classes), _sums(adjusted, classes)
    assert after == pytest.approx(before, rel=1e-12)
    assert (adjusted[~responded] == 0).all()


def test_nonresponse_adjustment_accepts_one_and_zero_as_response_flags():
    assert nonresponse_adjust([1.0, 3.0], [1, 0], ["c", "c"]).tolist() == [4.0, 0.0]


def test_a_class_without_respondents_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"'school 7 / evening'.*collapse_empty_classes"):
        nonresponse_adjust([2.0, 2.0, 3.0], [True, False, False],
                           ["school 7 / day", "school 7 / evening", "school 7 / evening"])


def test_collapsing_merges_an_empty_class_into_its_fallback_and_keeps_the_total():
    classes = ["day", "day", "evening", "evening", "distance"]
    responded = [True, False, False, False, False]
    collapsed = collapse_empty_classes(classes, responded,
                                       {"evening": "day", "distance": "evening"})
    # distance -> evening (empty too) -> day
    assert collapsed.tolist() == ["day"] * 5
    adjusted = nonresponse_adjust([1.0, 2.0, 3.0, 4.0, 5.0], responded, collapsed)
    assert adjusted.tolist() == pytest.approx([15.0, 0.0, 0.0, 0.0, 0.0])


def test_collapsing_keeps_classes_that_have_respondents_and_tuple_labels():
    classes = [("s1", "F"), ("s1", "M"), ("s1", "M")]
    collapsed = collapse_empty_classes(classes, [True, True, False], {("s1", "M"): ("s1", "F")})
    assert collapsed.tolist() == classes


def test_collapsing_without_a_fallback_for_an_empty_class_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'evening' has no respondent and no fallback"):
        collapse_empty_classes(["day", "evening"], [True, False], {})


def test_collapsing_detects_a_cycle_of_empty_classes():
    with pytest.raises(ValueError, match="cycle"):
        collapse_empty_classes(["a", "b", "c"], [False, False, True], {"a": "b", "b": "a"})


# ---------------------------------------------------------------- post-stratification

def test_poststratification_hits_every_control_total_and_keeps_ratios_inside_a_cell():
    weights = [1.0, 3.0, 2.0, 2.0]
    cells = ["Chui", "Chui", "Osh", "Osh"]
    adjusted = poststratify(weights, cells, {"Chui": 100.0, "Osh": 60.0})
    assert adjusted.tolist() == pytest.approx([25.0, 75.0, 30.0, 30.0])


def test_poststratification_needs_a_total_for_every_sampled_cell():
    with pytest.raises(ValueError, match="'Naryn' occurs in the sample but has no control total"):
        poststratify([1.0, 1.0], ["Chui", "Naryn"], {"Chui": 10.0})


def test_poststratification_needs_a_sampled_unit_for_every_total():
    with pytest.raises(ValueError, match="'Talas' has a control total but no sampled unit"):
        poststratify([1.0], ["Chui"], {"Chui": 10.0, "Talas": 5.0})


def test_poststratification_refuses_a_cell_whose_weights_are_all_zero():
    with pytest.raises(ValueError, match="'Osh' has a positive control total"):
        poststratify([1.0, 0.0], ["Chui", "Osh"], {"Chui": 10.0, "Osh": 5.0})


# ---------------------------------------------------------------- raking

def _rake_sample(seed: int = 3):
    rng = np.random.default_rng(seed)
    n = 400
    gender = rng.choice(["F", "M"], n, p=[0.3, 0.7])
    region = rng.choice(["Bishkek", "Chui", "Osh"], n)
    year = rng.choice([1, 2, 3], n)
    return rng.uniform(5, 15, n), gender, region, year


def test_raking_hits_every_margin_and_reports_convergence():
    weights, gender, region, year = _rake_sample()
    margins = {"gender": (gender, {"F": 5200.0, "M": 4800.0}),
               "region": (region, {"Bishkek": 4000.0, "Chui": 3500.0, "Osh": 2500.0}),
               "year": (year, {1: 4000.0, 2: 3500.0, 3: 2500.0})}
    raked, report = rake(weights, margins, tol=1e-10)
    for labels, totals in margins.values():
        assert _sums(raked, labels) == pytest.approx(totals, rel=1e-9)
    assert isinstance(report, RakeReport)
    assert report.iterations >= 2
    assert report.max_relative_deviation <= 1e-10


def test_raking_preserves_the_sample_association_between_the_margins():
    # IPF only rescales rows and columns, so the weighted cross-product ratio is unchanged.
    weights, gender, region, _ = _rake_sample(5)
    raked, _ = rake(weights, {"gender": (gender, {"F": 500.0, "M": 500.0}),
                              "region": (region, {"Bishkek": 300.0, "Chui": 300.0, "Osh": 400.0})})

    def odds_ratio(w):
        cell = _sums(w, zip(gender, region))
        return ((cell[("F", "Bishkek")] * cell[("M", "Osh")])
                / (cell[("F", "Osh")] * cell[("M", "Bishkek")]))

    assert odds_ratio(raked) == pytest.approx(odds_ratio(weights), rel=1e-9)


def test_raking_on_one_margin_is_poststratification_in_one_pass():
    weights, gender, _, _ = _rake_sample()
    totals = {"F": 700.0, "M": 300.0}
    raked, report = rake(weights, {"gender": (gender, totals)})
    assert raked == pytest.approx(poststratify(weights, gender, totals), rel=1e-12)
    assert report.iterations == 1


def test_raking_already_calibrated_weights_takes_no_pass():
    raked, report = rake([2.0, 3.0], {"g": (["a", "b"], {"a": 2.0, "b": 3.0})})
    assert raked.tolist() == [2.0, 3.0]
    assert report.iterations == 0


def test_raking_margins_of_different_population_sizes_is_an_error():
    weights, gender, region, _ = _rake_sample()
    with pytest.raises(ValueError, match="different sizes: gender = 1000, region = 1001"):
        rake(weights, {"gender": (gender, {"F": 500.0, "M": 500.0}),
                       "region": (region, {"Bishkek": 300.0, "Chui": 300.0, "Osh": 401.0})})


def test_raking_that_cannot_converge_raises():
    # Only (F, Chui) and (M, Osh) are sampled, so F must equal Chui: 10 against 2, impossible.
    with pytest.raises(ValueError, match="did not converge in 50 passes"):
        rake([1.0, 1.0], {"gender": (["F", "M"], {"F": 10.0, "M": 10.0}),
                          "region": (["Chui", "Osh"], {"Chui": 2.0, "Osh": 18.0})},
             max_iter=50)


def test_raking_names_a_margin_category_missing_from_the_totals():
    with pytest.raises(ValueError, match="margin 'gender': category 'X' occurs in the sample"):
        rake([1.0, 1.0], {"gender": (["F", "X"], {"F": 2.0})})


# ---------------------------------------------------------------- trimming and products

def test_trimming_caps_weights_and_keeps_their_sum():
    weights = np.array([1.0, 1.0, 1.0, 1.0, 16.0, 0.0])
    trimmed = trim(weights, 2.0)
    cap = 2.0 * weights[weights > 0].mean()  # 2 × 20/5 = 8
    assert trimmed.max() == pytest.approx(cap)
    assert trimmed.sum() == pytest.approx(weights.sum())
    # the 8 cut from the big weight goes to the four small ones in proportion: 1 + 8/4 = 3
    assert trimmed.tolist() == pytest.approx([3.0, 3.0, 3.0, 3.0, 8.0, 0.0])


def test_trimming_below_the_mean_is_refused():
    with pytest.raises(ValueError, match="max_ratio must be at least 1"):
        trim([1.0, 2.0], 0.5)


def test_combine_multiplies_factors_unit_by_unit_and_accepts_a_constant():
    school = [10.0, 10.0, 4.0]
    within = [3.0, 3.0, 2.5]
    assert combine(school, within, 1.1).tolist() == pytest.approx([33.0, 33.0, 11.0])


def test_combine_refuses_factors_of_different_lengths_or_negative_values():
    with pytest.raises(ValueError, match="same length"):
        combine([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weight factor 2 must not be negative"):
        combine([1.0, 2.0], [1.0, -2.0])
