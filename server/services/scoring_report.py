"""The measurement report of a test: item analysis, reliability, distractors, domains and scores.

Built from the current scores of the form's keyed version (the newest version with a key):
one row per test taker, one column per item in test order. An open answer still waiting
for its code counts as missing. The workbook holds no personal data: items, options and
score distributions only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from sqlalchemy import select

from forms import codebook
from forms.keys import AnswerKey

from .. import problems
from ..datasets.workbooks import plain_sheet, write_xlsx
from ..measurement import irt, items as item_analysis, levels
from ..measurement.scoring import PENDING
from ..storage import db
from ..storage.forms import Form, FormDef
from ..storage.projects import Project
from ..storage.scoring import AnswerKeyVersion, Score, StoredCalibration
from ..storage.submissions import SubmissionDef
from . import audit, forms as form_service, scoring, weighting


@dataclass(frozen=True)
class TestData:
    form: Form
    key_row: AnswerKeyVersion
    key: AnswerKey
    names: list[str]
    max_points: np.ndarray
    matrix: np.ndarray                  # takers × items: points, NaN where missing or pending
    pending: np.ndarray                 # takers × items: open answers not coded yet
    totals: np.ndarray
    domains: dict[str, np.ndarray]      # domain -> takers' domain totals
    answers: dict[str, list]            # raw answers of choice items, row-aligned
    options: dict[str, list[str]]
    weights: np.ndarray | None          # the takers' final survey weights, when the form has them


def test_data(project: Project, xml_form_id: str) -> TestData:
    """The scored matrix of the form's newest keyed version (409.27 without a key or scores)."""
    form = form_service.get_form(project, xml_form_id)
    keyed = scoring.newest_key(form)
    if keyed is None:
        raise problems.scoring_step_missing("answer key")
    row, key = keyed
    scores = list(db.session.scalars(select(Score).where(Score.form_id == form.id, Score.current.is_(True),
                                                         Score.key_id == row.id).order_by(Score.submission_id)))
    if not scores:
        raise problems.scoring_step_missing("scored submission")
    items = scoring.ordered_items(key)
    names = [i.name for i in items]
    matrix = np.array([[_points(s.items.get(n)) for n in names] for s in scores], dtype=float)
    pending = np.array([[s.items.get(n) == PENDING for n in names] for s in scores], dtype=bool)
    versions = {v.id: v for v in db.session.scalars(
        select(SubmissionDef).where(SubmissionDef.id.in_([s.submission_def_id for s in scores])))}
    options = _choice_options(form, key)
    answers = {name: [] for name in options}
    for score in scores:
        given = scoring.item_answers(key, versions[score.submission_def_id].values)
        for name in options:
            answers[name].append(given.get(name))
    domains = {code: np.array([s.domains.get(code, {}).get("total", 0.0) for s in scores]) for code in key.domains}
    by_submission = weighting.submission_weights(form)
    weights = (np.array([by_submission.get(s.submission_id, np.nan) for s in scores])
               if by_submission else None)
    if weights is not None and np.isnan(weights).any():
        weights = None            # a taker outside the weighted respondents: report unweighted only
    return TestData(form, row, key, names, np.array([i.points for i in items]), matrix, pending,
                    np.nan_to_num(matrix).sum(axis=1), domains, answers, options, weights)


def level_shares(data: TestData, scaling: Scaling | None = None) -> list[tuple]:
    """Takers per proficiency level, weighted too: for the whole test and each domain with cuts on the
    percent of the maximum (a domain's own ``cuts`` if the key gives them), or for the whole test with
    cuts on the reported scale."""
    if not data.key.levels or (data.key.levels_on == "scale" and scaling is None):
        return []
    weights = data.weights
    if data.key.levels_on == "scale":
        scopes = [("total", scaling.scaled)]
    else:
        scopes = [("total", 100 * data.totals / data.max_points.sum())]
        for code, totals in data.domains.items():
            members = [j for j, n in enumerate(data.names) if data.key.items[n].domain == code]
            scopes.append((code, 100 * totals / data.max_points[members].sum()))
    rows = []
    for scope, values in scopes:
        own = data.key.domains.get(scope, {}).get("cuts") or data.key.levels   # a domain may have its own cuts
        cuts = [(c["code"], float(c["min"])) for c in own]
        codes = [c for c, _ in cuts]
        assigned = levels.assign(values, cuts)
        plain = levels.shares(assigned, codes)
        weighted = levels.shares(assigned, codes, weights) if weights is not None else {}
        counts = Counter(assigned)
        rows += [(scope, c["code"], c.get("label_ru", ""), c["min"], counts[c["code"]], plain[c["code"]],
                  weighted.get(c["code"])) for c in own]
    return rows


