"""Synchronisation with other Central-compatible servers: where each link stopped, and how each run went."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at, optional_time


class SyncCursor(db.Model):
    """How far one direction of one link got for one form (an opaque marker the sync client keeps)."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("link", "xml_form_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "pull|https://hq.example/|3->1": direction, remote server, remote and local project.
    link: Mapped[str] = mapped_column(String(500), nullable=False)
    xml_form_id: Mapped[str] = mapped_column(String(200), nullable=False)
    cursor: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = created_at()


class SyncRun(db.Model):
    """One run of a sync (from the command line or the scheduler), with what it copied and what it could not."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True,
                                                   index=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)      # pull or push
    remote: Mapped[str] = mapped_column(String(500), nullable=False)        # server URL, never a credential
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)        # cli or schedule
    status: Mapped[str] = mapped_column(String(20), nullable=False)         # running, ok, partial, failed
    counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    failures: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    started_at: Mapped[datetime] = created_at()
    finished_at: Mapped[datetime | None] = optional_time()
