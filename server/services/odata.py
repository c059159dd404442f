"""ODK Central's OData feed of a form's submissions: the service and metadata documents and the pages.

The tables are ``Submissions`` and one per repeat (``Submissions.visit.staff``), named,
typed and keyed exactly as Central names them (``__id``, ``__system``, repeat ids that
are SHA-1s of the instance and the iteration path, ``__Submissions-id`` parent keys),
so pyodk, ruODK and Excel/Power BI read Sapat as they read Central. Rows are built
from the answers stored at ingest (clear ones, plus the sealed personal ones when the
caller may see them) — the sealed XML is never opened. Submissions are read in keyset
batches, in Central's order (newest first unless ``$orderby`` says otherwise).
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from xml.sax.saxutils import quoteattr

from forms.schema import REPEAT, STRUCTURE, Field
from sqlalchemy import true
from sqlalchemy.sql.expression import ColumnElement

from .. import problems
from ..storage.submissions import Submission
from .odata_filter import compile_filter, parse_filter
from .odata_rows import Shape, odata_name, parse_select, rows_of
from .submission_records import Feed, Order, count_rows, cursor_of, parse_orderby, read_records, resolver

EDM = {"int": "Edm.Int64", "decimal": "Edm.Decimal", "boolean": "Edm.Boolean", "geopoint": "Edm.GeographyPoint",
       "geotrace": "Edm.GeographyLineString", "geoshape": "Edm.GeographyPolygon", "date": "Edm.Date",
       "dateTime": "Edm.DateTimeOffset"}
# Query options Central accepts on its OData resources; anything else is 501.1.
OPTIONS = {"$format", "$count", "$skip", "$top", "$filter", "$wkt", "$expand", "$select", "$skiptoken", "$orderby"}


# ---- documents -----------------------------------------------------------------------------------

def service_document(feed: Feed, metadata_url: str) -> dict:
    names = ["Submissions"] + [feed.table_name(r) for r in feed.schema.repeats()]
    return {"@odata.context": metadata_url,
            "value": [{"name": n, "kind": "EntitySet", "url": n} for n in names]}


METADATA_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.submission">
      <ComplexType Name="metadata">
""" + "".join(f'        <Property Name="{n}" Type="{t}"/>\n' for n, t in (
    ("submissionDate", "Edm.DateTimeOffset"), ("updatedAt", "Edm.DateTimeOffset"),
    ("deletedAt", "Edm.DateTimeOffset"), ("submitterId", "Edm.String"), ("submitterName", "Edm.String"),
    ("attachmentsPresent", "Edm.Int64"), ("attachmentsExpected", "Edm.Int64"),
    ("status", "org.opendatakit.submission.Status"), ("reviewState", "org.opendatakit.submission.ReviewState"),
    ("deviceId", "Edm.String"), ("edits", "Edm.Int64"), ("formVersion", "Edm.String"))) + """      </ComplexType>
      <EnumType Name="Status">
        <Member Name="notDecrypted"/>
        <Member Name="missingEncryptedFormData"/>
      </EnumType>
      <EnumType Name="ReviewState">
        <Member Name="hasIssues"/>
        <Member Name="edited"/>
        <Member Name="rejected"/>
        <Member Name="approved"/>
      </EnumType>
    </Schema>
"""
SUBMISSIONS_ANNOTATIONS = """          <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" EnumMember="Org.OData.Capabilities.V1.ConformanceLevelType/Minimal"/>
          <Annotation Term="Org.OData.Capabilities.V1.BatchSupported" Bool="false"/>
          <Annotation Term="Org.OData.Capabilities.V1.CountRestrictions">
            <Record><PropertyValue Property="Countable" Bool="true"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.SortRestrictions">
            <Record><PropertyValue Property="Sortable" Bool="false"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.ExpandRestrictions">
            <Record><PropertyValue Property="Expandable" Bool="false"/></Record>
          </Annotation>
"""


