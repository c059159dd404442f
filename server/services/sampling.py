"""The school sample of a monitoring cycle (§4.16, §4.18, §20.1.1): frame, draw, refusals, report.

The frame is imported only when every row is clean or the rejects were accepted. A draw
is reproducible: the design and the seed are stored with a digest of the frame, and the
same frame, design and seed give the same schools. Reserve schools replace refusals in
their stratum, and each replacement is recorded against the school it replaces.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, select

from .. import problems
from ..datasets.workbooks import plain_sheet, write_xlsx
from ..sampling import frames, selection
from ..storage import db
from ..storage.base import utcnow
from ..storage.projects import Project
from ..storage.sampling import FrameSchool, Participant, SampleDraw, SampleSchool, SampleWeight
from ..storage.users import StaffUser
from . import audit
from .spreadsheets import read_table

STRATUM_COLUMNS = ("region", "type", "language", "district")
SORT_COLUMNS = ("region", "district", "type", "language", "enrolment", "code")
DEFAULT_STRATA = ("region", "type", "language")
TAKING_PART = ("active", "replacement")   # statuses of the schools that are in the sample now


@dataclass(frozen=True)
class FrameImport:
    imported: int
    rejects: list[dict]
    columns: dict[str, str]


def import_frame(project: Project, data: bytes, filename: str, actor: audit.Actor, *,
                 mapping_text: str | None = None, accept_rejects: bool = False) -> FrameImport:
    """Replace the project's frame with the file's schools; refused (422.2) while any row is bad, unless accepted."""
    if current_draw(project) is not None:
        raise problems.sample_in_use("a sample was drawn from the current frame; a new frame would orphan it")
    mapping = _mapping(mapping_text)
    headers, rows = read_table(data, filename)
    try:
        check = frames.check_frame(headers, rows, mapping)
    except ValueError as err:
        raise problems.frame_not_usable(str(err)) from None
    rejects = [{"line": r.line, "code": r.code, "problems": list(r.problems)} for r in check.rejects]
    if rejects and not accept_rejects:
        raise problems.rows_rejected("sampling frame", rejects)
    if not check.records:
        raise problems.frame_not_usable("no school is left to import")
    db.session.execute(delete(FrameSchool).where(FrameSchool.project_id == project.id))
    db.session.add_all(FrameSchool(project_id=project.id, code=r.code, name=r.name, region=r.region,
                                   district=r.district, type=r.type, language=r.language, enrolment=r.enrolment,
                                   specialties=r.specialties, extra=r.extra, line=r.line) for r in check.records)
    db.session.flush()
    audit.record("frame.import", actor, project_id=project.id, target=f"project:{project.id}",
                 schools=len(check.records), rejected=len(rejects))
    return FrameImport(len(check.records), rejects, check.columns)


def _mapping(text: str | None) -> frames.Mapping_ | None:
    if not text:
        return None
    try:
        return frames.parse_mapping(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValueError) as err:
        raise problems.frame_not_usable(f"mapping file: {err}") from None


def frame_schools(project: Project) -> list[FrameSchool]:
    return list(db.session.scalars(select(FrameSchool).where(FrameSchool.project_id == project.id)
                                   .order_by(FrameSchool.code)))


def current_draw(project: Project) -> SampleDraw | None:
    return db.session.scalar(select(SampleDraw).where(SampleDraw.project_id == project.id))


def require_draw(project: Project) -> SampleDraw:
    draw = current_draw(project)
    if draw is None:
        raise problems.sampling_step_missing("school sample (sapat sample draw)")
    return draw


# ---- drawing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignRequest:
    """What the contractor chose; stored with the draw so it can be repeated exactly."""

    n: int | None = None
    strata: tuple[str, ...] = DEFAULT_STRATA
    allocation: str = "proportional"
    method: str = "pps"
    sort: tuple[str, ...] = ("district", "enrolment")
    reserves: int = 1
    minimum: int = 2
    proportional_to_size: bool = False
    sd: dict | None = None        # Neyman: stratum label -> guessed standard deviation
    fixed: dict | None = None     # fixed allocation: stratum label -> sample size


def stratum_label(values: tuple) -> str:
    return "|".join(str(v) for v in values)


def draw_sample(project: Project, seed: int, request: DesignRequest, user: StaffUser | None,
                actor: audit.Actor) -> SampleDraw:
    """Draw (or draw again, while no participant is selected) the project's school sample."""
    schools = frame_schools(project)
    if not schools:
        raise problems.sampling_step_missing("sampling frame (sapat sample import-frame)")
    _check_columns(request)
    old = current_draw(project)
    if old is not None:
        if db.session.scalar(select(func.count(Participant.id)).where(Participant.project_id == project.id)):
            raise problems.sample_in_use("participants were already selected in the sampled schools")
        db.session.execute(delete(SampleWeight).where(SampleWeight.project_id == project.id))
        db.session.delete(old)
        db.session.flush()
    units = [selection.FrameUnit(key=s.code, stratum=tuple(getattr(s, c) for c in request.strata),
                                 size=float(s.enrolment), sort=tuple(getattr(s, c) for c in request.sort))
             for s in schools]
    design = selection.Design(n=request.n, allocation=request.allocation, method=request.method,
                              sd=_by_stratum(request.sd, units), fixed=_by_stratum(request.fixed, units),
                              reserves=request.reserves, minimum=request.minimum,
                              proportional_to_size=request.proportional_to_size)
    try:
        result = selection.draw_schools(units, design, seed)
    except ValueError as err:
        raise problems.invalid_design(str(err)) from None
    draw = SampleDraw(project_id=project.id, seed=seed, design=asdict(request) | {"strata": list(request.strata),
                                                                                  "sort": list(request.sort)},
                      strata=[_stratum_row(s) for s in result.strata], frame_digest=frame_digest(schools),
                      drawn_by=user.id if user else None)
    db.session.add(draw)
    db.session.flush()
    by_code = {s.code: s for s in schools}
    db.session.add_all(SampleSchool(draw_id=draw.id, school_id=by_code[s.key].id, stratum=stratum_label(s.stratum),
                                    role="sample", status="active", certainty=s.certainty,
                                    probability=s.probability, design_weight=s.weight, position=s.order)
                       for s in result.selected)
    db.session.add_all(SampleSchool(draw_id=draw.id, school_id=by_code[r.key].id, stratum=stratum_label(r.stratum),
                                    role="reserve", status="unused", certainty=False, probability=r.probability,
                                    design_weight=1 / r.probability, position=r.rank)
                       for r in result.reserves)
    db.session.flush()
    audit.record("sample.draw", actor, project_id=project.id, target=f"sample_draw:{draw.id}", seed=seed,
                 selected=len(result.selected), reserves=len(result.reserves))
    return draw


