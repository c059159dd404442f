"""Agreement between two raters who coded the same answers: percent agreement and Cohen's kappa."""
from __future__ import annotations

from collections import Counter


def agreement(first: list, second: list) -> tuple[float, float]:
    """(share of identical codes, Cohen's kappa) over paired codes; kappa is nan when chance agreement is 1."""
    if len(first) != len(second):
        raise ValueError("both raters must code the same answers")
    n = len(first)
    if n == 0:
        return float("nan"), float("nan")
    observed = sum(a == b for a, b in zip(first, second)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[c] * right[c] for c in set(left) | set(right)) / (n * n)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else float("nan")
    return observed, kappa
