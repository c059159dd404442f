"""Online questionnaires: which forms are open in the browser, and school-level web links.

A participant's personal link lives with the participant (``participants.link_index``);
a school-level link is a row here. Tokens are found only through their keyed MAC and
kept sealed for showing the link again, so a database dump yields no working link.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at, optional_time
from .forms import Form
from .sampling import FrameSchool


class WebForm(db.Model):
    """A published form opened for answering in the browser, until ``closes_at`` if set."""

    __tablename__ = "web_forms"
    __table_args__ = (UniqueConstraint("form_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    closes_at: Mapped[datetime | None] = optional_time()
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()

    form: Mapped[Form] = relationship(lazy="joined")


class WebLink(db.Model):
    """A school-level link to one form: anyone holding it may answer, up to ``quota`` times."""

    __tablename__ = "web_links"
    __table_args__ = (CheckConstraint("quota IS NULL OR quota > 0", name="quota"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False)
    school_id: Mapped[int] = mapped_column(ForeignKey("frame_schools.id", ondelete="CASCADE"), nullable=False)
    token_index: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    token_sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime | None] = optional_time()
    revoked_at: Mapped[datetime | None] = optional_time()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()

    form: Mapped[Form] = relationship(lazy="joined")
    school: Mapped[FrameSchool] = relationship(lazy="joined")
