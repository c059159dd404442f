"""Item response models fitted by marginal maximum likelihood (Bock–Aitkin EM).

One family covers every item type of the tests: the generalized partial credit model
(Muraki), in which a category k of item j has

    P(X = k | θ) ∝ exp(Σ_{v ≤ k} a_j (θ − b_jv)),   k = 0 … m_j.

With one category step it is the two-parameter logistic model (2PL); with every slope
fixed at 1 it is the Rasch model, and for polytomous items Masters' partial credit model.
Abilities follow N(0, σ²): σ = 1 for 2PL/GPCM; for Rasch σ is estimated and the slopes
stay 1. The E-step integrates over a fixed grid of quadrature points; the M-step is, for
each item, a multinomial logistic regression on the expected counts, solved by Newton's
method (its log-likelihood is concave). Person scores are EAP with posterior SDs; item
fit is the Rasch infit and outfit mean square, from the EAP abilities.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODELS = ("rasch", "2pl")


@dataclass(frozen=True)
class ItemParameters:
    slope: float
    steps: np.ndarray            # b_j1 … b_jm: the category step difficulties
    location: float              # their mean: the item's difficulty

    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        """P(X = k | θ), shape (len(θ), m + 1)."""
        return _category_probabilities(np.asarray(theta, dtype=float), self.slope, self.steps)


@dataclass(frozen=True)
class Calibration:
    model: str
    items: list[ItemParameters]
    sigma: float                 # SD of the ability distribution (1 unless Rasch)
    log_likelihood: float
    iterations: int
    converged: bool
    nodes: np.ndarray
    prior: np.ndarray


def _category_probabilities(theta: np.ndarray, slope: float, steps: np.ndarray) -> np.ndarray:
    k = np.arange(len(steps) + 1)
    z = slope * (np.outer(theta, k) - np.concatenate(([0.0], np.cumsum(steps)))[None, :])
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def _prepared(responses) -> tuple[np.ndarray, list[int]]:
    """Integer categories (−1 for missing) and each item's highest category.

    Categories nobody used are collapsed (scores 0, 2, 3 become 0, 1, 2): a step into an empty
    category has no finite estimate.
    """
    data = np.asarray(responses, dtype=float)
    missing = np.isnan(data)
    raw = np.where(missing, -1, np.rint(np.nan_to_num(data, nan=-1))).astype(np.int64)
    if (raw[~missing] < 0).any():
        raise ValueError("responses are whole categories 0, 1, 2, … (NaN for missing)")
    codes = np.full(raw.shape, -1, dtype=np.int64)
    tops = []
    for j in range(raw.shape[1]):
        answered = raw[:, j] >= 0
        used, ranks = np.unique(raw[answered, j], return_inverse=True)
        codes[answered, j] = ranks
        tops.append(max(len(used) - 1, 0))
    return codes, tops


def calibrate(responses, model: str = "rasch", *, points: int = 41, tolerance: float = 1e-4,
              max_iterations: int = 500) -> Calibration:
    """Fit the model to a takers × items matrix of categories (NaN where missing)."""
    if model not in MODELS:
        raise ValueError(f"model is one of {', '.join(MODELS)}")
    codes, tops = _prepared(responses)
    if min(tops) < 1:
        raise ValueError("every item needs answers in at least two categories")
    grid = np.linspace(-5, 5, points)
    standard = np.exp(-grid ** 2 / 2)
    standard /= standard.sum()
    sigma = 1.0
    slopes = np.ones(len(tops))
    intercepts = [np.zeros(m) for m in tops]             # c_jk = −a Σ_{v≤k} b_jv, k = 1 … m
    onehots = [_onehot(codes[:, j], tops[j]) for j in range(len(tops))]
    converged = False
    for iteration in range(1, max_iterations + 1):
        nodes = sigma * grid
        posterior, log_likelihood = _posterior(codes, nodes, standard, slopes, intercepts)
        change = 0.0
        if model == "rasch":
            new_sigma = float(np.sqrt((posterior * nodes ** 2).sum() / len(codes)))
            change, sigma = abs(new_sigma - sigma), new_sigma
        for j in range(len(tops)):
            counts = posterior.T @ onehots[j]                         # (points, m + 1)
            slope, c = _newton(counts, nodes, slopes[j], intercepts[j], model == "2pl")
            change = max(change, abs(slope - slopes[j]), float(np.abs(c - intercepts[j]).max()))
            slopes[j], intercepts[j] = slope, c
        if change < tolerance:        # the largest parameter change of this cycle
            converged = True
            break
    nodes = sigma * grid
    items = []
    for slope, c in zip(slopes, intercepts):
        steps = -np.diff(np.concatenate(([0.0], c))) / slope
        items.append(ItemParameters(float(slope), steps, float(steps.mean())))
    return Calibration(model, items, sigma, float(log_likelihood), iteration, converged, nodes, standard)


def _onehot(codes: np.ndarray, top: int) -> np.ndarray:
    onehot = np.zeros((len(codes), top + 1))
    answered = codes >= 0
    onehot[np.flatnonzero(answered), codes[answered]] = 1.0
    return onehot


def _log_probabilities(nodes: np.ndarray, slope: float, c: np.ndarray) -> np.ndarray:
    k = np.arange(len(c) + 1)
    z = slope * np.outer(nodes, k) + np.concatenate(([0.0], c))[None, :]
    return z - np.logaddexp.reduce(z, axis=1, keepdims=True)


def _posterior(codes, nodes, prior, slopes, intercepts):
    log_l = np.zeros((len(codes), len(nodes)))
    for j in range(codes.shape[1]):
        table = np.vstack([_log_probabilities(nodes, slopes[j], intercepts[j]).T, np.zeros(len(nodes))])
        log_l += table[codes[:, j]]                    # code −1 picks the last row: a missing answer adds 0
    log_l += np.log(prior)[None, :]
    top = log_l.max(axis=1, keepdims=True)
    weights = np.exp(log_l - top)
    total = weights.sum(axis=1, keepdims=True)
    return weights / total, float((np.log(total) + top).sum())


def _newton(counts: np.ndarray, nodes: np.ndarray, slope: float, c: np.ndarray, free_slope: bool,
            steps: int = 3) -> tuple[float, np.ndarray]:
    """A few Newton steps on one item's expected-count log-likelihood (a multinomial logit)."""
    m = len(c)
    k = np.arange(m + 1)
    n = counts.sum(axis=1)
    for _ in range(steps):
        p = np.exp(_log_probabilities(nodes, slope, c))                       # (Q, m+1)
        residual = counts - n[:, None] * p                                    # (Q, m+1)
        # Design of category k (k ≥ 1): unit vector on c_k, and k·θ for the slope.
        gradient = residual[:, 1:].sum(axis=0)
        hessian = -(np.diag((n[:, None] * p[:, 1:]).sum(axis=0))
                    - np.einsum("q,qk,ql->kl", n, p[:, 1:], p[:, 1:]))
        if free_slope:
            x_slope = k[None, :] * nodes[:, None]                            # (Q, m+1)
            mean_slope = (p * x_slope).sum(axis=1)
            g_slope = (residual * x_slope).sum()
            h_slope = -(n * ((p * x_slope ** 2).sum(axis=1) - mean_slope ** 2)).sum()
            h_cross = -(n[:, None] * p[:, 1:] * (x_slope[:, 1:] - mean_slope[:, None])).sum(axis=0)
            gradient = np.append(gradient, g_slope)
            hessian = np.block([[hessian, h_cross[:, None]], [h_cross[None, :], np.array([[h_slope]])]])
        try:
            step = np.linalg.solve(hessian - 1e-8 * np.eye(len(gradient)), -gradient)
        except np.linalg.LinAlgError:
            break
        step = np.clip(step, -1.0, 1.0)
        c = c + step[:m]
        if free_slope:
            slope = float(np.clip(slope + step[m], 0.05, 8.0))
    return slope, c


