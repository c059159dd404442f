"""Data-key rotation: a new key version for new writes, then everything re-sealed under it, online.

Starting a rotation makes a new data key version active in a scope (every later write
uses it) and marks the previous one 'retiring'. Re-sealing then walks each sealed column
and the blob files in primary-key order, one batch per committed transaction, and
replaces a ciphertext only if it is still the one that was read (compare-and-swap), so
the server keeps running and a concurrent change is never overwritten. A retiring key is
retired, its material destroyed, only after a full pass found nothing sealed with it.

Interrupted (Ctrl-C, kill, a crash), at most one batch is lost; running again continues:
the retiring key still exists, so no further version is started, and rows already under
the new key are skipped without being opened.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from .. import crypto
from ..storage import db, set_write_intent, writing
from ..storage.blobs import Blob, blob_store
from ..storage.forms import Form
from ..storage.keys import DataKey
from ..storage.sampling import Participant, RosterPerson
from ..storage.submissions import Submission, SubmissionComment, SubmissionDef
from ..storage.users import AppUser
from ..storage.web import WebLink
from . import audit, keys, sealing

MAX_PASSES = 4
# PostgreSQL: how long to wait for transactions that began before the new key was active.
SETTLE_SECONDS = 60.0

Progress = Callable[[str, int, int, bool], None]   # (what, rows looked at, rows in all, last call)


@dataclass
class Rotation:
    """What one run did: enough for the command's summary and the audit entries."""

    scopes: list[str]
    started: list[str] = field(default_factory=list)     # scopes given a new key version by this run
    resealed: Counter = field(default_factory=Counter)   # (scope, what) -> rows or files re-sealed
    conflicts: int = 0        # changed underneath while being re-sealed: looked at again in the next pass
    missing_files: int = 0    # blob rows whose file is not in the store (nothing to re-seal)
    passes: int = 0
    retired: list[int] = field(default_factory=list)     # data key ids whose material was destroyed
    pending: list[int] = field(default_factory=list)     # data key ids still retiring at the end
    interrupted: bool = False
    unsettled: bool = False   # transactions older than the new key were still open: nothing retired

    @property
    def finished(self) -> bool:
        return not self.pending


def rotation_scopes(project_id: int | None = None) -> list[str]:
    """Scopes that have data keys: this project's, or every project's and the system's."""
    scopes = set(db.session.scalars(select(DataKey.scope).where(DataKey.purpose == "data").distinct()))
    if project_id is not None:
        scopes &= {keys.project_scope(project_id)}
    return sorted(scopes, key=lambda scope: (scope == keys.SYSTEM, _project_of(scope) or 0))


def rotate_data_keys(scopes: list[str], actor: audit.Actor, *, batch: int = 200, progress: Progress | None = None,
                     max_passes: int = MAX_PASSES, max_batches: int | None = None) -> Rotation:
    """Rotate the data keys of ``scopes`` and retire the old versions once nothing uses them.

    Commits as it goes (the caller's open transaction first), one transaction per batch.
    ``max_batches`` stops the run after that many re-sealing batches, as an interruption would.
    """
    db.session.commit()
    run = _Run(Rotation(list(scopes)), batch, progress or (lambda *_: None), max_batches)
    with _reading():  # only the batches' writes take the write lock (SQLite)
        _start(run.report, actor)
        retiring = {row.id: row.scope for row in keys.retiring_keys() if row.scope in scopes}
        settled = _older_transactions_finished()
        while retiring and run.report.passes < max_passes and not run.report.interrupted:
            run.report.passes += 1
            found = _reseal_pass(run, retiring, scopes)
            if run.report.interrupted or not settled:
                break
            clean = {scope for scope in set(retiring.values())
                     if not any(found[key_id] for key_id, owner in retiring.items() if owner == scope)}
            for scope in sorted(clean):
                _retire(run.report, scope, [key_id for key_id, owner in retiring.items() if owner == scope], actor)
            retiring = {key_id: scope for key_id, scope in retiring.items() if scope not in clean}
        db.session.commit()
    run.report.pending = sorted(retiring)
    run.report.unsettled = bool(retiring) and not settled
    return run.report


def _project_of(scope: str) -> int | None:
    return None if scope == keys.SYSTEM else int(scope.partition(":")[2])


def _start(report: Rotation, actor: audit.Actor) -> None:
    """A new key version in each scope that is not already rotating; committed before any re-sealing."""
    with writing():
        for scope in report.scopes:
            if keys.retiring_keys(scope):
                continue  # an earlier run was interrupted: continue it
            try:
                with db.session.begin_nested():
                    new = keys.start_rotation(scope)
            except IntegrityError:  # a concurrent run started this version first
                continue
            audit.record("key.rotate_start", actor, project_id=_project_of(scope), target=f"data_key:{new.id}",
                         scope=scope, version=new.version)
            report.started.append(scope)
        db.session.commit()


