"""Coding of open test answers by raters (§15.3, §20.1.4): first coding, a blind second coding of a
configurable share, agreement per item, and resolution of disagreements.

Which answers are double-coded is decided by a keyed hash of the submission and item, so it is
fixed, spread evenly and unknowable to the coders (``SAPAT_DOUBLE_CODING_PERCENT``). A second
coder never sees the first code, and nobody codes the same answer twice. An answer's final
code is the resolution if there is one, else the first code when the answer is single-coded
or both codes agree; a disagreement waits for a resolution. Every final code rescores the
submission. Coders see the answer text and the coding scheme only: no name, no code, no school.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import problems
from ..measurement import agreement
from ..storage import db
from ..storage.forms import Form
from ..storage.scoring import Coding
from ..storage.submissions import Submission, SubmissionDef
from . import audit, scoring, sealing

ROUNDS = ("first", "second", "resolution")


@dataclass(frozen=True)
class Task:
    """The next answer a coder is to code."""

    submission_id: int
    item: str
    round: str
    text: str


@dataclass(frozen=True)
class ItemProgress:
    item: str
    answered: int
    coded: int             # answers with a final code
    double: int            # answers chosen for double coding
    double_done: int       # … coded twice
    disagreements: list[int]   # submission ids awaiting a resolution
    percent: float         # agreement of the double-coded pairs
    kappa: float


def double_coded(form: Form, submission_id: int, item: str) -> bool:
    share = current_app.config["SAPAT_DOUBLE_CODING_PERCENT"]
    digest = sealing.blind_index(form.project_id, "double-coding", f"{submission_id}/{item}".encode())
    return int(digest[:8], 16) % 100 < share


def open_items(form: Form) -> list:
    keyed = scoring.newest_key(form)
    return [i for i in scoring.ordered_items(keyed[1]) if i.type == "open"] if keyed else []


def codes_of(form_id: int, submission_ids) -> dict[int, dict[str, dict[str, tuple[int, int]]]]:
    """submission -> item -> round -> (code, coder)."""
    found: dict = defaultdict(lambda: defaultdict(dict))
    for c in db.session.scalars(select(Coding).where(Coding.form_id == form_id,
                                                     Coding.submission_id.in_(list(submission_ids)))):
        found[c.submission_id][c.item][c.round] = (c.code, c.coder_id)
    return found


def final_code(rounds: dict[str, tuple[int, int]], double: bool) -> int | None:
    if "resolution" in rounds:
        return rounds["resolution"][0]
    if "first" not in rounds:
        return None
    if not double:
        return rounds["first"][0]
    if "second" in rounds and rounds["second"][0] == rounds["first"][0]:
        return rounds["first"][0]
    return None


def final_codes(form: Form, submission_id: int) -> dict[str, int]:
    """The final codes of a submission's open answers (for scoring)."""
    rounds = codes_of(form.id, [submission_id]).get(submission_id, {})
    codes = {}
    for item, by_round in rounds.items():
        code = final_code(by_round, double_coded(form, submission_id, item))
        if code is not None:
            codes[item] = code
    return codes


def _answers(form: Form, item: str, submission_id: int | None = None) -> dict[int, str]:
    """Submission id -> the answer text of one open item, for current versions that answered it
    (of one submission only, when given)."""
    from .submissions import personal_values     # submissions imports scoring, which needs this module
    found = {}
    query = (select(SubmissionDef).join(Submission, Submission.id == SubmissionDef.submission_id)
             .where(SubmissionDef.form_id == form.id, SubmissionDef.current.is_(True)).order_by(Submission.id))
    if submission_id is not None:
        query = query.where(Submission.id == submission_id)
    rows = db.session.execute(query).scalars()
    for version in rows:
        values = {**version.values, **personal_values(version)}
        text = next((v for p, v in values.items() if p.rsplit("/", 1)[-1] == item and v.strip()), None)
        if text is not None:
            found[version.submission_id] = text
    return found