def from_parameters(model: str, items: list[ItemParameters], sigma: float, points: int = 41) -> Calibration:
    """A calibration rebuilt from stored item parameters (to score or link a later group with them)."""
    grid = np.linspace(-5, 5, points)
    prior = np.exp(-grid ** 2 / 2)
    return Calibration(model, items, sigma, float("nan"), 0, True, sigma * grid, prior / prior.sum())


def with_population(calibration: Calibration, responses, *, tolerance: float = 1e-4,
                    max_iterations: int = 200) -> tuple[Calibration, float, float]:
    """The group's ability mean and SD on the scale of ``calibration``'s fixed item parameters (EM over
    the population only): the link of a later cycle to the first. Returns the calibration with that prior."""
    codes, _ = _prepared(responses)
    intercepts = [-it.slope * np.cumsum(it.steps) for it in calibration.items]
    slopes = np.array([it.slope for it in calibration.items])
    grid = np.linspace(-5, 5, len(calibration.nodes))
    prior = np.exp(-grid ** 2 / 2)
    prior /= prior.sum()
    mean, sd = 0.0, calibration.sigma
    for _ in range(max_iterations):
        nodes = mean + sd * grid
        posterior, _ = _posterior(codes, nodes, prior, slopes, intercepts)
        new_mean = float((posterior @ nodes).mean())
        new_sd = float(np.sqrt(max((posterior @ nodes ** 2).mean() - new_mean ** 2, 1e-6)))
        done = abs(new_mean - mean) < tolerance and abs(new_sd - sd) < tolerance
        mean, sd = new_mean, new_sd
        if done:
            break
    linked = Calibration(calibration.model, calibration.items, sd, float("nan"), 0, True, mean + sd * grid, prior)
    return linked, mean, sd