def _points(value) -> float:
    return float(value) if isinstance(value, (int, float)) else np.nan


def _choice_options(form: Form, key: AnswerKey) -> dict[str, list[str]]:
    """Each choice item's options, from the keyed version's XLSForm."""
    definition = db.session.scalar(select(FormDef).where(FormDef.form_id == form.id,
                                                         FormDef.version == key.version))
    book = codebook(scoring._compiled(definition))
    return {v.name: [c.value for c in v.choices] for v in book.variables
            if v.name in key.items and key.items[v.name].type in ("single", "multiple")}


def analyse(data: TestData) -> item_analysis.Analysis:
    keys = {n: ([k] if isinstance(k, str) else list(k)) for n, k in
            ((n, data.key.items[n].key) for n in data.options)}
    return item_analysis.analyse(data.matrix, data.max_points, data.names, data.answers, keys, data.options,
                                 data.pending)


def _step(item) -> float:
    """Points per category of an item: one category per point of an open item's code, one per key option
    of a partial-credit multiple choice, else right or wrong."""
    if item.type == "open":
        return 1.0
    if item.type == "multiple" and item.scoring == "partial":
        return item.points / len(item.key)
    return item.points


def categories(data: TestData) -> np.ndarray:
    """The IRT response matrix: whole categories; omitted answers score 0, not reached and pending are missing."""
    steps = np.array([_step(data.key.items[n]) for n in data.names])
    late = item_analysis.not_reached(np.where(data.pending, 0.0, data.matrix))
    found = np.rint(np.nan_to_num(data.matrix) / steps)
    found[late | data.pending] = np.nan
    return found


@dataclass(frozen=True)
class Scaling:
    names: list[str]                   # the calibrated items (answered in two categories at least)
    rasch: irt.Calibration             # this group's own Rasch calibration
    two_pl: irt.Calibration | None     # only when asked for (the workbook)
    fit: list[tuple[float, float]]     # Rasch infit, outfit
    theta: np.ndarray                  # each taker's EAP on the reported scale's θ metric
    scaled: np.ndarray                 # on the reported scale
    constants: tuple[float, float]     # θ mean and SD that map to 500 and 100
    base: StoredCalibration | None     # the first cycle's calibration this one is linked to, if any


def scale(data: TestData, two_pl: bool = False) -> Scaling | None:
    """Rasch and 2PL calibration and EAP abilities on the reported scale: mean 500, SD 100 in the first
    cycle's group; a later cycle is linked through the first cycle's stored item parameters."""
    matrix = categories(data)
    usable = [j for j in range(matrix.shape[1]) if len(np.unique(matrix[~np.isnan(matrix[:, j]), j])) >= 2]
    if len(usable) < 2 or matrix.shape[0] < 10:
        return None
    names = [data.names[j] for j in usable]
    chosen = matrix[:, usable]
    rasch = irt.calibrate(chosen, "rasch")
    own_theta, _ = irt.eap(rasch, chosen)
    base = base_calibration(data.form.xml_form_id)
    if base is not None and base.project_id != data.form.project_id:
        common = [j for j, n in enumerate(data.names) if n in base.items]
        stored = irt.from_parameters("rasch", [irt.ItemParameters(base.items[data.names[j]]["slope"],
                                                                  np.array(base.items[data.names[j]]["steps"]),
                                                                  float(np.mean(base.items[data.names[j]]["steps"])))
                                               for j in common], base.sigma)
        linked, _, _ = irt.with_population(stored, matrix[:, common])
        theta, _ = irt.eap(linked, matrix[:, common])
        m, s = base.theta_mean, base.theta_sd
        scaled = 500 + 100 * (theta - m) / s
    else:
        theta = own_theta
        m, s, to_scale = irt.reported_scale(theta, data.weights)
        scaled = to_scale(theta)
        base = None
    return Scaling(names, rasch, irt.calibrate(chosen, "2pl") if two_pl else None,
                   irt.item_fit(rasch, chosen, own_theta),
                   theta, scaled, (m, s), base)


def base_calibration(xml_form_id: str) -> StoredCalibration | None:
    """The first stored calibration of a test (by form id, in any cycle)."""
    return db.session.scalar(select(StoredCalibration).where(StoredCalibration.xml_form_id == xml_form_id,
                                                             StoredCalibration.linked_to.is_(None))
                             .order_by(StoredCalibration.id))


