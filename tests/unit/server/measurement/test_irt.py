"""Item response models on responses simulated from known parameters: the estimator recovers them."""
from __future__ import annotations

import numpy as np
import pytest

from server.measurement import irt


def simulate(rng, theta, slopes, steps) -> np.ndarray:
    """Categories drawn from the generalized partial credit model (2PL and Rasch as special cases)."""
    columns = []
    for a, b in zip(slopes, steps):
        p = irt.ItemParameters(a, np.asarray(b, dtype=float), float(np.mean(b))).probabilities(theta)
        columns.append((rng.random(len(theta))[:, None] > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1))
    return np.column_stack(columns).astype(float)


def test_rasch_recovers_item_difficulties_and_the_ability_spread_with_missing_answers():
    rng = np.random.default_rng(1)
    difficulties = rng.normal(0, 1, 30)
    theta = rng.normal(0, 1.2, 2000)
    responses = simulate(rng, theta, np.ones(30), difficulties[:, None])
    responses[rng.random(responses.shape) < 0.05] = np.nan
    calibration = irt.calibrate(responses, "rasch")
    estimated = np.array([item.location for item in calibration.items])
    assert calibration.converged
    assert np.corrcoef(estimated, difficulties)[0, 1] > 0.95
    assert np.sqrt(np.mean((estimated - difficulties) ** 2)) < 0.15
    assert calibration.sigma == pytest.approx(1.2, abs=0.1)
    assert all(item.slope == 1.0 for item in calibration.items)
    theta_hat, sd = irt.eap(calibration, responses)
    assert np.corrcoef(theta_hat, theta)[0, 1] > 0.9 and (sd > 0).all()
    infit, outfit = np.array(irt.item_fit(calibration, responses, theta_hat)).T
    assert 0.8 < infit.mean() < 1.2 and 0.8 < outfit.mean() < 1.2


def test_2pl_recovers_slopes_and_difficulties():
    rng = np.random.default_rng(2)
    difficulties, slopes = rng.normal(0, 1, 25), rng.lognormal(0, 0.3, 25)
    responses = simulate(rng, rng.normal(0, 1, 3000), slopes, difficulties[:, None])
    calibration = irt.calibrate(responses, "2pl")
    assert np.corrcoef([i.location for i in calibration.items], difficulties)[0, 1] > 0.95
    assert np.corrcoef([i.slope for i in calibration.items], slopes)[0, 1] > 0.9


def test_partial_credit_items_recover_their_steps_beside_dichotomous_ones():
    rng = np.random.default_rng(3)
    theta = rng.normal(0, 1, 3000)
    steps = [np.sort(rng.normal(0, 1, 2)) for _ in range(4)] + [[d] for d in rng.normal(0, 1, 20)]
    responses = simulate(rng, theta, np.ones(len(steps)), steps)
    calibration = irt.calibrate(responses, "rasch")
    estimated = np.concatenate([item.steps for item in calibration.items])
    assert np.corrcoef(estimated, np.concatenate([np.asarray(s) for s in steps]))[0, 1] > 0.95
    assert [len(item.steps) for item in calibration.items[:4]] == [2, 2, 2, 2]


def test_reported_scale_has_mean_500_and_sd_100_in_the_calibration_group():
    theta = np.random.default_rng(4).normal(0.3, 1.4, 500)
    m, s, scale = irt.reported_scale(theta)
    scaled = scale(theta)
    assert scaled.mean() == pytest.approx(500) and scaled.std() == pytest.approx(100)
    weights = np.r_[np.ones(250), 3 * np.ones(250)]
    _, _, weighted = irt.reported_scale(theta, weights)
    assert np.average(weighted(theta), weights=weights) == pytest.approx(500)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        irt.calibrate(np.array([[0, 1], [0, 1]], dtype=float), "3pl")
    with pytest.raises(ValueError):
        irt.calibrate(np.array([[0, 1], [0, 1]], dtype=float))       # an item answered in one category only


def test_categories_nobody_used_are_collapsed():
    rng = np.random.default_rng(5)
    theta = rng.normal(0, 1, 1500)
    responses = simulate(rng, theta, np.ones(15), [[d] for d in rng.normal(0, 1, 15)])
    responses[:, 0] *= 3                        # a 3-point item answered only 0 or 3
    calibration = irt.calibrate(responses, "rasch")
    assert calibration.converged and len(calibration.items[0].steps) == 1


def test_a_later_group_is_linked_through_the_first_groups_item_parameters():
    rng = np.random.default_rng(6)
    difficulties = rng.normal(0, 1, 30)
    first = simulate(rng, rng.normal(0, 1, 2000), np.ones(30), difficulties[:, None])
    base = irt.calibrate(first, "rasch")
    later = simulate(rng, rng.normal(0.5, 1, 2000), np.ones(30), difficulties[:, None])   # half an SD better
    stored = irt.from_parameters("rasch", base.items, base.sigma)
    linked, mean, sd = irt.with_population(stored, later)
    assert mean == pytest.approx(0.5, abs=0.1) and sd == pytest.approx(1.0, abs=0.1)
    theta_first, _ = irt.eap(base, first)
    m, s, to_scale = irt.reported_scale(theta_first)
    theta_later, _ = irt.eap(linked, later)
    assert to_scale(theta_later).mean() == pytest.approx(550, abs=12)          # 500 + 100 × 0.5