def metadata_document(feed: Feed) -> str:
    """The EDMX 4.0 CSDL of the form's tables, in Central's namespaces and type names."""
    base = f"org.opendatakit.user.{odata_name(feed.xml_form_id)}"
    entities: list[tuple[str, list[str]]] = []
    complexes: list[tuple[str, list[str]]] = []

    def describe(fields, props: list[str], parent_key: str | None) -> None:
        for field in fields:
            name = odata_name(field.name)
            type_name = ".".join(odata_name(p) for p in feed.relative(field.path).split("/"))
            if field.type == STRUCTURE:
                inner: list[str] = []
                complexes.append((type_name, inner))
                props.append(_property(name, f"{base}.{type_name}"))
                describe(field.children, inner, parent_key)
            elif field.type == REPEAT:
                key = f"Submissions.{type_name}"
                inner = [_property(f"__{parent_key}-id", "Edm.String")]
                entities.append((key, inner))
                props.append(_property(name, f"Collection({base}.{key})", navigation=True))
                describe(field.children, inner, "Submissions-" + type_name.replace(".", "-"))
            else:
                props.append(_property(name, EDM.get(field.type, "Edm.String")))

    root_props = [_property("__system", "org.opendatakit.submission.metadata")]
    entities.append(("Submissions", root_props))
    describe(feed.schema.fields, root_props, "Submissions")
    out = [METADATA_HEAD, f'    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace={quoteattr(base)}>\n']
    for name, props in entities:
        out.append(f'      <EntityType Name={quoteattr(name)}>\n        <Key><PropertyRef Name="__id"/></Key>\n'
                   '        <Property Name="__id" Type="Edm.String"/>\n' + "".join(props) + "      </EntityType>\n")
    for name, props in complexes:
        out.append(f"      <ComplexType Name={quoteattr(name)}>\n" + "".join(props) + "      </ComplexType>\n")
    out.append(f"      <EntityContainer Name={quoteattr(feed.xml_form_id)}>\n")
    for name, _ in entities:
        notes = SUBMISSIONS_ANNOTATIONS if name == "Submissions" else ""
        out.append(f"        <EntitySet Name={quoteattr(name)} EntityType={quoteattr(f'{base}.{name}')}>\n"
                   f"{notes}        </EntitySet>\n")
    out.append("      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>")
    return "".join(out)


def _property(name: str, type_name: str, navigation: bool = False) -> str:
    tag = "NavigationProperty" if navigation else "Property"
    return f"        <{tag} Name={quoteattr(name)} Type={quoteattr(type_name)}/>\n"




# ---- queries and pages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """A table request's options, every one checked before a byte of the answer is written."""

    repeat: Field | None
    where: ColumnElement
    order: Order
    top: int | None
    skip: int
    count: bool
    token: dict | None
    shape: Shape


def parse_query(feed: Feed, table: str, args: Mapping[str, str]) -> Query:
    for name in args:
        if name not in OPTIONS:
            raise problems.not_implemented(name)
    expand = args.get("$expand")
    if expand and expand != "*":
        raise problems.unsupported_odata_expand(expand)
    if expand and args.get("$select"):
        raise problems.unsupported_odata_select_expand()
    repeat = feed.repeat_named(table)
    token = _skiptoken(args["$skiptoken"]) if args.get("$skiptoken") else None
    where = where_of(feed, args.get("$filter"), repeat is None)
    shape = replace(parse_select(feed, args.get("$select"), repeat), expand=bool(expand),
                    wkt=_flag(args, "$wkt"))
    return Query(repeat, where, parse_orderby(args.get("$orderby")), _whole(args, "$top"),
                 0 if token else (_whole(args, "$skip") or 0), _flag(args, "$count"), token, shape)


def where_of(feed: Feed, text: str | None, root_table: bool = True) -> ColumnElement:
    """The WHERE clause of a ``$filter`` (every row without one)."""
    return compile_filter(parse_filter(text), resolver(feed, root_table)) if text else true()


