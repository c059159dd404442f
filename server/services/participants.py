"""Rosters of the sampled schools and the participants selected from them (§4.18).

A roster's personal details are sealed row by row (bound to the row) the moment they
arrive; PINs are found again only by blind index. Selection inside a school is seeded
per school and cell, so adding a replacement school later leaves the others unchanged.
Each participant gets a code (``<school>-<letter><nnn>``, the form the instruments
expect) and an unguessable personal web link, sealed for reprinting the sheets.
"""
from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text

from .. import problems
from ..sampling import rosters, selection
from ..storage import db
from ..storage.projects import Project
from ..storage.sampling import CATEGORIES, Participant, RosterPerson, SampleSchool
from . import audit, sampling, sealing
from .spreadsheets import read_table

LINK_PATH = "/w/"   # personal web links (served by the web questionnaires)


@dataclass(frozen=True)
class RosterImport:
    imported: int
    schools: int
    rejects: list[dict]


def import_roster(project: Project, data: bytes, filename: str, actor: audit.Actor, *,
                  school_code: str | None = None, accept_rejects: bool = False) -> RosterImport:
    """Replace the rosters of the schools the file names; refused (422.2) while a row is bad, unless accepted."""
    schools = {s.school.code: s.school for s in sampling.sample_schools(project)}
    headers, rows = read_table(data, filename)
    try:
        check = rosters.check_roster(headers, rows, set(schools), school_code)
    except ValueError as err:
        raise problems.frame_not_usable(f"roster: {err}") from None
    rejects = [{"line": line, "problems": list(found)} for line, found in check.rejects]
    if rejects and not accept_rejects:
        raise problems.rows_rejected("roster", rejects)
    touched = {schools[r.school_code].id for r in check.records}
    if touched and db.session.scalar(select(func.count(Participant.id)).where(Participant.school_id.in_(touched))):
        raise problems.sample_in_use("participants were already selected in a school of this roster")
    db.session.execute(delete(RosterPerson).where(RosterPerson.school_id.in_(touched)))
    rows = [{"project_id": project.id, "school_id": schools[r.school_code].id, "category": r.category,
             "specialty": r.specialty, "year": r.year, "line": r.line,
             "pin_index": sealing.blind_index(project.id, "pin", r.personal["pin"].encode())
             if r.personal.get("pin") else None} for r in check.records]
    _insert_sealed(RosterPerson, "sealed", "sealed", project.id, rows,
                   [json.dumps(r.personal, ensure_ascii=False).encode() for r in check.records])
    audit.record("roster.import", actor, project_id=project.id, target=f"project:{project.id}",
                 people=len(check.records), schools=len(touched), rejected=len(rejects))
    return RosterImport(len(check.records), len(touched), rejects)


def _insert_sealed(model, attribute: str, column: str, project_id: int, rows: list[dict],
                   plaintexts: list[bytes]) -> None:
    """Insert rows with their plaintexts sealed and bound to the row ids, taken up front, in one statement."""
    if not rows:
        return
    table = model.__tablename__
    for row, row_id, plaintext in zip(rows, _new_ids(model, len(rows)), plaintexts):
        row["id"] = row_id
        row[attribute] = sealing.seal_value(project_id, table, column, row_id, plaintext)
    db.session.execute(insert(model), rows)


def _new_ids(model, count: int) -> list[int]:
    """Ids for ``count`` new rows: from the table's sequence on PostgreSQL; on SQLite after the largest,
    which is safe because a writing transaction holds the database's write lock (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(text(f"SELECT nextval('{model.__tablename__}_id_seq') "
                                            "FROM generate_series(1, :n)"), {"n": count}))
    start = db.session.scalar(select(func.max(model.id))) or 0
    return list(range(start + 1, start + count + 1))


def personal_details(person: RosterPerson) -> dict[str, str]:
    """The sealed details of a roster person (callers check the right and audit the purpose)."""
    return json.loads(sealing.open_value("roster_people", "sealed", person.id, person.sealed))


def roster_names(project: Project) -> tuple[str, ...]:
    """Every name part on the cycle's rosters, for the free-text scrubber of anonymized exports."""
    names = set()
    for person in db.session.scalars(select(RosterPerson).where(RosterPerson.project_id == project.id)):
        details = personal_details(person)
        names.update(details[k] for k in ("last_name", "first_name", "patronymic") if details.get(k))
    return tuple(sorted(names))


