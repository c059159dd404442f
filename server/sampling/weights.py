"""Survey weights: non-response adjustment, post-stratification, raking, trimming, products.

A participant's final weight is a product of factors: the school's design weight (1/π of the
school), the within-school weight (students in the school / students selected), then the
adjustments below, each applied to the weight that comes out of the previous step.

* ``nonresponse_adjust``: weighting-class adjustment. Inside each class the respondents carry
  the weight of the non-respondents, so Σ w per class is unchanged and non-respondents get 0.
* ``poststratify``: scale each cell so that its Σ w equals a known population total.
* ``rake``: iterative proportional fitting to several one-way margins at once.
* ``trim``: cap extreme weights and give the excess back to the others, keeping Σ w.

Every function takes per-unit arrays (one entry per unit) and returns a new float array; none
changes its input. Class, cell and margin labels may be text, numbers or tuples.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RakeReport:
    """How raking ended: full passes over the margins, and the worst relative miss of a total."""

    iterations: int
    max_relative_deviation: float


def _weights(weights: Any, what: str = "weights") -> np.ndarray:
    """Weights as a 1-D float array, refusing negative, infinite or missing values."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"{what} must be one value per unit (a 1-D sequence)")
    if not np.isfinite(w).all():
        raise ValueError(f"{what} must all be finite numbers (no missing or infinite value)")
    if (w < 0).any():
        first = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"{what} must not be negative; unit {first} has {w[first]}")
    return w


def _labels(labels: Any, n: int, what: str) -> list:
    """Per-unit labels as a list of hashable values, one per unit."""
    values = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
    if len(values) != n:
        raise ValueError(f"{what} has {len(values)} labels but there are {n} weights")
    return values


def _codes(values: list, what: str) -> tuple[list, np.ndarray]:
    """Distinct labels in order of first appearance and each unit's index into them."""
    index: dict[Hashable, int] = {}
    try:
        codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64,
                            count=len(values))
    except TypeError as error:
        raise ValueError(f"{what} labels must be hashable (text, numbers or tuples): {error}") from None
    return list(index), codes


def _names(labels: Sequence) -> str:
    """Labels listed for an error message."""
    shown = ", ".join(repr(label) for label in list(labels)[:10])
    return shown + (f" and {len(labels) - 10} more" if len(labels) > 10 else "")


def _responded(responded: Any, n: int) -> np.ndarray:
    """Response indicators as booleans (True/False or 1/0)."""
    flags = np.asarray(responded)
    if flags.shape != (n,):
        raise ValueError(f"responded must have one entry per unit ({n}), got shape {flags.shape}")
    if flags.dtype != bool:
        if not np.isin(flags, (0, 1)).all():
            raise ValueError("responded must hold True/False (or 1/0) for each unit")
        flags = flags.astype(bool)
    return flags


def nonresponse_adjust(weights: Sequence[float], responded: Sequence[bool],
                       classes: Sequence[Hashable]) -> np.ndarray:
    """Weighting-class non-response adjustment.

    Inside each class c, respondents' weights are multiplied by Σ_{i∈c} w_i / Σ_{i∈c, resp.} w_i
    and non-respondents get 0, so every class keeps its weighted total. This assumes response
    is unrelated to the outcome inside a class, hence classes should group similar people
    (e.g. school × gender). A class without respondents cannot carry its weight: merge it into
    a neighbouring class first (``collapse_empty_classes``); here it is an error.
    """
    w = _weights(weights)
    flags = _responded(responded, w.shape[0])
    labels, codes = _codes(_labels(classes, w.shape[0], "classes"), "class")
    total = np.bincount(codes, weights=w, minlength=len(labels))
    answered = np.bincount(codes, weights=w * flags, minlength=len(labels))
    empty = (answered <= 0) & (total > 0)
    if empty.any():
        raise ValueError(f"weighting class {_names([labels[k] for k in np.flatnonzero(empty)])} "
                         "has no respondent with a positive weight, so nobody can carry its "
                         "weight: merge it into a similar class (see collapse_empty_classes)")
    factor = np.divide(total, answered, out=np.zeros_like(total), where=answered > 0)
    return np.where(flags, w * factor[codes], 0.0)