def _whole(args: Mapping[str, str], name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise problems.invalid_data(name, "expected a whole number of at least 0")
    return int(raw)


def _flag(args: Mapping[str, str], name: str) -> bool:
    return (args.get(name) or "").lower() == "true"


def skiptoken(data: dict) -> str:
    """Central's scheme: ``01`` (its version) and base64 of a JSON object naming the last row."""
    return "01" + base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _skiptoken(token: str) -> dict:
    try:
        if not token.startswith("01"):
            raise ValueError(token)
        data = json.loads(base64.b64decode(token[2:], validate=True))
    except (ValueError, binascii.Error):
        raise problems.odata_invalid_skiptoken() from None
    if not isinstance(data, dict) or not isinstance(data.get("instanceId"), str):
        raise problems.odata_invalid_skiptoken()
    return data


def table_page(feed: Feed, query: Query, personal: bool, context: str,
               next_link: Callable[[str], str]) -> Iterator[str]:
    """The JSON text of one page of a table, produced as it is read.

    Everything that can fail (the cursor, the count) is settled before the first chunk,
    so a failure is still a problem response, never half a page.
    """
    start = cursor_of(feed, query.token["instanceId"], query.order) if query.token else None
    if query.repeat is None:
        total = count_rows(feed, query.where) if query.count else None
        limit = None if query.top is None else query.top + 1
        records = read_records(feed, query.where, query.order, start=start, skip=query.skip, limit=limit,
                               personal=personal)
        rows = ((rows_of(feed, r, None, query.shape)[0], {"instanceId": r.submission.instance_id})
                for r in records)
        return _page(rows, query.top, total, context, next_link)
    after = query.token.get("repeatId") if query.token else None
    if after is not None:
        _check_repeat_cursor(feed, query, start, after)
    # A count needs every row; the rows before the cursor are then read, counted and not sent.
    records = read_records(feed, query.where, query.order, start=None if query.count else start,
                           inclusive=True, skip=0, personal=personal)
    inner = query.shape if query.shape.metadata is None else replace(
        query.shape, metadata=query.shape.metadata | {"__id"})
    rows = _repeat_rows(feed, records, query, inner, after)
    return _page(rows, query.top, None, context, next_link, skip=query.skip, count_all=query.count)


def _check_repeat_cursor(feed: Feed, query: Query, start: tuple, after: str) -> None:
    records = read_records(feed, query.where, query.order, start=start, inclusive=True, limit=1)
    if not any(row["__id"] == after for r in records for row in rows_of(feed, r, query.repeat, Shape())):
        raise problems.odata_repeat_id_not_found()


def _repeat_rows(feed: Feed, records, query: Query, inner: Shape, after: str | None):
    waiting = after is not None
    for record in records:
        for row in rows_of(feed, record, query.repeat, inner):
            if waiting:  # before the cursor: counted when a count was asked for, never sent
                waiting = row["__id"] != after
                yield None, None
                continue
            key = {"instanceId": record.submission.instance_id, "repeatId": row["__id"]}
            if not query.shape.meta("__id"):
                row.pop("__id")
            yield row, key


def entity_page(feed: Feed, instance_id: str, path: list[tuple[str, str | None]], args: Mapping[str, str],
                personal: bool, context: str, next_link: Callable[[str], str]) -> Iterator[str]:
    """``Submissions('id')`` and ``Submissions('id')/repeat('id')/repeat``: one submission's rows."""
    table = ".".join(["Submissions"] + [name for name, _ in path])
    query = parse_query(feed, table, {k: v for k, v in args.items() if k != "$filter"})
    records = list(read_records(feed, Submission.instance_id == instance_id, personal=personal, limit=1))
    if not records:
        raise problems.not_found()
    rows = rows_of(feed, records[0], query.repeat, query.shape)
    named = [i for i, (_, key) in enumerate(path) if key is not None]
    if named:
        parent = "__" + "-".join(["Submissions"] + [name for name, _ in path[:named[-1] + 1]]) + "-id"
        rows = [row for row in rows if row.get(parent) == path[named[-1]][1]]
    skip = query.skip
    if query.token and query.token.get("repeatId"):
        ids = [row.get("__id") for row in rows]
        if query.token["repeatId"] not in ids:
            raise problems.odata_repeat_id_not_found()
        skip = ids.index(query.token["repeatId"]) + 1
    keyed = ((row, {"instanceId": instance_id, "repeatId": row.get("__id")}) for row in rows)
    return _page(keyed, query.top, len(rows) if query.count else None, context, next_link, skip=skip)


def _page(rows, top: int | None, total: int | None, context: str, next_link: Callable[[str], str], *,
          skip: int = 0, count_all: bool = False) -> Iterator[str]:
    """``{"value":[…],"@odata.context":…,"@odata.nextLink":…,"@odata.count":…}`` as Central writes it."""
    sent, seen, last, more = 0, 0, None, False
    yield '{"value":['
    for row, key in rows:
        seen += 1
        if row is None or seen <= skip:
            continue
        if top is not None and sent >= top:
            more = True
            if not count_all:
                break
            continue
        yield ("," if sent else "") + json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        sent, last = sent + 1, key
    footer = {"@odata.context": context}
    if more and last is not None:
        footer["@odata.nextLink"] = next_link(skiptoken(last))
    if total is not None or count_all:
        footer["@odata.count"] = total if total is not None else seen
    yield "]," + json.dumps(footer, ensure_ascii=False, separators=(",", ":"))[1:]