# ---- within-school selection --------------------------------------------------------------------

@dataclass(frozen=True)
class SelectionRequest:
    take: dict[str, int]                 # category -> people per cell
    by: tuple[str, ...] = ()             # student cells split further by "specialty" and/or "year"
    method: str = "srs"                  # srs | systematic (over the roster in its listed order)


def select_participants(project: Project, seed: int, request: SelectionRequest, actor: audit.Actor) -> int:
    """Select participants in every school taking part that has none yet; returns how many were selected."""
    draw = sampling.require_draw(project)
    unknown = sorted(set(request.take) - set(CATEGORIES)) + sorted(set(request.by) - {"specialty", "year"})
    if unknown or any(n < 1 for n in request.take.values()) or request.method not in ("srs", "systematic"):
        raise problems.invalid_design(f"selection: categories are {', '.join(CATEGORIES)} with a size of at least "
                                      "1, cells split by specialty/year, method srs or systematic"
                                      + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    done = set(db.session.scalars(select(Participant.school_id).where(Participant.project_id == project.id)))
    chosen = 0
    try:
        for school in sampling.taking_part(project):
            if school.school_id not in done:
                chosen += _select_in_school(project, school, seed, request)
    except ValueError as err:       # a bad seed, as selection states it
        raise problems.invalid_design(f"selection: {err}") from None
    draw.selection = {"seed": seed, "take": request.take, "by": list(request.by), "method": request.method}
    db.session.flush()
    audit.record("participants.select", actor, project_id=project.id, target=f"project:{project.id}",
                 seed=seed, selected=chosen)
    return chosen


def cell_of(person: RosterPerson, by) -> tuple[str, ...]:
    """The selection cell of a roster person: the category, for students split by ``by`` (specialty, year)."""
    split = tuple(str(getattr(person, f) or "") for f in by) if person.category == "student" else ()
    return (person.category, *split)


def _select_in_school(project: Project, school: SampleSchool, seed: int, request: SelectionRequest) -> int:
    people = db.session.scalars(select(RosterPerson).where(RosterPerson.school_id == school.school_id)
                                .order_by(RosterPerson.line, RosterPerson.id))
    cells = defaultdict(list)
    for person in people:
        if person.category in request.take:
            cells[cell_of(person, request.by)].append(person)
    numbers = defaultdict(int)
    rows, tokens = [], []
    for cell in sorted(cells):
        listed = cells[cell]
        indices, probability = selection.select_within(len(listed), request.take[cell[0]], request.method,
                                                       (seed, school.school.code, *cell))
        for index in indices:
            person = listed[index]
            numbers[cell[0]] += 1
            if numbers[cell[0]] > 999:
                raise problems.invalid_design(f"more than 999 {person.category}s selected in school "
                                              f"{school.school.code}")
            code = f"{school.school.code}-{CATEGORIES[person.category]}{numbers[cell[0]]:03d}"
            tokens.append(secrets.token_urlsafe(24))
            rows.append({"project_id": project.id, "school_id": school.school_id, "person_id": person.id,
                         "category": person.category, "code": code, "probability": probability,
                         "cell_size": len(listed), "code_index": sealing.blind_index(project.id, "linking",
                                                                                     code.encode()),
                         "link_index": link_index(project.id, tokens[-1])})
    _insert_sealed(Participant, "link_sealed", "link", project.id, rows, [t.encode() for t in tokens])
    return len(rows)


def link_index(project_id: int, token: str) -> str:
    return sealing.blind_index(project_id, "participant-link", token.encode())


def link_token(participant: Participant) -> str:
    return sealing.open_value("participants", "link", participant.id, participant.link_sealed).decode()


def list_participants(project: Project, school_code: str | None = None) -> list[Participant]:
    query = select(Participant).where(Participant.project_id == project.id).order_by(Participant.code)
    if school_code:
        query = query.where(Participant.code.startswith(f"{school_code}-"))
    return list(db.session.scalars(query))


def roster_counts(project: Project) -> dict[tuple[int, str], int]:
    """People listed per (school id, category)."""
    rows = db.session.execute(select(RosterPerson.school_id, RosterPerson.category, func.count(RosterPerson.id))
                              .where(RosterPerson.project_id == project.id)
                              .group_by(RosterPerson.school_id, RosterPerson.category))
    return {(school, category): n for school, category, n in rows}
