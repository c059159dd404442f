"""Writing one form's dataset into a zip: its tables in every chosen format, its codebook, its risk report.

An anonymized dataset takes two passes over the submissions: the first only counts
quasi-identifier combinations (``anonymizer``), the second transforms each row and
sorts it by its pseudonymous key. A raw dataset (personal data, for those allowed and
with a stated purpose) is one pass in arrival order. Either way the published rows
wait in scratch files encrypted under a key that lives only in memory, and each format
is written from them in turn: memory stays flat however many submissions there are.
"""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import anonymizer
from anonymizer import KeyOrder, Policy, RowSpool, Scrubber, TableAnonymizer
from sqlalchemy import true

from ..crypto import EphemeralFile
from ..datasets import Variable, codebooks
from ..datasets.csvs import write_csv
from ..datasets.sav import write_sav
from ..datasets.workbooks import Sheet, write_xlsx
from ..storage.forms import FormDef
from .dataset_tables import Table, rows_of, tables_of, typed, variable
from .submission_records import Feed, count_rows, read_records

FORMATS = ("csv", "xlsx", "sav")
LANGUAGES = ("ky", "ru")
Progress = Callable[[int, int], None]


@dataclass
class DatasetOptions:
    anonymized: bool = True
    formats: tuple[str, ...] = FORMATS
    language: str = "ru"
    policy: Policy = field(default_factory=Policy)
    pseudonym_key: bytes = b""
    known_names: tuple[str, ...] = ()
    folder: str = ""                 # where in the zip the form's files go ("" or "data/<form>/")
    weights: dict[int, float] | None = None   # submission id -> final survey weight (a "weight" column)


def spool() -> io.BufferedRandom:
    """A scratch file whose bytes on disk are encrypted under a key that only this process holds."""
    return io.BufferedRandom(EphemeralFile())


class PublishedTable(RowSpool):
    """A table's published rows, typed, in a scratch file; the widest text of each variable (for SPSS)."""

    def __init__(self, table: Table, variables: list[Variable]):
        super().__init__(spool())
        self.table, self.variables = table, variables
        self.texts = [i for i, v in enumerate(variables) if not v.numeric]
        self.widest = [0] * len(variables)

    def _flush(self) -> None:
        """Before a batch is pickled, the widest UTF-8 text of each column in it (map and max run in C)."""
        if self.pending:
            columns = list(zip(*self.pending))
            for i in self.texts:
                widest = max(map(len, map(str.encode, filter(None, columns[i]))), default=0)
                if widest > self.widest[i]:
                    self.widest[i] = widest
        super()._flush()

    @property
    def widths(self) -> dict[str, int]:
        self._flush()
        return {self.variables[i].name: self.widest[i] for i in self.texts}


def write_dataset(archive: zipfile.ZipFile, feed: Feed, form_def: FormDef, options: DatasetOptions,
                  progress: Progress | None = None) -> dict:
    """Add the form's files to ``archive``; returns a summary (files, rows, risk report, truncations)."""
    tables = tables_of(feed, form_def, weighted=options.weights is not None)
    total = count_rows(feed, true())
    passes = 2 if options.anonymized else 1
    tick = _ticker(progress, total * passes)
    if options.anonymized:
        published, risk, dropped = _anonymized(feed, tables, options, total, tick)
    else:
        published, risk, dropped = _raw(feed, tables, tick, options.weights), None, []
    try:
        files, truncations = _write_formats(archive, feed, form_def, published, options)
        book = codebooks.codebook(feed.xml_form_id, form_def.version, form_def.title,
                                  [(p.table.name, p.variables) for p in published], truncations,
                                  _policy_summary(options), dropped)
        base = f"{options.folder}{feed.xml_form_id}"
        archive.writestr(f"{base}-codebook.json", codebooks.to_json(book))
        with archive.open(f"{base}-codebook.xlsx", "w", force_zip64=True) as entry:
            codebooks.write_xlsx(entry, book, options.language)
        files += [f"{base}-codebook.json", f"{base}-codebook.xlsx"]
        if risk is not None:
            archive.writestr(f"{base}-risk.json", json.dumps(risk, ensure_ascii=False, indent=2))
            files.append(f"{base}-risk.json")
    finally:
        for p in published:
            p.close()
    return {"form": feed.xml_form_id, "version": form_def.version, "submissions": total, "files": files,
            "rows": {p.table.name: p.rows for p in published}, "risk": risk,
            "truncations": len(truncations)}


def _ticker(progress: Progress | None, total: int) -> Callable[[], None]:
    state = {"done": 0}

    def tick() -> None:
        state["done"] += 1
        if progress is not None and (state["done"] % 200 == 0 or state["done"] == total):
            progress(state["done"], total)
    return tick


