"""Selection of schools from a stratified frame, and of people inside a school.

``draw_schools`` allocates the sample to strata (``allocation.allocate``) and draws in each
stratum independently:

* ``srs`` — simple random sampling without replacement, π = n_h/N_h;
* ``systematic`` — equal-probability systematic sampling over the units sorted by
  (``sort``, ``key``), i.e. implicit stratification, with a random start and a fractional
  interval N_h/n_h, so π = n_h/N_h exactly;
* ``pps`` — certainty units first (any unit with n_h·size/Σsize >= 1 gets π = 1, is taken, and
  the rule is applied again to the rest with n_h reduced), then systematic PPS with a random
  start over the remaining units sorted by (``sort``, ``key``): π_i = n'_h·size_i/Σ'size.

Reproducibility: the frame is sorted by key first, so its row order does not matter, and each
stratum draws from its own generator seeded by ``(seed, sha256(repr(stratum)))``; changing one
stratum's units therefore leaves the other strata's draws as they were (given the same
allocation). Python's ``hash()`` is never used, since it changes between processes.

Reserves (replacements for refusing schools) are drawn after the main sample from the stratum's
non-selected units with the same stratum generator: in random order for srs and systematic, and
for pps by sequential selection with probability proportional to size without replacement
(successive sampling, drawn in one go with exponential keys E_i/size_i), so large schools are
replaced by schools that are likely also large. Rank 1 is the first reserve to use.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .allocation import allocate, stratum_name

SCHOOL_METHODS = ("srs", "systematic", "pps")
WITHIN_METHODS = ("srs", "systematic")


@dataclass(frozen=True)
class FrameUnit:
    """One school of the frame. ``sort`` holds implicit stratification keys (district, enrolment)."""
    key: str
    stratum: tuple
    size: float
    sort: tuple = ()


@dataclass(frozen=True)
class Design:
    """How to draw: total size and allocation, selection method, reserves per selected school."""
    n: int | None
    allocation: str = "proportional"
    method: str = "pps"
    sd: Mapping | None = None
    fixed: Mapping | None = None
    reserves: int = 0
    minimum: int = 2
    proportional_to_size: bool = False


@dataclass(frozen=True)
class Selected:
    """A sampled school. ``order`` is its 1-based position in its stratum's selection order."""
    key: str
    stratum: tuple
    probability: float
    weight: float
    certainty: bool
    order: int


@dataclass(frozen=True)
class Reserve:
    """A reserve school; ``probability`` is what its inclusion probability was in the main draw."""
    key: str
    stratum: tuple
    probability: float
    rank: int


@dataclass(frozen=True)
class StratumResult:
    """Per-stratum figures of a draw: N_h, Σ size, n_h, how many were certainties, reserves drawn."""
    stratum: tuple
    population: int
    measure: float
    allocated: int
    certainty: int
    reserves: int


@dataclass(frozen=True)
class SampleResult:
    """Selected schools and reserves, grouped by stratum in ``sorted(key=repr)`` order."""
    selected: list[Selected]
    reserves: list[Reserve]
    strata: list[StratumResult]


def stable_ints(value: object) -> list[int]:
    """Eight 32-bit words of sha256(repr(value)): a seed part that is the same in every process."""
    digest = hashlib.sha256(repr(value).encode("utf-8")).digest()
    return [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 32, 4)]


def stratum_rng(seed: int, stratum: object) -> np.random.Generator:
    """The generator of one stratum: depends on the seed and the stratum only."""
    return np.random.default_rng(np.random.SeedSequence([_seed(seed), *stable_ints(stratum)]))


def _seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"the seed must be a whole number >= 0, got {seed!r}")
    return int(seed)


