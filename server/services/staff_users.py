"""Staff accounts, their roles, password checks and bearer-token sessions."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text

from .. import problems
from ..storage import db
from ..storage.base import utcnow
from ..storage.users import ROLES, LoginAttempt, ProjectAccess, StaffSession, StaffUser
from . import audit, sealing

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10

# The role matrix. Administrators run the installation (users, keys, audit, backups) and
# see de-identified submissions; only data managers see personal data, and only with a
# stated purpose; verifiers and analysts work on de-identified views; the Department's
# viewers see reports and handover packages. Every endpoint and command checks a verb.
PERMISSIONS = {
    "administrator": {"user.manage", "key.manage", "audit.read", "backup.manage", "project.create",
                      "project.manage", "project.read", "form.manage", "app_user.manage", "submission.read",
                      "submission.create", "sample.manage", "sample.read", "web_link.manage",
                      "scoring.manage"},
    "data_manager": {"project.manage", "project.read", "form.manage", "app_user.manage", "submission.read",
                     "submission.create", "submission.review", "personal.read", "export.raw",
                     "export.anonymized", "report.read", "sample.manage", "sample.read",
                     "web_link.manage", "scoring.manage", "coding.perform"},
    "verifier": {"project.read", "submission.read", "submission.review", "sample.read", "coding.perform"},
    "analyst": {"project.read", "submission.read", "export.anonymized", "report.read", "sample.read"},
    "department_viewer": {"project.read", "report.read", "sample.read"},
}
# Roles that see every project; the others see the projects they were granted.
ALL_PROJECTS = {"administrator"}
LOCKOUT_FAILURES = 5        # per account within the window
ADDRESS_FAILURES = 20       # per client address within the window
WINDOW = timedelta(minutes=15)


def hash_token(token: str) -> str:
    """How bearer and app-user tokens are stored and looked up: a keyed MAC, never the token."""
    return sealing.blind_index(None, "token", token.encode())


def create_user(email: str, password: str, role: str, display_name: str | None = None,
                actor: "audit.Actor | None" = None) -> StaffUser:
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
    audit.record("user.create", actor or audit.SYSTEM, target=f"staff_user:{user.id}", role=role)
    return user


def set_role(user: StaffUser, role: str, actor: "audit.Actor") -> None:
    if role not in ROLES:
        raise problems.invalid_data("role", f"expected one of {', '.join(ROLES)}")
    audit.record("user.role", actor, target=f"staff_user:{user.id}", old=user.role, new=role)
    user.role = role


def grant_project(user: StaffUser, project_id: int, actor: "audit.Actor") -> None:
    if not db.session.scalar(select(ProjectAccess.id).where(ProjectAccess.user_id == user.id,
                                                            ProjectAccess.project_id == project_id)):
        db.session.add(ProjectAccess(user_id=user.id, project_id=project_id))
        audit.record("user.grant", actor, project_id=project_id, target=f"staff_user:{user.id}")


def revoke_project(user: StaffUser, project_id: int, actor: "audit.Actor") -> None:
    db.session.execute(delete(ProjectAccess).where(ProjectAccess.user_id == user.id,
                                                   ProjectAccess.project_id == project_id))
    audit.record("user.revoke", actor, project_id=project_id, target=f"staff_user:{user.id}")


def may_see_project(user: StaffUser, project_id: int) -> bool:
    if user.role in ALL_PROJECTS:
        return True
    return db.session.scalar(select(ProjectAccess.id).where(ProjectAccess.user_id == user.id,
                                                            ProjectAccess.project_id == project_id)) is not None


def visible_project_ids(user: StaffUser) -> set[int] | None:
    """The projects a user may see; None means all of them."""
    if user.role in ALL_PROJECTS:
        return None
    return set(db.session.scalars(select(ProjectAccess.project_id).where(ProjectAccess.user_id == user.id)))


def find_user(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == (email or "").strip().lower()))


def count_users() -> int:
    return db.session.scalar(select(func.count(StaffUser.id)))


def check_password(email: str, password: str, address: str = "") -> StaffUser:
    """The active user with these credentials, or 401.2 without saying which part was wrong.

    Failures are counted per account and per client address (both kept only as keyed
    MACs); past the limits the answer is 429.1 until the window has passed.
    """
    email_mac = sealing.blind_index(None, "login-email", (email or "").strip().lower().encode())
    address_mac = sealing.blind_index(None, "login-address", address.encode())
    _serialise_attempts(email_mac, address_mac)
    since = utcnow() - WINDOW
    if (_failures(LoginAttempt.email_mac == email_mac, since) >= LOCKOUT_FAILURES
            or _failures(LoginAttempt.address_mac == address_mac, since) >= ADDRESS_FAILURES):
        audit.record("login.blocked", audit.SYSTEM)
        raise problems.rate_limited(int(WINDOW.total_seconds()))
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password or "")
        if user is None or user.disabled_at is not None:
            raise VerificationError("disabled")
    except (VerificationError, InvalidHashError):
        db.session.add(LoginAttempt(address_mac=address_mac, email_mac=email_mac))
        audit.record("login.failure", audit.Actor("staff", user.id) if user else audit.SYSTEM)
        raise problems.authentication_failed(keep_changes=True) from None
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email_mac == email_mac))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record("login.success", audit.Actor("staff", user.id))
    return user


def _serialise_attempts(*macs: str) -> None:
    """Concurrent guesses at one account or from one address are checked one at a time.

    Otherwise each would count the failures before any had recorded its own and a burst
    could pass the limit. SQLite writers are serialised already (BEGIN IMMEDIATE); on
    PostgreSQL transaction-scoped advisory locks do it (taken in sorted order: no deadlock).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        for mac in sorted(set(macs)):
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(mac[:15], 16)})


def _failures(condition, since) -> int:
    return db.session.scalar(select(func.count(LoginAttempt.id)).where(condition, LoginAttempt.at >= since))


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
