"""A form's submissions as dataset tables: which columns, what each row holds, what each column means.

The main table has a row per submission: when it arrived (``SubmissionDate``), every
field outside repeats (named by its group path joined with ``-``, as Central's CSV
does), the review state, the submitter and device (direct identifiers, so they never
survive anonymization) and ``KEY``, the instanceID. Each repeat is a table of its own
whose rows carry ``PARENT_KEY`` and ``KEY`` (Briefcase's ``uuid:…/group/repeat[2]``).
Labels and choices come from the form's codebook (its XLSForm); a form uploaded as a
bare XForm has names and types only.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from anonymizer import Column
from forms import FormError, codebook, compile_xlsform
from forms.schema import REPEAT, STRUCTURE, Field

from ..datasets import Variable
from ..storage import db
from ..storage.blobs import Blob
from ..storage.forms import FormDef
from . import sealing
from .csv_export import briefcase_key
from .odata_rows import iso, nest, parent_stack, repeat_instances, submitter_id
from .submission_records import Feed, Record

log = logging.getLogger("sapat.exports")
NUMERIC_TYPES = {"int", "decimal"}
MISSING_CHOICES = {"dk", "refused", "refuse", "na", "no_answer"}
SUBMISSION_DATE = Column("SubmissionDate", "__system/submissionDate", "dateTime", "quasi_identifier")
REVIEW_STATE = Column("ReviewState", "__system/reviewState", "string", "none")
SUBMITTER = (Column("SubmitterID", "__system/submitterId", "string", "direct_identifier"),
             Column("SubmitterName", "__system/submitterName", "string", "direct_identifier"),
             Column("DeviceID", "__system/deviceId", "string", "direct_identifier"))
KEY = Column("KEY", "KEY", "string", "linking_identifier")
# The respondent's final survey weight (``sapat weights compute``), when the form has weights.
WEIGHT = Column("weight", "__system/weight", "decimal", "none")
PARENT_KEY = Column("PARENT_KEY", "PARENT_KEY", "string", "linking_identifier")


@dataclass
class Table:
    name: str                              # "main", or the repeat's path below the root ("photos")
    repeat: Field | None
    columns: list[Column]
    steps: list[tuple[str, ...] | None]    # how to reach each column's value from the table's node
    described: dict[str, dict] = field(default_factory=dict)   # column name -> codebook entry


def tables_of(feed: Feed, form_def: FormDef, weighted: bool = False) -> list[Table]:
    described = _described(form_def)
    tables = []
    for repeat in [None] + feed.schema.repeats():
        fields = list(_fields(repeat.children if repeat else feed.schema.fields, ()))
        columns = [Column("-".join(steps), feed.relative(f.path), f.type, feed.classes.get(f.path))
                   for f, steps in fields]
        steps: list = [s for _, s in fields]
        if repeat is None:
            columns = [SUBMISSION_DATE] + columns + [REVIEW_STATE, *SUBMITTER, KEY] + ([WEIGHT] if weighted else [])
            steps = [None] + steps + [None] * (2 + len(SUBMITTER) + weighted)
        else:
            columns, steps = columns + [PARENT_KEY, KEY], steps + [None, None]
        entries = {"-".join(here): described.get(f.path, {}) for f, here in fields}
        tables.append(Table(feed.relative(repeat.path) if repeat else "main", repeat, columns, steps, entries))
    return tables


def _fields(fields, steps: tuple[str, ...]):
    for f in fields:
        here = steps + (f.name,)
        if f.type == STRUCTURE:
            yield from _fields(f.children, here)
        elif f.type != REPEAT and not (f.name == "instanceID" and steps == ("meta",)):
            yield f, here


def rows_of(feed: Feed, tables: list[Table], record: Record, weights: dict[int, float] | None = None) -> list[list[list]]:
    """The rows this submission puts in each table (raw answers as text, ``None`` when unanswered).

    With ``weights`` (submission id -> final weight) the main row ends with the weight (empty for a
    respondent outside the sample)."""
    tree = nest(record.values, feed.schema.root_name)
    submission = record.submission
    instance_id = submission.instance_id
    out = []
    for table in tables:
        if table.repeat is None:
            values = [_value(tree, s) for s in table.steps[1:len(table.steps) - 5 - (weights is not None)]]
            review = None if submission.review_state == "received" else submission.review_state
            weight = [] if weights is None else [_weight(weights.get(submission.id))]
            out.append([[iso(submission.created_at)] + values + [review, submitter_id(record), record.submitter_name,
                                                                  submission.device_id, instance_id] + weight])
            continue
        rows = []
        for stack, node in repeat_instances(feed, tree, table.repeat):
            rows.append([_value(node, s) for s in table.steps[:-2]]
                        + [briefcase_key(instance_id, parent_stack(stack)), briefcase_key(instance_id, stack)])
        out.append(rows)
    return out


def _weight(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def _value(node: dict, steps: tuple[str, ...]) -> str | None:
    for step in steps[:-1]:
        node = node.get(step, {}).get(1, {})
        if not isinstance(node, dict):
            return None
    value = node.get(steps[-1], {}).get(1)
    return value if isinstance(value, str) else None


def _described(form_def: FormDef) -> dict[str, dict]:
    """Instance path -> labels, choices and hints from the version's XLSForm (empty for a bare XForm)."""
    if form_def.source_blob_id is None or not (form_def.source_name or "").lower().endswith((".xlsx", ".xls")):
        return {}
    try:
        compiled = compile_xlsform(sealing.read_file(db.session.get(Blob, form_def.source_blob_id)),
                                   filename=form_def.source_name, validate=False)
        book = codebook(compiled)
    except FormError:
        log.warning("form version %s: its XLSForm no longer compiles; the codebook has no labels", form_def.id)
        return {}
    return {v.path: {"labels": v.labels, "choices": {c.value: c.labels for c in v.choices}, "odk_type": v.type}
            for v in book.variables}


def variable(table: Table, column: Column, treatment: str) -> Variable:
    """What the writers and the codebook need to know of a published column."""
    entry = table.described.get(column.name, {})
    choices = entry.get("choices", {})
    numeric = column.type in NUMERIC_TYPES and not treatment.startswith("generalized")
    return Variable(name=column.name, labels=entry.get("labels", {}), numeric=numeric,
                    measure="scale" if numeric else "nominal",
                    value_labels={} if treatment.startswith("generalized") and "exact" not in treatment else choices,
                    missing=tuple(v for v in choices if v in MISSING_CHOICES),
                    type=entry.get("odk_type", column.type), classification=column.classification,
                    treatment=treatment)


def typed(variables: list[Variable], row: list) -> list:
    """Numbers as numbers for numeric variables (an unreadable number is missing), text as text."""
    return [_number(v) if var.numeric and v is not None else v for var, v in zip(variables, row)]


def _number(text: str):
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
