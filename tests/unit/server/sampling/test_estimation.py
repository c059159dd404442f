"""Design-based estimation, checked against arithmetic written out by hand and published output."""
from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from server.sampling.estimation import Estimate, mean, proportion, total
from server.sampling.quantiles import normal_quantile, student_t_quantile

# Two strata, five schools, six people.          school   weight  y
#   stratum A: school a1 has two people         a1       2       1
#                                                a1       2       3
#              school a2 has one                 a2       4       4
#   stratum B: three schools of one person each  b1       1       4
#                                                b2       1       2
#                                                b3       2       3
STRATA = ["A", "A", "A", "B", "B", "B"]
SCHOOLS = ["a1", "a1", "a2", "b1", "b2", "b3"]
WEIGHTS = [2.0, 2.0, 4.0, 1.0, 1.0, 2.0]
Y = [1.0, 3.0, 4.0, 4.0, 2.0, 3.0]
T3 = 3.182446305284263  # t_{0.975} with 3 = 5 schools − 2 strata degrees of freedom


def _stratum_term(totals):
    """n_h/(n_h − 1) · Σ (z_hi − z̄_h)², with exact fractions."""
    n = len(totals)
    centre = sum(totals, F(0)) / n
    return F(n, n - 1) * sum((z - centre) ** 2 for z in totals)


# ---------------------------------------------------------------- quantiles

@pytest.mark.parametrize(("p", "df", "table"), [
    (0.975, 1, 12.7062), (0.975, 10, 2.2281), (0.975, 30, 2.0423),
    (0.975, 3, 3.1824), (0.995, 5, 4.0321), (0.95, 20, 1.7247), (0.9, 2, 1.8856),
])
def test_t_quantile_matches_the_printed_table(p, df, table):
    assert round(student_t_quantile(p, df), 4) == table


@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.999, 0.99999])
def test_t_quantile_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(p):
    assert student_t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-10)
    assert student_t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)),
                                                     rel=1e-10)


def test_t_quantile_is_symmetric_and_approaches_the_normal():
    assert student_t_quantile(0.025, 7) == pytest.approx(-student_t_quantile(0.975, 7), rel=1e-14)
    # Cornish-Fisher: t ≈ z + (z³ + z)/(4ν), the next term being of order 1/ν².
    z = 1.959963984540054
    assert student_t_quantile(0.975, 100_000) == pytest.approx(z + (z ** 3 + z) / 400_000, abs=1e-8)


@pytest.mark.parametrize(("p", "table"), [
    (0.975, 1.959964), (0.5, 0.0), (0.9, 1.281552), (0.995, 2.575829), (0.01, -2.326348),
    (1e-9, -5.997807),
])
def test_normal_quantile_matches_the_printed_table(p, table):
    assert normal_quantile(p) == pytest.approx(table, abs=5e-7)


def test_quantiles_refuse_impossible_arguments():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        normal_quantile(1.0)
    with pytest.raises(ValueError, match="at least 1 degree of freedom"):
        student_t_quantile(0.975, 0)


# ---------------------------------------------------------------- the hand-computed example

def test_mean_standard_error_and_interval_match_the_hand_computation():
    # ȳ = Σwy/Σw = (2 + 6 + 16 + 4 + 2 + 6)/12 = 36/12 = 3.
    # z_j = w_j (y_j − 3)/12; school totals (× 12): a1 = 2·(−2) + 2·0 = −4, a2 = 4·1 = 4,
    # b1 = 1·1 = 1, b2 = 1·(−1) = −1, b3 = 2·0 = 0.
    # Stratum A: mean 0, 2/1 · (16 + 16) = 64. Stratum B: mean 0, 3/2 · (1 + 1 + 0) = 3.
    variance = F(64 + 3, 144)
    se = math.sqrt(variance)
    [estimate] = mean(Y, WEIGHTS, STRATA, SCHOOLS)
    assert estimate.domain is None and estimate.category is None
    assert estimate.estimate == pytest.approx(3.0)
    assert estimate.se == pytest.approx(se, rel=1e-12)
    assert se == pytest.approx(math.sqrt(67) / 12)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((3 - T3 * se, 3 + T3 * se), rel=1e-12)
    assert (estimate.n, estimate.population, estimate.df) == (6, 12.0, 3)


