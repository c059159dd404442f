"""Allocation of a total sample size to strata.

``allocate`` turns stratum populations (and, depending on the method, a measure of size or a
guess of the standard deviation of the key variable) into integer sample sizes that

* sum to ``n`` exactly (largest-remainder rounding),
* give every stratum at least ``min(minimum, N_h)`` units, so that a variance can be
  estimated in every stratum that has two or more units, and
* never exceed ``N_h`` (a stratum cannot give more schools than it has).

The bounded allocation is the one a statistician computes by hand: allocate in proportion to
the method's weights, fix the strata that hit a bound at that bound, re-allocate what is left
to the others, and repeat. It is computed exactly as ``x_h = clip(λ·w_h, lo_h, hi_h)`` with
the one ``λ`` for which the ``x_h`` sum to ``n``, then rounded. Ties in the rounding go to the
stratum that comes first in ``sorted(strata, key=repr)``, so the result is deterministic.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import numpy as np

METHODS = ("proportional", "equal", "neyman", "fixed")


def stratum_name(stratum: Hashable) -> str:
    """A stratum key as people read it: ``Chui / lyceum / ky`` for a tuple, ``str(key)`` otherwise."""
    if isinstance(stratum, tuple):
        return " / ".join(str(part) for part in stratum)
    return str(stratum)


def allocate(populations: Mapping[Hashable, int], n: int | None, method: str, *,
             measure: Mapping[Hashable, float] | None = None,
             sd: Mapping[Hashable, float] | None = None,
             fixed: Mapping[Hashable, int] | None = None,
             minimum: int = 2) -> dict[Hashable, int]:
    """Sample size per stratum for a total of ``n``.

    ``method`` is ``"proportional"`` (to N_h, or to ``measure[h]`` when a measure such as total
    enrolment is given), ``"equal"``, ``"neyman"`` (to N_h·S_h with ``sd[h]`` a guess of S_h) or
    ``"fixed"`` (``fixed[h]`` as given; ``n`` may then be None, and when given must equal the sum).
    The result has the strata in ``sorted(..., key=repr)`` order.
    """
    if method not in METHODS:
        raise ValueError(f"unknown allocation method {method!r}; use one of {', '.join(METHODS)}")
    if not populations:
        raise ValueError("the sampling frame has no strata")
    strata = sorted(populations, key=repr)
    sizes = [_population(h, populations[h]) for h in strata]
    if method == "fixed":
        return _fixed(strata, sizes, n, fixed)
    if measure is not None and method != "proportional":
        raise ValueError(f"a measure of size applies only to proportional allocation, not to {method!r}")
    if n is None or isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"the total sample size must be a whole number for {method!r} allocation, got {n!r}")
    if isinstance(minimum, bool) or not isinstance(minimum, (int, np.integer)) or minimum < 0:
        raise ValueError(f"the minimum per stratum must be a whole number >= 0, got {minimum!r}")
    hi = np.array(sizes, dtype=np.int64)
    lo = np.minimum(hi, int(minimum))
    if n < lo.sum():
        raise ValueError(f"a total sample of {n} is too small: {len(strata)} strata with at least "
                         f"min({minimum}, N_h) units each need {int(lo.sum())}")
    if n > hi.sum():
        raise ValueError(f"a total sample of {n} is larger than the frame ({int(hi.sum())} units)")
    weights = _weights(strata, hi, method, measure, sd)
    x = _continuous(weights, lo, hi, int(n))
    counts = _round(x, lo, hi, int(n))
    return {h: int(c) for h, c in zip(strata, counts)}


def _population(stratum: Hashable, size: object) -> int:
    """N_h as an int, or a ValueError naming the stratum."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise ValueError(f"stratum {stratum_name(stratum)}: the population must be a whole number >= 0, "
                         f"got {size!r}")
    return int(size)