def _check_columns(request: DesignRequest) -> None:
    for name, allowed, chosen in (("strata", STRATUM_COLUMNS, request.strata), ("sort", SORT_COLUMNS, request.sort)):
        unknown = [c for c in chosen if c not in allowed]
        if unknown:
            raise problems.invalid_design(f"{name} column(s) {', '.join(unknown)} are not frame columns; "
                                          f"choose from {', '.join(allowed)}")
    if not request.strata:
        raise problems.invalid_design("name at least one stratification column")


def _by_stratum(values: dict | None, units: list[selection.FrameUnit]) -> dict | None:
    """Per-stratum settings keyed by label ("chui|lyceum|ky") turned into the strata's own keys."""
    if values is None:
        return None
    strata = {stratum_label(u.stratum): u.stratum for u in units}
    unknown = sorted(set(values) - set(strata))
    if unknown:
        raise problems.invalid_design(f"no stratum is called {', '.join(unknown)}; strata are "
                                      f"{', '.join(sorted(strata))}")
    return {strata[label]: value for label, value in values.items()}


def _stratum_row(s: selection.StratumResult) -> dict:
    return {"stratum": stratum_label(s.stratum), "population": s.population, "measure": s.measure,
            "allocated": s.allocated, "certainty": s.certainty, "reserves": s.reserves}


