"""Classical item analysis of a scored test: difficulty, corrected point-biserial discrimination,
distractors, Cronbach's alpha and alpha-if-item-deleted, omitted and not-reached rates.

The scored matrix has one row per test taker and one column per item, in the order the
test presents them, with points or NaN where the item was not answered. A run of NaN at
the end of a row is *not reached*; any other NaN is *omitted*. Omitted items score 0.
Difficulty and discrimination are computed over the takers who reached the item (PISA's
convention: a not-reached item was not administered); totals and alpha score every
missing answer 0. Cells in ``pending`` (open answers not coded yet) are answered but of
unknown score: they break a not-reached run and are left out of the item's statistics.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ItemStats:
    name: str
    max_points: float
    reached: int                 # takers who reached the item
    mean: float                  # mean points among them
    difficulty: float            # mean / max points (the p-value of a one-point item)
    discrimination: float        # corrected item-total (point-biserial) correlation; nan if undefined
    alpha_if_deleted: float
    omitted: float               # share of all takers
    not_reached: float           # share of all takers


@dataclass(frozen=True)
class Distractor:
    option: str
    share: float                 # share of the takers who reached the item
    mean_total: float            # mean total score of those who chose it (nan if nobody)
    key: bool


@dataclass(frozen=True)
class Analysis:
    takers: int
    max_total: float
    mean_total: float
    sd_total: float
    alpha: float
    items: list[ItemStats]
    distractors: dict[str, list[Distractor]] = field(default_factory=dict)


def not_reached(scores: np.ndarray) -> np.ndarray:
    """True where an item and every item after it are unanswered (the trailing run of NaN)."""
    missing = np.isnan(scores)
    return np.flip(np.cumprod(np.flip(missing, axis=1), axis=1), axis=1).astype(bool)


def cronbach_alpha(filled: np.ndarray) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total), sample variances."""
    k = filled.shape[1]
    if k < 2 or filled.shape[0] < 2:
        return float("nan")
    total_var = filled.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - filled.var(axis=0, ddof=1).sum() / total_var))


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return float((dx * dy).sum() / denominator) if denominator > 0 else float("nan")


def analyse(scores: np.ndarray, max_points, names: list[str], answers: dict[str, list] | None = None,
            keys: dict[str, list[str]] | None = None, options: dict[str, list[str]] | None = None,
            pending: np.ndarray | None = None) -> Analysis:
    """The item analysis of a scored matrix (rows: takers, columns: items in test order).

    ``answers[name]`` (the raw answers, space-separated choice names), ``options[name]`` and
    ``keys[name]`` give the distractor analysis of choice items.
    """
    scores = np.asarray(scores, dtype=float)
    max_points = np.asarray(max_points, dtype=float)
    takers, k = scores.shape
    pending = np.zeros(scores.shape, dtype=bool) if pending is None else np.asarray(pending, dtype=bool)
    late = not_reached(np.where(pending, 0.0, scores))
    filled = np.nan_to_num(scores, nan=0.0)
    total = filled.sum(axis=1)
    variances = filled.var(axis=0, ddof=1) if takers > 1 else np.zeros(k)
    total_var = total.var(ddof=1) if takers > 1 else 0.0
    items = []
    for j, name in enumerate(names):
        reached = ~late[:, j] & ~pending[:, j]
        x = filled[reached, j]
        mean = float(x.mean()) if len(x) else float("nan")
        rest = total[reached] - x
        without = total - filled[:, j]
        rest_var = without.var(ddof=1) if takers > 1 else 0.0
        alpha_without = (float((k - 1) / (k - 2) * (1 - (variances.sum() - variances[j]) / rest_var))
                         if k > 2 and rest_var > 0 else float("nan"))
        items.append(ItemStats(
            name, float(max_points[j]), int(reached.sum()), mean,
            float(mean / max_points[j]) if max_points[j] and len(x) else float("nan"),
            _correlation(x, rest), alpha_without,
            float((np.isnan(scores[:, j]) & ~late[:, j] & ~pending[:, j]).mean()) if takers else 0.0,
            float(late[:, j].mean()) if takers else 0.0))
    distractors = {}
    for j, name in enumerate(names):
        if not (answers and options and name in options):
            continue
        reached = ~late[:, j]
        chosen = [set((a or "").split()) for a, r in zip(answers[name], reached) if r]
        reached_total = total[reached]
        rows = []
        for option in options[name]:
            mask = np.array([option in c for c in chosen], dtype=bool)
            rows.append(Distractor(option, float(mask.mean()) if len(mask) else 0.0,
                                   float(reached_total[mask].mean()) if mask.any() else float("nan"),
                                   option in (keys or {}).get(name, [])))
        distractors[name] = rows
    return Analysis(takers, float(max_points.sum()), float(total.mean()) if takers else float("nan"),
                    float(np.sqrt(total_var)), cronbach_alpha(filled) if total_var > 0 else float("nan"),
                    items, distractors)
