"""Final weights of an instrument's respondents: design × non-response adjustment × calibration.

Schools: the design weight 1/π of each drawn school (a replacement takes the weight of
the school it replaced, as international surveys do), adjusted for schools that did not
respond within weighting classes (by default the strata). Participants: the school's
adjusted weight × 1/π within the school, adjusted for non-response within the school's
selection cell. Optionally post-stratified or raked to the frame's totals (students to
enrolment, schools to school counts), so the weights add up to the population.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select

from .. import problems
from ..sampling import weights as weighting
from ..storage import db
from ..storage.base import utcnow
from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.sampling import FrameSchool, Participant, SampleSchool, SampleWeight
from ..storage.submissions import Submission, SubmissionDef
from . import audit, coverage, participants, sampling, sealing
from . import forms as form_service

SCHOOL_COLUMNS = ("region", "type", "language", "district")
CALIBRATIONS = ("none", "poststratify", "rake")


@dataclass(frozen=True)
class WeightingRequest:
    form: str
    classes: tuple[str, ...] = ("stratum",)     # school non-response classes: "stratum" or frame columns
    calibration: str = "none"
    margins: tuple[str, ...] = ()               # frame columns (and "specialty" for students)


@dataclass(frozen=True)
class Unit:
    """A drawn school as it ended: the school that answers for it now, its design weight, whether it responded."""

    drawn: SampleSchool
    school: SampleSchool          # the drawn school, or the reserve that replaced it
    weight: float
    responded: bool


def compute_weights(project: Project, request: WeightingRequest, actor: audit.Actor) -> dict:
    """Compute and store the instrument's final weights; returns a summary (also kept with the draw)."""
    draw = sampling.require_draw(project)
    form = form_service.get_form(project, request.form)
    if form.current_def is None:
        raise problems.form_not_found(request.form)
    _check(request)
    unit_kind, path = coverage.target_of(form.current_def)
    schools = sampling.sample_schools(project)
    people = [p for p in db.session.scalars(select(Participant).where(Participant.project_id == project.id))
              if p.category == unit_kind]
    answered, _ = coverage.responses(form, unit_kind, path, schools, people)
    units = _units(schools, unit_kind, answered, people)
    classes = [u.drawn.stratum if request.classes == ("stratum",) else
               "|".join(str(getattr(u.school.school, c)) for c in request.classes) for u in units]
    flags = [u.responded for u in units]
    if not any(flags):
        raise problems.sampling_step_missing(f"respondent to {request.form}")
    merged = weighting.collapse_empty_classes(classes, flags, _fallbacks(classes, flags))
    adjusted = weighting.nonresponse_adjust([u.weight for u in units], flags, merged)
    if unit_kind == "school":
        rows = [(u.school.school, None, u.school.stratum, w) for u, w in zip(units, adjusted) if w > 0]
    else:
        rows = _participant_rows(units, adjusted, people, answered, draw.selection.get("by", []))
    final = _calibrate(project, request, unit_kind, rows)
    db.session.execute(delete(SampleWeight).where(SampleWeight.form_id == form.id))
    db.session.add_all(SampleWeight(project_id=project.id, form_id=form.id, school_id=school.id,
                                    participant_id=person.id if person else None, stratum=stratum, weight=float(w))
                       for (school, person, stratum, _), w in zip(rows, final))
    summary = _summary(request, unit_kind, units, final)
    draw.weighting = {**draw.weighting, request.form: summary}
    db.session.flush()
    audit.record("weights.compute", actor, project_id=project.id, target=f"form:{form.id}",
                 respondents=len(rows), calibration=request.calibration)
    return summary


def _check(request: WeightingRequest) -> None:
    if request.calibration not in CALIBRATIONS:
        raise problems.invalid_design(f"calibration is one of {', '.join(CALIBRATIONS)}")
    if request.classes != ("stratum",) and any(c not in SCHOOL_COLUMNS for c in request.classes):
        raise problems.invalid_design(f"weighting classes are 'stratum' or frame columns: {', '.join(SCHOOL_COLUMNS)}")
    if request.calibration != "none" and not request.margins:
        raise problems.invalid_design("calibration needs margins, e.g. region,type")
    if any(m not in SCHOOL_COLUMNS + ("specialty",) for m in request.margins):
        raise problems.invalid_design(f"margins are frame columns ({', '.join(SCHOOL_COLUMNS)}) or specialty")


def _units(schools: list[SampleSchool], kind: str, answered: dict, people: list[Participant]) -> list[Unit]:
    replacing = {s.replaces_id: s for s in schools if s.status == "replacement"}
    responding = (set(answered) if kind == "school"
                  else {p.school_id for p in people if p.id in answered})
    units = []
    for drawn in (s for s in schools if s.role == "sample"):
        school = replacing.get(drawn.id, drawn)
        taking = school.status in sampling.TAKING_PART
        key = school.id if kind == "school" else school.school_id
        units.append(Unit(drawn, school, drawn.design_weight, taking and key in responding))
    return units


def _fallbacks(classes: list[str], flags: list[bool]) -> dict[str, str]:
    """A class without respondents joins a responding class that shares its first part (region, school), else
    the first responding class."""
    answered = sorted({c for c, f in zip(classes, flags) if f})
    if not answered:
        return {}
    return {c: next((a for a in answered if a.split("|")[0] == c.split("|")[0]), answered[0])
            for c in set(classes) - set(answered)}


