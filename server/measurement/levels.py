"""Proficiency levels: a score's level from ascending cut scores, and the share of takers per level
(weighted by the survey weights when there are any)."""
from __future__ import annotations

import numpy as np


def assign(scores, cuts: list[tuple[str, float]]) -> list[str]:
    """Each score's level: the last level whose minimum it reaches (``cuts`` ascending by minimum)."""
    minimums = np.array([m for _, m in cuts], dtype=float)
    codes = [c for c, _ in cuts]
    positions = np.searchsorted(minimums, np.asarray(scores, dtype=float), side="right") - 1
    return [codes[max(p, 0)] for p in positions]


def shares(levels: list[str], codes: list[str], weights=None) -> dict[str, float]:
    """Share of takers per level code (weighted when ``weights`` are given); every code appears."""
    weights = np.ones(len(levels)) if weights is None else np.asarray(weights, dtype=float)
    total = weights.sum()
    found = dict.fromkeys(codes, 0.0)
    for level, weight in zip(levels, weights):
        found[level] += weight
    return {code: (value / total if total else float("nan")) for code, value in found.items()}
