"""Forms, their versions (definitions) and their media files."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at, optional_time
from .blobs import Blob

FORM_STATES = ("open", "closing", "closed")


class Form(db.Model):
    """One ``xmlFormId`` in one project. ``current_def`` is the published version, if any."""

    __tablename__ = "forms"
    __table_args__ = (
        UniqueConstraint("project_id", "xml_form_id"),
        CheckConstraint("state IN ('open', 'closing', 'closed')", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    xml_form_id: Mapped[str] = mapped_column(String(200), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    current_def_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_defs.id", use_alter=True, ondelete="SET NULL"), nullable=True)
    draft_def_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_defs.id", use_alter=True, ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = created_at()

    current_def: Mapped["FormDef | None"] = relationship(foreign_keys=[current_def_id], post_update=True)
    draft_def: Mapped["FormDef | None"] = relationship(foreign_keys=[draft_def_id], post_update=True)

    @property
    def accepts_submissions(self) -> bool:
        return self.current_def_id is not None and self.state in ("open", "closing")

    @property
    def listed(self) -> bool:
        """Shown in Collect's form list: published and open."""
        return self.current_def_id is not None and self.state == "open"


class FormDef(db.Model):
    """One version of a form: the XForm as compiled, the source it came from, what it expects."""

    __tablename__ = "form_defs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False, index=True)
    version: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    xml: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    md5: Mapped[str] = mapped_column(String(32), nullable=False)
    root_name: Mapped[str] = mapped_column(String(200), nullable=False)
    binary_paths: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    languages: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Instance path -> class (forms/README.md), as the XForm's binds carry it; drives sealing.
    field_classes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    source_blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"), nullable=True)
    source_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = created_at()
    published_at: Mapped[datetime | None] = optional_time()

    __table_args__ = (
        # A version number, once published, names one XForm forever (Collect caches by it).
        Index("uq_form_defs_published_version", "form_id", "version", unique=True,
              sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL")),
    )

    attachments: Mapped[list["FormAttachment"]] = relationship(
        order_by="FormAttachment.name", cascade="all, delete-orphan", back_populates="form_def")


class FormAttachment(db.Model):
    """A media file the form references; listed in the manifest once its file is uploaded."""

    __tablename__ = "form_attachments"
    __table_args__ = (UniqueConstraint("form_def_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_def_id: Mapped[int] = mapped_column(ForeignKey("form_defs.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"), nullable=True)
    updated_at: Mapped[datetime | None] = optional_time()

    form_def: Mapped[FormDef] = relationship(back_populates="attachments")
    blob: Mapped[Blob | None] = relationship(lazy="joined")
