"""Encrypted, consistent backups of the database and the blob store, and their restore.

An archive (``.sbk``) is a clear header naming the master key version, then ONE sealed
stream (``crypto.seal_stream``, the header in its associated data) of a tar holding
``manifest.jsonl`` (format, time, schema, row counts, one line per blob file), the
database snapshot and every blob file the snapshot references. Blob files are ciphertext
and the snapshot holds data keys only wrapped, so restoring needs the master key file.

Consistency: the snapshot comes first (SQLite: the online backup API; PostgreSQL: pg_dump
in an exported snapshot, which the blob list is read from too), then the files it names
(immutable: every write makes a new file). Restore decrypts the whole archive into a
staging folder before it changes anything: an altered archive leaves nothing written.
Memory stays flat both ways.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app
from sqlalchemy import create_engine, func, inspect, literal, select, table, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

from .. import crypto
from ..storage import db, migrate
from ..storage.base import utcnow
from ..storage.blobs import Blob, blob_store, fsync_dir
from ..storage.keys import DataKey
from . import audit, keys, sealing

FORMAT = 1
MAGIC = b"SBK1"
DAMAGED = "backup is damaged or was altered (nothing was changed)"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
_CONTEXT = b"sapat-backup|"
_STREAM_KEY_ID = 0  # the stream key is named by the clear header's master key version, not by data_keys
_BATCH = 1000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    master_key: str
    tables: dict[str, int]
    blobs: int


@dataclass(frozen=True)
class RestoreSummary:
    created_at: str
    schema_revision: str | None   # as backed up
    revision_now: str | None      # after migrate.upgrade()
    tables: dict[str, int]
    blobs: int


def default_path(instance: Path, now: datetime | None = None) -> Path:
    return Path(instance) / "backups" / f"sapat-{(now or utcnow()).strftime('%Y%m%dT%H%M%SZ')}.sbk"


def describe_target() -> str:
    """The configured database, password hidden (for confirmations and messages)."""
    return db.engine.url.render_as_string(hide_password=True)


# ---- backup ----------------------------------------------------------------------------------

def create_backup(out: Path, actor: audit.Actor) -> BackupSummary:
    """Write the archive to ``out`` (mode 0600, never over an existing file) and audit it."""
    out = Path(out).resolve()
    if out.exists():
        raise BackupError(f"{out} already exists: choose another --out")
    master = keys.master_keys()
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=current_app.instance_path) as work:
        with _snapshot(Path(work)) as (database, conn):
            meta = _manifest_meta(conn, master, database.name)
            manifest = Path(work) / "manifest.jsonl"
            blobs = _write_manifest(manifest, meta, conn)
            size = _write_archive(out, master, _tar(_members(manifest, database, conn)))
    audit.record("backup.create", actor, target=out.name, schema_revision=meta["schema_revision"],
                 blobs=blobs, master_key=master.current)
    return BackupSummary(out, size, master.current, meta["tables"], blobs)


@contextmanager
def _snapshot(work: Path) -> Iterator[tuple[Path, Connection]]:
    """The database at one instant: a file to archive, and a connection that sees exactly it."""
    dialect = db.engine.dialect.name
    if dialect not in DATABASE_MEMBERS:
        raise BackupError(f"backups of {dialect} databases are not supported")
    target = work / DATABASE_MEMBERS[dialect]
    if dialect == "sqlite":
        _sqlite_copy(Path(db.engine.url.database), target)
        engine = create_engine(f"sqlite:///{target}", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                yield target, conn
        finally:
            engine.dispose()
        return
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
        url, env = _libpq()
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", f"--dbname={url}"], env)
        yield target, conn


def _sqlite_copy(source: Path, target: Path) -> None:
    import sqlite3  # only here: SQLAlchemy has no online backup
    live, copy = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        live.backup(copy)  # all pages in one step: one consistent read transaction
    finally:
        copy.close()
        live.close()


def _manifest_meta(conn: Connection, master: crypto.MasterKeys, database: str) -> dict:
    tables = {name: conn.scalar(select(func.count()).select_from(table(name)))
              for name in sorted(inspect(conn).get_table_names())}
    wrapping = sorted(set(conn.scalars(select(DataKey.kek_id).where(DataKey.wrapped.is_not(None)))))
    return {"format": FORMAT, "created_at": utcnow().isoformat(timespec="seconds"),
            "schema_revision": migrate.current_revision(), "dialect": conn.dialect.name, "database": database,
            "tables": tables, "master_key": master.current, "data_keys_wrapped_by": wrapping}


def _blob_paths(conn: Connection) -> Iterator[str]:
    """Every blob path the snapshot references, in batches (flat memory over a large store)."""
    last = 0
    while rows := conn.execute(select(Blob.id, Blob.path).where(Blob.id > last).order_by(Blob.id)
                               .limit(_BATCH)).all():
        yield from (row.path for row in rows)
        last = rows[-1].id


def _write_manifest(path: Path, meta: dict, conn: Connection) -> int:
    """The metadata line, then one line per blob file with its size; returns how many files."""
    store, count = blob_store(), 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(meta, sort_keys=True) + "\n")
        for relative in _blob_paths(conn):
            try:
                size = store.full_path(relative).stat().st_size
            except FileNotFoundError:
                raise BackupError(f"the blob file {relative} is missing from {store.root}: the store is damaged; "
                                  "no backup was written") from None
            out.write(json.dumps({"path": relative, "size": size}) + "\n")
            count += 1
    return count


def _members(manifest: Path, database: Path, conn: Connection) -> Iterator[tuple[str, Path]]:
    yield "manifest.jsonl", manifest
    yield database.name, database
    store = blob_store()
    for relative in _blob_paths(conn):
        yield f"blobs/{relative}", store.full_path(relative)


def _tar(members: Iterable[tuple[str, Path]]) -> Iterator[bytes]:
    """A ustar/pax stream of the members, produced chunk by chunk."""
    now = int(time.time())
    for name, path in members:
        with open(path, "rb") as source:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = os.fstat(source.fileno()).st_size, 0o600, now
            yield info.tobuf(tarfile.PAX_FORMAT)
            remaining = info.size
            while remaining:
                chunk = source.read(min(crypto.CHUNK, remaining))
                if not chunk:
                    raise BackupError(f"{name} became shorter while it was archived")
                remaining -= len(chunk)
                yield chunk
            if info.size % tarfile.BLOCKSIZE:
                yield tarfile.NUL * (tarfile.BLOCKSIZE - info.size % tarfile.BLOCKSIZE)
    yield tarfile.NUL * (2 * tarfile.BLOCKSIZE)


def _write_archive(out: Path, master: crypto.MasterKeys, plaintext: Iterator[bytes]) -> int:
    """Header, then the sealed stream, into a 0600 file renamed into place once complete."""
    header = _header(master, master.current)
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as target:
            target.write(header)
            crypto.seal_stream(master.derived("backup"), _STREAM_KEY_ID, sealing.ChunkReader(plaintext), target,
                               _CONTEXT + header)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, out)
        fsync_dir(out.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def _header(master: crypto.MasterKeys, kek: str) -> bytes:
    """``SBK1 | length | JSON`` naming the master key version and a check value of its backup key."""
    body = json.dumps({"master_key": kek, "check": _key_check(master, kek)}, sort_keys=True).encode()
    return MAGIC + struct.pack(">H", len(body)) + body


def _key_check(master: crypto.MasterKeys, kek: str) -> str:
    """Tells a different master key from an altered archive (AES-GCM alone cannot)."""
    return crypto.mac(master.derived("backup-check", kek), b"sapat backup key check")


# ---- restore ---------------------------------------------------------------------------------

def ensure_empty_target() -> None:
    """Refuse a database that holds any row (an empty schema, as 'sapat init' leaves it, is fine)."""
    with db.engine.connect() as conn:
        _refuse_rows(conn, inspect(conn).get_table_names())


def restore_backup(archive: Path) -> RestoreSummary:
    """Restore into this instance's empty database and blob store, then upgrade the schema.

    Nothing is written unless the whole archive opened and authenticated. The caller commits
    the audit entry.
    """
    with open(archive, "rb") as source:
        header, kek, check = _read_header(source)
        key = _restore_key(kek, check)
        ensure_empty_target()
        with tempfile.TemporaryDirectory(prefix=".restore-", dir=current_app.instance_path) as folder:
            work = Path(folder)
            members = _stage(source, key, header, work)
            meta, blobs = _check_manifest(work, members)
            _place_blobs(work)
            _place_database(work / meta["database"])
    current_app.extensions.pop("sapat_data_keys", None)
    migrate.upgrade()
    revision = migrate.current_revision()  # before the audit entry: it holds SQLite's write lock
    audit.record("backup.restore", audit.Actor("cli"), target=Path(archive).name, created_at=meta["created_at"],
                 schema_revision=meta["schema_revision"], blobs=blobs)
    return RestoreSummary(meta["created_at"], meta["schema_revision"], revision, meta["tables"], blobs)


def _read_header(source: BinaryIO) -> tuple[bytes, str, str]:
    magic, length = source.read(4), source.read(2)
    if magic != MAGIC or len(length) != 2:
        raise BackupError(f"not a Sapat backup, or {DAMAGED}")
    body = source.read(struct.unpack(">H", length)[0])
    try:
        fields = json.loads(body)
        return magic + length + body, str(fields["master_key"]), str(fields["check"])
    except (ValueError, KeyError, TypeError):
        raise BackupError(DAMAGED) from None


def _restore_key(kek: str, check: str) -> bytes:
    path = keys.master_key_path()
    try:
        master = keys.master_keys()
    except crypto.CryptoError as err:
        reason = f"no master key file at {path}" if not path.exists() else str(err)
        raise BackupError(f"{reason}: restoring needs a copy of the master key file of the installation that "
                          "made the backup there (nothing was changed)") from None
    if kek not in master.keys or not crypto.same(_key_check(master, kek), check):
        raise BackupError(f"this backup was made with another master key (version {kek}) than the one in {path}, "
                          "or its header was altered: copy the master key file of the installation that made it "
                          "there (nothing was changed)")
    return master.derived("backup", kek)


def _stage(source: BinaryIO, key: bytes, header: bytes, work: Path) -> int:
    """Decrypt and unpack everything into ``work``; returns how many blob files. Any alteration: DAMAGED."""
    reader = sealing.ChunkReader(crypto.open_stream(lambda _key_id: key, source, _CONTEXT + header))
    blobs = 0
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                target = _staged_path(work, member)
                with tar.extractfile(member) as data, open(target, "xb") as out:
                    shutil.copyfileobj(data, out, crypto.CHUNK)
                blobs += member.name.startswith("blobs/")
        reader.drain()  # the final chunk authenticates the end: no truncation, nothing appended
    except (crypto.CryptoError, tarfile.TarError, EOFError, FileExistsError):
        raise BackupError(DAMAGED) from None
    return blobs


def _staged_path(work: Path, member: tarfile.TarInfo) -> Path:
    if member.isreg() and member.name in ("manifest.jsonl", *DATABASE_MEMBERS.values()):
        return work / member.name
    relative = member.name.removeprefix("blobs/")
    if not member.isreg() or relative == member.name or not _safe_relative(relative):
        raise BackupError(DAMAGED)
    path = work / "blobs" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _safe_relative(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return (bool(parts) and "/".join(parts) == relative and "\\" not in relative and "\x00" not in relative
            and not relative.startswith("/") and not any(p in (".", "..") for p in parts))


def _check_manifest(work: Path, members: int) -> tuple[dict, int]:
    """The manifest lists exactly the staged files with their sizes; the archive suits this target."""
    try:
        with open(work / "manifest.jsonl", encoding="utf-8") as lines:
            meta, listed = json.loads(lines.readline()), 0
            for line in lines:
                entry = json.loads(line)
                staged = work / "blobs" / entry["path"]
                if not _safe_relative(entry["path"]) or staged.stat().st_size != entry["size"]:
                    raise BackupError(DAMAGED)
                listed += 1
        database_ok = meta["database"] in DATABASE_MEMBERS.values() and (work / meta["database"]).is_file()
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(DAMAGED) from None
    if listed != members or not database_ok:
        raise BackupError(DAMAGED)
    if meta.get("format") != FORMAT:
        raise BackupError(f"this backup has format {meta.get('format')}; this Sapat reads format {FORMAT}")
    dialect = db.engine.dialect.name
    if meta.get("dialect") != dialect:
        raise BackupError(f"this is a backup of a {meta.get('dialect')} database; the configured database is "
                          f"{dialect}: set SAPAT_DATABASE_URL to a new, empty {meta.get('dialect')} database")
    missing = set(meta.get("data_keys_wrapped_by", ())) - set(keys.master_keys().keys)
    if missing:
        raise BackupError(f"the backup's data keys are wrapped with master key version(s) {', '.join(sorted(missing))}"
                          f", which {keys.master_key_path()} lacks")
    return meta, listed


def _place_blobs(work: Path) -> None:
    """Files first (as the blob store always does): a later failure leaves only unreferenced files."""
    store = blob_store()
    with open(work / "manifest.jsonl", encoding="utf-8") as lines:
        lines.readline()
        for line in lines:
            relative = json.loads(line)["path"]
            with open(work / "blobs" / relative, "rb") as staged:
                store.write(relative, lambda out, staged=staged: shutil.copyfileobj(staged, out, crypto.CHUNK))


def _place_database(staged: Path) -> None:
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        _place_sqlite(staged)
    else:
        _drop_empty_schema()
        url, env = _libpq()
        _run(["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error", f"--dbname={url}",
              str(staged)], env)


def _place_sqlite(staged: Path) -> None:
    """Write the database file beside the configured one, then rename it into place."""
    if not db.engine.url.database or db.engine.url.database == ":memory:":
        raise BackupError("restore needs a file database: set SAPAT_DATABASE_URL to sqlite:///<path>")
    target = Path(db.engine.url.database).resolve()
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    with open(staged, "rb") as source, os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                                                 "wb") as out:
        shutil.copyfileobj(source, out, crypto.CHUNK)
        out.flush()
        os.fsync(out.fileno())
    db.engine.dispose()
    for suffix in ("-wal", "-shm", "-journal"):  # the empty database's; never to be replayed onto the new one
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)
    fsync_dir(target.parent)


def _drop_empty_schema() -> None:
    """A database 'sapat init' prepared holds an empty schema; its migrations remove it for pg_restore."""
    with db.engine.begin() as conn:
        names = inspect(conn).get_table_names()
        _refuse_rows(conn, names)
        if "alembic_version" in names:
            migrate.downgrade_to_base(conn)
            conn.execute(text("DROP TABLE alembic_version"))


def _refuse_rows(conn: Connection, names: Iterable[str]) -> None:
    for name in sorted(set(names) - {"alembic_version"}):
        if conn.scalar(select(literal(1)).select_from(table(name)).limit(1)) is not None:
            raise BackupError(f"the database {describe_target()} is not empty (table {name} has rows): "
                              "restore only into a new, empty database")


# ---- helpers ---------------------------------------------------------------------------------

def _libpq() -> tuple[str, dict]:
    """The database as a libpq URL for pg_dump/pg_restore; the password goes in the environment."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} was not found: install the PostgreSQL client tools of the server's version")
    result = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[-2000:]}")