def store_calibration(project: Project, xml_form_id: str, actor: audit.Actor) -> StoredCalibration:
    """Keep this cycle's calibration: as the test's base if it has none (or it is this cycle's), else linked."""
    data = test_data(project, xml_form_id)
    scaling = scale(data)
    if scaling is None:
        raise problems.scoring_step_missing("calibration (it needs 10 takers and 2 items answered in 2 ways)")
    base = base_calibration(xml_form_id)
    fields = dict(key_id=data.key_row.id, model="rasch", takers=len(data.totals),
                  items={n: {"slope": it.slope, "steps": [float(b) for b in it.steps]}
                         for n, it in zip(scaling.names, scaling.rasch.items)},
                  sigma=scaling.rasch.sigma, theta_mean=scaling.constants[0], theta_sd=scaling.constants[1])
    if base is not None and base.project_id == project.id:
        row = base                         # the first cycle calibrated again: it stays the base
        for name, value in fields.items():
            setattr(row, name, value)
    else:
        row = StoredCalibration(xml_form_id=xml_form_id, project_id=project.id,
                                linked_to=base.id if base else None, **fields)
        db.session.add(row)
    db.session.flush()
    audit.record("scoring.calibrate", actor, project_id=project.id, target=f"form:{data.form.id}",
                 linked_to=row.linked_to)
    return row


def write_report(project: Project, xml_form_id: str, target: BinaryIO) -> None:
    data = test_data(project, xml_form_id)
    result = analyse(data)
    scaling = scale(data, two_pl=True)
    summary = [("form", data.form.xml_form_id), ("form_version", data.key.version),
               ("answer_key", data.key_row.number), ("takers", result.takers), ("items", len(data.names)),
               ("max_total", result.max_total), ("mean_total", result.mean_total), ("sd_total", result.sd_total),
               ("cronbach_alpha", result.alpha)]
    scaling_rows = []
    if scaling is not None:
        summary += [("rasch_ability_sd", scaling.rasch.sigma), ("rasch_iterations", scaling.rasch.iterations),
                    ("scale_base", f"calibration {scaling.base.id}, project {scaling.base.project_id}"
                     if scaling.base else "this cycle"),
                    ("scale_theta_mean", scaling.constants[0]), ("scale_theta_sd", scaling.constants[1]),
                    ("scaled_mean", float(np.average(scaling.scaled, weights=data.weights))),
                    ("weighted", data.weights is not None)]
        for j, name in enumerate(scaling.names):
            rasch, two_pl = scaling.rasch.items[j], scaling.two_pl.items[j]
            scaling_rows.append((name, rasch.location, " ".join(f"{b:.3f}" for b in rasch.steps),
                                 scaling.fit[j][0], scaling.fit[j][1], two_pl.slope, two_pl.location))
    item_rows = [(i.name, data.key.items[i.name].domain, data.key.items[i.name].type, i.max_points, i.reached,
                  i.mean, i.difficulty, i.discrimination, i.alpha_if_deleted, i.omitted, i.not_reached)
                 for i in result.items]
    distractor_rows = [(name, d.option, d.key, d.share, d.mean_total)
                       for name, rows in result.distractors.items() for d in rows]
    domain_rows, domain_item_rows = [], []
    for code, totals in data.domains.items():
        members = [j for j, n in enumerate(data.names) if data.key.items[n].domain == code]
        within = item_analysis.analyse(data.matrix[:, members], data.max_points[members],
                                       [data.names[j] for j in members], pending=data.pending[:, members])
        domain_rows.append((code, data.key.domains[code].get("label_ru", ""), len(members),
                            float(data.max_points[members].sum()), float(totals.mean()),
                            float(totals.std(ddof=1)) if len(totals) > 1 else 0.0, within.alpha))
        domain_item_rows += [(code, i.name, i.difficulty, i.discrimination, i.alpha_if_deleted) for i in within.items]
    distribution = sorted(Counter(round(float(t), 2) for t in data.totals).items())
    level_rows = level_shares(data, scaling)
    write_xlsx(target, [
        plain_sheet("summary", ("statistic", "value"), summary),
        plain_sheet("items", ("item", "domain", "type", "max_points", "reached", "mean", "difficulty",
                              "discrimination", "alpha_if_deleted", "omitted", "not_reached"), item_rows),
        plain_sheet("distractors", ("item", "option", "key", "share", "mean_total"), distractor_rows),
        plain_sheet("domains", ("domain", "label_ru", "items", "max_points", "mean", "sd", "alpha"), domain_rows),
        plain_sheet("domain_items", ("domain", "item", "difficulty", "discrimination_in_domain",
                                     "alpha_if_deleted_in_domain"), domain_item_rows),
        plain_sheet("scores", ("total", "takers"), distribution),
        plain_sheet("levels", ("scope", "level", "label_ru", "min", "takers", "share", "weighted_share"), level_rows),
        plain_sheet("scaling", ("item", "rasch_difficulty", "rasch_steps", "infit", "outfit", "2pl_slope",
                                "2pl_difficulty"), scaling_rows),
    ], "ru")
