"""Stated inclusion probabilities checked by simulation.

Each test draws thousands of samples with different seeds and compares every unit's empirical
inclusion frequency with the probability computed by hand below, within 4.5 binomial standard
errors (two-sided p ≈ 7e-6 per unit, so a few hundred comparisons stay well clear of chance
failures; the seeds are fixed, so the tests are deterministic anyway).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
import pytest

from server.sampling.selection import Design, FrameUnit, draw_schools, select_within

DRAWS = 5000
Z = 4.5
SIZES = {  # skewed sizes; under pps A1 (4·900/1555) and B1 (3·300/755) are certainty units
    ("Batken", "lyceum"): [900, 200, 120, 80, 60, 50, 40, 40, 30, 20, 10, 5],
    ("Talas", "college"): [300, 200, 60, 50, 45, 30, 25, 20, 15, 10],
    ("Issyk-Kul", "lyceum"): [70, 65, 60, 40, 30, 20, 15, 12],
}
FIXED = {("Batken", "lyceum"): 4, ("Talas", "college"): 3, ("Issyk-Kul", "lyceum"): 2}


def make_frame() -> list[FrameUnit]:
    frame = []
    for s, (stratum, sizes) in enumerate(SIZES.items()):
        for i, size in enumerate(sizes):
            frame.append(FrameUnit(f"{'ABC'[s]}{i + 1}", stratum, float(size), (f"district{i % 2}", -size)))
    return frame


def expected_probabilities(method: str) -> dict[str, float]:
    """π by hand: n/N for equal-probability designs; certainty rule then n'·size/Σ' for pps."""
    expected = {}
    for s, (stratum, sizes) in enumerate(SIZES.items()):
        n, keys = FIXED[stratum], [f"{'ABC'[s]}{i + 1}" for i in range(len(sizes))]
        if method != "pps":
            expected.update(dict.fromkeys(keys, n / len(sizes)))
            continue
        left = dict(zip(keys, map(float, sizes)))
        while n and (big := [k for k, v in left.items() if n * v / sum(left.values()) >= 1]):
            for k in big:
                expected[k] = 1.0
                del left[k]
            n -= len(big)
        total = sum(left.values())
        expected.update({k: n * v / total for k, v in left.items()})
    return expected


@lru_cache(maxsize=None)
def simulate(method: str) -> tuple[Counter, dict, list]:
    """Inclusion counts, stated probabilities, and the selected lists of every draw (computed once)."""
    frame, design = make_frame(), Design(n=None, allocation="fixed", fixed=FIXED, method=method)
    counts: Counter = Counter()
    stated: dict[str, set] = defaultdict(set)
    samples = []
    for seed in range(DRAWS):
        selected = draw_schools(frame, design, seed).selected
        samples.append(selected)
        for s in selected:
            counts[s.key] += 1
            stated[s.key].add(s.probability)
    return counts, stated, samples


def assert_frequencies_match(counts: Counter, expected: dict[str, float], draws: int) -> None:
    for key, p in expected.items():
        frequency = counts[key] / draws
        if p >= 1.0:
            assert counts[key] == draws, f"certainty unit {key} missed in {draws - counts[key]} draws"
            continue
        se = np.sqrt(p * (1 - p) / draws)
        assert abs(frequency - p) <= Z * se, f"{key}: selected in {frequency:.4f} of draws, stated π = {p:.4f}"


@pytest.mark.parametrize("method", ["srs", "systematic", "pps"])
def test_empirical_inclusion_frequencies_match_the_stated_probabilities(method):
    counts, stated, _ = simulate(method)
    expected = expected_probabilities(method)
    if method == "pps":
        assert sorted(k for k, p in expected.items() if p == 1.0) == ["A1", "B1"]
    for key, values in stated.items():
        assert len(values) == 1 and next(iter(values)) == pytest.approx(expected[key]), key
    assert_frequencies_match(counts, expected, DRAWS)


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_design_weights_sum_to_the_stratum_population_in_every_draw(method):
    _, _, samples = simulate(method)
    for selected in samples:
        for stratum, sizes in SIZES.items():
            total = sum(s.weight for s in selected if s.stratum == stratum)
            assert total == pytest.approx(len(sizes), rel=1e-12)


def test_pps_horvitz_thompson_total_of_size_is_exact_in_every_stratum_and_draw():
    # Fixed-size PPS: size/π is Σ'size/n' for every non-certainty unit, so the estimate is exact.
    _, _, samples = simulate("pps")
    size = {u.key: u.size for u in make_frame()}
    for selected in samples:
        for stratum, sizes in SIZES.items():
            estimate = sum(size[s.key] * s.weight for s in selected if s.stratum == stratum)
            assert estimate == pytest.approx(sum(sizes), rel=1e-12)


def test_pps_horvitz_thompson_count_of_schools_is_unbiased_over_the_simulation():
    _, _, samples = simulate("pps")
    for stratum, sizes in SIZES.items():
        estimates = np.array([sum(s.weight for s in selected if s.stratum == stratum) for selected in samples])
        assert estimates.std() > 0  # the count is not estimated exactly under pps, so this checks something
        se = estimates.std(ddof=1) / np.sqrt(len(estimates))
        assert abs(estimates.mean() - len(sizes)) <= Z * se, stratum


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_within_school_inclusion_frequencies_match_n_over_n_listed(method):
    listed, n, draws = 23, 5, 20000
    counts = np.zeros(listed)
    for seed in range(draws):
        indices, probability = select_within(listed, n, method, (seed, "school-42"))
        counts[indices] += 1
    assert probability == pytest.approx(n / listed)
    p = n / listed
    se = np.sqrt(p * (1 - p) / draws)
    assert np.all(np.abs(counts / draws - p) <= Z * se), counts / draws
