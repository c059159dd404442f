"""One submission as OData rows, shaped as ODK Central shapes them.

``Submissions`` rows hold the form's fields (groups as objects, every field present,
``null`` when unanswered or masked), ``__id`` and ``__system``; each repeat leaves a
``name@odata.navigationLink`` and, with ``$expand=*``, its rows inline. Repeat rows
carry ``__id`` (a SHA-1 of the instance and iteration path, as Central computes it)
and their parent's key. Values are typed: numbers, GeoJSON (or WKT), ISO times.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote

from forms.schema import REPEAT, STRUCTURE, Field

from .. import problems

if TYPE_CHECKING:
    from .odata import Feed, Record

SYSTEM = ("submissionDate", "updatedAt", "submitterId", "submitterName", "attachmentsPresent",
          "attachmentsExpected", "status", "reviewState", "deviceId", "edits", "formVersion", "deletedAt")


def odata_name(name: str) -> str:
    """Central's identifier rule: a leading non-letter gets ``_``, runs of other characters become ``_``."""
    return re.sub(r"[^a-zA-Z0-9_]+", "_", re.sub(r"^([^a-zA-Z_])", r"_\1", name))


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Shape:
    """What the query asked to see: ``$expand=*``, ``$wkt``, and ``$select`` (None: everything)."""

    expand: bool = False
    wkt: bool = False
    fields: frozenset[str] | None = None      # instance paths of the selected fields and their groups
    metadata: frozenset[str] | None = None    # __id, __system, __system/x, the parent key

    def shows(self, field: Field) -> bool:
        return self.fields is None or field.path in self.fields

    def meta(self, name: str) -> bool:
        return self.metadata is None or name in self.metadata


def parse_select(feed: "Feed", text: str | None, repeat: Field | None) -> Shape:
    """``$select`` as Central reads it: 400.23 for an unknown name, 400.24 for a field inside a deeper repeat."""
    if not text or text.strip() == "*":
        return Shape()
    scope = repeat.children if repeat else feed.schema.fields
    base = repeat.path if repeat else f"/{feed.schema.root_name}"
    by_name = {_odata_path(f.path, base): f for f in _walk(scope)}
    fields, metadata = set(), set()
    allowed_meta = {"__id", parent_key(feed, repeat)} if repeat else {"__id", "__system"} | {
        f"__system/{name}" for name in SYSTEM}
    for name in (n.strip() for n in text.split(",")):
        if name in allowed_meta:
            metadata.add(name)
            continue
        field = by_name.get(name)
        if field is None:
            raise problems.property_not_found(name)
        ancestors = [f for f in by_name.values() if field.path.startswith(f.path + "/")]
        if any(a.type == REPEAT for a in ancestors):
            raise problems.unsupported_odata_select_field(name)
        fields.update(f.path for f in ancestors)
        fields.add(field.path)
        if field.type == STRUCTURE:
            fields.update(f.path for f in _walk(field.children, into_repeats=False))
    return Shape(fields=frozenset(fields), metadata=frozenset(metadata))


def _walk(fields, into_repeats: bool = True):
    for field in fields:
        yield field
        if field.type == STRUCTURE or (into_repeats and field.type == REPEAT):
            yield from _walk(field.children, into_repeats)


def _odata_path(path: str, base: str) -> str:
    return "/".join(odata_name(step) for step in path[len(base) + 1:].split("/"))


def parent_key(feed: "Feed", repeat: Field) -> str:
    """``__Submissions-id``, or ``__Submissions-<outer repeat path>-id`` inside another repeat."""
    outer = [f for f in feed.schema.repeats() if repeat.path.startswith(f.path + "/")]
    if not outer:
        return "__Submissions-id"
    return "__Submissions-" + "-".join(odata_name(p) for p in feed.relative(outer[-1].path).split("/")) + "-id"


# ---- rows ----------------------------------------------------------------------------------------