def collapse_empty_classes(classes: Sequence[Hashable], responded: Sequence[bool],
                           fallback: Mapping[Hashable, Hashable]) -> np.ndarray:
    """Merge each weighting class without respondents into the class ``fallback`` names.

    ``fallback[c]`` is the class that takes over class c's units when c has no respondent,
    typically a neighbouring class of the same coarser group (same school, other programme).
    When the fallback class is empty too, its own fallback is followed. Returns the new class
    label of every unit (an object array), ready for ``nonresponse_adjust``.
    """
    values = classes.tolist() if isinstance(classes, np.ndarray) else list(classes)
    flags = _responded(responded, len(values))
    labels, codes = _codes(values, "class")
    has_respondent = np.bincount(codes, weights=flags, minlength=len(labels)) > 0
    answered = {labels[k] for k in np.flatnonzero(has_respondent)}
    target: dict[Hashable, Hashable] = {}
    for label in labels:
        chain, current = [label], label
        while current not in answered:
            if current not in fallback:
                raise ValueError(f"weighting class {current!r} has no respondent and no fallback "
                                 f"class to merge into (chain: {' -> '.join(map(repr, chain))})")
            current = fallback[current]
            if current in chain:
                raise ValueError("the fallback classes form a cycle without respondents: "
                                 + " -> ".join(map(repr, chain + [current])))
            chain.append(current)
        target[label] = current
    return np.fromiter((target[labels[k]] for k in codes), dtype=object, count=len(values))


def _cell_sums(w: np.ndarray, values: list, totals: Mapping,
               what: str) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """Cell labels, unit codes, sample Σ w and control total per cell, all checked to match."""
    labels, codes = _codes(values, what)
    unknown = [label for label in labels if label not in totals]
    if unknown:
        raise ValueError(f"{what} {_names(unknown)} occurs in the sample but has no control total")
    present = set(labels)
    unsampled = [label for label in totals if label not in present]
    if unsampled:
        raise ValueError(f"{what} {_names(unsampled)} has a control total but no sampled unit; "
                         "collapse it with a neighbouring cell")
    target = np.array([float(totals[label]) for label in labels])
    if not np.isfinite(target).all() or (target < 0).any():
        raise ValueError(f"control totals must be finite and non-negative ({what})")
    sums = np.bincount(codes, weights=w, minlength=len(labels))
    starved = (sums <= 0) & (target > 0)
    if starved.any():
        raise ValueError(f"{what} {_names([labels[k] for k in np.flatnonzero(starved)])} has a "
                         "positive control total but its sampled units all have weight 0")
    return labels, codes, sums, target


def poststratify(weights: Sequence[float], cells: Sequence[Hashable],
                 totals: Mapping[Hashable, float]) -> np.ndarray:
    """Scale the weights in each cell so that their sum equals the cell's control total.

    ``totals`` maps every cell label to its known population size (e.g. enrolment by region ×
    gender). Every cell in the sample needs a total and every total needs a sampled unit:
    otherwise the caller must collapse cells, and a ValueError names the offending ones.
    """
    w = _weights(weights)
    _, codes, sums, target = _cell_sums(w, _labels(cells, w.shape[0], "cells"), totals, "cell")
    factor = np.divide(target, sums, out=np.zeros_like(target), where=sums > 0)
    return w * factor[codes]