def next_task(form: Form, item: str, coder_id: int) -> Task | None:
    """An answer this coder may code now: one nobody coded, or a blind second coding of someone else's."""
    _check_item(form, item)
    answers = _answers(form, item)
    codes = codes_of(form.id, answers)
    second = None
    for submission_id, text in answers.items():
        rounds = codes.get(submission_id, {}).get(item, {})
        if "first" not in rounds:
            return Task(submission_id, item, "first", text)
        if (second is None and "second" not in rounds and rounds["first"][1] != coder_id
                and double_coded(form, submission_id, item)):
            second = Task(submission_id, item, "second", text)
    return second


def record(form: Form, submission_id: int, item: str, round_: str, code: int, actor: audit.Actor) -> None:
    """Store a code and, when the answer then has its final code, rescore the submission."""
    scheme = next((i for i in open_items(form) if i.name == item), None)
    if scheme is None:
        raise problems.unexpected_value("item", item, "it is not an open item of this test's key")
    if round_ not in ROUNDS:
        raise problems.unexpected_value("round", round_, f"expected one of {', '.join(ROUNDS)}")
    if code not in {int(c["code"]) for c in scheme.coding}:
        raise problems.unexpected_value("code", str(code), "it is not a code of the item's coding scheme")
    rounds = codes_of(form.id, [submission_id]).get(submission_id, {}).get(item, {})
    if round_ in rounds:
        raise problems.uniqueness_violation("submission, item, round", f"{submission_id}, {item}, {round_}")
    if round_ == "second" and (not double_coded(form, submission_id, item) or "first" not in rounds
                               or rounds["first"][1] == actor.id):
        raise problems.coding_not_allowed("a second coding is by another coder, of an answer chosen for it")
    if round_ == "first" and submission_id not in _answers(form, item, submission_id):
        raise problems.coding_not_allowed("the submission has no answer to this item")
    if round_ == "resolution" and not ("second" in rounds and rounds["second"][0] != rounds["first"][0]):
        raise problems.coding_not_allowed("only a disagreement between two coders is resolved")
    db.session.add(Coding(form_id=form.id, submission_id=submission_id, item=item, round=round_, code=code,
                          coder_id=actor.id))
    db.session.flush()
    audit.record("coding.code", actor, project_id=form.project_id, target=f"submission:{submission_id}",
                 item=item, round=round_)
    scoring.rescore_submission(form, submission_id, "coding")


def progress(form: Form) -> list[ItemProgress]:
    """Per open item: how far coding is, the agreement of the double-coded pairs, the disagreements."""
    result = []
    for item in open_items(form):
        answers = _answers(form, item.name)
        codes = codes_of(form.id, answers)
        firsts, seconds, disagreements = [], [], []
        coded = double = 0
        for submission_id in answers:
            rounds = codes.get(submission_id, {}).get(item.name, {})
            is_double = double_coded(form, submission_id, item.name)
            double += is_double
            coded += final_code(rounds, is_double) is not None
            if is_double and "first" in rounds and "second" in rounds:
                firsts.append(rounds["first"][0])
                seconds.append(rounds["second"][0])
                if rounds["first"][0] != rounds["second"][0] and "resolution" not in rounds:
                    disagreements.append(submission_id)
        percent, kappa = agreement.agreement(firsts, seconds)
        result.append(ItemProgress(item.name, len(answers), coded, double, len(firsts), disagreements,
                                   percent, kappa))
    return result


def _check_item(form: Form, item: str) -> None:
    if item not in {i.name for i in open_items(form)}:
        raise problems.unexpected_value("item", item, "it is not an open item of this test's key")


@dataclass(frozen=True)
class Disagreement:
    submission_id: int
    text: str
    first: int
    second: int


def disagreements(form: Form, item: str) -> list[Disagreement]:
    """The double-coded answers whose two codes differ and have no resolution yet."""
    _check_item(form, item)
    answers = _answers(form, item)
    codes = codes_of(form.id, answers)
    found = []
    for submission_id, text in answers.items():
        rounds = codes.get(submission_id, {}).get(item, {})
        if ("first" in rounds and "second" in rounds and "resolution" not in rounds
                and rounds["first"][0] != rounds["second"][0]):
            found.append(Disagreement(submission_id, text, rounds["first"][0], rounds["second"][0]))
    return found