def rows_of(feed: "Feed", record: "Record", repeat: Field | None, shape: Shape) -> list[dict]:
    """The rows this submission puts in the table: itself, or the instances of ``repeat``."""
    instance_id = record.submission.instance_id
    tree = nest(record.values, feed.schema.root_name)
    context = _Context(instance_id, shape)
    if repeat is None:
        row = context.frame(feed.schema.fields, tree, [])
        if shape.meta("__id"):
            row["__id"] = instance_id
        system = system_of(record)
        if shape.metadata is None or "__system" in shape.metadata:
            row["__system"] = system
        elif any(m.startswith("__system/") for m in shape.metadata):
            row["__system"] = {k: v for k, v in system.items() if f"__system/{k}" in shape.metadata}
        return [row]
    key = parent_key(feed, repeat)
    rows = []
    for stack, node in repeat_instances(feed, tree, repeat):
        row = context.frame(repeat.children, node, stack)
        if shape.meta("__id"):
            row["__id"] = repeat_id(instance_id, stack)
        if shape.meta(key):
            row[key] = repeat_id(instance_id, parent_stack(stack))
        rows.append(row)
    return rows


def parent_stack(stack: list) -> list:
    """The stack of a repeat instance's parent: down to the nearest enclosing repeat (empty: the submission)."""
    parent = max((i for i, (f, _) in enumerate(stack[:-1]) if f.type == REPEAT), default=-1)
    return stack[:parent + 1]


def repeat_instances(feed: "Feed", tree: dict, repeat: Field):
    """(path stack, answers) of every instance of ``repeat`` in a nested submission, in document order.

    The stack lists the groups and repeats from the root down, each with its 0-based iteration.
    """
    chain = [f for f in _walk(feed.schema.fields) if repeat.path == f.path or repeat.path.startswith(f.path + "/")]
    yield from _instances(chain, tree, [])


def _instances(chain: list[Field], node: dict, stack: list):
    field, rest = chain[0], chain[1:]
    slot = node.get(field.name, {})
    numbers = sorted(slot) if field.type == REPEAT else [1]
    for number in numbers:
        child = slot.get(number, {})
        if not isinstance(child, dict):
            continue
        here = stack + [(field, number - 1)]
        if rest:
            yield from _instances(rest, child, here)
        else:
            yield here, child


class _Context:
    def __init__(self, instance_id: str, shape: Shape):
        self.instance_id, self.shape = instance_id, shape

    def frame(self, fields, node: dict, stack: list) -> dict:
        out = {}
        for field in fields:
            if not self.shape.shows(field):
                continue
            name, slot = odata_name(field.name), node.get(field.name, {})
            if field.type == STRUCTURE:
                child = slot.get(1, {})
                out[name] = self.frame(field.children, child if isinstance(child, dict) else {},
                                       stack + [(field, 0)])
            elif field.type == REPEAT:
                out[f"{name}@odata.navigationLink"] = navigation_link(self.instance_id, stack + [(field, 0)])
                if self.shape.expand:
                    out[name] = [self._expanded(field, child, stack + [(field, number - 1)])
                                 for number, child in sorted(slot.items()) if isinstance(child, dict)]
            else:
                value = slot.get(1)
                out[name] = typed(field.type, value, self.shape.wkt) if isinstance(value, str) else None
        return out

    def _expanded(self, field: Field, node: dict, stack: list) -> dict:
        row = self.frame(field.children, node, stack)
        row["__id"] = repeat_id(self.instance_id, stack)
        return row


def nest(values: dict[str, str], root_name: str) -> dict:
    """``{"/data/staff[2]/role": v}`` as ``{"staff": {2: {"role": {1: v}}}}``: every step indexed from 1."""
    tree: dict = {}
    prefix = f"/{root_name}/"
    for path, value in values.items():
        if not path.startswith(prefix):
            continue
        node, steps = tree, path[len(prefix):].split("/")
        for position, step in enumerate(steps):
            name, _, index = step.partition("[")
            slot = node.setdefault(name, {})
            number = int(index[:-1]) if index else 1
            if position == len(steps) - 1:
                slot[number] = value
            else:
                node = slot.setdefault(number, {})
                if not isinstance(node, dict):
                    break
    return tree


