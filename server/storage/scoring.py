"""Answer keys of tests and the scores computed with them (§20.1.2–20.1.3).

A key is kept sealed with the project's data key (bound to its row): the server reads it
to score, never serves it. Keys are versioned per form version; uploading a new key for
the same form version makes it current and rescoring keeps the earlier scores as history.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at


class AnswerKeyVersion(db.Model):
    __tablename__ = "answer_keys"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)            # 1, 2, … per form
    form_version: Mapped[str] = mapped_column(String(100), nullable=False)  # the XForm version it keys
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)      # the key file's JSON
    digest: Mapped[str] = mapped_column(String(64), nullable=False)         # keyed MAC: tells keys apart
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()


class Score(db.Model):
    """One scoring of one submission version with one key; the current one per submission, the rest history."""

    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_form_id_current", "form_id", "current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False,
                                               index=True)
    submission_def_id: Mapped[int] = mapped_column(ForeignKey("submission_defs.id", ondelete="CASCADE"),
                                                   nullable=False)
    key_id: Mapped[int] = mapped_column(ForeignKey("answer_keys.id", ondelete="CASCADE"), nullable=False)
    total: Mapped[float] = mapped_column(Float, nullable=False)
    max_total: Mapped[float] = mapped_column(Float, nullable=False)
    pending: Mapped[int] = mapped_column(Integer, nullable=False, default=0)   # open answers awaiting a code
    items: Mapped[dict] = mapped_column(JSON, nullable=False)      # item -> points, null (omitted) or "pending"
    domains: Mapped[dict] = mapped_column(JSON, nullable=False)    # domain -> {"total", "max"}
    reason: Mapped[str] = mapped_column(String(20), nullable=False)  # arrival | key | edit | coding
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()


class Coding(db.Model):
    """One rater's code for one open answer: the first coding, the blind second one, or a resolution."""

    __tablename__ = "codings"
    __table_args__ = (UniqueConstraint("submission_id", "item", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False, index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False)
    item: Mapped[str] = mapped_column(String(40), nullable=False)
    round: Mapped[str] = mapped_column(String(10), nullable=False)       # first | second | resolution
    code: Mapped[int] = mapped_column(Integer, nullable=False)
    coder_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), nullable=False)
    created_at: Mapped[datetime] = created_at()


class StoredCalibration(db.Model):
    """A test's Rasch calibration kept for the reported scale: the first one of a test (by form id, across
    cycles) is the base (mean 500, SD 100 in its group); later cycles are linked through its items."""

    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    xml_form_id: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    key_id: Mapped[int] = mapped_column(ForeignKey("answer_keys.id", ondelete="CASCADE"), nullable=False)
    model: Mapped[str] = mapped_column(String(10), nullable=False)
    items: Mapped[dict] = mapped_column(JSON, nullable=False)          # item -> {"slope", "steps"}
    sigma: Mapped[float] = mapped_column(Float, nullable=False)
    theta_mean: Mapped[float] = mapped_column(Float, nullable=False)   # the scale: 500 + 100 (θ − mean) / sd
    theta_sd: Mapped[float] = mapped_column(Float, nullable=False)
    linked_to: Mapped[int | None] = mapped_column(ForeignKey("calibrations.id"), nullable=True)
    takers: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at()
