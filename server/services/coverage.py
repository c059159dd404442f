"""Fieldwork coverage: who of the sample has answered each instrument, by stratum and school.

A submission is linked to the sample by the codes it carries, compared through their
blind indexes (submissions keep the codes sealed): a participant instrument (one with a
``participant_code`` of one category, such as ``^[0-9]{6}-S[0-9]{3}$``) by the participant
code, a school instrument (observations, inspections) by the school code. Codes that match
nobody in the sample are counted as unmatched, for the verifiers to look at.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select

from ..datasets.workbooks import plain_sheet, write_xlsx
from ..storage import db
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.sampling import CATEGORIES, Participant, SampleSchool
from ..storage.submissions import Submission, SubmissionDef
from . import sampling, sealing
from . import forms as form_service

DEFAULT_THRESHOLD = 0.7
_LETTER = re.compile(r"\[0-9\]\{6\}-([SGTHE])\[0-9\]")
PARTICIPANT_FIELD, SCHOOL_FIELD = "participant_code", "school_code"


@dataclass
class Cell:
    """Selected and responded units in one school, stratum or instrument total."""

    selected: int = 0
    responded: int = 0
    last: datetime | None = None

    @property
    def rate(self) -> float | None:
        return self.responded / self.selected if self.selected else None

    def add(self, other: "Cell") -> None:
        self.selected += other.selected
        self.responded += other.responded
        if other.last and (self.last is None or other.last > self.last):
            self.last = other.last


@dataclass
class InstrumentCoverage:
    form: str
    unit: str                        # a category (student …) or "school"
    total: Cell = field(default_factory=Cell)
    strata: dict[str, Cell] = field(default_factory=dict)
    schools: dict[str, Cell] = field(default_factory=dict)    # school code -> cell
    unmatched: int = 0               # submissions whose code is not in the sample


@dataclass
class Coverage:
    threshold: float
    instruments: list[InstrumentCoverage]
    school_names: dict[str, tuple[str, str]]                 # code -> (name, stratum)

    def below(self, instrument: InstrumentCoverage) -> list[str]:
        """Schools whose response rate is under the threshold."""
        return [code for code, cell in instrument.schools.items()
                if cell.rate is not None and cell.rate < self.threshold]


def target_of(definition: FormDef) -> tuple[str, str | None]:
    """(unit, path of the code field): the category whose participants answer the form, or "school"."""
    classes = definition.field_classes
    participant = next((p for p in classes if p.rsplit("/", 1)[-1] == PARTICIPANT_FIELD), None)
    letter = _LETTER.search(definition.xml.decode("utf-8", "replace")) if participant else None
    if letter:
        return next(c for c, l in CATEGORIES.items() if l == letter.group(1)), participant
    school = next((p for p in classes if p.rsplit("/", 1)[-1] == SCHOOL_FIELD), None)
    return "school", school


def responses(form: Form, unit: str, path: str | None, schools: list[SampleSchool],
              people: list[Participant]) -> tuple[dict, int]:
    """Who answered: {participant id or sample-school id: time of the newest submission}, and unmatched count."""
    if path is None:
        return {}, 0
    if unit == "school":
        known = {sealing.blind_index(form.project_id, "linking", s.school.code.encode()): s.id for s in schools}
    else:
        known = {p.code_index: p.id for p in people if p.category == unit}
    found, unmatched = {}, 0
    for index_values, created in current_versions(form, SubmissionDef.index_values, Submission.created_at):
        who = known.get((index_values or {}).get(path))
        if who is None:
            unmatched += 1
        elif who not in found or created > found[who]:
            found[who] = created
    return found, unmatched


def current_versions(form: Form, *columns):
    """The given columns of every submission's current version of ``form``."""
    return db.session.execute(select(*columns).join(Submission, Submission.id == SubmissionDef.submission_id)
                              .where(Submission.form_id == form.id, SubmissionDef.current.is_(True)))


def project_coverage(project: Project, threshold: float = DEFAULT_THRESHOLD) -> Coverage:
    schools = sampling.taking_part(project)
    people = list(db.session.scalars(select(Participant).where(Participant.project_id == project.id)))
    by_school = defaultdict(list)
    for person in people:
        by_school[person.school_id].append(person)
    instruments = []
    for form in form_service.list_forms(project):
        if form.current_def is None:
            continue
        unit, path = target_of(form.current_def)
        answered, unmatched = responses(form, unit, path, schools, people)
        result = InstrumentCoverage(form.xml_form_id, unit, unmatched=unmatched)
        for school in schools:
            if unit == "school":
                cell = Cell(1, int(school.id in answered), answered.get(school.id))
            else:
                mine = [p for p in by_school[school.school_id] if p.category == unit]
                times = [answered[p.id] for p in mine if p.id in answered]
                cell = Cell(len(mine), len(times), max(times, default=None))
            result.schools[school.school.code] = cell
            result.strata.setdefault(school.stratum, Cell()).add(cell)
            result.total.add(cell)
        instruments.append(result)
    return Coverage(threshold, instruments, {s.school.code: (s.school.name, s.stratum) for s in schools})


_COLUMNS = ("form", "unit", "level", "stratum", "school", "name", "selected", "responded", "response_rate",
            "last_activity", "below_threshold")


def coverage_rows(coverage: Coverage):
    """One row per instrument total, stratum and school (the XLSX and the tests read these)."""
    for item in coverage.instruments:
        below = set(coverage.below(item))
        yield _row(item, "total", "", "", "", item.total, None)
        for stratum, cell in sorted(item.strata.items()):
            yield _row(item, "stratum", stratum, "", "", cell, cell.rate is not None and cell.rate < coverage.threshold)
        for code, cell in sorted(item.schools.items()):
            name, stratum = coverage.school_names[code]
            yield _row(item, "school", stratum, code, name, cell, code in below)


def _row(item: InstrumentCoverage, level: str, stratum: str, code: str, name: str, cell: Cell, flag):
    return (item.form, item.unit, level, stratum, code, name, cell.selected, cell.responded,
            None if cell.rate is None else round(cell.rate, 4),
            cell.last.isoformat(timespec="minutes") if cell.last else None,
            None if flag is None else ("yes" if flag else "no"))


def write_coverage(coverage: Coverage, target: BinaryIO) -> None:
    unmatched = [(i.form, i.unmatched) for i in coverage.instruments]
    write_xlsx(target, [
        plain_sheet("coverage", _COLUMNS, coverage_rows(coverage)),
        plain_sheet("unmatched", ("form", "submissions_not_in_sample"), unmatched),
        plain_sheet("settings", ("setting", "value"), [("threshold", coverage.threshold)]),
    ], "ru")