def test_design_effect_matches_the_hand_computation():
    # Σ w (y − ȳ)² = 2·4 + 2·0 + 4·1 + 1·1 + 1·1 + 2·0 = 14; S² = 6/5 · 14/12 = 1.4;
    # SRS without replacement of 6 from 12: (1 − 6/12) · 1.4/6 = 0.7/6.
    [estimate] = mean(Y, WEIGHTS, STRATA, SCHOOLS)
    assert estimate.deff == pytest.approx((67 / 144) / (0.7 / 6), rel=1e-12)


def test_first_stage_fpc_multiplies_each_stratum_by_one_minus_its_sampling_fraction():
    # f_A = 1/2, f_B = 1/4: (1/2 · 64 + 3/4 · 3)/144.
    [estimate] = mean(Y, WEIGHTS, STRATA, SCHOOLS, fpc={"A": 0.5, "B": 0.25})
    assert estimate.se == pytest.approx(math.sqrt((32 + 2.25) / 144), rel=1e-12)


def test_total_matches_the_hand_computation():
    # Ŷ = 36; school totals of w·y: a1 = 2 + 6 = 8, a2 = 16, b1 = 4, b2 = 2, b3 = 6.
    # Stratum A: mean 12, 2·(16 + 16) = 64. Stratum B: mean 4, 3/2·(0 + 4 + 4) = 12.
    [estimate] = total(Y, WEIGHTS, STRATA, SCHOOLS)
    assert estimate.estimate == pytest.approx(36.0)
    assert estimate.se == pytest.approx(math.sqrt(76), rel=1e-12)
    # SRS variance of the total: Ŵ² · 0.7/6 = 144 · 0.7/6 = 16.8.
    assert estimate.deff == pytest.approx(76 / 16.8, rel=1e-12)


def test_proportion_and_logit_interval_match_the_hand_computation():
    answer = ["yes", "no", "yes", "no", "yes", "no"]
    # p̂(yes) = (2 + 4 + 1)/12 = 7/12; z_j = w_j (1{yes} − 7/12)/12, school totals (× 12):
    p = F(7, 12)
    a1, a2 = 2 * (1 - p) + 2 * (0 - p), 4 * (1 - p)
    b1, b2, b3 = 1 * (0 - p), 1 * (1 - p), 2 * (0 - p)
    variance = (_stratum_term([a1, a2]) + _stratum_term([b1, b2, b3])) / 144
    se = math.sqrt(variance)
    logit, half = math.log(7 / 5), T3 * se / (7 / 12 * 5 / 12)
    low, high = 1 / (1 + math.exp(-(logit - half))), 1 / (1 + math.exp(-(logit + half)))
    no, yes = proportion(answer, WEIGHTS, STRATA, SCHOOLS)
    assert (yes.category, yes.estimate, yes.se) == ("yes", pytest.approx(7 / 12), pytest.approx(se))
    assert (yes.ci_low, yes.ci_high) == pytest.approx((low, high), rel=1e-12)
    # The complementary category has the complementary share and the same standard error.
    assert (no.category, no.estimate, no.se) == ("no", pytest.approx(5 / 12), pytest.approx(se))
    # Design effect: S² = 6/5 · p(1 − p), SRS variance (1 − 6/12) · S²/6.
    assert yes.deff == pytest.approx(variance / (0.5 * 1.2 * 7 / 12 * 5 / 12 / 6), rel=1e-12)


def test_equal_weights_one_person_per_school_one_stratum_is_the_textbook_srs_error():
    rng = np.random.default_rng(11)
    y = rng.normal(50, 12, 40)
    [estimate] = mean(y, np.full(40, 7.5), np.zeros(40), np.arange(40))
    assert estimate.estimate == pytest.approx(y.mean())
    assert estimate.se == pytest.approx(y.std(ddof=1) / math.sqrt(40), rel=1e-12)
    assert estimate.df == 39


def test_stata_output_for_the_province_91_systematic_sample_is_reproduced():
    # Lehtonen & Pahkinen, Table 2.6, as run in Stata by UCLA OARC ("How do I analyze survey
    # data with a systematic sample design?"): svy: total ue91 with strata str, PSU clu,
    # pweight 4, fpc 8/32 -> Total 23580, SE 11801.49, CI (-5297.209, 52457.21), DEFF .758641.
    ue91 = [4123, 721, 194, 129, 239, 61, 262, 166]
    stratum = [1, 1, 2, 2, 2, 2, 2, 2]
    cluster = [1, 5, 9, 13, 17, 21, 25, 29]
    [estimate] = total(ue91, [4] * 8, stratum, cluster, fpc={1: 0.25, 2: 0.25})
    assert estimate.estimate == 23580
    assert round(estimate.se, 2) == 11801.49
    assert (round(estimate.ci_low, 3), round(estimate.ci_high, 2)) == (-5297.209, 52457.21)
    assert round(estimate.deff, 6) == 0.758641
    assert estimate.df == 6


