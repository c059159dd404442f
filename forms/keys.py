"""Answer keys and coding schemes of tests, kept beside the form and never sent to devices.

A test's items are its fields named ``q`` + digits. The key file
(``<form_id>.key.json``, format in forms/README.md) gives each item its domain,
type, key and points, and open items their coding scheme. ``check_answer_key``
holds a key against the compiled form: every item keyed, every key an existing
choice, and nothing in the XForm that could give a key away.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from forms.codebooks import Codebook, Variable, codebook
from forms.errors import FormError
from forms.xforms import XFORMS, CompiledForm, parse_xml

ITEM_NAME = re.compile(r"^q\d+$")
ITEM_TYPES = {"single": "select one", "multiple": "select all that apply", "open": "text"}
SCORINGS = ("all_or_nothing", "partial")
# Bind attributes an item may carry; any other (calculate, relevant, constraint …) could leak a key.
ALLOWED_ITEM_BIND = {"nodeset", "type", "required", "{https://sapat.kg/xforms}class"}


@dataclass(frozen=True)
class KeyedItem:
    name: str
    domain: str
    type: str                     # single | multiple | open
    points: float
    key: str | list[str] | None = None
    scoring: str = "all_or_nothing"
    coding: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class AnswerKey:
    form_id: str
    version: str
    domains: dict[str, dict]      # code -> {"label_ky": …, "label_ru": …}
    items: dict[str, KeyedItem]
    # Proficiency levels, ascending: {"code", "label_ky", "label_ru", "min"}; "min" is a percent of the
    # maximum points (of the test, and of each domain) unless levels_on is "scale" (the reported scale).
    levels: tuple = ()
    levels_on: str = "percent"


def key_path(form_path: Path) -> Path:
    """Where the key of a library form lives: ``<form_id>.key.json`` beside it."""
    return form_path.with_name(f"{form_path.stem}.key.json")


def load_answer_key(data: bytes) -> AnswerKey:
    """Parse and check the structure of a key file; FormError names the item that is wrong."""
    try:
        raw = json.loads(data.decode("utf-8"))
        domains = {d["code"]: d for d in raw["domains"]}
        for domain in domains.values():      # a competence area may have its own percent cuts
            if domain.get("cuts"):
                _levels({"cuts": domain["cuts"]})
        items = {}
        for entry in raw["items"]:
            item = _item(entry, domains)
            if item.name in items:
                raise FormError(f"Item {item.name} is keyed twice.")
            items[item.name] = item
        levels, levels_on = _levels(raw.get("levels", {"cuts": []}))
        return AnswerKey(str(raw["form_id"]), str(raw["version"]), domains, items, levels, levels_on)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormError(f"The key file is not UTF-8 JSON: {err}") from None
    except (KeyError, TypeError) as err:
        raise FormError(f"The key file lacks a required entry: {err}") from None


def _levels(raw: dict) -> tuple[tuple, str]:
    on = raw.get("on", "percent")
    if on not in ("percent", "scale"):
        raise FormError("levels: \"on\" is percent or scale.")
    cuts = tuple(raw["cuts"])
    minimums = [float(c["min"]) for c in cuts]
    if minimums != sorted(set(minimums)) or len({c["code"] for c in cuts}) != len(cuts):
        raise FormError("levels: the cuts need distinct codes and rising minimums.")
    return cuts, on


def _item(entry: dict, domains: dict) -> KeyedItem:
    name, kind = entry["name"], entry["type"]
    if kind not in ITEM_TYPES:
        raise FormError(f"Item {name}: type must be one of {', '.join(ITEM_TYPES)}, not {kind!r}.")
    if entry["domain"] not in domains:
        raise FormError(f"Item {name}: domain {entry['domain']!r} is not among the key's domains.")
    key, coding = entry.get("key"), entry.get("coding", [])
    if kind == "single" and not isinstance(key, str):
        raise FormError(f"Item {name}: a single-choice key is one choice name.")
    if kind == "multiple" and not (isinstance(key, list) and key and all(isinstance(k, str) for k in key)):
        raise FormError(f"Item {name}: a multiple-choice key is a non-empty list of choice names.")
    if kind == "open" and not any(c.get("missing") for c in coding):
        raise FormError(f"Item {name}: an open item needs a coding scheme with a code marked \"missing\".")
    scoring = entry.get("scoring", "all_or_nothing")
    if scoring not in SCORINGS:
        raise FormError(f"Item {name}: scoring must be one of {', '.join(SCORINGS)}.")
    return KeyedItem(name, entry["domain"], kind, float(entry["points"]), key, scoring, coding)


def check_answer_key(key: AnswerKey, form: CompiledForm) -> list[str]:
    """Everything wrong between a key and its form; an empty list means they fit."""
    book: Codebook = codebook(form)
    items = {v.name: v for v in book.variables if ITEM_NAME.match(v.name)}
    problems = []
    if (key.form_id, key.version) != (book.form_id, book.version):
        problems.append(f"The key is for {key.form_id} {key.version}, the form is {book.form_id} {book.version}.")
    problems += [f"Item {name} has no key." for name in sorted(set(items) - set(key.items))]
    problems += [f"Key entry {name} names no item of the form." for name in sorted(set(key.items) - set(items))]
    for name in sorted(set(items) & set(key.items)):
        problems += _item_problems(key.items[name], items[name])
    problems += leaked_items(form, [v.path for v in items.values()])
    return problems


def _item_problems(item: KeyedItem, variable: Variable) -> list[str]:
    if variable.type != ITEM_TYPES[item.type]:
        return [f"Item {item.name} is a {variable.type} in the form but {item.type} in the key."]
    names = {c.value for c in variable.choices}
    wanted = [] if item.type == "open" else ([item.key] if isinstance(item.key, str) else item.key)
    return [f"Item {item.name}: key {k!r} is not one of its choices {sorted(names)}." for k in wanted
            if k not in names]


def leaked_items(form: CompiledForm, item_paths: list[str]) -> list[str]:
    """Places where the XForm computes with an item: a key could be read off them."""
    html = parse_xml(form.xml)
    problems = []
    paths = set(item_paths)
    for bind in html.iter(f"{XFORMS}bind"):
        nodeset = bind.get("nodeset")
        if nodeset in paths and set(bind.attrib) - ALLOWED_ITEM_BIND:
            extra = sorted(set(bind.attrib) - ALLOWED_ITEM_BIND)
            problems.append(f"Item {nodeset} carries {', '.join(extra)} in the XForm.")
        expressions = " ".join(v for k, v in bind.attrib.items() if k not in ("nodeset", "type"))
        for path in paths:
            if re.search(re.escape(path) + r"(?![\w/])", expressions):
                problems.append(f"The bind of {nodeset} refers to item {path}.")
    return problems
