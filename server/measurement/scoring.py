"""Scoring one answer against its key item: single choice, multiple choice (all or nothing, or
partial credit) and open items coded by raters.

An item scores ``None`` when it was not answered (omitted; an open item coded with its
"missing" code counts as not answered) and a number of points otherwise. ``PENDING`` marks
an open item that was answered but is not coded yet.
"""
from __future__ import annotations

from dataclasses import dataclass

PENDING = "pending"


@dataclass(frozen=True)
class Item:
    """What scoring needs of a key entry (``forms.keys.KeyedItem`` has these attributes)."""

    name: str
    type: str                      # single | multiple | open
    points: float
    key: str | list[str] | None = None
    scoring: str = "all_or_nothing"
    coding: tuple = ()


def missing_codes(item) -> set[int]:
    return {int(c["code"]) for c in item.coding if c.get("missing")}


def score_item(item, answer: str | None, code: int | None = None) -> float | None | str:
    """Points for one answer: ``None`` if not answered, ``PENDING`` if an open answer awaits its code."""
    if item.type == "open":
        if code is not None:
            if code in missing_codes(item):
                return None
            return float(min(max(code, 0), item.points))
        return PENDING if (answer or "").strip() else None
    chosen = (answer or "").split()
    if not chosen:
        return None
    if item.type == "single":
        return float(item.points) if chosen[0] == item.key else 0.0
    key = set(item.key)
    picked = set(chosen)
    if item.scoring == "partial":
        right, wrong = len(picked & key), len(picked - key)
        return float(item.points) * max(0, right - wrong) / len(key)
    return float(item.points) if picked == key else 0.0


def score_response(items: list, answers: dict[str, str | None], codes: dict[str, int] | None = None) -> dict:
    """Every item's points (``None``: omitted, ``PENDING``: awaiting a code) for one test taker."""
    codes = codes or {}
    return {item.name: score_item(item, answers.get(item.name), codes.get(item.name)) for item in items}


def totals(items: list, scored: dict, domain_of: dict[str, str] | None = None) -> dict:
    """Total points (omitted and pending as 0), the maximum, and the same per domain."""
    result = {"total": 0.0, "max": 0.0, "domains": {}, "pending": 0}
    for item in items:
        points = scored.get(item.name)
        value = points if isinstance(points, float) else 0.0
        result["pending"] += points == PENDING
        result["total"] += value
        result["max"] += item.points
        if domain_of:
            domain = result["domains"].setdefault(domain_of[item.name], {"total": 0.0, "max": 0.0})
            domain["total"] += value
            domain["max"] += item.points
    return result
