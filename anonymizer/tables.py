"""Anonymizing one table in two passes: observe every row, decide, then transform every row.

Pass 1 (:meth:`TableAnonymizer.observe`) keeps only counts of quasi-identifier
combinations; :meth:`TableAnonymizer.decide` runs the k-anonymity search; pass 2
(:meth:`TableAnonymizer.transform`) returns each row as published, or ``None`` when
the record is removed. The same policy, data and secret always give the same output.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from anonymizer import hierarchies, kanonymity
from anonymizer.policy import Column, Policy, Rule
from anonymizer.scrub import Scrubber

IDENTIFYING = {"direct_identifier", "linking_identifier"}
PSEUDONYM_HEX = 16     # 64 bits: collisions stay improbable (< 1e-7) up to millions of distinct values


@dataclass(frozen=True)
class OutputColumn:
    """A published column: where it came from and what was done to it (for the codebook)."""

    name: str
    source: Column
    rule: Rule
    treatment: str


def pseudonym(key: bytes, value: str) -> str:
    """A keyed pseudonym: the same value gives the same pseudonym under one key, and nothing else does."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


class TableAnonymizer:
    def __init__(self, form_id: str, columns: list[Column], policy: Policy, pseudonym_key: bytes,
                 scrubber: Scrubber, weight_column: str | None = None):
        self.columns, self.policy, self.key, self.scrubber = columns, policy, pseudonym_key, scrubber
        self.rules = policy.rules_for(form_id, columns)
        actions = [self.rules[c.name].action for c in columns]
        self.kept = [i for i, a in enumerate(actions) if a != "drop"]
        self.quasi = [i for i, a in enumerate(actions)
                      if a == "generalize" or (a == "pseudonymize" and self.rules[columns[i].name].quasi)]
        self.sensitive = [i for i in self.kept if self.rules[columns[i].name].sensitive]
        self.identifying = [i for i, c in enumerate(columns) if c.classification in IDENTIFYING]
        self.actions = actions
        names = [c.name for c in columns]
        self.weight = names.index(weight_column) if weight_column in names else None
        self.observation = kanonymity.Observation()
        self.marginals = [Counter() for _ in self.quasi]
        self.hierarchies: list[hierarchies.Hierarchy] = []
        self.plan: kanonymity.Plan | None = None
        self._pseudonyms: dict[str, str] = {}
        self._keyed = hmac.new(pseudonym_key, digestmod=hashlib.sha256)

    # ---- pass 1 ------------------------------------------------------------------------------------

    def _combination(self, row: Sequence) -> tuple:
        """The level-0 quasi-identifiers of a row (a clustering code by its pseudonym, never its value)."""
        return tuple(hierarchies.base_value(self.columns[i].type, row[i]) if self.actions[i] == "generalize"
                     else (self._pseudonym(row[i]) if row[i] else None) for i in self.quasi)

    def observe(self, row: Sequence) -> None:
        combination = self._combination(row)
        for counter, value in zip(self.marginals, combination):
            counter[value] += 1
        weight = None
        if self.weight is not None:
            try:
                weight = float(row[self.weight])
            except (TypeError, ValueError):
                weight = None
        self.observation.add(combination, weight, {self.columns[i].name: row[i] for i in self.sensitive})

    def decide(self) -> None:
        self.hierarchies = [hierarchies.hierarchy(self.columns[i].type if self.actions[i] == "generalize"
                                                  else "pseudonym", self.rules[self.columns[i].name],
                                                  counter, self.policy.k)
                            for i, counter in zip(self.quasi, self.marginals)]
        self.plan = kanonymity.plan(self.observation, self.hierarchies, self.policy.k, self.policy.suppression_limit)

    # ---- pass 2 ------------------------------------------------------------------------------------

    def transform(self, row: Sequence) -> list | None:
        """The row as published (kept columns only, in order), or None when the record is removed."""
        quasi = kanonymity.published(self._combination(row), self.hierarchies, self.plan) if self.quasi else ()
        if quasi is None:
            return None
        generalized = dict(zip(self.quasi, quasi))
        identifiers = [row[i] for i in self.identifying if row[i]]
        out = []
        for i in self.kept:
            action, value = self.actions[i], row[i]
            if i in generalized:
                out.append(generalized[i])
            elif value is None or value == "":
                out.append(None)
            elif action == "pseudonymize":
                out.append(self._pseudonym(value))
            elif action == "scrub":
                out.append(self.scrubber.scrub(value, identifiers))
            else:
                out.append(value)
        return out

    def _pseudonym(self, value: str) -> str:
        found = self._pseudonyms.get(value)
        if found is None:
            if len(self._pseudonyms) > 50_000:   # flat memory on huge tables
                self._pseudonyms.clear()
            mac = self._keyed.copy()     # the keyed state, made once: cheaper than a new HMAC per value
            mac.update(value.encode("utf-8"))
            found = self._pseudonyms[value] = mac.hexdigest()[:PSEUDONYM_HEX]
        return found

    # ---- description ---------------------------------------------------------------------------------

    def output_columns(self) -> list[OutputColumn]:
        levels = dict(zip(self.quasi, self.plan.levels)) if self.plan else {}
        out = []
        for i in self.kept:
            column, rule = self.columns[i], self.rules[self.columns[i].name]
            treatment = {"pseudonymize": "replaced by a keyed pseudonym", "scrub": "free text scrubbed",
                         "keep": "kept"}.get(rule.action, "")
            if i in levels:
                level = self.hierarchies[self.quasi.index(i)].names[levels[i]]
                treatment = (f"generalized: {level}" if rule.action == "generalize" else
                             f"replaced by a keyed pseudonym, held to k with the quasi-identifiers: {level}")
            out.append(OutputColumn(column.name, column, rule, treatment))
        return out

    def dropped_columns(self) -> list[tuple[Column, Rule]]:
        return [(c, self.rules[c.name]) for c, a in zip(self.columns, self.actions) if a == "drop"]

    def risk_report(self) -> dict:
        report = kanonymity.risk_report(self.observation, self.hierarchies, self.plan, self.policy.k,
                                        [self.columns[i].name for i in self.sensitive])
        report["quasi_identifiers"] = [self.columns[i].name for i in self.quasi]
        report["generalization_levels"] = {self.columns[i].name: self.hierarchies[p].names[level]
                                           for p, (i, level) in enumerate(zip(self.quasi, self.plan.levels))}
        return report
