"""ODK Central's CSV export: ``submissions.csv.zip`` (a table per repeat, media) and ``submissions.csv``.

Columns are named as Central names them: ``SubmissionDate``, then the fields with their
group path joined by ``-`` (only the name with ``groupPaths=false``), a geopoint in four
columns, optionally a 0/1 column per chosen value of a multiple choice, then ``KEY``,
``SubmitterID`` … ``FormVersion``; a repeat's file ends with ``PARENT_KEY`` and ``KEY``.
The zip is written as it is read: the main table streams straight into the archive,
repeat rows and the list of media wait in scratch files encrypted under a key that
lives only in memory (``EphemeralFile``), so no personal data reaches the disk in clear.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from forms.schema import REPEAT, STRUCTURE, Field
from sqlalchemy.sql.expression import ColumnElement

from ..crypto import EphemeralFile
from ..storage import db
from ..storage.blobs import Blob
from . import sealing
from .odata_rows import iso, nest, parent_stack, repeat_instances, submitter_id
from .submission_records import Feed, Record, read_records

META = ("KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
        "DeviceID", "Edits", "FormVersion")
GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Options:
    group_paths: bool = True
    split_select_multiples: bool = False
    attachments: bool = True      # media files, when the caller may see personal data (files are personal)


@dataclass(frozen=True)
class _Column:
    header: str
    steps: tuple[str, ...]        # field names from the table's element down to the field
    part: int | str | None = None  # a geopoint component, or a choice of a multiple choice


def file_name(name: str) -> str:
    """As sanitize-filename leaves it: no path separators, reserved or control characters."""
    return re.sub(r'[/\\?<>:*|"\x00-\x1f\x80-\x9f]', "", name)[:255] or "form"


def columns(feed: Feed, table: Field | None, options: Options, choices: dict[str, list[str]]) -> list[_Column]:
    out: list[_Column] = []

    def walk(fields, steps: tuple[str, ...]) -> None:
        for field in fields:
            here = steps + (field.name,)
            if field.type == STRUCTURE:
                walk(field.children, here)
            elif field.type != REPEAT:
                base = "-".join(here) if options.group_paths else field.name
                if field.type == "geopoint":
                    out.extend(_Column(f"{base}-{part}", here, i) for i, part in enumerate(GEO_PARTS))
                    continue
                out.append(_Column(base, here))
                out.extend(_Column(f"{base}/{value}", here, value) for value in choices.get(field.path, []))

    walk(table.children if table else feed.schema.fields, ())
    return out


def _cell(node: dict, column: _Column):
    for step in column.steps[:-1]:
        node = node.get(step, {}).get(1, {})
        if not isinstance(node, dict):
            return None
    value = node.get(column.steps[-1], {}).get(1)
    if not isinstance(value, str):
        return 0 if isinstance(column.part, str) else None
    if isinstance(column.part, int):
        parts = value.split()
        return parts[column.part] if column.part < len(parts) else None
    if isinstance(column.part, str):
        return int(column.part in value.split())
    return value


def briefcase_key(instance_id: str, stack: list[tuple[Field, int]]) -> str:
    """Briefcase's key: ``uuid:…/group/repeat[2]``."""
    return "/".join([instance_id] + [f.name if f.type == STRUCTURE else f"{f.name}[{i + 1}]" for f, i in stack])


def _root_row(record: Record, tree: dict, cols: list[_Column]) -> list:
    submission = record.submission
    review = None if submission.review_state == "received" else submission.review_state
    return ([iso(submission.created_at)] + [_cell(tree, c) for c in cols]
            + [submission.instance_id, submitter_id(record), record.submitter_name, record.attachments_present,
               record.attachments_expected, None, review, submission.device_id, record.edits, record.form_version])


def _repeat_rows(feed: Feed, record: Record, tree: dict, repeat: Field, cols: list[_Column]) -> Iterator[list]:
    instance_id = record.submission.instance_id
    for stack, node in repeat_instances(feed, tree, repeat):
        yield [_cell(node, c) for c in cols] + [briefcase_key(instance_id, parent_stack(stack)),
                                                briefcase_key(instance_id, stack)]


def select_choices(feed: Feed, where: ColumnElement, personal: bool) -> dict[str, list[str]]:
    """The values chosen in each multiple choice, in the data that will be exported (Central's way)."""
    fields = {f.path for f in feed.schema.walk() if f.type == "select"}
    seen: dict[str, set[str]] = {path: set() for path in fields}
    for record in read_records(feed, where, personal=personal):
        for path, value in record.values.items():
            plain = re.sub(r"\[\d+\]", "", path)
            if plain in seen:
                seen[plain].update(value.split())
    return {path: sorted(values) for path, values in seen.items() if values}