def _participant_rows(units: list[Unit], adjusted, people: list[Participant], answered: dict, by: list) -> list:
    """Participants of the responding schools: school weight / π within, adjusted inside the selection cell."""
    mine = defaultdict(list)
    for person in people:
        mine[person.school_id].append(person)
    listed, base, cells, flags = [], [], [], []
    for unit, school_weight in zip(units, adjusted):
        if school_weight <= 0:
            continue
        for person in mine[unit.school.school_id]:
            listed.append((unit.school.school, person, unit.school.stratum))
            base.append(school_weight / person.probability)
            cells.append("|".join((unit.school.school.code, *participants.cell_of(person.person, by))))
            flags.append(person.id in answered)
    merged = weighting.collapse_empty_classes(cells, flags, _fallbacks(cells, flags))
    final = weighting.nonresponse_adjust(base, flags, merged)
    return [(*row, w) for row, w in zip(listed, final) if w > 0]


def _calibrate(project: Project, request: WeightingRequest, kind: str, rows: list) -> np.ndarray:
    weights = np.array([r[3] for r in rows], dtype=float)
    if request.calibration == "none":
        return weights
    if kind not in ("school", "student"):
        raise problems.invalid_design(f"the frame has totals of schools and students only, not of {kind}s")
    frame = sampling.frame_schools(project)
    margins = {}
    for margin in request.margins:
        margins[margin] = ([_label(school, person, margin) for school, person, _, _ in rows],
                           _frame_totals(frame, margin, kind))
    try:
        if request.calibration == "poststratify":
            cells = ["|".join(m[0][i] for m in margins.values()) for i in range(len(rows))]
            totals = _crossed_totals(frame, request.margins, kind)
            return weighting.poststratify(weights, cells, totals)
        return weighting.rake(weights, margins)[0]
    except ValueError as err:
        raise problems.invalid_design(f"calibration: {err}") from None


def _label(school: FrameSchool, person: Participant | None, margin: str) -> str:
    return person.person.specialty if margin == "specialty" else str(getattr(school, margin))


def _frame_totals(frame: list[FrameSchool], margin: str, kind: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for school in frame:
        if margin == "specialty":
            if kind != "student":
                raise problems.invalid_design("specialty totals exist for students only")
            for specialty, count in school.specialties.items():
                totals[specialty] += count
        else:
            totals[str(getattr(school, margin))] += school.enrolment if kind == "student" else 1
    return dict(totals)


def _crossed_totals(frame: list[FrameSchool], margins: tuple[str, ...], kind: str) -> dict[str, float]:
    if "specialty" in margins:
        raise problems.invalid_design("post-stratify by school columns; rake to reach specialty totals")
    totals: dict[str, float] = defaultdict(float)
    for school in frame:
        totals["|".join(str(getattr(school, m)) for m in margins)] += school.enrolment if kind == "student" else 1
    return dict(totals)


def _summary(request: WeightingRequest, kind: str, units: list[Unit], final: np.ndarray) -> dict:
    positive = final[final > 0]
    cv = float(positive.std() / positive.mean()) if positive.size else 0.0
    return {"unit": kind, "classes": list(request.classes), "calibration": request.calibration,
            "margins": list(request.margins), "schools_drawn": len(units),
            "schools_responding": sum(u.responded for u in units), "respondents": int(positive.size),
            "sum_of_weights": float(positive.sum()), "min_weight": float(positive.min(initial=0)),
            "max_weight": float(positive.max(initial=0)), "kish_deff": 1 + cv * cv,
            "computed_at": utcnow().isoformat(timespec="seconds")}


def weighted_respondents(form: Form) -> dict[str, tuple[SampleWeight, Participant | None]]:
    """Blind index of the code a respondent's submission carries -> (its weight row, the participant or None
    for a school instrument); empty when the form has no weights."""
    rows = list(db.session.scalars(select(SampleWeight).where(SampleWeight.form_id == form.id)))
    if not rows or form.current_def is None:
        return {}
    if coverage.target_of(form.current_def)[0] == "school":
        codes = dict(db.session.execute(select(FrameSchool.id, FrameSchool.code)
                                        .where(FrameSchool.id.in_([r.school_id for r in rows]))).all())
        return {sealing.blind_index(form.project_id, "linking", codes[r.school_id].encode()): (r, None)
                for r in rows}
    people = {p.id: p for p in db.session.scalars(select(Participant).where(
        Participant.id.in_([r.participant_id for r in rows])))}
    return {people[r.participant_id].code_index: (r, people[r.participant_id]) for r in rows}


def submission_weights(form: Form) -> dict[int, float] | None:
    """Submission id -> its respondent's final weight, for the datasets; None when the form has no weights."""
    respondents = weighted_respondents(form)
    if not respondents:
        return None
    path = coverage.target_of(form.current_def)[1]
    found = coverage.current_versions(form, Submission.id, SubmissionDef.index_values)
    return {sid: respondents[index[path]][0].weight for sid, index in found
            if (index or {}).get(path) in respondents}
