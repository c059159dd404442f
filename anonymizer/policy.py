"""What the anonymizer does to each column: derived from the field classes, overridden by a reviewed file.

Every form field carries a class (forms/README.md). The default treatment follows it:
direct identifiers are dropped, linking identifiers become keyed pseudonyms,
quasi-identifiers are generalized and held to k-anonymity, sensitive answers are kept
(and their l-diversity reported), free text is scrubbed, the rest is kept. Fields no
one classified are dropped: what nobody looked at does not leave. Device metadata and
files are dropped whatever their class says.

A project may override this in a policy file (TOML) that names who reviewed it::

    reviewed_by = "Data protection officer, contractor"
    reviewed_on = 2026-11-30
    k = 5                       # smallest group of records sharing their quasi-identifiers
    suppression_limit = 0.05    # share of records whose quasi-identifiers may be suppressed
    pseudonyms = "cycle"        # or "panel": the same pseudonyms in every cycle

    [forms.student_questionnaire.fields."background/specialty"]
    action = "generalize"
    groups = { metalwork = ["welder", "turner"], food = ["cook", "baker"] }

    [forms.workshop_inspection.fields.site_gps]
    action = "generalize"       # coarsened to 0.1° (about 11 km), then 1°, then suppressed
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date

ACTIONS = ("drop", "pseudonymize", "generalize", "scrub", "keep")
SETTINGS = ("reviewed_by", "reviewed_on", "k", "suppression_limit", "pseudonyms", "forms")
PSEUDONYM_SCOPES = ("cycle", "panel")
DEFAULT_ACTIONS = {"direct_identifier": "drop", "linking_identifier": "pseudonymize",
                   "quasi_identifier": "generalize", "sensitive": "keep", "free_text": "scrub", "none": "keep"}
# ODK metadata and file types: they describe the device or hold a photo, never an answer to analyse.
ALWAYS_DROPPED_TYPES = {"deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
                        "binary", "photo", "image", "audio", "video", "file", "background-audio",
                        "background-geopoint"}
# Fields whose values are built from identifiers (pyxform's instance name) or index the raw data.
ALWAYS_DROPPED_NAMES = {"instanceName"}
RECORD_KEY = "instanceID"
# Linking identifiers of a cluster rather than a person: the school is a quasi-identifier of the people in it
# (a school with three second-year welders tells who they are), so its pseudonym is held to k too.
CLUSTERS = {"school_code"}


class PolicyError(ValueError):
    """A policy file that cannot be used: the message names the entry and what to write instead."""


@dataclass(frozen=True)
class Column:
    """A column of the data the anonymizer receives: its name, ODK type and class."""

    name: str                       # e.g. "background-sex" (the dataset's column name)
    path: str                       # the field's path below the form's root, e.g. "background/sex"
    type: str                       # ODK type: string, int, decimal, date, dateTime, select1, select, geopoint …
    classification: str | None      # the field class, None when the form does not say


@dataclass(frozen=True)
class Rule:
    action: str
    sensitive: bool = False                       # l-diversity is reported for it
    bands: tuple[int, ...] = (5, 10)              # widths of number bands, level by level
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)   # category -> values merged into it
    reason: str = ""                              # why: the class, a type, or the policy file
    quasi: bool = False                           # a pseudonym also held to k with the quasi-identifiers


@dataclass(frozen=True)
class Policy:
    k: int = 5
    suppression_limit: float = 0.05
    pseudonyms: str = "cycle"
    overrides: dict[str, dict] = field(default_factory=dict)   # "form_id:path" -> override table
    reviewed_by: str = ""
    reviewed_on: str = ""
    digest: str = "default"          # SHA-256 of the policy file, recorded in every output

    def rules_for(self, form_id: str, columns: list[Column]) -> dict[str, Rule]:
        """The rule of every column of one form."""
        return {c.name: self._rule(form_id, c) for c in columns}

    def _rule(self, form_id: str, column: Column) -> Rule:
        leaf = column.path.rsplit("/", 1)[-1]
        if column.type in ALWAYS_DROPPED_TYPES or leaf in ALWAYS_DROPPED_NAMES:
            return Rule("drop", reason=f"type {column.type}" if column.type in ALWAYS_DROPPED_TYPES
                        else "built from identifiers")
        if leaf == RECORD_KEY and column.path.startswith("meta/"):
            return Rule("pseudonymize", reason="record key")
        override = self.overrides.get(f"{form_id}:{column.path}")
        if column.classification is None and override is None:
            return Rule("drop", reason="unclassified")
        base = Rule(DEFAULT_ACTIONS[column.classification] if column.classification else "drop",
                    sensitive=column.classification == "sensitive",
                    reason=f"class {column.classification}",
                    quasi=column.classification == "linking_identifier" and leaf in CLUSTERS)
        if override is None:
            return base
        return replace(base, action=override.get("action", base.action),
                       sensitive=bool(override.get("sensitive", base.sensitive)),
                       bands=tuple(override.get("bands", base.bands)),
                       groups={k: tuple(v) for k, v in override.get("groups", {}).items()},
                       quasi=bool(override.get("quasi", base.quasi)), reason="policy file")


def load_policy(text: bytes) -> Policy:
    """A policy file (TOML); PolicyError names the first entry that is wrong."""
    try:
        raw = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PolicyError(f"the policy file is not valid TOML: {err}") from None
    unknown = set(raw) - set(SETTINGS)
    if unknown:     # a misspelt setting would silently leave the default in force
        raise PolicyError(f"unknown setting {', '.join(sorted(unknown))} (use {', '.join(SETTINGS)})")
    for required in ("reviewed_by", "reviewed_on"):
        if not raw.get(required):
            raise PolicyError(f"'{required}' is missing: a policy file is used only once someone reviewed it")
    k = raw.get("k", 5)
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise PolicyError("'k' must be a whole number of at least 2")
    limit = raw.get("suppression_limit", 0.05)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or not 0 <= limit <= 1:
        raise PolicyError("'suppression_limit' must be a share between 0 and 1, e.g. 0.05")
    scope = raw.get("pseudonyms", "cycle")
    if scope not in PSEUDONYM_SCOPES:
        raise PolicyError(f"'pseudonyms' must be one of {', '.join(PSEUDONYM_SCOPES)}")
    overrides = {}
    forms = raw.get("forms") or {}
    if not isinstance(forms, dict):
        raise PolicyError("'forms' must hold one table per form, e.g. [forms.student_questionnaire.fields.comment]")
    for form_id, form in forms.items():
        if not isinstance(form, dict) or set(form) - {"fields"} or not isinstance(form.get("fields", {}), dict):
            raise PolicyError(f"forms.{form_id}: expected only 'fields', e.g. [forms.{form_id}.fields.comment]")
        for path, entry in (form.get("fields") or {}).items():
            overrides[f"{form_id}:{path}"] = _override(form_id, path, entry)
    reviewed_on = raw["reviewed_on"]
    return Policy(k=k, suppression_limit=float(limit), pseudonyms=scope, overrides=overrides,
                  reviewed_by=str(raw["reviewed_by"]),
                  reviewed_on=reviewed_on.isoformat() if isinstance(reviewed_on, date) else str(reviewed_on),
                  digest=hashlib.sha256(text).hexdigest())


def _override(form_id: str, path: str, entry) -> dict:
    where = f"forms.{form_id}.fields.{path}"
    if not isinstance(entry, dict):
        raise PolicyError(f"{where}: expected a table with 'action'")
    unknown = set(entry) - {"action", "sensitive", "bands", "groups", "quasi"}
    if unknown:
        raise PolicyError(f"{where}: unknown setting {', '.join(sorted(unknown))} "
                          "(use action, sensitive, bands, groups, quasi)")
    for flag in ("sensitive", "quasi"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise PolicyError(f"{where}: '{flag}' must be true or false")
    if "action" in entry and entry["action"] not in ACTIONS:
        raise PolicyError(f"{where}: action '{entry['action']}' is not one of {', '.join(ACTIONS)}")
    bands = entry.get("bands", [5, 10])
    if not isinstance(bands, list) or not bands or not all(
            isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in bands):
        raise PolicyError(f"{where}: 'bands' must be a list of positive whole numbers, e.g. [5, 10]")
    groups = entry.get("groups", {})
    if not isinstance(groups, dict) or not all(isinstance(v, list) for v in groups.values()):
        raise PolicyError(f"{where}: 'groups' must map a category to the list of values merged into it")
    return entry