def inclusion_probabilities(sizes: Sequence[float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """PPS inclusion probabilities of a fixed-size sample of n, with certainty units.

    Returns (π, certainty): units with n'·size/Σ'size >= 1 are certainties (π = 1), taken out
    with n' reduced, repeatedly; the others get π_i = n'·size_i/Σ'size, so Σπ = n.
    """
    s = np.asarray(sizes, dtype=float)
    if s.ndim != 1:
        raise ValueError("sizes must be a flat sequence of numbers")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        bad = [i for i, v in enumerate(s) if not (np.isfinite(v) and v > 0)]
        raise ValueError(f"PPS needs a positive, finite measure of size; units at positions {bad[:10]} have "
                         f"{[float(s[i]) for i in bad[:10]]}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= len(s):
        raise ValueError(f"cannot draw {n!r} units from {len(s)} with PPS")
    certainty = np.zeros(len(s), dtype=bool)
    remaining = int(n)
    while remaining > 0:
        p = remaining * s / s[~certainty].sum()
        new = (p >= 1.0 - 1e-12) & ~certainty
        if not new.any():
            break
        certainty |= new
        remaining -= int(new.sum())
    pi = np.where(certainty, 1.0, 0.0)
    if remaining > 0:
        rest = ~certainty
        pi[rest] = remaining * s[rest] / s[rest].sum()
    return pi, certainty


def _systematic(sizes: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic PPS (equal probability when all sizes are equal): positions of the n hits.

    Assumes every size is below the interval Σsize/n, so no unit is hit twice.
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    cumulative = np.cumsum(sizes)
    interval = cumulative[-1] / n
    points = rng.uniform(0.0, interval) + interval * np.arange(n)
    hits = np.searchsorted(cumulative, points, side="right")
    return np.minimum(hits, len(sizes) - 1)


def _order_key(unit: FrameUnit) -> tuple:
    return (unit.sort, unit.key)


def _check_frame(frame: Sequence[FrameUnit], design: Design) -> None:
    """Frame and design errors, stated before anything is drawn."""
    if design.method not in SCHOOL_METHODS:
        raise ValueError(f"unknown selection method {design.method!r}; use one of {', '.join(SCHOOL_METHODS)}")
    if isinstance(design.reserves, bool) or not isinstance(design.reserves, int) or design.reserves < 0:
        raise ValueError(f"reserves per selected school must be a whole number >= 0, got {design.reserves!r}")
    if not frame:
        raise ValueError("the sampling frame is empty")
    keys = [u.key for u in frame]
    if len(set(keys)) != len(keys):
        dupes = sorted(k for k, times in Counter(keys).items() if times > 1)
        raise ValueError(f"school codes must be unique in the frame; repeated: {', '.join(dupes[:10])}")
    if design.method == "pps" or design.proportional_to_size:
        bad = [u for u in frame if not (np.isfinite(u.size) and u.size > 0)]
        if bad:
            listed = ", ".join(f"{u.key} ({stratum_name(u.stratum)}: size {u.size})"
                               for u in sorted(bad, key=lambda u: u.key)[:10])
            raise ValueError(f"{len(bad)} school(s) have no positive measure of size, needed for PPS: {listed}")


def draw_schools(frame: Sequence[FrameUnit], design: Design, seed: int) -> SampleResult:
    """Draw the stratified school sample (and reserves) described by ``design``."""
    _check_frame(frame, design)
    _seed(seed)
    groups: dict[tuple, list[FrameUnit]] = {}
    for unit in sorted(frame, key=lambda u: u.key):
        groups.setdefault(unit.stratum, []).append(unit)
    strata = sorted(groups, key=repr)
    measures = {h: float(sum(u.size for u in groups[h])) for h in strata}
    sizes = allocate({h: len(groups[h]) for h in strata}, design.n, design.allocation,
                     measure=measures if design.proportional_to_size else None,
                     sd=design.sd, fixed=design.fixed, minimum=design.minimum)
    selected: list[Selected] = []
    reserves: list[Reserve] = []
    results: list[StratumResult] = []
    for h in strata:
        units = _ordered(groups[h], h, design.method)
        chosen, extra, pi, certainty = _draw_stratum(units, sizes[h], design, stratum_rng(seed, h))
        selected += [Selected(units[i].key, h, float(pi[i]), 1.0 / float(pi[i]), bool(certainty[i]), order)
                     for order, i in enumerate(chosen, start=1)]
        reserves += [Reserve(units[i].key, h, float(pi[i]), rank) for rank, i in enumerate(extra, start=1)]
        results.append(StratumResult(h, len(units), measures[h], sizes[h],
                                     int(certainty[chosen].sum()), len(extra)))
    return SampleResult(selected, reserves, results)


def _ordered(units: list[FrameUnit], stratum: tuple, method: str) -> list[FrameUnit]:
    """Units in the order the draw runs over: by key for srs, by (sort, key) otherwise."""
    if method == "srs":
        return units
    try:
        return sorted(units, key=_order_key)
    except TypeError as error:
        raise ValueError(f"stratum {stratum_name(stratum)}: the implicit stratification keys (sort) cannot "
                         f"be compared with each other ({error})") from None


def _draw_stratum(units: list[FrameUnit], n: int, design: Design,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One stratum's draw: (selected positions in selection order, reserve positions by rank, π, certainty)."""
    count = len(units)
    if design.method == "pps":
        size = np.array([u.size for u in units], dtype=float)
        pi, certainty = inclusion_probabilities(size, n)
        rest = np.flatnonzero(~certainty)
        hits = rest[_systematic(size[rest], n - int(certainty.sum()), rng)]
        chosen = np.concatenate((np.flatnonzero(certainty), hits))
    else:
        size = np.ones(count)
        pi = np.full(count, n / count if count else 0.0)
        if design.method == "srs":
            chosen = rng.choice(count, size=n, replace=False) if n else np.empty(0, dtype=np.int64)
        else:
            chosen = _systematic(size, n, rng)
        certainty = pi >= 1.0
    left = np.setdiff1d(np.arange(count), chosen)
    wanted = min(design.reserves * n, len(left))
    if wanted == 0:
        return chosen, np.empty(0, dtype=np.int64), pi, certainty
    if design.method == "pps":  # successive sampling ∝ size: order by E_i / size_i
        keys = rng.exponential(size=len(left)) / size[left]
    else:
        keys = rng.random(len(left))
    extra = left[np.argsort(keys, kind="stable")[:wanted]]
    return chosen, extra, pi, certainty


def seed_sequence(parts: tuple) -> np.random.SeedSequence:
    """A SeedSequence from ints (>= 0) and strings; strings enter as their sha256 words."""
    entropy: list[int] = []
    for part in parts:
        if isinstance(part, str):
            entropy += stable_ints(part)
        elif isinstance(part, (int, np.integer)) and not isinstance(part, bool) and part >= 0:
            entropy.append(int(part))
        else:
            raise ValueError(f"seed parts must be whole numbers >= 0 or strings, got {part!r}")
    if not entropy:
        raise ValueError("at least one seed part is needed")
    return np.random.SeedSequence(entropy)


def select_within(n_units: int, n: int, method: str, rng_seed_parts: tuple) -> tuple[list[int], float]:
    """Select n of the n_units listed people of one school: (sorted 0-based positions, π = min(1, n/N)).

    ``systematic`` runs over the list in its given order (sort the roster by specialty or group
    first for implicit stratification); ``srs`` ignores the order. Everyone is taken when N <= n.
    """
    if method not in WITHIN_METHODS:
        raise ValueError(f"unknown within-school method {method!r}; use one of {', '.join(WITHIN_METHODS)}")
    for name, value in (("number of listed people", n_units), ("sample size", n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"the {name} must be a whole number >= 0, got {value!r}")
    sequence = seed_sequence(tuple(rng_seed_parts))
    if n_units <= n:
        return list(range(n_units)), 1.0
    if n == 0:
        return [], 0.0
    rng = np.random.default_rng(sequence)
    if method == "srs":
        picked = np.sort(rng.choice(n_units, size=n, replace=False))
    else:
        interval = n_units / n
        picked = np.floor(rng.uniform(0.0, interval) + interval * np.arange(n)).astype(np.int64)
        picked = np.minimum(picked, n_units - 1)
    return picked.tolist(), n / n_units