class _Pipe(io.RawIOBase):
    """Where the zip writer puts its bytes until the response takes them (not seekable: data descriptors)."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _spool() -> tuple[EphemeralFile, io.TextIOWrapper]:
    raw = EphemeralFile()
    return raw, io.TextIOWrapper(io.BufferedRandom(raw), encoding="utf-8", newline="")


def export_csv(feed: Feed, where: ColumnElement, personal: bool, options: Options) -> Iterator[bytes]:
    """``submissions.csv``: the main table alone."""
    choices = select_choices(feed, where, personal) if options.split_select_multiples else {}
    cols = columns(feed, None, options, choices)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["SubmissionDate"] + [c.header for c in cols] + list(META))
    for record in read_records(feed, where, personal=personal):
        writer.writerow(_root_row(record, nest(record.values, feed.schema.root_name), cols))
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def export_zip(feed: Feed, where: ColumnElement, personal: bool, options: Options) -> Iterator[bytes]:
    """``submissions.csv.zip``: the main table, a table per repeat and, for personal reads, ``media/``."""
    choices = select_choices(feed, where, personal) if options.split_select_multiples else {}
    xml_form_id = feed.xml_form_id
    repeats = feed.schema.repeats()
    tables = {r.path: (columns(feed, r, options, choices), *_spool()) for r in repeats}
    media_raw, media = _spool()
    pipe = _Pipe()
    archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED)
    root_cols = columns(feed, None, options, choices)
    with archive.open(file_name(f"{xml_form_id}.csv"), "w", force_zip64=True) as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(["SubmissionDate"] + [c.header for c in root_cols] + list(META))
        for cols, _, spool in tables.values():
            csv.writer(spool).writerow([c.header for c in cols] + ["PARENT_KEY", "KEY"])
        for record in read_records(feed, where, personal=personal):
            tree = nest(record.values, feed.schema.root_name)
            writer.writerow(_root_row(record, tree, root_cols))
            for repeat in repeats:
                cols, _, spool = tables[repeat.path]
                csv.writer(spool).writerows(_repeat_rows(feed, record, tree, repeat, cols))
            if personal and options.attachments:
                for attachment in record.version.attachments:
                    if attachment.blob_id is not None:
                        media.write(json.dumps([attachment.name, attachment.blob_id]) + "\n")
            text.flush()
            yield pipe.take()
        text.flush()
        text.detach()
    for name, (_, raw, spool) in zip(_repeat_file_names(xml_form_id, repeats), tables.values()):
        yield from _copy_spool(archive, pipe, name, raw, spool)
    yield from _media(archive, pipe, media)
    media_raw.close()
    archive.close()
    yield pipe.take()


def _repeat_file_names(xml_form_id: str, repeats: list[Field]) -> list[str]:
    """``form-repeat.csv``; repeats sharing a name get ``~1``, ``~2`` … in document order."""
    totals: dict[str, int] = {}
    for repeat in repeats:
        totals[repeat.name] = totals.get(repeat.name, 0) + 1
    counts: dict[str, int] = {}
    names = []
    for repeat in repeats:
        if totals[repeat.name] > 1:
            counts[repeat.name] = counts.get(repeat.name, 0) + 1
            names.append(file_name(f"{xml_form_id}-{repeat.name}~{counts[repeat.name]}.csv"))
        else:
            names.append(file_name(f"{xml_form_id}-{repeat.name}.csv"))
    return names


def _copy_spool(archive: zipfile.ZipFile, pipe: _Pipe, name: str, raw: EphemeralFile,
                spool: io.TextIOWrapper) -> Iterator[bytes]:
    spool.flush()
    spool.seek(0)
    binary = spool.buffer
    with archive.open(name, "w", force_zip64=True) as entry:
        while chunk := binary.read(CHUNK):
            entry.write(chunk)
            yield pipe.take()
    raw.close()


def _media(archive: zipfile.ZipFile, pipe: _Pipe, media: io.TextIOWrapper) -> Iterator[bytes]:
    media.flush()
    media.seek(0)
    for line in media:
        name, blob_id = json.loads(line)
        with archive.open(f"media/{file_name(name)}", "w", force_zip64=True) as entry:
            for chunk in sealing.open_file(db.session.get(Blob, blob_id)):
                entry.write(chunk)
                yield pipe.take()
