"""The shape of a form's data: groups, repeats and typed fields, read from the XForm.

Submissions are tables only once the form says which elements repeat and what
type each answer has. As ODK Central does, the primary instance gives the tree
(in document order), each field's ``<bind>`` gives its type, the body's
``<repeat nodeset>`` marks repeats, and the body control tells a multiple
choice (``select``) from a single one (``select1``). OData feeds and CSV
exports are built from this tree.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from forms.xforms import XFORMS, XHTML, parse_xml

STRUCTURE = "structure"
REPEAT = "repeat"
CHOICE_CONTROLS = {"select": "select", "select1": "select1"}


@dataclass(frozen=True)
class Field:
    """One element of the primary instance: a group (``structure``), a ``repeat`` or an answer."""

    name: str
    path: str                # instance path from the root element, e.g. /data/visit/rooms
    type: str                # structure, repeat, or the ODK type: string, int, decimal, select1, geopoint, …
    children: tuple["Field", ...] = field(default_factory=tuple)

    @property
    def structural(self) -> bool:
        return self.type in (STRUCTURE, REPEAT)

    def walk(self) -> Iterator["Field"]:
        """This field's descendants, depth-first in document order."""
        for child in self.children:
            yield child
            yield from child.walk()


@dataclass(frozen=True)
class FormSchema:
    root_name: str
    fields: tuple[Field, ...]

    def walk(self) -> Iterator[Field]:
        """Every field, depth-first in document order."""
        for top in self.fields:
            yield top
            yield from top.walk()

    def repeats(self) -> list[Field]:
        return [f for f in self.walk() if f.type == REPEAT]

    def find(self, path: str) -> Field | None:
        return next((f for f in self.walk() if f.path == path), None)


def form_schema(xml: bytes) -> FormSchema:
    """The field tree of an XForm (as stored after upload; raises FormError when unparseable)."""
    html = parse_xml(xml)
    model = html.find(f"{XHTML}head/{XFORMS}model")
    instance = model.find(f"{XFORMS}instance") if model is not None else None
    if instance is None or len(instance) != 1:
        return FormSchema("data", ())
    root = instance[0]
    root_name = _local(root.tag)
    # Only typed binds say what a node holds: a group may have a bind for its relevance alone.
    binds = {_absolute(bind.get("nodeset", ""), root_name): _type(bind.get("type"))
             for bind in model.iter(f"{XFORMS}bind") if bind.get("nodeset") and bind.get("type")}
    body = html.find(f"{XHTML}body")
    repeats, choices = set(), {}
    for element in body.iter() if body is not None else ():
        tag = _local(element.tag)
        ref = element.get("nodeset") if tag == "repeat" else element.get("ref") or element.get("nodeset")
        if tag == "repeat" and ref:
            repeats.add(_absolute(ref, root_name))
        elif tag in CHOICE_CONTROLS and ref:
            choices[_absolute(ref, root_name)] = CHOICE_CONTROLS[tag]
    return FormSchema(root_name, _fields(root, f"/{root_name}", binds, repeats, choices))


def _fields(node: Element, path: str, binds: dict, repeats: set, choices: dict) -> tuple[Field, ...]:
    fields, seen = [], set()
    for child in node:
        name = _local(child.tag)
        child_path = f"{path}/{name}"
        if child_path in seen:  # a repeat's template and its instances share one path
            continue
        seen.add(child_path)
        if child_path in repeats:
            kind = REPEAT
        elif child_path in choices and binds.get(child_path, "string") in ("string", "select", "select1"):
            kind = choices[child_path]
        elif child_path in binds:
            kind = binds[child_path]
        else:
            kind = STRUCTURE if len(child) else "string"  # XForms' default type
        nested = _fields(child, child_path, binds, repeats, choices) if kind in (STRUCTURE, REPEAT) else ()
        fields.append(Field(name, child_path, kind, nested))
    return tuple(fields)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _absolute(ref: str, root_name: str) -> str:
    """Bind and body references as absolute paths, namespace prefixes dropped."""
    ref = ref.strip()
    if not ref.startswith("/"):
        ref = f"/{root_name}/{ref}"
    return "/".join(step.rsplit(":", 1)[-1] for step in ref.split("/"))


def _type(raw: str) -> str:
    """``xsd:int`` and ``int`` alike."""
    return raw.rsplit(":", 1)[-1]