# ---------------------------------------------------------------- domains

def test_domain_mean_uses_the_whole_design_and_differs_from_subsetting_it():
    girls = [True, False, True, True, False, True]
    sex = ["girl" if g else "boy" for g in girls]
    # Girls: Ŵ = 2 + 4 + 1 + 2 = 9, ȳ = (2 + 16 + 4 + 6)/9 = 28/9.
    ybar, size = F(28, 9), 9
    a1, a2 = 2 * (1 - ybar) / size, 4 * (4 - ybar) / size
    b1, b2, b3 = 1 * (4 - ybar) / size, F(0), 2 * (3 - ybar) / size  # b2 has no girl: z = 0
    se = math.sqrt(_stratum_term([a1, a2]) + _stratum_term([b1, b2, b3]))
    boy, girl = mean(Y, WEIGHTS, STRATA, SCHOOLS, domain=sex)
    assert (boy.domain, girl.domain) == ("boy", "girl")
    assert girl.estimate == pytest.approx(28 / 9)
    assert girl.se == pytest.approx(se, rel=1e-12)
    assert (girl.n, girl.population, girl.df) == (4, 9.0, 3)

    keep = np.array(girls)
    [naive] = mean(np.array(Y)[keep], np.array(WEIGHTS)[keep], np.array(STRATA)[keep],
                   np.array(SCHOOLS)[keep])
    assert naive.estimate == pytest.approx(girl.estimate)
    assert naive.df == 2  # four schools left: school b2 has vanished from stratum B
    assert naive.se != pytest.approx(girl.se, rel=1e-3)


def test_domain_proportions_cover_every_category_seen_in_the_sample():
    answer = ["yes", "no", "yes", "no", "maybe", "no"]
    region = ["north", "north", "north", "south", "south", "south"]
    results = proportion(answer, WEIGHTS, STRATA, SCHOOLS, domain=region)
    assert [(r.domain, r.category) for r in results] == [
        (d, c) for d in ("north", "south") for c in ("maybe", "no", "yes")]
    north_maybe = results[0]
    assert (north_maybe.estimate, north_maybe.ci_low, north_maybe.ci_high) == (0.0, 0.0, 0.0)
    assert sum(r.estimate for r in results[3:]) == pytest.approx(1.0)
    assert results[4].estimate == pytest.approx((1 + 2) / 4)  # "no" in the south: b1, b3


def test_tuple_labels_work_for_strata_and_domains():
    strata = [("Chui", "lyceum")] * 3 + [("Osh", "college")] * 3
    domain = [("F", 1), ("M", 1)] * 3
    results = mean(Y, WEIGHTS, strata, SCHOOLS, domain=domain)
    assert [r.domain for r in results] == [("F", 1), ("M", 1)]
    [overall] = mean(Y, WEIGHTS, strata, SCHOOLS)
    assert overall.se == pytest.approx(math.sqrt(67) / 12)


# ---------------------------------------------------------------- missing values

def test_missing_values_are_dropped_and_a_school_with_none_leaves_the_design():
    # School b4 joins stratum B but neither of its two people answered: it drops out of n_B and
    # of the degrees of freedom, and the estimate is exactly the six-person one.
    y = Y + [None, float("nan")]
    [estimate] = mean(y, WEIGHTS + [5.0, 5.0], STRATA + ["B", "B"], SCHOOLS + ["b4", "b4"])
    assert estimate.se == pytest.approx(math.sqrt(67) / 12, rel=1e-12)
    assert (estimate.n, estimate.population, estimate.df) == (6, 12.0, 3)


def test_missing_categories_and_domain_labels_are_dropped():
    answer = ["yes", None, "yes", "no", "yes", "no", float("nan")]
    region = ["n", "n", "n", "s", None, "s", "s"]
    results = proportion(answer, WEIGHTS + [9.0], STRATA + ["B"], SCHOOLS + ["b3"], domain=region)
    # Left: a1's first person and a2 (north, both "yes"), b1 and b3 (south, both "no").
    assert [(r.domain, r.category, r.n) for r in results] == [
        ("n", "no", 2), ("n", "yes", 2), ("s", "no", 2), ("s", "yes", 2)]
    assert [r.estimate for r in results] == [0.0, 1.0, 1.0, 0.0]
    assert results[0].df == 2  # a1, a2 | b1, b3: b2 has nobody left