def _older_transactions_finished(timeout: float = SETTLE_SECONDS) -> bool:
    """Wait until no transaction that could still seal with a retiring key is open.

    Workers remember the active data key for ``keys.ACTIVE_KEY_SECONDS``: that long first.
    PostgreSQL: a request that read the old key before the new one was committed may
    commit its rows later, under the old key; so wait until every transaction open now
    (the new key is already committed) has ended. SQLite needs no wait: every writer
    holds the database lock for its whole transaction.
    """
    time.sleep(keys.ACTIVE_KEY_SECONDS + 1)  # every worker has looked up the active key again by now
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    since = db.session.scalar(text("SELECT clock_timestamp()"))
    deadline = time.monotonic() + timeout
    while True:
        still_open = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start < :since"),
            {"since": since})
        db.session.commit()
        if not still_open:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def _retire(report: Rotation, scope: str, key_ids: list[int], actor: audit.Actor) -> None:
    """Destroy the retiring keys of a scope (a full pass found nothing under them) and audit it."""
    project_id = _project_of(scope)
    with writing():
        for row in keys.retiring_keys(scope):
            if row.id in key_ids:
                keys.retire(row)
                audit.record("key.retire", actor, project_id=project_id, target=f"data_key:{row.id}",
                             scope=scope, version=row.version)
                report.retired.append(row.id)
        new_id, _ = keys.current_key(scope)
        audit.record("key.rotate", actor, project_id=project_id, target=f"data_key:{new_id}", scope=scope,
                     resealed={what: n for (owner, what), n in sorted(report.resealed.items()) if owner == scope},
                     conflicts=report.conflicts, passes=report.passes)
        db.session.commit()


# ---- one pass over everything sealed ---------------------------------------------------------

@dataclass
class _Run:
    """One run's settings and counters; ``max_batches`` ends it early, as an interruption would."""

    report: Rotation
    batch: int
    progress: Progress
    max_batches: int | None
    batches: int = 0

    def spend(self) -> None:
        self.batches += 1
        if self.max_batches is not None and self.batches >= self.max_batches:
            self.report.interrupted = True


@dataclass
class _Change:
    """One value or file read under a retiring key, and what replaces it if it is still unchanged."""

    row_id: int
    key_id: int          # the retiring key it is sealed with
    scope: str
    old: bytes | str     # ciphertext, or the blob's file path
    new: bytes | str


@contextmanager
def _reading() -> Iterator[None]:
    """Transactions opened inside only read (on SQLite: no write lock while files are re-sealed)."""
    token = set_write_intent(False)
    try:
        yield
    finally:
        token.var.reset(token)


def _reseal_pass(run: _Run, retiring: dict[int, str], scopes: list[str]) -> Counter:
    """Re-seal what is still under a retiring key; returns how many items each retiring key still had."""
    project_ids = [p for p in map(_project_of, scopes) if p is not None]
    found: Counter = Counter()
    for target in (*_COLUMNS, _BlobFiles()):
        if run.report.interrupted:
            break
        _sweep(run, target, target.where(project_ids, keys.SYSTEM in scopes), retiring, found)
    return found


def _sweep(run: _Run, target, where, retiring: dict[int, str], found: Counter) -> None:
    """One table in primary-key order, a batch per transaction, reporting progress after each.

    Rows added after the sweep began are not visited: the new key was active by then.
    """
    last = db.session.scalar(select(func.max(target.id)).where(where)) or 0
    where = where & (target.id <= last)
    total = db.session.scalar(select(func.count()).select_from(target.id.table).where(where))
    db.session.commit()
    last_id = done = 0
    while not run.report.interrupted:
        changes, rows = _prepare_batch(run, target, where, last_id, retiring)
        if not rows:
            break
        last_id, done = rows[-1].id, done + len(rows)
        found.update(change.key_id for change in changes)
        if changes:
            _swap(run, target, changes)
            run.spend()
        run.progress(target.label, done, total, False)
    run.progress(target.label, done, total, True)


def _prepare_batch(run: _Run, target, where, last_id: int, retiring: dict[int, str]):
    """Read one page (keyset: id > last_id) and make the new ciphertexts, in a read transaction."""
    with _reading():
        rows = db.session.execute(target.select().where(where, target.id > last_id)
                                  .order_by(target.id).limit(run.batch)).all()
        changes = [change for change in (target.prepare(row, retiring, run.report) for row in rows) if change]
        db.session.commit()
    return changes, rows


def _swap(run: _Run, target, changes: list[_Change]) -> None:
    """Write one batch in its own transaction; a row changed underneath keeps its value."""
    with writing():
        swapped = [change for change in changes if target.swap(change)]
        db.session.commit()
    target.after_commit(changes, swapped)
    for change in swapped:
        run.report.resealed[(change.scope, target.label)] += 1
    run.report.conflicts += len(changes) - len(swapped)


