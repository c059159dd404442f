"""Export jobs (datasets staff download) and Department handover packages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at, optional_time
from .blobs import Blob

EXPORT_KINDS = ("anonymized", "raw")
EXPORT_STATUSES = ("queued", "running", "done", "failed")


class ExportJob(db.Model):
    """One dataset export of one form, run in the background; its zip is a sealed blob."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("kind IN ('anonymized', 'raw')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    formats: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="ru")
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)      # required for raw exports
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)   # rows, files, k reached …
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"), nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = optional_time()
    finished_at: Mapped[datetime | None] = optional_time()

    blob: Mapped[Blob | None] = relationship()


class Handover(db.Model):
    """A Department handover package that was built: where it is and the digest of its signed manifest."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    manifest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    built_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()
