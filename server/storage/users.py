"""Staff users, their sessions, and the app users (tablets) of a project."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import db
from .base import created_at, optional_time
from .projects import Project

ROLES = ("administrator", "data_manager", "verifier", "analyst", "department_viewer")


class StaffUser(db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('administrator', 'data_manager', 'verifier', 'analyst', 'department_viewer')",
            name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = created_at()
    disabled_at: Mapped[datetime | None] = optional_time()


class ProjectAccess(db.Model):
    """Which projects a non-administrator may see; without a row the project does not exist for them."""

    __tablename__ = "project_access"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)


class LoginAttempt(db.Model):
    """A failed login, for rate limiting per client address and lockout per account.

    Address and e-mail are kept only as keyed MACs: counting needs equality, not the values.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address_mac: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    email_mac: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    at: Mapped[datetime] = created_at()


class StaffSession(db.Model):
    """A bearer token. Only its keyed MAC is stored, so a database dump yields no live session."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), nullable=False)

    user: Mapped[StaffUser] = relationship(lazy="joined")


class AppUser(db.Model):
    """A tablet's identity: a long random token scoped to one project and its assigned forms.

    The token is kept sealed so the QR code can be shown again, as Central does;
    ``token_hash`` (a keyed MAC of the token) is what requests are looked up by.
    """

    __tablename__ = "app_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # for showing the QR again
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = created_at()
    revoked_at: Mapped[datetime | None] = optional_time()

    project: Mapped[Project] = relationship(lazy="joined")  # every OpenRosa request needs both


class AppUserForm(db.Model):
    """Assignment of a form to an app user (Central's "Data Collector" role on the form, id 2)."""

    __tablename__ = "app_user_forms"
    __table_args__ = (UniqueConstraint("app_user_id", "form_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_user_id: Mapped[int] = mapped_column(ForeignKey("app_users.id", ondelete="CASCADE"), nullable=False)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), nullable=False, index=True)
