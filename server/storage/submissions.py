"""Submissions and their versions (edits), with their attachments.

As in ODK Central, a *submission* is the logical record (identified by the
instanceID it was first sent with) and each *version* (``SubmissionDef``) is one
XML document; an edit sent with ``meta/deprecatedID`` adds a version and makes it
current, the old one is kept.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at
from .blobs import Blob

REVIEW_STATES = ("received", "hasIssues", "edited", "approved", "rejected")


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("form_id", "instance_id"),
        # A participant answers a form once, whichever way their answers came in (§13: one-time links).
        UniqueConstraint("form_id", "participant_id", name="uq_submissions_form_participant"),
        CheckConstraint("review_state IN ('received', 'hasIssues', 'edited', 'approved', 'rejected')",
                        name="review_state"),
        Index("ix_submissions_form_id_id", "form_id", "id"),  # newest-first pages of one form
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    instance_id: Mapped[str] = mapped_column(String(200), nullable=False)
    submitter_app_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_users.id"), nullable=True)
    submitter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    review_state: Mapped[str] = mapped_column(String(12), nullable=False, default="received")
    # Browser submissions: the participant of a personal link (or whose code a school link's answer
    # carries), and the school-level link it came through.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"),
                                                       nullable=True)
    web_link_id: Mapped[int | None] = mapped_column(ForeignKey("web_links.id", ondelete="SET NULL"),
                                                    nullable=True, index=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True), nullable=True)

    versions: Mapped[list["SubmissionDef"]] = relationship(
        back_populates="submission", order_by="SubmissionDef.id", cascade="all, delete-orphan")


class SubmissionDef(db.Model):
    __tablename__ = "submission_defs"
    __table_args__ = (UniqueConstraint("form_id", "instance_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False,
                                               index=True)
    # Denormalised so an instanceID is unique per form across all versions of all submissions.
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    form_def_id: Mapped[int] = mapped_column(ForeignKey("form_defs.id"), nullable=False)
    instance_id: Mapped[str] = mapped_column(String(200), nullable=False)
    deprecated_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The XML as received, sealed with the project's data key (never stored in clear).
    xml: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # Keyed MAC of the XML: tells a byte-identical resend from a conflict without the plaintext.
    xml_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    # Answers that identify no one (classes none and quasi_identifier), queryable: {path: value}.
    values: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Personal answers (identifiers, sensitive, free text, unclassified), sealed as one JSON object.
    sealed_values: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Blind indexes of linking identifiers (participant codes …): {path: keyed MAC}.
    index_values: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    current: Mapped[bool] = mapped_column(db.Boolean, nullable=False, default=True)
    # Data-quality flags computed on arrival: [{"code": ..., "field": ..., "detail": ...}].
    flags: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    submitter_app_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_users.id"), nullable=True)
    submitter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = created_at()

    submission: Mapped[Submission] = relationship(back_populates="versions")
    attachments: Mapped[list["SubmissionAttachment"]] = relationship(
        order_by="SubmissionAttachment.name", cascade="all, delete-orphan", back_populates="submission_def")


class SubmissionAttachment(db.Model):
    """A file the submission XML names in a binary field; ``blob_id`` is empty until it arrives."""

    __tablename__ = "submission_attachments"
    __table_args__ = (UniqueConstraint("submission_def_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_def_id: Mapped[int] = mapped_column(ForeignKey("submission_defs.id", ondelete="CASCADE"),
                                                   nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"), nullable=True)

    submission_def: Mapped[SubmissionDef] = relationship(back_populates="attachments")
    blob: Mapped[Blob | None] = relationship(lazy="joined")


class SubmissionComment(db.Model):
    """A reviewer's note on a submission. Free text may name people, so the body is sealed."""

    __tablename__ = "submission_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False,
                                               index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = created_at()