# ---------------------------------------------------------------- a stratum with one school

LONELY = dict(y=Y + [5.0], weights=WEIGHTS + [3.0], strata=STRATA + ["C"], psu=SCHOOLS + ["c1"])


def _lonely_hand():
    """School totals when stratum C (one school, w = 3, y = 5) joins: ȳ = 51/15 = 17/5."""
    ybar, size = F(51, 15), 15
    z = {school: F(0) for school in LONELY["psu"]}
    for w, y, school in zip(LONELY["weights"], LONELY["y"], LONELY["psu"]):
        z[school] += F(w) * (F(y) - ybar) / size
    rest = _stratum_term([z["a1"], z["a2"]]) + _stratum_term([z["b1"], z["b2"], z["b3"]])
    return rest, z["c1"]


def test_a_stratum_with_one_school_is_an_error_naming_it():
    with pytest.raises(ValueError, match="stratum 'C' has a single school"):
        mean(LONELY["y"], LONELY["weights"], LONELY["strata"], LONELY["psu"])


def test_lonely_school_as_certainty_contributes_nothing():
    rest, _ = _lonely_hand()
    [estimate] = mean(LONELY["y"], LONELY["weights"], LONELY["strata"], LONELY["psu"],
                      lonely_psu="certainty")
    assert estimate.se == pytest.approx(math.sqrt(rest), rel=1e-12)
    assert estimate.df == 3  # 6 schools − 3 strata


def test_lonely_school_centred_on_the_grand_mean_adds_its_squared_deviation():
    # For a mean the school totals sum to 0, so the grand mean is 0 and C adds z_c1².
    rest, c1 = _lonely_hand()
    [estimate] = mean(LONELY["y"], LONELY["weights"], LONELY["strata"], LONELY["psu"],
                      lonely_psu="center")
    assert estimate.se == pytest.approx(math.sqrt(rest + c1 ** 2), rel=1e-12)


def test_a_stratum_taken_whole_may_have_one_school():
    rest, _ = _lonely_hand()
    [estimate] = mean(LONELY["y"], LONELY["weights"], LONELY["strata"], LONELY["psu"],
                      fpc={"A": 0.0, "B": 0.0, "C": 1.0})
    assert estimate.se == pytest.approx(math.sqrt(rest), rel=1e-12)


# ---------------------------------------------------------------- errors a statistician can act on

def test_a_school_in_two_strata_is_refused():
    with pytest.raises(ValueError, match="school \\(PSU\\) 'a1' appears in more than one stratum"):
        mean(Y, WEIGHTS, ["A", "B", "A", "B", "B", "B"], SCHOOLS)


def test_fpc_must_cover_every_stratum_and_be_a_fraction():
    with pytest.raises(ValueError, match="no sampling fraction for stratum 'B'"):
        mean(Y, WEIGHTS, STRATA, SCHOOLS, fpc={"A": 0.5})
    with pytest.raises(ValueError, match="stratum 'A' has 40"):
        mean(Y, WEIGHTS, STRATA, SCHOOLS, fpc={"A": 40, "B": 0.1})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"alpha": 1.5}, "alpha must lie strictly between 0 and 1"),
    ({"lonely_psu": "adjust"}, "lonely_psu must be one of error, certainty, center"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mean(Y, WEIGHTS, STRATA, SCHOOLS, **kwargs)


def test_bad_columns_are_refused():
    with pytest.raises(ValueError, match="weights must be finite and non-negative"):
        mean(Y, [-1.0] + WEIGHTS[1:], STRATA, SCHOOLS)
    with pytest.raises(ValueError, match="strata has 5 values but there are 6 units"):
        mean(Y, WEIGHTS, STRATA[:5], SCHOOLS)
    with pytest.raises(ValueError, match="y must be numeric"):
        mean(["good", "bad"] * 3, WEIGHTS, STRATA, SCHOOLS)
    with pytest.raises(ValueError, match="no unit has a value"):
        mean([None] * 6, WEIGHTS, STRATA, SCHOOLS)
    with pytest.raises(ValueError, match="1 units have no stratum label"):
        mean(Y, WEIGHTS, STRATA[:5] + [None], SCHOOLS)


def test_results_are_estimate_records():
    [estimate] = mean(Y, WEIGHTS, STRATA, SCHOOLS, alpha=0.1)
    assert isinstance(estimate, Estimate)
    assert estimate.ci_high - estimate.estimate == pytest.approx(
        student_t_quantile(0.95, 3) * estimate.se)