def _records(feed: Feed, tables: list[Table], tick, weights: dict[int, float] | None) -> Iterator[list[list[list]]]:
    for record in read_records(feed, true(), personal=True):
        yield rows_of(feed, tables, record, weights)
        tick()


def _raw(feed: Feed, tables: list[Table], tick, weights: dict[int, float] | None) -> list[PublishedTable]:
    published = [PublishedTable(t, [variable(t, c, "kept (raw export)") for c in t.columns]) for t in tables]
    for per_table in _records(feed, tables, tick, weights):
        for p, rows in zip(published, per_table):
            for row in rows:
                p.add(typed(p.variables, row))
    return published


def _anonymized(feed: Feed, tables: list[Table], options: DatasetOptions, total: int, tick):
    """Main table: observe, decide, transform. Repeat rows of the records it keeps wait (encrypted) until
    their own tables are decided, so a removed record takes its repeat rows along and k holds in each table."""
    scrubber = Scrubber(options.known_names)
    weight = "weight" if options.weights is not None else None
    main, *repeats = [TableAnonymizer(feed.xml_form_id, t.columns, options.policy, options.pseudonym_key, scrubber,
                                      weight_column=weight if t.repeat is None else None) for t in tables]
    for per_table in _records(feed, tables, tick, options.weights):
        main.observe(per_table[0][0])
    main.decide()
    orders = [_order(main)]
    waiting = [RowSpool(spool()) for _ in repeats]
    for per_table in _records(feed, tables, tick, options.weights):
        out = main.transform(per_table[0][0])
        if out is None:
            continue
        orders[0].add(out)
        for worker, file, rows in zip(repeats, waiting, per_table[1:]):
            for row in rows:
                worker.observe(row)
                file.add(row)
    for worker, file in zip(repeats, waiting):
        worker.decide()
        order = _order(worker)
        for row in file:
            out = worker.transform(row)
            if out is not None:
                order.add(out)
        file.close()
        orders.append(order)
    published, risk, dropped = [], {}, []
    for table, worker, order in zip(tables, [main, *repeats], orders):
        dropped += [{"table": table.name, "variable": c.name, "reason": r.reason} for c, r in worker.dropped_columns()]
        variables = [variable(table, c.source, c.treatment) for c in worker.output_columns()]
        target = PublishedTable(table, variables)
        for row in order:
            target.add(typed(variables, row))
        order.close()
        published.append(target)
        risk[table.name] = worker.risk_report()
    return published, risk, dropped


def _order(worker: TableAnonymizer) -> KeyOrder:
    names = [c.name for c in worker.output_columns()]
    return KeyOrder(names.index("KEY"), sum(worker.observation.counts.values()), spool)


def _write_formats(archive: zipfile.ZipFile, feed: Feed, form_def: FormDef, published: list[PublishedTable],
                   options: DatasetOptions) -> tuple[list[str], list]:
    base = f"{options.folder}{feed.xml_form_id}"
    stems = [base if p.table.repeat is None else f"{base}-{p.table.name.replace('/', '-')}" for p in published]
    files, truncations = [], []
    if "csv" in options.formats:
        for stem, p in zip(stems, published):
            with archive.open(f"{stem}.csv", "w", force_zip64=True) as entry:
                write_csv(entry, p.variables, p)
            files.append(f"{stem}.csv")
    if "xlsx" in options.formats:
        with archive.open(f"{base}.xlsx", "w", force_zip64=True) as entry:
            write_xlsx(entry, [Sheet(p.table.name, p.variables, p) for p in published], options.language)
        files.append(f"{base}.xlsx")
    if "sav" in options.formats:
        for stem, p in zip(stems, published):
            with archive.open(f"{stem}.sav", "w", force_zip64=True) as entry:
                result = write_sav(entry, p.variables, p, p.widths, language=options.language,
                                   file_label=form_def.title)
            truncations += [{"file": f"{stem}.sav", "variable": t.variable, "what": t.what,
                             "original": t.original, "written": t.written} for t in result.truncations]
            files.append(f"{stem}.sav")
    return files, truncations


def _policy_summary(options: DatasetOptions) -> dict:
    if not options.anonymized:
        return {"anonymized": False}
    policy = options.policy
    return {"anonymized": True, "code_version": anonymizer.CODE_VERSION, "policy_digest": policy.digest,
            "k": policy.k, "suppression_limit": policy.suppression_limit, "pseudonyms": policy.pseudonyms,
            "reviewed_by": policy.reviewed_by, "reviewed_on": policy.reviewed_on}
