"""Generalization hierarchies of quasi-identifiers: each level says less than the one below it.

Level 0 is what is published at best (a date is never more precise than its month, a
timestamp neither); the top level suppresses the value (``None``). The k-anonymity
search climbs a column's hierarchy one level at a time.

| type | levels |
| --- | --- |
| date, dateTime | month ``2026-03`` → year ``2026`` → suppressed |
| time | hour ``14`` → suppressed |
| int, decimal | exact → bands of each width in the rule (``10-14``, then ``10-19``) → suppressed |
| geopoint | 0.1° (about 11 km) → 1° → suppressed |
| categories (select, text) | exact → the policy's groups (if any) → categories rarer than k merged into ``other`` → suppressed |
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from anonymizer.policy import Rule

OTHER = "other"
_DATE = re.compile(r"^(\d{4})-(\d{2})")


class Hierarchy:
    """One column's levels; ``generalize(base, level)`` maps a level-0 value up (memoised)."""

    def __init__(self, names: list[str], steps: list[Callable[[str], str | None]]):
        self.steps = steps          # level 1 .. top-1, each from the level-0 value
        self.top = len(steps) + 1   # the suppressing level
        self.names = names + ["suppressed"]   # what each level publishes, for the codebook
        self._memo: dict[tuple[str, int], str | None] = {}

    def generalize(self, base: str | None, level: int) -> str | None:
        if base is None or level >= self.top:
            return None
        if level == 0:
            return base
        key = (base, level)
        if key not in self._memo:
            self._memo[key] = self.steps[level - 1](base)
        return self._memo[key]


def base_value(kind: str, value: str | None) -> str | None:
    """A raw answer at level 0 (``None`` when empty or unreadable)."""
    if value is None or value == "":
        return None
    if kind in ("date", "dateTime"):
        match = _DATE.match(value)
        return f"{match.group(1)}-{match.group(2)}" if match else None
    if kind == "time":
        return value[:2] if re.match(r"^\d{2}:", value) else None
    if kind == "geopoint":
        point = _point(value)
        return None if point is None else _grid(point, 1)
    if kind in ("int", "decimal"):
        return value.strip()
    return " ".join(value.split()).lower() if kind == "string" else value


def hierarchy(kind: str, rule: Rule, counts: Counter, k: int) -> Hierarchy:
    """The levels of one column; ``counts`` are its level-0 values' frequencies (for merging rare ones)."""
    if kind in ("date", "dateTime"):
        return Hierarchy(["month", "year"], [lambda v: v[:4]])
    if kind == "time":
        return Hierarchy(["hour"], [])
    if kind in ("int", "decimal"):
        return Hierarchy(["exact"] + [f"bands of {w}" for w in rule.bands], [_band(w) for w in rule.bands])
    if kind == "geopoint":
        return Hierarchy(["0.1 degree grid", "1 degree grid"],
                         [lambda v: _grid(tuple(float(x) for x in v.split()), 0)])
    names, steps = ["exact"], []
    grouped: Callable[[str], str] = lambda v: v
    if rule.groups:
        table = {base_value(kind, value): name for name, values in rule.groups.items() for value in values}
        grouped = lambda v: table.get(v, v)
        steps.append(grouped)
        names.append("policy groups")
    totals: Counter = Counter()
    for value, n in counts.items():
        totals[grouped(value)] += n
    rare = {value for value, n in totals.items() if n < k}
    steps.append(lambda v: OTHER if grouped(v) in rare else grouped(v))
    names.append(f"categories rarer than {k} merged into '{OTHER}'")
    return Hierarchy(names, steps)


def _band(width: int) -> Callable[[str], str | None]:
    def band(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        low = math.floor(number / width) * width
        return f"{low}-{low + width - 1}"
    return band


def _point(value: str) -> tuple[float, float] | None:
    parts = value.split()
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        return None
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def _grid(point: tuple[float, float], decimals: int) -> str:
    """A point snapped to the south-west corner of its grid cell (rounding would centre it on the truth)."""
    scale = 10 ** decimals
    return " ".join(f"{math.floor(c * scale) / scale:.{decimals}f}" for c in point)
