"""Our estimates against samplics' TaylorEstimator on a realistic synthetic two-stage sample.

samplics is an independent implementation of the same linearization (and scipy, which it
depends on, checks our t and normal quantiles). Under CI=true a missing samplics fails the run.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from server.sampling.estimation import mean, proportion, total
from server.sampling.quantiles import normal_quantile, student_t_quantile

IN_CI = os.environ.get("CI", "").lower() == "true"


def _require(module: str):
    """Import a test dependency: skip without it on a developer machine, fail under CI."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "samplics is archived" notice
        if IN_CI:
            try:
                return __import__(module, fromlist=["_"])
            except ImportError as error:
                pytest.fail(f"{module} is required under CI=true: {error}")
        return pytest.importorskip(module)


@pytest.fixture(scope="module")
def samplics():
    estimation = _require("samplics.estimation")
    types = _require("samplics.utils.types")
    return estimation.TaylorEstimator, types.PopParam, types.SinglePSUEst


def _sample(seed: int = 20240601) -> dict:
    """6 strata × 4–8 schools × 10–30 students, unequal weights, school effects, gaps."""
    rng = np.random.default_rng(seed)
    regions = np.array(["Batken", "Chui", "Issyk-Kul", "Osh"])
    columns: dict[str, list] = {k: [] for k in ("stratum", "school", "weight", "score",
                                                "track", "region")}
    fractions = {}
    for h in range(6):
        n_schools = int(rng.integers(4, 9))
        fractions[f"S{h}"] = n_schools / int(rng.integers(n_schools + 2, 40))
        for i in range(n_schools):
            students = int(rng.integers(10, 31))
            school_weight = rng.uniform(2, 12)
            effect = rng.normal(0, 6)
            region = rng.choice(regions, p=[0.1, 0.4, 0.2, 0.3])
            for _ in range(students):
                columns["stratum"].append(f"S{h}")
                columns["school"].append(f"S{h}-{i}")
                columns["weight"].append(school_weight * rng.uniform(5, 25))
                columns["score"].append(55 + 2 * h + effect + rng.normal(0, 12))
                columns["track"].append(float(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2])))
                # region mostly the school's, sometimes the student's home region
                columns["region"].append(region if rng.random() < 0.8 else rng.choice(regions))
    data = {k: np.array(v) for k, v in columns.items()}
    data["score"][rng.random(data["score"].size) < 0.04] = np.nan
    data["score"][data["school"] == "S2-1"] = np.nan  # a school where nobody has a score
    data["track"][rng.random(data["track"].size) < 0.05] = np.nan
    data["fpc"] = fractions
    return data


DATA = _sample()


def _theirs(samplics, param: str, y, data: dict, domain, fpc, **options):
    taylor, pop_param, _ = samplics
    estimator = taylor({"mean": pop_param.mean, "total": pop_param.total,
                        "proportion": pop_param.prop}[param])
    extra = {} if fpc is None else {"fpc": {h: 1.0 - f for h, f in sorted(fpc.items())}}
    estimator.estimate(y=y, samp_weight=data["weight"], stratum=data["stratum"],
                       psu=data["school"], domain=domain, remove_nan=True, **extra, **options)
    return estimator


def _pick(table, estimate, by_category: bool):
    value = table if estimate.domain is None else table[estimate.domain]
    return value[estimate.category] if by_category else value


@pytest.mark.parametrize("param", ["mean", "total", "proportion"])
@pytest.mark.parametrize("by_region", [False, True], ids=["overall", "by-region"])
@pytest.mark.parametrize("with_fpc", [False, True], ids=["with-replacement", "fpc"])
def test_estimates_standard_errors_and_intervals_match_samplics(samplics, param, by_region,
                                                                  with_fpc):
    ours_function = {"mean": mean, "total": total, "proportion": proportion}[param]
    y = DATA["track"] if param == "proportion" else DATA["score"]
    domain = DATA["region"] if by_region else None
    fpc = DATA["fpc"] if with_fpc else None
    ours = ours_function(y, DATA["weight"], DATA["stratum"], DATA["school"], domain=domain, fpc=fpc)
    theirs = _theirs(samplics, param, y, DATA, domain, fpc)

    expected_rows = (4 if by_region else 1) * (3 if param == "proportion" else 1)
    assert len(ours) == expected_rows
    by_category = param == "proportion"
    for estimate in ours:
        assert estimate.df == theirs.degree_of_freedom
        for mine, table in ((estimate.estimate, theirs.point_est), (estimate.se, theirs.stderror),
                            (estimate.ci_low, theirs.lower_ci), (estimate.ci_high, theirs.upper_ci)):
            assert mine == pytest.approx(float(_pick(table, estimate, by_category)), rel=1e-6)


def test_the_school_without_scores_leaves_the_design_as_in_samplics(samplics):
    [ours] = mean(DATA["score"], DATA["weight"], DATA["stratum"], DATA["school"])
    schools = len(set(DATA["school"].tolist()))
    assert ours.df == schools - 1 - 6
    assert ours.df == _theirs(samplics, "mean", DATA["score"], DATA, None, None).degree_of_freedom


def test_a_lonely_school_as_certainty_matches_samplics_skipping_its_stratum(samplics):
    _, _, single_psu = samplics
    keep = (DATA["stratum"] != "S4") | (DATA["school"] == "S4-0")
    data = {k: v[keep] for k, v in DATA.items() if k != "fpc"}
    [ours] = mean(data["score"], data["weight"], data["stratum"], data["school"],
                  lonely_psu="certainty")
    theirs = _theirs(samplics, "mean", data["score"], data, None, None,
                     single_psu=single_psu.skip)
    assert ours.se == pytest.approx(theirs.stderror, rel=1e-6)
    assert ours.ci_high == pytest.approx(theirs.upper_ci, rel=1e-6)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 12, 29, 60, 250, 1000, 20_000])
@pytest.mark.parametrize("p", [0.6, 0.9, 0.95, 0.975, 0.995, 0.9995])
def test_t_quantile_agrees_with_scipy(df, p):
    stats = _require("scipy.stats")
    assert student_t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-10)


@pytest.mark.parametrize("p", [1e-12, 1e-5, 0.001, 0.0243, 0.0245, 0.3, 0.5, 0.8, 0.975, 0.9999999])
def test_normal_quantile_agrees_with_scipy(p):
    stats = _require("scipy.stats")
    assert normal_quantile(p) == pytest.approx(stats.norm.ppf(p), rel=1e-13, abs=1e-15)
