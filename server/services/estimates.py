"""Weighted estimates from an instrument's answers (§20.1.6): means and proportions by domain, with SEs.

Each answer is weighted with its respondent's final weight (``weighting``); the design is
the stratified two-stage sample (strata of the draw, schools as primary units), so the
standard errors are Taylor-linearised for it. Only answers kept in clear (classes none and
quasi_identifier) are estimated: personal answers stay sealed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from .. import problems
from ..datasets.workbooks import plain_sheet, write_xlsx
from ..sampling import estimation
from ..storage import db
from ..storage.projects import Project
from ..storage.sampling import FrameSchool, SampleWeight
from ..storage.submissions import SubmissionDef
from . import coverage, sampling, weighting
from . import forms as form_service

DOMAINS = ("region", "type", "language", "district", "specialty")
KINDS = ("auto", "mean", "proportion")


@dataclass(frozen=True)
class EstimateRequest:
    form: str
    variable: str
    by: str | None = None          # a frame column, specialty, or a clear field of the form
    kind: str = "auto"
    fpc: bool = False              # first-stage finite population correction (n_h / N_h)
    alpha: float = 0.05


@dataclass(frozen=True)
class EstimateResult:
    request: EstimateRequest
    kind: str
    path: str
    rows: list[estimation.Estimate]
    unweighted: int                # answers whose respondent has no weight (not in the sample)


def estimate(project: Project, request: EstimateRequest) -> EstimateResult:
    draw = sampling.require_draw(project)
    form = form_service.get_form(project, request.form)
    if form.current_def is None:
        raise problems.form_not_found(request.form)
    if request.kind not in KINDS or not 0 < request.alpha < 1:
        raise problems.invalid_data("kind", f"expected one of {', '.join(KINDS)} and 0 < alpha < 1")
    code_path = coverage.target_of(form.current_def)[1]
    path = _clear_path(form.current_def.field_classes, request.variable, "variable")
    by_path = (_clear_path(form.current_def.field_classes, request.by, "by")
               if request.by and request.by not in DOMAINS else None)
    who = weighting.weighted_respondents(form)
    if not who:
        raise problems.sampling_step_missing(f"weights for {request.form} (sapat weights compute)")
    y, w, strata, psu, domain, unweighted = [], [], [], [], [], 0
    for values, index_values in coverage.current_versions(form, SubmissionDef.values, SubmissionDef.index_values):
        found = who.get((index_values or {}).get(code_path))
        if found is None:
            unweighted += 1
            continue
        weight, person = found
        y.append(values.get(path))
        w.append(weight.weight)
        strata.append(weight.stratum)
        psu.append(weight.school_id)
        domain.append(_domain(request.by, by_path, values, weight, person))
    if not y:
        raise problems.sampling_step_missing(f"weighted answer to {request.form}")
    kind = request.kind if request.kind != "auto" else ("mean" if _numeric(y) else "proportion")
    fpc = ({row["stratum"]: row["allocated"] / row["population"] for row in draw.strata}
           if request.fpc else None)
    run = estimation.mean if kind == "mean" else estimation.proportion
    values = [_number(v) for v in y] if kind == "mean" else y
    try:
        found = run(values, w, strata, psu, domain=domain if request.by else None, fpc=fpc, alpha=request.alpha,
                    lonely_psu="certainty")
    except ValueError as err:
        raise problems.invalid_design(str(err)) from None
    return EstimateResult(request, kind, path, found, unweighted)


def _clear_path(classes: dict[str, str], name: str, field: str) -> str:
    """The instance path of a field named ``name`` (or given as its path), if its answers are stored in clear."""
    matches = [p for p in classes if p == name or p.rsplit("/", 1)[-1] == name]
    if len(matches) != 1:
        raise problems.invalid_data(field, f"the form has {len(matches) or 'no'} field(s) called {name}")
    if classes[matches[0]] not in ("none", "quasi_identifier"):
        raise problems.invalid_data(field, f"{name} holds personal data ({classes[matches[0]]}), which is sealed "
                                           "and never estimated")
    return matches[0]


def _domain(by: str | None, by_path: str | None, values: dict, weight: SampleWeight, person) -> str | None:
    if by is None:
        return None
    if by_path is not None:
        return values.get(by_path)
    if by == "specialty":
        return person.person.specialty if person is not None else None
    return str(getattr(db.session.get(FrameSchool, weight.school_id), by))


def _number(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _numeric(values: list) -> bool:
    present = [v for v in values if v not in (None, "")]
    return bool(present) and all(_number(v) is not None for v in present)


_COLUMNS = ("domain", "category", "estimate", "se", "ci_low", "ci_high", "deff", "n", "population", "df")


def result_rows(result: EstimateResult):
    for e in result.rows:
        yield (None if e.domain is None else str(e.domain), None if e.category is None else str(e.category),
               e.estimate, e.se, e.ci_low, e.ci_high, e.deff, e.n, e.population, e.df)


def write_estimates(result: EstimateResult, target: BinaryIO) -> None:
    r = result.request
    settings = [("form", r.form), ("variable", result.path), ("by", r.by), ("estimator", result.kind),
                ("confidence", 1 - r.alpha), ("fpc", "yes" if r.fpc else "no"),
                ("variance", "Taylor linearisation, strata of the draw, schools as primary units"),
                ("answers_without_weight", result.unweighted)]
    write_xlsx(target, [plain_sheet("estimates", _COLUMNS, result_rows(result)),
                        plain_sheet("settings", ("setting", "value"), settings)], "ru")
