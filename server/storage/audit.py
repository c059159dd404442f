"""The audit log: append-only, each entry MACed together with the previous entry's MAC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = created_at()
    actor_kind: Mapped[str] = mapped_column(String(20), nullable=False)   # staff, app_user, cli, system
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True)
    target: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)   # ids only, never personal data
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)        # stated for personal data access
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    prev_mac: Mapped[str] = mapped_column(String(64), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    key_id: Mapped[int] = mapped_column(Integer, nullable=False)            # the data_keys row of the MAC key