def eap(calibration: Calibration, responses) -> tuple[np.ndarray, np.ndarray]:
    """Expected a posteriori abilities and their posterior SDs."""
    codes, _ = _prepared(responses)
    intercepts = [-it.slope * np.cumsum(it.steps) for it in calibration.items]
    slopes = np.array([it.slope for it in calibration.items])
    posterior, _ = _posterior(codes, calibration.nodes, calibration.prior, slopes, intercepts)
    mean = posterior @ calibration.nodes
    sd = np.sqrt(np.maximum(posterior @ calibration.nodes ** 2 - mean ** 2, 0.0))
    return mean, sd


def item_fit(calibration: Calibration, responses, theta: np.ndarray) -> list[tuple[float, float]]:
    """(infit, outfit) mean squares of each item at the given abilities (about 1 when the model fits)."""
    codes, _ = _prepared(responses)
    fit = []
    for j, item in enumerate(calibration.items):
        answered = codes[:, j] >= 0
        p = item.probabilities(theta[answered])
        k = np.arange(p.shape[1])
        expected = p @ k
        variance = p @ k ** 2 - expected ** 2
        residual = codes[answered, j] - expected
        safe = np.maximum(variance, 1e-12)
        fit.append((float((residual ** 2).sum() / safe.sum()), float((residual ** 2 / safe).mean())))
    return fit


def reported_scale(theta: np.ndarray, weights=None, mean: float = 500.0, sd: float = 100.0):
    """Constants (m, s) so that mean + sd·(θ − m)/s has the given mean and SD in this (weighted) group."""
    weights = np.ones(len(theta)) if weights is None else np.asarray(weights, dtype=float)
    m = float(np.average(theta, weights=weights))
    s = float(np.sqrt(np.average((theta - m) ** 2, weights=weights)))
    return m, s, (lambda t: mean + sd * (np.asarray(t) - m) / s)
