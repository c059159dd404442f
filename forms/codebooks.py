"""Codebooks and the field classification that drives anonymization.

Every value-holding row of a library XLSForm carries a class in the column
``bind::sapat:class``; pyxform copies it onto the field's ``<bind>`` in the
XForm, so both the XLSForm (via pyxform's JSON) and the XForm can be read for it.
A codebook lists each variable with its labels in Kyrgyz and Russian, its type,
its choices and its class: what an analyst, and the anonymizer, need to know.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from forms.errors import FormError
from forms.xforms import XFORMS, CompiledForm, parse_xml

CLASSES = ("direct_identifier", "linking_identifier", "quasi_identifier", "sensitive", "free_text", "none")
CLASS_ATTRIBUTE = "{https://sapat.kg/xforms}class"
# pyxform types that hold no value of their own.
NO_VALUE = {"note", "group", "repeat"}
# Fields pyxform adds by itself: a random id, and the instance name built from the form's answers.
SYSTEM_CLASSES = {"instanceID": "none", "instanceName": "linking_identifier", "deprecatedID": "none"}
# pyxform's header row of a table-list group: a select nobody answers.
TABLE_HEADER_PREFIX = "reserved_name_for_field_list_labels_"
_LANGUAGE_CODE = re.compile(r"\((\w+)\)\s*$")


@dataclass(frozen=True)
class Choice:
    value: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Variable:
    name: str
    path: str                      # instance path, e.g. /data/background/sex
    type: str                      # pyxform's type name: text, integer, select one, photo, …
    labels: dict[str, str]         # language code (ky, ru) -> label
    classification: str | None     # one of CLASSES; None when the form does not say
    choices: list[Choice] = field(default_factory=list)
    repeat: str | None = None      # path of the innermost repeat holding the variable
    required: bool = False
    hints: dict[str, str] = field(default_factory=dict)
    constraint_messages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Codebook:
    form_id: str
    version: str | None
    title: str
    variables: list[Variable]


def codebook(form: CompiledForm) -> Codebook:
    """The codebook of a form compiled from an XLSForm."""
    if form.definition is None:
        raise FormError("A codebook needs the form's XLSForm source; this form was uploaded as an XForm.")
    root = form.definition
    variables: list[Variable] = []
    _collect(root.get("children", []), f"/{root['name']}", None, variables)
    return Codebook(form.info.form_id, form.info.version, form.info.title, variables)


def field_classes(xml: bytes) -> dict[str, str]:
    """Instance path -> class, as the XForm's binds carry it (unclassified fields are left out)."""
    html = parse_xml(xml)
    return {bind.get("nodeset"): bind.get(CLASS_ATTRIBUTE) for bind in html.iter(f"{XFORMS}bind")
            if bind.get(CLASS_ATTRIBUTE) and bind.get("nodeset")}


def _collect(children: list[dict], path: str, repeat: str | None, out: list[Variable]) -> None:
    for child in children:
        child_path = f"{path}/{child['name']}"
        kind = child.get("type", "")
        if kind in ("group", "repeat"):
            _collect(child.get("children", []), child_path, child_path if kind == "repeat" else repeat, out)
        elif kind not in NO_VALUE:
            out.append(_variable(child, child_path, repeat))


def _variable(child: dict, path: str, repeat: str | None) -> Variable:
    bind = child.get("bind", {})
    classification = bind.get("sapat:class")
    if classification is None and path.startswith(_meta_prefix(path)):
        classification = SYSTEM_CLASSES.get(child["name"])
    if classification is None and child["name"].startswith(TABLE_HEADER_PREFIX):
        classification = "none"
    choices = [Choice(str(c["name"]), by_language(c.get("label"))) for c in child.get("choices", [])]
    return Variable(name=child["name"], path=path, type=child.get("type", ""), labels=by_language(child.get("label")),
                    classification=classification, choices=choices, repeat=repeat,
                    required=str(bind.get("required", "")).lower() in {"yes", "true", "true()"},
                    hints=by_language(child.get("hint")),
                    constraint_messages=by_language(bind.get("jr:constraintMsg")))


def _meta_prefix(path: str) -> str:
    return "/" + path.strip("/").split("/")[0] + "/meta/"


def by_language(text) -> dict[str, str]:
    """pyxform's {"Kyrgyz (ky)": …} (or a plain string) as {"ky": …}."""
    if not text:
        return {}
    if isinstance(text, str):
        return {"default": text}
    result = {}
    for language, value in text.items():
        match = _LANGUAGE_CODE.search(language)
        result[match.group(1) if match else language] = value
    return result
