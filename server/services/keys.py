"""Key management: the master key file, per-project data keys, and their rotation.

Data keys live in ``data_keys`` wrapped by the master key (KEK); unwrapped keys are
cached per process by id. A ciphertext names its key id, so values sealed under an
older key stay readable until rotation has re-sealed them and the key is retired.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import crypto
from ..storage import db
from ..storage.base import utcnow
from ..storage.keys import DataKey

SYSTEM = "system"


def project_scope(project_id: int | None) -> str:
    return SYSTEM if project_id is None else f"project:{project_id}"


def master_key_path(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("SAPAT_MASTER_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / "keys" / "master.json"


def master_keys() -> crypto.MasterKeys:
    """The KEK versions, loaded once per process from the key file or ``SAPAT_MASTER_KEY``."""
    cached = current_app.extensions.get("sapat_master_keys")
    if cached is None:
        cached = crypto.load_master_keys(master_key_path(), current_app.config.get("SAPAT_MASTER_KEY"))
        current_app.extensions["sapat_master_keys"] = cached
    return cached


def init_master_key(app) -> Path | None:
    """Create the key file (0600) unless a key is already configured; returns the path if created."""
    path = master_key_path(app)
    if app.config.get("SAPAT_MASTER_KEY") or path.exists():
        return None
    crypto.write_master_keys(path, crypto.add_master_key(None))
    return path


# Unwrapped keys are kept this long per process, then looked up again: a key retired by a
# rotation disappears from running workers within this time, without a restart.
CACHE_SECONDS = 300
# Which data key is active is remembered this long per process (it saves a query on every
# write); a rotation waits this long after starting before it trusts that no worker still
# seals with the old version.
ACTIVE_KEY_SECONDS = 5


def _cache() -> dict[int, tuple[bytes, float]]:
    return current_app.extensions.setdefault("sapat_data_keys", {})


def _wrap_context(row: DataKey) -> bytes:
    return f"data_keys|{row.scope}|{row.purpose}|{row.version}".encode()


def key_by_id(key_id: int) -> bytes:
    """The data key a ciphertext names; CryptoError when it is unknown or retired."""
    cached = _cache().get(key_id)
    if cached is None or cached[1] < time.monotonic():
        row = db.session.get(DataKey, key_id)
        if row is None or row.wrapped is None:
            _cache().pop(key_id, None)
            raise crypto.CryptoError(f"data key {key_id} does not exist or was retired")
        cached = master_keys().unwrap(row.kek_id, row.wrapped, _wrap_context(row)), time.monotonic() + CACHE_SECONDS
        _cache()[key_id] = cached
    return cached[0]


def current_key(scope: str, purpose: str = "data") -> tuple[int, bytes]:
    """The active key of a scope and purpose, created on first use.

    Index and audit keys never rotate, so they are remembered per process; the active
    data key for ``ACTIVE_KEY_SECONDS`` (see ``rotation``, which waits that long).
    """
    remembered = current_app.extensions.setdefault("sapat_active_keys", {})
    found = remembered.get((scope, purpose))
    if found is not None and (purpose != "data" or found[2] > time.monotonic()):
        return found[0], found[1]
    row = _active(scope, purpose)
    if row is None:
        try:
            with db.session.begin_nested():
                row = _create(scope, purpose, 1)
        except IntegrityError:  # a concurrent request created it first
            row = _active(scope, purpose)
    key = key_by_id(row.id)
    remembered[(scope, purpose)] = row.id, key, time.monotonic() + ACTIVE_KEY_SECONDS
    return row.id, key


def _active(scope: str, purpose: str) -> DataKey | None:
    return db.session.scalar(select(DataKey).where(DataKey.scope == scope, DataKey.purpose == purpose,
                                                   DataKey.status == "active")
                             .order_by(DataKey.version.desc()).limit(1))


def _create(scope: str, purpose: str, version: int) -> DataKey:
    row = DataKey(scope=scope, purpose=purpose, version=version, kek_id="", status="active")
    key = crypto.new_key()
    row.kek_id, row.wrapped = master_keys().wrap(key, _wrap_context(row))
    db.session.add(row)
    db.session.flush()
    _cache()[row.id] = key, time.monotonic() + CACHE_SECONDS
    return row


def start_rotation(scope: str) -> DataKey:
    """A new data key version becomes active; the previous ones are 'retiring' until re-sealed."""
    olds = list(db.session.scalars(select(DataKey).where(DataKey.scope == scope, DataKey.purpose == "data",
                                                         DataKey.status == "active")))
    latest = db.session.scalar(select(DataKey.version).where(DataKey.scope == scope, DataKey.purpose == "data")
                               .order_by(DataKey.version.desc()).limit(1)) or 0
    for old in olds:
        old.status = "retiring"
    current_app.extensions.setdefault("sapat_active_keys", {}).pop((scope, "data"), None)
    return _create(scope, "data", latest + 1)


def retiring_keys(scope: str | None = None) -> list[DataKey]:
    query = select(DataKey).where(DataKey.status == "retiring", DataKey.purpose == "data")
    if scope:
        query = query.where(DataKey.scope == scope)
    return list(db.session.scalars(query.order_by(DataKey.id)))


def retire(row: DataKey) -> None:
    """Destroy a key's material: only called once nothing is sealed with it any more."""
    row.status, row.wrapped, row.retired_at = "retired", None, utcnow()
    _cache().pop(row.id, None)


def rewrap_all(new_kek: crypto.MasterKeys) -> int:
    """Re-wrap every live data key under the current master key version (KEK rotation)."""
    count = 0
    for row in db.session.scalars(select(DataKey).where(DataKey.wrapped.is_not(None))):
        key = master_keys().unwrap(row.kek_id, row.wrapped, _wrap_context(row))
        row.kek_id, row.wrapped = new_kek.wrap(key, _wrap_context(row))
        count += 1
    return count


def list_keys() -> list[DataKey]:
    return list(db.session.scalars(select(DataKey).order_by(DataKey.scope, DataKey.purpose, DataKey.version)))
