"""Reading a form's submissions for exports: which rows, in which order, with what they say.

Shared by the OData feed and the CSV export. A :class:`Feed` is a published form as
its tables see it (the current version's field tree and field classes). Filters may
name system columns and answers kept in clear (never sealed personal ones); rows are
read in keyset batches so memory stays flat however many submissions a form has,
and each carries what ``__system`` reports (submitter, files, edits, form version).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from forms.schema import REPEAT, Field, FormSchema, form_schema
from sqlalchemy import String, and_, cast, func, null, or_, select
from sqlalchemy.sql.expression import ColumnElement

from .. import problems
from ..storage import db
from ..storage.forms import Form, FormDef
from ..storage.submissions import Submission, SubmissionAttachment, SubmissionDef
from ..storage.users import AppUser, StaffUser
from .odata_filter import Column, Member
from .odata_rows import odata_name
from .submission_xml import CLEAR_CLASSES, SYSTEM_CLEAR
from .submissions import personal_values

ROOT = "$root/Submissions/"
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Feed:
    """A published form as its tables see it: the current version's field tree and classes.

    Plain values only: a streamed answer is read after the request's transaction ended.
    """

    form_id: int
    xml_form_id: str
    schema: FormSchema
    classes: dict[str, str]

    def table_name(self, repeat: Field) -> str:
        return ".".join(["Submissions"] + [odata_name(p) for p in self.relative(repeat.path).split("/")])

    def relative(self, path: str) -> str:
        return path.split("/", 2)[2]

    def repeat_named(self, table: str) -> Field | None:
        """The repeat behind a table name; None for ``Submissions``; 404.1 for anything else."""
        if table == "Submissions":
            return None
        found = next((r for r in self.schema.repeats() if self.table_name(r) == table), None)
        if found is None:
            raise problems.not_found()
        return found

    def clear(self, path: str) -> bool:
        """Whether answers at this path (``[n]`` indexes allowed) identify no one."""
        plain = _INDEX.sub("", path)
        kind = self.classes.get(plain)
        if kind is None and plain.rsplit("/", 1)[-1] in SYSTEM_CLEAR and "/meta/" in plain:
            kind = "none"
        return kind in CLEAR_CLASSES


def feed_for(form: Form) -> Feed:
    current: FormDef | None = form.current_def
    if current is None:
        raise problems.not_found()
    return Feed(form.id, form.xml_form_id, form_schema(current.xml), current.field_classes or {})


# ---- which rows ------------------------------------------------------------------------------------

def submitter_column() -> ColumnElement:
    return cast(func.coalesce(Submission.submitter_app_user_id, Submission.submitter_staff_id, 0), String)


SYSTEM_COLUMNS = {
    "__id": Column(Submission.instance_id, "text"),
    "__system/submissionDate": Column(Submission.created_at, "timestamp"),
    "__system/updatedAt": Column(Submission.updated_at, "timestamp"),
    "__system/submitterId": Column(submitter_column(), "text"),
    "__system/reviewState": Column(func.nullif(Submission.review_state, "received"), "text"),
    "__system/deviceId": Column(Submission.device_id, "text"),
    "__system/deletedAt": Column(cast(null(), Submission.created_at.type), "timestamp"),  # nothing is deleted
}
SORTABLE = {"__system/submissionDate": Submission.created_at, "__system/updatedAt": Submission.updated_at}


def resolver(feed: Feed, root_table: bool):
    """What names a filter may use: system columns and answers kept in clear outside repeats.

    On a repeat table, names start with ``$root/Submissions/`` (as in Central).
    """
    fields = {"/".join(odata_name(p) for p in feed.relative(f.path).split("/")): f
              for f in _outside_repeats(feed.schema.fields)}

    def resolve(member: Member) -> Column:
        path = member.path
        if path.startswith(ROOT):
            path = path[len(ROOT):]
        elif not root_table:
            raise problems.unsupported_odata_field(member.path, member.at)
        if path in SYSTEM_COLUMNS:
            return SYSTEM_COLUMNS[path]
        field = fields.get(path)
        if field is None or field.structural:
            raise problems.unsupported_odata_field(member.path, member.at)
        if not feed.clear(field.path):
            raise problems.personal_field_filter(member.path)
        kind = "number" if field.type in ("int", "decimal") else "text"
        return Column(SubmissionDef.values[field.path].as_string(), kind)
    return resolve


def _outside_repeats(fields) -> Iterator[Field]:
    for field in fields:
        if field.type != REPEAT:
            yield field
            yield from _outside_repeats(field.children)


@dataclass(frozen=True)
class Order:
    column: ColumnElement
    descending: bool


DEFAULT_ORDER = Order(Submission.created_at, True)


def parse_orderby(text: str | None) -> Order:
    if not text:
        return DEFAULT_ORDER
    clauses = [c.split() for c in text.split(",")]
    if len(clauses) > 1:
        raise problems.not_implemented("$orderby with more than one property")
    name, *direction = clauses[0] or [""]
    if name not in SORTABLE:
        raise problems.unsupported_odata_field(name)
    if len(direction) > 1 or (direction and direction[0].lower() not in ("asc", "desc")):
        raise problems.unsupported_odata_field(" ".join(direction))
    return Order(SORTABLE[name], bool(direction) and direction[0].lower() == "desc")


def _after(order: Order, value, row_id: int) -> ColumnElement:
    """Rows after (value, id) in the order: NULLs first ascending and last descending, as Central sorts."""
    column, later = order.column, (order.column < value) if order.descending else (order.column > value)
    beyond_id = Submission.id < row_id if order.descending else Submission.id > row_id
    if value is None:
        same = and_(column.is_(None), beyond_id)
        return or_(same, column.is_not(None)) if not order.descending else same
    after = or_(later, and_(column == value, beyond_id))
    return or_(after, column.is_(None)) if order.descending else after


def _sort(order: Order) -> list:
    column = order.column.desc().nulls_last() if order.descending else order.column.asc().nulls_first()
    return [column, Submission.id.desc() if order.descending else Submission.id.asc()]


def cursor_of(feed: Feed, instance_id: str, order: Order) -> tuple:
    """The keyset position of a submission in the order: (its sort value, its id)."""
    found = db.session.scalar(select(Submission).where(Submission.form_id == feed.form_id,
                                                       Submission.instance_id == instance_id))
    if found is None:
        raise problems.odata_repeat_id_not_found()
    return getattr(found, order.column.key), found.id


def count_rows(feed: Feed, where: ColumnElement) -> int:
    return db.session.scalar(select(func.count(Submission.id)).join(SubmissionDef, _current()).where(
        Submission.form_id == feed.form_id, where))


def _current():
    return and_(SubmissionDef.submission_id == Submission.id, SubmissionDef.current.is_(True))


# ---- reading ---------------------------------------------------------------------------------------

@dataclass
class Record:
    """One submission as its current version says, with what ``__system`` reports about it."""

    submission: Submission
    version: SubmissionDef
    values: dict[str, str]
    submitter_name: str | None
    attachments_present: int
    attachments_expected: int
    edits: int
    form_version: str


def read_records(feed: Feed, where: ColumnElement, order: Order = DEFAULT_ORDER, *, start: tuple | None = None,
                 inclusive: bool = False, skip: int = 0, limit: int | None = None, personal: bool = False,
                 batch: int = 200) -> Iterator[Record]:
    """Matching submissions after the ``start`` cursor (or from it, ``inclusive``), in keyset batches:
    memory stays flat however many there are."""
    cursor = start
    if start is not None and inclusive:  # ids are whole numbers: one step back includes the cursor's row
        cursor = (start[0], start[1] + (1 if order.descending else -1))
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        stmt = (select(Submission, SubmissionDef).join(SubmissionDef, _current())
                .where(Submission.form_id == feed.form_id, where).order_by(*_sort(order)).limit(size))
        if cursor is not None:
            stmt = stmt.where(_after(order, *cursor))
        elif skip:
            stmt = stmt.offset(skip)
        rows = db.session.execute(stmt).all()
        yield from _records(feed, rows, personal)
        if len(rows) < size:
            return
        left = None if left is None else left - len(rows)
        cursor = (getattr(rows[-1][0], order.column.key), rows[-1][0].id)


def _records(feed: Feed, rows, personal: bool) -> list[Record]:
    if not rows:
        return []
    submission_ids = [s.id for s, _ in rows]
    files = dict((v, (p, e)) for v, p, e in db.session.execute(
        select(SubmissionAttachment.submission_def_id, func.count(SubmissionAttachment.blob_id),
               func.count(SubmissionAttachment.id))
        .where(SubmissionAttachment.submission_def_id.in_([v.id for _, v in rows]))
        .group_by(SubmissionAttachment.submission_def_id)))
    firsts = (select(SubmissionDef.submission_id, func.count(SubmissionDef.id).label("n"),
                     func.min(SubmissionDef.id).label("first"))
              .where(SubmissionDef.submission_id.in_(submission_ids)).group_by(SubmissionDef.submission_id)
              .subquery())
    history = {sid: (n, version) for sid, n, version in db.session.execute(
        select(firsts.c.submission_id, firsts.c.n, FormDef.version)
        .join(SubmissionDef, SubmissionDef.id == firsts.c.first).join(FormDef, FormDef.id == SubmissionDef.form_def_id))}
    app_names = _names(AppUser, {s.submitter_app_user_id for s, _ in rows})
    staff_names = _names(StaffUser, {s.submitter_staff_id for s, _ in rows})
    records = []
    for submission, version in rows:
        values = {p: v for p, v in version.values.items() if feed.clear(p)}
        if personal:
            values.update(personal_values(version))
        name = (app_names.get(submission.submitter_app_user_id) if submission.submitter_app_user_id is not None
                else staff_names.get(submission.submitter_staff_id))
        edits, form_version = history.get(submission.id, (1, ""))
        records.append(Record(submission, version, values, name, *files.get(version.id, (0, 0)), edits - 1,
                              form_version))
    return records


def _names(model, ids: set) -> dict[int, str]:
    ids = ids - {None}
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.display_name).where(model.id.in_(ids))).all())
