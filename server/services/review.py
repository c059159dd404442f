"""Verification (§15.3, §20.1.4): review states, comments, and what happened to a submission."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .. import problems
from ..storage import db
from ..storage.audit import AuditEntry
from ..storage.base import utcnow
from ..storage.forms import Form
from ..storage.submissions import REVIEW_STATES, Submission, SubmissionComment, SubmissionDef
from . import audit, sealing

MAX_COMMENT = 10_000
MAX_BULK = 500
# States a quality flag may turn into hasIssues: nobody has decided about these yet.
UNDECIDED = ("received", "edited")


def set_review_state(submission: Submission, state: str, actor: audit.Actor, project_id: int) -> Submission:
    if state not in REVIEW_STATES:
        raise problems.invalid_data("reviewState", f"expected one of {', '.join(REVIEW_STATES)}")
    if submission.review_state != state:
        audit.record("submission.review", actor, project_id=project_id, target=f"submission:{submission.id}",
                     old=submission.review_state, new=state)
        submission.review_state = state
        submission.updated_at = utcnow()
    return submission


def set_review_states(submissions: Iterable[Submission], state: str, actor: audit.Actor, project_id: int) -> int:
    """Bulk review: every submission gets the state, or none does (one transaction)."""
    count = 0
    for submission in submissions:
        set_review_state(submission, state, actor, project_id)
        count += 1
    return count


def submissions_of(form: Form, ids: Iterable[int]) -> list[Submission]:
    """The form's submissions with these ids; one that is not the form's makes the whole request 404."""
    wanted = set(ids)
    if not wanted:
        raise problems.invalid_data("submissions", "select at least one submission")
    if len(wanted) > MAX_BULK:
        raise problems.invalid_data("submissions", f"at most {MAX_BULK} submissions at a time")
    found = list(db.session.scalars(select(Submission).where(Submission.form_id == form.id,
                                                             Submission.id.in_(wanted)).order_by(Submission.id)))
    if len(found) != len(wanted):
        raise problems.not_found()
    return found


def flagged_candidates(form: Form) -> list[Submission]:
    """Undecided submissions whose current version carries quality flags: candidates for hasIssues."""
    return list(db.session.scalars(
        select(Submission).join(SubmissionDef, (SubmissionDef.submission_id == Submission.id)
                                & SubmissionDef.current.is_(True))
        .where(Submission.form_id == form.id, Submission.review_state.in_(UNDECIDED),
               func.json_array_length(SubmissionDef.flags) > 0).order_by(Submission.id)))


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    actor_id: int | None
    created_at: datetime


def add_comment(submission: Submission, body: str, actor: audit.Actor, project_id: int) -> Comment:
    body = (body or "").strip()
    if not body:
        raise problems.invalid_data("body", "a comment needs some text")
    if len(body) > MAX_COMMENT:
        raise problems.invalid_data("body", f"a comment may have at most {MAX_COMMENT} characters")
    comment = SubmissionComment(submission_id=submission.id, actor_id=actor.id if actor.kind == "staff" else None,
                                body=b"", created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    comment.body = sealing.seal_value(project_id, "submission_comments", "body", comment.id, body.encode())
    audit.record("submission.comment", actor, project_id=project_id, target=f"submission:{submission.id}")
    return Comment(comment.id, body, comment.actor_id, comment.created_at)


def comments(submission: Submission) -> list[Comment]:
    rows = db.session.scalars(select(SubmissionComment).where(SubmissionComment.submission_id == submission.id)
                              .order_by(SubmissionComment.id))
    return [Comment(row.id, sealing.open_value("submission_comments", "body", row.id, row.body).decode(),
                    row.actor_id, row.created_at) for row in rows]


def events(submission: Submission, limit: int = 200) -> list[AuditEntry]:
    """The audit entries about this submission (reviews, comments, views of personal data), newest first."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.target == f"submission:{submission.id}")
                                   .order_by(AuditEntry.id.desc()).limit(limit)))