@dataclass(frozen=True)
class _SealedColumn:
    """A column of sealed values, each bound to (table, column, row id)."""

    label: str
    model: type
    attribute: str      # the mapped column holding the ciphertext
    context: str        # the column name the ciphertext is bound to
    of_projects: Callable  # project ids -> condition selecting their rows

    @property
    def id(self):
        return self.model.__table__.c.id

    @property
    def column(self):
        return self.model.__table__.c[self.attribute]

    def where(self, project_ids: list[int], system: bool):
        return self.column.is_not(None) & self.of_projects(project_ids)

    def select(self):
        return select(self.id, self.column.label("sealed"))

    def prepare(self, row, retiring: dict[int, str], report: Rotation) -> _Change | None:
        key_id = crypto.key_id_of(row.sealed)
        if key_id not in retiring:
            return None
        table = self.model.__tablename__
        try:
            plaintext = sealing.open_value(table, self.context, row.id, row.sealed)
        except crypto.CryptoError as err:
            raise crypto.CryptoError(f"{self.label} of row {row.id}: {err}") from None
        scope = retiring[key_id]
        new = sealing.seal_value(_project_of(scope), table, self.context, row.id, plaintext)
        return _Change(row.id, key_id, scope, row.sealed, new)

    def swap(self, change: _Change) -> bool:
        table = self.model.__table__
        result = db.session.execute(update(table).where(table.c.id == change.row_id, self.column == change.old)
                                    .values({self.attribute: change.new}))
        return result.rowcount == 1

    def after_commit(self, changes: list[_Change], swapped: list[_Change]) -> None:
        """Nothing outside the database to tidy up."""


def _submissions_of(project_ids: list[int]):
    return SubmissionDef.form_id.in_(select(Form.id).where(Form.project_id.in_(project_ids)))


def _comments_of(project_ids: list[int]):
    return SubmissionComment.submission_id.in_(
        select(Submission.id).join(Form, Form.id == Submission.form_id).where(Form.project_id.in_(project_ids)))


def _app_users_of(project_ids: list[int]):
    return AppUser.project_id.in_(project_ids)


def _roster_of(project_ids: list[int]):
    return RosterPerson.project_id.in_(project_ids)


def _participants_of(project_ids: list[int]):
    return Participant.project_id.in_(project_ids)


def _web_links_of(project_ids: list[int]):
    return WebLink.project_id.in_(project_ids)


# Everything sealed with a data key in a column (blob files are the other half, below).
_COLUMNS = (
    _SealedColumn("submission_defs.xml", SubmissionDef, "xml", "xml", _submissions_of),
    _SealedColumn("submission_defs.sealed_values", SubmissionDef, "sealed_values", "sealed_values", _submissions_of),
    _SealedColumn("app_users.token", AppUser, "token_sealed", "token", _app_users_of),
    _SealedColumn("submission_comments.body", SubmissionComment, "body", "body", _comments_of),
    _SealedColumn("roster_people.sealed", RosterPerson, "sealed", "sealed", _roster_of),
    _SealedColumn("participants.link", Participant, "link_sealed", "link", _participants_of),
    _SealedColumn("web_links.token", WebLink, "token_sealed", "token", _web_links_of),
)


class _BlobFiles:
    """Blob files: re-sealed into a new file; the row then points at it; the old file goes after commit."""

    label = "blobs"
    id = Blob.__table__.c.id

    @staticmethod
    def where(project_ids: list[int], system: bool):
        owner = Blob.__table__.c.project_id
        return or_(owner.in_(project_ids), owner.is_(None)) if system else owner.in_(project_ids)

    @staticmethod
    def select():
        table = Blob.__table__
        return select(table.c.id, table.c.path)

    @staticmethod
    def prepare(row, retiring: dict[int, str], report: Rotation) -> _Change | None:
        blob = Blob(id=row.id, path=row.path)  # transient: only what sealing reads
        try:
            key_id = sealing.file_key_id(blob)
        except FileNotFoundError:
            report.missing_files += 1
            return None
        if key_id not in retiring:
            return None
        scope = retiring[key_id]
        new_id, new_key = keys.current_key(scope)
        new_path = blob_store().new_path()
        try:
            with closing(sealing.open_file(blob)) as plaintext:
                blob_store().write(new_path, lambda out: crypto.seal_stream(
                    new_key, new_id, sealing.ChunkReader(plaintext), out, sealing.context("blobs", "content", row.id)))
        except crypto.CryptoError as err:
            raise crypto.CryptoError(f"blob {row.id}: {err}") from None
        return _Change(row.id, key_id, scope, row.path, new_path)

    @staticmethod
    def swap(change: _Change) -> bool:
        table = Blob.__table__
        result = db.session.execute(update(table).where(table.c.id == change.row_id, table.c.path == change.old)
                                    .values(path=change.new))
        return result.rowcount == 1

    @staticmethod
    def after_commit(changes: list[_Change], swapped: list[_Change]) -> None:
        """Remove the files no row points at any more: the old ones, or the new one of a lost swap."""
        done = {change.row_id for change in swapped}
        for change in changes:
            blob_store().remove(change.old if change.row_id in done else change.new)
