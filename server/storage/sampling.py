"""The sample of a monitoring cycle: the sampling frame, the drawn schools, rosters and participants.

The frame (the National Statistics Committee's list of schools) is public information
and stays in clear. Rosters list people: their names, PIN, phone and e-mail are sealed
as one JSON object bound to the row (``roster_people.sealed``); a PIN is found again
only through its blind index. Participant codes are our own pseudonyms: they name a
person only together with the roster, so they are kept in clear for the assignment
sheets, with their blind index for matching submissions (whose codes are sealed).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at, optional_time

CATEGORIES = {"student": "S", "graduate": "G", "teacher": "T", "head": "H", "employer": "E"}
SCHOOL_ROLES = ("sample", "reserve")
# sample: drawn and taking part; refused: drawn, refused (replaced or not); reserve: not needed so far;
# replacement: a reserve that took a refusing school's place.
SCHOOL_STATUSES = ("active", "refused", "unused", "replacement")


class FrameSchool(db.Model):
    """One school of a project's sampling frame, as imported."""

    __tablename__ = "frame_schools"
    __table_args__ = (UniqueConstraint("project_id", "code"),
                      CheckConstraint("enrolment >= 0", name="enrolment"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(6), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    region: Mapped[str] = mapped_column(String(20), nullable=False)
    district: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    type: Mapped[str] = mapped_column(String(60), nullable=False)
    language: Mapped[str] = mapped_column(String(10), nullable=False)
    enrolment: Mapped[int] = mapped_column(Integer, nullable=False)
    specialties: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)   # specialty -> enrolment
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)         # other frame columns
    line: Mapped[int] = mapped_column(Integer, nullable=False)                      # row in the source file
    created_at: Mapped[datetime] = created_at()


class SampleDraw(db.Model):
    """How a project's school sample was drawn: the design, the seed and the per-stratum summary."""

    __tablename__ = "sample_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            unique=True)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    design: Mapped[dict] = mapped_column(JSON, nullable=False)
    strata: Mapped[list] = mapped_column(JSON, nullable=False)      # per-stratum counts and allocation
    frame_digest: Mapped[str] = mapped_column(String(64), nullable=False)   # what was drawn from
    selection: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # within-school selection
    weighting: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # last weighting run
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = created_at()


class SampleSchool(db.Model):
    """A school drawn into the sample, or held in reserve for the replacement of refusals."""

    __tablename__ = "sample_schools"
    __table_args__ = (
        UniqueConstraint("draw_id", "school_id"),
        CheckConstraint("role IN ('sample', 'reserve')", name="role"),
        CheckConstraint("status IN ('active', 'refused', 'unused', 'replacement')", name="status"),
        CheckConstraint("probability > 0 AND probability <= 1", name="probability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("sample_draws.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("frame_schools.id", ondelete="CASCADE"), nullable=False)
    stratum: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    certainty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    probability: Mapped[float] = mapped_column(Float, nullable=False)
    design_weight: Mapped[float] = mapped_column(Float, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)   # selection order, or reserve rank
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("sample_schools.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    changed_at: Mapped[datetime | None] = optional_time()

    school: Mapped[FrameSchool] = relationship(lazy="joined")


class RosterPerson(db.Model):
    """One person on a sampled school's roster; who they are is sealed, what they are (category …) is not."""

    __tablename__ = "roster_people"
    __table_args__ = (
        CheckConstraint("category IN ('student', 'graduate', 'teacher', 'head', 'employer')", name="category"),
        UniqueConstraint("school_id", "pin_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("frame_schools.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    specialty: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)    # {"last_name", "first_name", …, "pin"}
    pin_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at()


class Participant(db.Model):
    """A person selected inside a sampled school: their participant code and within-school probability."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("project_id", "code"), UniqueConstraint("person_id"),
                      CheckConstraint("probability > 0 AND probability <= 1", name="probability"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    school_id: Mapped[int] = mapped_column(ForeignKey("frame_schools.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("roster_people.id", ondelete="CASCADE"), nullable=False)
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    code: Mapped[str] = mapped_column(String(12), nullable=False)
    code_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    probability: Mapped[float] = mapped_column(Float, nullable=False)   # within the school (and category cell)
    cell_size: Mapped[int] = mapped_column(Integer, nullable=False)     # people listed in the cell
    # The personal web link (``/w/<token>``): looked up by keyed MAC, sealed for reprinting sheets.
    link_index: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    link_sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    link_revoked_at: Mapped[datetime | None] = optional_time()
    created_at: Mapped[datetime] = created_at()

    person: Mapped[RosterPerson] = relationship(lazy="joined")
    school: Mapped[FrameSchool] = relationship(lazy="joined")


class SampleWeight(db.Model):
    """The final weight of a responding school or participant for one instrument (``sapat weights compute``)."""

    __tablename__ = "sample_weights"
    __table_args__ = (UniqueConstraint("form_id", "school_id", "participant_id"),
                      CheckConstraint("weight > 0", name="weight"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False, index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("frame_schools.id", ondelete="CASCADE"), nullable=False)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                       nullable=True)
    stratum: Mapped[str] = mapped_column(String(200), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False)
