"""Verification (§15.3, §20.1.4): review states, comments, and what happened to a submission."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import problems
from ..storage import db
from ..storage.audit import AuditEntry
from ..storage.base import utcnow
from ..storage.submissions import REVIEW_STATES, Submission, SubmissionComment
from . import audit, sealing

MAX_COMMENT = 10_000


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