def repeat_id(instance_id: str, stack: list[tuple[Field, int]]) -> str:
    """Central's id of a repeat instance: SHA-1 over the instance and the groups and iterations above it."""
    if not stack:
        return instance_id
    parts = [f"Submissions#{instance_id}"] + [f"{f.name}#" if f.type == STRUCTURE else f"{f.name}#{i}"
                                              for f, i in stack]
    return hashlib.sha1("%%".join(parts).encode()).hexdigest()


def navigation_link(instance_id: str, stack: list[tuple[Field, int]]) -> str:
    steps = [f"Submissions('{quote(instance_id, safe='')}')"]
    for position, (field, _) in enumerate(stack):
        name = odata_name(field.name)
        last = position == len(stack) - 1
        steps.append(f"{name}('{repeat_id(instance_id, stack[:position + 1])}')"
                     if field.type == REPEAT and not last else name)
    return "/".join(steps)


def submitter_id(record: "Record") -> str:
    """As the REST API gives it: the app user's id, else the staff user's, "0" for a scheduled sync's copy."""
    submission = record.submission
    for found in (submission.submitter_app_user_id, submission.submitter_staff_id, 0):
        if found is not None:
            return str(found)


def system_of(record: "Record") -> dict:
    submission = record.submission
    return {"submissionDate": iso(submission.created_at), "updatedAt": iso(submission.updated_at),
            "submitterId": submitter_id(record), "submitterName": record.submitter_name,
            "attachmentsPresent": record.attachments_present, "attachmentsExpected": record.attachments_expected,
            "status": None, "reviewState": None if submission.review_state == "received" else submission.review_state,
            "deviceId": submission.device_id, "edits": record.edits, "formVersion": record.form_version,
            "deletedAt": None}


# ---- typed values ----------------------------------------------------------------------------------

def typed(kind: str, text: str, wkt: bool = False):
    """An answer as Central types it; what does not parse is ``null``, as JavaScript's NaN becomes."""
    if kind == "int":
        return _number(text, whole=True)
    if kind == "decimal":
        return _number(text)
    if kind == "geopoint":
        point = _point(text)
        if point is None:
            return None
        coordinates, accuracy = point
        if wkt:
            return f"POINT ({' '.join(map(str, coordinates))})"
        value = {"type": "Point", "coordinates": coordinates}
        if accuracy is not None:
            value["properties"] = {"accuracy": accuracy}
        return value
    if kind in ("geotrace", "geoshape"):
        return _line(kind, text, wkt)
    if kind == "dateTime" and re.search(r"[+-]\d\d$", text.strip()):
        return text.strip() + ":00"
    return text


def _number(text: str, whole: bool = False):
    """JSON numbers as JavaScript writes them: ``3`` for 3.0; a whole number's fraction is dropped (parseInt)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if whole or (value.is_integer() and abs(value) < 2 ** 53):
        return int(value)
    return value


def _point(text: str):
    parts = [_number(p) for p in text.split()]
    if len(parts) < 2 or parts[0] is None or parts[1] is None:
        return None
    coordinates = [parts[1], parts[0]] + ([parts[2]] if len(parts) > 2 and parts[2] is not None else [])
    return coordinates, parts[3] if len(parts) > 3 else None


def _line(kind: str, text: str, wkt: bool):
    points = [p for p in (_point(s) for s in re.split(r"; ?", text)) if p is not None]
    if not points:
        return None
    if wkt:
        inner = ",".join(" ".join(map(str, c)) for c, _ in points)
        return f"LINESTRING ({inner})" if kind == "geotrace" else f"POLYGON (({inner}))"
    coordinates = [c for c, _ in points]
    value = {"type": "LineString", "coordinates": coordinates} if kind == "geotrace" \
        else {"type": "Polygon", "coordinates": [coordinates]}
    accuracies = [a for _, a in points]
    if any(a is not None for a in accuracies):
        value["properties"] = {"accuracies": accuracies}
    return value