def _fixed(strata: list, sizes: list[int], n: int | None, fixed: Mapping | None) -> dict[Hashable, int]:
    """Check and return the sizes of a fixed allocation."""
    if fixed is None:
        raise ValueError("fixed allocation needs a sample size for every stratum (fixed=...)")
    result = {}
    for h, size in zip(strata, sizes):
        if h not in fixed:
            raise ValueError(f"stratum {stratum_name(h)}: no fixed sample size given")
        n_h = fixed[h]
        if isinstance(n_h, bool) or not isinstance(n_h, (int, np.integer)) or n_h < 0:
            raise ValueError(f"stratum {stratum_name(h)}: the fixed sample size must be a whole number >= 0, "
                             f"got {n_h!r}")
        if n_h > size:
            raise ValueError(f"stratum {stratum_name(h)}: fixed sample size {n_h} exceeds the {size} units "
                             f"in the frame")
        result[h] = int(n_h)
    total = sum(result.values())
    if n is not None and n != total:
        raise ValueError(f"the fixed sample sizes sum to {total}, not to the total sample size {n}")
    return result


def _weights(strata: list, populations: np.ndarray, method: str,
             measure: Mapping | None, sd: Mapping | None) -> np.ndarray:
    """The quantity each stratum's share is proportional to, before bounds."""
    if method == "equal":
        return (populations > 0).astype(float)
    if method == "proportional" and measure is None:
        return populations.astype(float)
    values, what = (measure, "measure of size") if method == "proportional" else (sd, "standard deviation")
    if values is None:
        raise ValueError("Neyman allocation needs a guess of the standard deviation per stratum (sd=...)")
    out = np.empty(len(strata))
    for i, h in enumerate(strata):
        if h not in values:
            raise ValueError(f"stratum {stratum_name(h)}: no {what} given")
        value = float(values[h])
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"stratum {stratum_name(h)}: the {what} must be finite and >= 0, got {values[h]!r}")
        out[i] = value
    return out * populations if method == "neyman" else out


def _continuous(weights: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Real-valued sizes ``clip(λ·w, lo, hi)`` summing to n (Σlo <= n <= Σhi is assumed).

    When the strata with a positive weight cannot absorb n even at their caps, the rest goes to
    the zero-weight strata in proportion to their populations. Weights below 1e-12 of the
    largest count as zero (they would otherwise overflow the breakpoints lo/w and hi/w).
    """
    if weights.max(initial=0.0) > 0:
        weights = weights / weights.max()
        weights[weights < 1e-12] = 0.0
    positive = weights > 0
    cap = float(np.where(positive, hi, lo).sum())
    if n >= cap:
        x = np.where(positive, hi, lo).astype(float)
        rest = ~positive
        if n > cap:
            x[rest] = _continuous(hi[rest].astype(float), lo[rest], hi[rest], n - int(hi[positive].sum()))
        return x
    w = weights[positive]
    breaks = np.unique(np.concatenate(([0.0], lo[positive] / w, hi[positive] / w)))
    totals = np.array([np.clip(b * weights, lo, hi).sum() for b in breaks])
    k = int(np.searchsorted(totals, n, side="right")) - 1  # totals[k] <= n < totals[k + 1]
    b0, b1 = breaks[k], breaks[k + 1]
    lam = b0 + (n - totals[k]) * (b1 - b0) / (totals[k + 1] - totals[k])
    return np.clip(lam * weights, lo, hi)


def _round(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Largest-remainder rounding of x within [lo, hi] to integers summing to n.

    Strata are in sorted-key order and the sort is stable, so equal remainders favour the
    stratum that comes first.
    """
    nearest = np.round(x)
    x = np.where(np.abs(x - nearest) < 1e-9, nearest, x)
    counts = np.clip(np.floor(x).astype(np.int64), lo, hi)
    remainder = x - np.floor(x)
    short = n - int(counts.sum())
    if short > 0:
        order = np.argsort(-remainder, kind="stable")
        order = order[counts[order] < hi[order]][:short]
        counts[order] += 1
    elif short < 0:  # only after floating-point drift
        order = np.argsort(remainder, kind="stable")
        order = order[counts[order] > lo[order]][:-short]
        counts[order] -= 1
    return counts
