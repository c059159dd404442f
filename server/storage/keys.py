"""Data keys, stored only wrapped by the master key (KEK) that lives outside the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at, optional_time

# data: seals values and files; index: blind indexes (never rotated: indexes would change);
# audit: the audit chain's MAC key; pseudonym: the secret of the anonymizer's keyed pseudonyms;
# signing: the seed of the Ed25519 key that signs handover packages. Only data keys rotate.
PURPOSES = ("data", "index", "audit", "pseudonym", "signing")
KEY_STATES = ("active", "retiring", "retired")


class DataKey(db.Model):
    __tablename__ = "data_keys"
    __table_args__ = (
        UniqueConstraint("scope", "purpose", "version"),
        CheckConstraint("purpose IN ('data', 'index', 'audit', 'pseudonym', 'signing')", name="purpose"),
        CheckConstraint("status IN ('active', 'retiring', 'retired')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "project:<id>" or "system": a scope string, so the unique constraint also holds for system keys.
    scope: Mapped[str] = mapped_column(String(40), nullable=False)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    kek_id: Mapped[str] = mapped_column(String(20), nullable=False)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # emptied when retired
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    created_at: Mapped[datetime] = created_at()
    retired_at: Mapped[datetime | None] = optional_time()
