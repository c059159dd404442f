"""Monitoring cycles. ODK Central calls them projects, and so does the wire format."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at

STAGES = ("pilot", "main")
PROJECT_STATUSES = ("open", "archived")


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("stage IN ('pilot', 'main')", name="stage"),
        CheckConstraint("status IN ('open', 'archived')", name="status"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(String(10), nullable=False, default="main")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    created_at: Mapped[datetime] = created_at()