def rake(weights: Sequence[float],
         margins: Mapping[str, tuple[Sequence[Hashable], Mapping[Hashable, float]]], *,
         max_iter: int = 100, tol: float = 1e-8) -> tuple[np.ndarray, RakeReport]:
    """Iterative proportional fitting (raking) of the weights to several one-way margins.

    ``margins`` maps a margin name (e.g. ``"gender"``) to ``(labels per unit, {label: total})``.
    Each pass post-stratifies to each margin in turn; passes repeat until every margin's cell
    sums are within ``tol`` (relative) of their totals. The margins must describe the same
    population: their grand totals must agree within 1e-6 (relative). Raises when the
    iteration does not converge in ``max_iter`` passes (e.g. a combination the margins require
    has no sampled unit).
    """
    w = _weights(weights)
    if not margins:
        raise ValueError("raking needs at least one margin")
    if max_iter < 1 or not tol > 0:
        raise ValueError("max_iter must be at least 1 and tol positive")
    prepared = []
    for name, (labels, totals) in margins.items():
        _, codes, _, target = _cell_sums(w, _labels(labels, w.shape[0], f"margin {name!r}"),
                                         totals, f"margin {name!r}: category")
        prepared.append((name, codes, target))
    grand = {name: float(target.sum()) for name, _, target in prepared}
    low, high = min(grand.values()), max(grand.values())
    if high - low > 1e-6 * high:
        raise ValueError("the margins describe populations of different sizes: "
                         + ", ".join(f"{name} = {value:g}" for name, value in grand.items()))
    deviation = _rake_deviation(w, prepared)
    for iteration in range(max_iter + 1):
        if deviation <= tol:
            return w, RakeReport(iteration, deviation)
        if iteration == max_iter:
            break
        for _, codes, target in prepared:
            sums = np.bincount(codes, weights=w, minlength=target.shape[0])
            w = w * np.divide(target, sums, out=np.zeros_like(target), where=sums > 0)[codes]
        deviation = _rake_deviation(w, prepared)
    raise ValueError(f"raking did not converge in {max_iter} passes: a margin total is still "
                     f"{deviation:.3g} (relative) away; check for sample combinations the margins "
                     "cannot reach, collapse categories, or allow more passes")


def _rake_deviation(w: np.ndarray, prepared: list) -> float:
    """Largest |Σ w − total| / total over every category of every margin."""
    worst = 0.0
    for _, codes, target in prepared:
        sums = np.bincount(codes, weights=w, minlength=target.shape[0])
        gap = np.abs(sums - target) / np.where(target > 0, target, 1.0)
        worst = max(worst, float(gap.max()))
    return worst


def trim(weights: Sequence[float], max_ratio: float) -> np.ndarray:
    """Cap every weight at ``max_ratio`` × the mean positive weight, keeping Σ w unchanged.

    The excess cut from the capped weights is shared among the other positive weights in
    proportion to their size, repeating until none exceeds the cap (the cap stays fixed
    because Σ w does). Trimming trades a little bias for less variance; zero weights stay 0.
    """
    w = _weights(weights)
    if not max_ratio >= 1.0:
        raise ValueError(f"max_ratio must be at least 1 (a cap below the mean weight is "
                         f"impossible while keeping Σ w), got {max_ratio!r}")
    positive = w > 0
    if not positive.any():
        return w.copy()
    cap = max_ratio * w[positive].mean()
    w = w.copy()
    while (w > cap * (1 + 1e-12)).any():
        capped = w >= cap
        excess = float((w[capped] - cap).sum())
        w[capped] = cap
        free = positive & ~capped
        if not free.any():  # everyone is at the cap: max_ratio 1 gives equal weights
            break
        w[free] *= 1.0 + excess / w[free].sum()
    return w


def combine(*factors: Sequence[float] | float) -> np.ndarray:
    """The product of weight factors, unit by unit.

    For example ``combine(school_weight, within_school_weight, nonresponse_factor)``. Each
    factor is one value per unit, or a single number applying to all units; all per-unit
    factors must have the same length.
    """
    if not factors:
        raise ValueError("combine needs at least one weight factor")
    arrays = [np.asarray(f, dtype=float) for f in factors]
    lengths = {a.shape[0] for a in arrays if a.ndim == 1}
    if any(a.ndim > 1 for a in arrays) or len(lengths) > 1:
        raise ValueError("weight factors must each be one value per unit, of the same length, "
                         f"or a single number; got lengths {sorted(lengths)}")
    if not lengths:
        raise ValueError("at least one factor must give one value per unit")
    product = np.ones(lengths.pop())
    for position, factor in enumerate(arrays, start=1):
        product *= _weights(np.broadcast_to(factor, product.shape), f"weight factor {position}")
    return product
