"""The audit log: who did what, when, to which project, and for what stated purpose.

Append-only and chained: each entry's MAC covers its content and the previous
entry's MAC, keyed with the system audit key (wrapped by the master key, outside
anyone's reach who only has the database). Deleting, reordering or altering an
entry breaks the chain, which ``verify`` reports with the first entry that fails.
Entries hold ids and codes only, never personal data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select, text

from .. import crypto
from ..storage import db
from ..storage.audit import AuditEntry
from ..storage.base import utcnow
from . import keys

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    kind: str              # staff, app_user, cli, system
    id: int | None = None


SYSTEM = Actor("system")


def record(action: str, actor: Actor, *, project_id: int | None = None, target: str | None = None,
           purpose: str | None = None, **details) -> AuditEntry:
    """Append one entry; part of the caller's transaction (it commits or vanishes with it)."""
    _lock_chain()
    previous = db.session.scalar(select(AuditEntry.mac).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    key_id, key = keys.current_key(keys.SYSTEM, "audit")
    entry = AuditEntry(at=utcnow().replace(microsecond=0), actor_kind=actor.kind, actor_id=actor.id,
                       action=action, project_id=project_id, target=target, purpose=purpose,
                       details=details, prev_mac=previous, key_id=key_id)
    entry.mac = crypto.mac(key, _canonical(entry))
    db.session.add(entry)
    db.session.flush()
    return entry


def _lock_chain() -> None:
    """Serialise appends so two transactions never chain onto the same entry.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers already hold the
    database lock (BEGIN IMMEDIATE), so entries are appended one transaction at a time.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(712001)"))


def _canonical(entry: AuditEntry) -> bytes:
    at = entry.at if entry.at.tzinfo is None else entry.at.astimezone(timezone.utc).replace(tzinfo=None)
    at = at.isoformat(timespec="seconds")
    return json.dumps([at, entry.actor_kind, entry.actor_id, entry.action, entry.project_id, entry.target,
                       entry.purpose, entry.details, entry.prev_mac, entry.key_id],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Verification:
    entries: int
    ok: bool
    first_bad_id: int | None = None
    reason: str | None = None


def verify(batch: int = 1000) -> Verification:
    """Walk the chain from the first entry; stop at the first that does not fit."""
    previous, count, last_id = GENESIS, 0, 0
    while True:
        rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                       .order_by(AuditEntry.id).limit(batch)))
        if not rows:
            return Verification(count, True)
        for entry in rows:
            if entry.prev_mac != previous:
                return Verification(count, False, entry.id, "an entry before it was deleted or reordered")
            try:
                expected = crypto.mac(keys.key_by_id(entry.key_id), _canonical(entry))
            except crypto.CryptoError:
                return Verification(count, False, entry.id, "its MAC key is missing or was altered")
            if not crypto.same(expected, entry.mac):
                return Verification(count, False, entry.id, "its content was altered")
            previous, count, last_id = entry.mac, count + 1, entry.id
            db.session.expunge(entry)  # flat memory over a long log


def entries(project_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if project_id is not None:
        query = query.where(AuditEntry.project_id == project_id)
    return list(db.session.scalars(query))
