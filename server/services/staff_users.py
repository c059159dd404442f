"""Staff accounts, their roles, password checks and bearer-token sessions."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.users import ROLES, StaffSession, StaffUser

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10

# What each role may do. Checked by ``require``; the protection issue refines it.
PERMISSIONS = {
    "administrator": {"user.manage", "project.manage", "form.manage", "app_user.manage", "submission.read",
                      "project.read"},
    "data_manager": {"project.manage", "form.manage", "app_user.manage", "submission.read", "project.read"},
    "verifier": {"submission.read", "project.read"},
    "analyst": {"submission.read", "project.read"},
    "department_viewer": {"project.read"},
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(email: str, password: str, role: str, display_name: str | None = None) -> StaffUser:
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise problems.invalid_data("email", "expected an address like name@example.kg")
    if role not in ROLES:
        raise problems.invalid_data("role", f"expected one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise problems.invalid_data("password", f"use at least {MIN_PASSWORD} characters")
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        raise problems.uniqueness_violation("email", email)
    user = StaffUser(email=email, password_hash=_hasher.hash(password), role=role,
                     display_name=display_name or email.split("@")[0])
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == (email or "").strip().lower()))


def count_users() -> int:
    return db.session.scalar(select(func.count(StaffUser.id)))


def check_password(email: str, password: str) -> StaffUser:
    """The active user with these credentials, or 401.2 without saying which part was wrong."""
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        raise problems.authentication_failed() from None
    if user is None or user.disabled_at is not None:
        raise problems.authentication_failed()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so timing does not reveal which emails exist.

    Made on first use, not at import: Argon2 takes 64 MiB while hashing, and every
    server worker would pay that peak at start-up.
    """
    return _hasher.hash(secrets.token_hex(16))


def set_password(user: StaffUser, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise problems.invalid_data("password", f"use at least {MIN_PASSWORD} characters")
    user.password_hash = _hasher.hash(password)


def start_session(user: StaffUser, hours: int) -> tuple[str, StaffSession]:
    """A new bearer token (returned once, stored only as its hash)."""
    token = secrets.token_urlsafe(48)
    now = utcnow()
    session = StaffSession(token_hash=hash_token(token), user_id=user.id, created_at=now,
                           expires_at=now + timedelta(hours=hours))
    db.session.add(session)
    db.session.flush()
    return token, session


def session_for_token(token: str) -> StaffSession | None:
    """The live session behind a bearer token, if any."""
    if not token:
        return None
    session = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))
    if session is None or _aware(session.expires_at) <= utcnow() or session.user.disabled_at is not None:
        return None
    return session


def end_session(token: str) -> bool:
    result = db.session.execute(delete(StaffSession).where(StaffSession.token_hash == hash_token(token)))
    return result.rowcount > 0


def can(user: StaffUser, verb: str) -> bool:
    return verb in PERMISSIONS.get(user.role, set())


def require(user: StaffUser | None, verb: str) -> StaffUser:
    if user is None:
        raise problems.authentication_failed()
    if not can(user, verb):
        raise problems.insufficient_rights()
    return user


def _aware(moment):
    """SQLite hands back naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
