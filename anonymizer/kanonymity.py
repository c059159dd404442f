"""k-anonymity on the declared quasi-identifiers, and the disclosure risk that remains.

Records that share every quasi-identifier form an equivalence class; the data are
k-anonymous when no class is smaller than k. The search is Sweeney's Datafly: climb
the hierarchy of the quasi-identifier with the most distinct values, one level at a
time, until the records still in classes smaller than k fit the suppression budget.
Those records then lose their quasi-identifiers (local suppression: the cells become
missing); if even the class of fully suppressed records stays smaller than k, its
records are removed. So every published class holds at least k records.

Only counts per combination of level-0 values are kept (never rows), so memory grows
with the number of distinct combinations, not with the number of records.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from anonymizer.hierarchies import Hierarchy

RISK_THRESHOLD = 0.2   # a record with a re-identification risk above this is counted as at risk


@dataclass
class Observation:
    """What pass 1 keeps of one table: records, weights and sensitive values per level-0 combination."""

    counts: Counter = field(default_factory=Counter)
    weights: defaultdict = field(default_factory=lambda: defaultdict(float))
    # attr -> {combination: bit mask of the values seen}; a set per combination would take four times the memory
    sensitive: defaultdict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    bits: defaultdict = field(default_factory=lambda: defaultdict(dict))      # attr -> {value: bit}
    weighted: bool = False

    def add(self, combination: tuple, weight: float | None, sensitive: dict[str, str | None]) -> None:
        self.counts[combination] += 1
        if weight is not None:
            self.weighted = True
            self.weights[combination] += weight
        for attr, value in sensitive.items():
            if value is not None:
                bits = self.bits[attr]
                bit = bits.setdefault(value, 1 << len(bits))
                self.sensitive[attr][combination] |= bit

    def values(self, attr: str, combination: tuple) -> int:
        """The bit mask of the (non-missing) values of ``attr`` seen with ``combination``."""
        return self.sensitive[attr].get(combination, 0) if attr in self.sensitive else 0


@dataclass(frozen=True)
class Plan:
    """The generalization chosen for a table and which combinations lose their quasi-identifiers."""

    levels: tuple[int, ...]
    suppressed: frozenset          # level-0 combinations whose records get every quasi-identifier suppressed
    removed: bool                  # whether the fully suppressed class is removed (smaller than k)


def plan(observation: Observation, hierarchies: list[Hierarchy], k: int, limit: float) -> Plan:
    """Datafly: the fewest generalization steps after which at most ``limit`` of the records need suppressing."""
    if not hierarchies:     # no quasi-identifier to hold to k: the records are published as they are
        return Plan((), frozenset(), False)
    total = sum(observation.counts.values())
    budget = math.floor(limit * total)
    levels = [0] * len(hierarchies)
    while True:
        classes = _classes(observation.counts, hierarchies, levels)
        small = sum(n for n in classes.values() if n < k)
        climbable = [i for i, h in enumerate(hierarchies) if levels[i] < h.top]
        if small <= budget or not climbable:
            break
        distinct = {i: len({g[i] for g in classes}) for i in climbable}
        levels[max(climbable, key=lambda i: (distinct[i], -i))] += 1
    blank = tuple(None for _ in hierarchies)
    suppressed, blank_size = set(), 0
    for combination, n in observation.counts.items():
        out = generalized(combination, hierarchies, levels)
        if classes[out] < k:
            suppressed.add(combination)
        if out == blank or classes[out] < k:
            blank_size += n
    return Plan(tuple(levels), frozenset(suppressed), 0 < blank_size < k)


def generalized(combination: tuple, hierarchies: list[Hierarchy], levels) -> tuple:
    return tuple(h.generalize(v, level) for v, h, level in zip(combination, hierarchies, levels))


def published(combination: tuple, hierarchies: list[Hierarchy], chosen: Plan) -> tuple | None:
    """The quasi-identifiers as published for a record; None when the record is removed."""
    if combination in chosen.suppressed:
        return None if chosen.removed else tuple(None for _ in hierarchies)
    return generalized(combination, hierarchies, chosen.levels)


def _classes(counts: Counter, hierarchies: list[Hierarchy], levels) -> Counter:
    classes: Counter = Counter()
    for combination, n in counts.items():
        classes[generalized(combination, hierarchies, levels)] += n
    return classes


def risk_report(observation: Observation, hierarchies: list[Hierarchy], chosen: Plan, k: int,
                sensitive: list[str]) -> dict:
    """k reached, suppression, sample uniques, l-diversity and individual re-identification risk."""
    classes: Counter = Counter()
    weights: defaultdict = defaultdict(float)
    values: defaultdict = defaultdict(int)
    removed = suppressed_records = 0
    for combination, n in observation.counts.items():
        out = published(combination, hierarchies, chosen)
        if out is None:
            removed += n
            continue
        if combination in chosen.suppressed:
            suppressed_records += n
        classes[out] += n
        weights[out] += observation.weights.get(combination, 0.0)
        for attr in sensitive:
            values[(out, attr)] |= observation.values(attr, combination)
    risks = [(n, 1 / weights[c] if observation.weighted and weights[c] > 0 else 1 / n) for c, n in classes.items()]
    published_records = sum(classes.values())
    return {
        "k_required": k,
        "k_reached": min(classes.values()) if classes else None,
        "records_in": sum(observation.counts.values()),
        "records_out": published_records,
        "records_removed": removed,
        "records_with_suppressed_quasi_identifiers": suppressed_records,
        "cells_suppressed": suppressed_records * len(hierarchies),
        "equivalence_classes": len(classes),
        "sample_uniques_before": sum(1 for n in observation.counts.values() if n == 1),
        "sample_uniques_after": sum(1 for n in classes.values() if n == 1),
        "generalization_levels": list(chosen.levels),
        "l_diversity": {attr: min((values[(c, attr)].bit_count() for c in classes), default=None)
                        for attr in sensitive},
        "risk": {
            "weighted": observation.weighted,
            "max": max((r for _, r in risks), default=0.0),
            "mean": (sum(n * r for n, r in risks) / published_records) if published_records else 0.0,
            "records_above_threshold": sum(n for n, r in risks if r > RISK_THRESHOLD),
            "threshold": RISK_THRESHOLD,
            "expected_reidentifications": sum(n * r for n, r in risks),
        },
    }