def frame_digest(schools: list[FrameSchool]) -> str:
    """SHA-256 of the frame as drawn from (sorted by code), recorded so a repeat draw can be checked."""
    digest = hashlib.sha256()
    for s in sorted(schools, key=lambda s: s.code):
        digest.update(json.dumps([s.code, s.region, s.district, s.type, s.language, s.enrolment],
                                 ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


# ---- refusals and replacements ------------------------------------------------------------------

def sample_schools(project: Project, roles=("sample", "reserve")) -> list[SampleSchool]:
    draw = require_draw(project)
    return list(db.session.scalars(select(SampleSchool).where(SampleSchool.draw_id == draw.id,
                                                              SampleSchool.role.in_(roles))
                                   .order_by(SampleSchool.stratum, SampleSchool.role, SampleSchool.position)))


def taking_part(project: Project) -> list[SampleSchool]:
    """The schools in the sample now: drawn and not refused, plus the reserves that replaced refusals."""
    return [s for s in sample_schools(project) if s.status in TAKING_PART]


def find_sample_school(project: Project, code: str) -> SampleSchool:
    found = next((s for s in sample_schools(project) if s.school.code == code), None)
    if found is None:
        raise problems.not_found()
    return found


def refuse_school(project: Project, code: str, reason: str, actor: audit.Actor, *,
                  replace: bool = True) -> SampleSchool | None:
    """Record that a school refused; with ``replace``, the stratum's next reserve takes its place (returned)."""
    school = find_sample_school(project, code)
    if school.status not in TAKING_PART:
        raise problems.sample_in_use(f"school {code} is {school.status}, not taking part")
    if not (reason or "").strip():
        raise problems.invalid_data("reason", "say why the school does not take part (refusal, closed …)")
    school.status, school.reason, school.changed_at = "refused", reason.strip()[:300], utcnow()
    replacement = None
    if replace:
        replacement = next((s for s in sample_schools(project, ("reserve",))
                            if s.stratum == school.stratum and s.status == "unused"), None)
        if replacement is not None:
            replacement.status, replacement.replaces_id, replacement.changed_at = "replacement", school.id, utcnow()
    db.session.flush()
    audit.record("sample.refusal", actor, project_id=project.id, target=f"sample_school:{school.id}",
                 replacement=replacement.id if replacement else None)
    return replacement


# ---- the report ---------------------------------------------------------------------------------

def strata_summary(project: Project) -> list[dict]:
    """Per stratum: frame schools and enrolment, allocated, drawn, taking part, reserves left, probabilities."""
    draw = require_draw(project)
    schools = sample_schools(project)
    taking, enrolled, refused, left = Counter(), Counter(), Counter(), Counter()
    probabilities = defaultdict(list)
    for s in schools:
        if s.status in TAKING_PART:
            taking[s.stratum] += 1
            enrolled[s.stratum] += s.school.enrolment
            probabilities[s.stratum].append(s.probability)
        refused[s.stratum] += s.status == "refused"
        left[s.stratum] += s.status == "unused"
    frame_enrolment = Counter()
    for school in frame_schools(project):
        frame_enrolment[stratum_label(tuple(getattr(school, c) for c in draw.design["strata"]))] += school.enrolment
    rows = []
    for row in draw.strata:
        label = row["stratum"]
        found = probabilities[label]
        rows.append(row | {"frame_enrolment": frame_enrolment[label], "taking_part": taking[label],
                           "sample_enrolment": enrolled[label], "refused": refused[label],
                           "reserves_left": left[label],
                           "frame_share": row["population"] and taking[label] / row["population"],
                           "min_probability": min(found, default=None), "max_probability": max(found, default=None)})
    return rows


_STRATA_COLUMNS = ("stratum", "population", "frame_enrolment", "allocated", "certainty", "taking_part",
                   "sample_enrolment", "refused", "reserves_left", "frame_share", "min_probability",
                   "max_probability")
_SCHOOL_COLUMNS = ("code", "name", "region", "district", "type", "language", "enrolment", "stratum", "role",
                   "status", "certainty", "probability", "design_weight", "position",
                   "replaces", "reason")


def write_sample_report(project: Project, target: BinaryIO) -> None:
    """The sample report (XLSX): design, strata (frame vs sample), the sample (drawn and replacements), reserves."""
    draw = require_draw(project)
    schools = sample_schools(project)
    codes = {s.id: s.school.code for s in schools}
    design = [("project", project.name), ("seed", draw.seed), ("frame_sha256", draw.frame_digest),
              ("drawn_at", draw.created_at.isoformat()), ("frame_schools", sum(r["population"] for r in draw.strata)),
              *((k, json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                for k, v in draw.design.items())]

    def school_rows(role: str):
        for s in schools:
            if (s.role == "sample" or s.status == "replacement") == (role == "sample"):
                f = s.school
                yield (f.code, f.name, f.region, f.district, f.type, f.language, f.enrolment, s.stratum, s.role,
                       s.status, "yes" if s.certainty else "no", s.probability, s.design_weight,
                       s.position, codes.get(s.replaces_id), s.reason)

    summary = strata_summary(project)
    write_xlsx(target, [
        plain_sheet("design", ("setting", "value"), design),
        plain_sheet("strata", _STRATA_COLUMNS, ([row[c] for c in _STRATA_COLUMNS] for row in summary)),
        plain_sheet("sample", _SCHOOL_COLUMNS, school_rows("sample")),
        plain_sheet("reserves", _SCHOOL_COLUMNS, school_rows("reserve")),
    ], "ru")

