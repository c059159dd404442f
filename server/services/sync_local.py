"""This Sapat as one side of a sync (``sync.endpoints.Endpoint`` over the services), its cursors and run records.

Pull copies a remote project into a local one, push the other way; the other side
is ``sync.central`` over HTTP. Every step here is its own short transaction,
committed before the copy goes back to the network, so a sync never holds the
database (SQLite's write lock above all) while it waits for the other server, and
whatever was copied before a failure stays copied.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

from sqlalchemy import select, text

from sync.copy import Progress, Result, copy_project
from sync.endpoints import FormVersion, SubmissionRef, SyncError, VersionRef, decode_cursor, encode_cursor, parse_time

from ..crypto import CryptoError
from ..problems import Problem
from ..storage import db, writing
from ..storage.base import utcnow
from ..storage.forms import Form, FormDef
from ..storage.submissions import Submission, SubmissionDef
from ..storage.sync import SyncCursor, SyncRun
from . import audit, forms as form_service, projects, review, sealing, submissions
from .submissions import IncomingFile, Submitter

DIRECTIONS = ("pull", "push")
STALE_RUN = timedelta(hours=6)     # a "running" row older than this was left by a process that died
MAX_FAILURES = 500                 # failures kept per run record
RUN_LOCK = 0x5A5A0005              # PostgreSQL advisory lock serialising run claims across workers


@contextmanager
def _step(write: bool = False) -> Iterator[None]:
    """One short transaction; a refusal becomes the sync error of this one item."""
    try:
        if write:
            with writing():
                yield
        else:
            yield
        db.session.commit()
    except Problem as problem:
        db.session.rollback()
        raise SyncError(f"{problem.message} ({problem.code})") from None
    except CryptoError:
        db.session.rollback()
        raise SyncError("stored data could not be opened (500.7)") from None
    except BaseException:
        db.session.rollback()
        raise


class LocalEndpoint:
    """One project of this Sapat; what it stores arrives as from a tablet, through ``ingest``."""

    def __init__(self, project_id: int, actor: audit.Actor, submitter: Submitter):
        self.project_id, self.actor, self.submitter = project_id, actor, submitter

    def _form(self, xml_form_id: str) -> Form:
        return form_service.get_form(projects.get_project(self.project_id), xml_form_id)

    def _submission(self, xml_form_id: str, instance_id: str) -> Submission:
        return submissions.get_submission(self._form(xml_form_id), instance_id)

    def _current(self, xml_form_id: str, instance_id: str) -> SubmissionDef:
        return submissions.current_version(self._submission(xml_form_id, instance_id))

    # ---- forms ----------------------------------------------------------------------------------

    def list_forms(self) -> list[str]:
        with _step():
            return [f.xml_form_id for f in form_service.list_forms(projects.get_project(self.project_id))
                    if f.current_def_id is not None]

    def _published(self, xml_form_id: str) -> list[FormDef]:
        project = projects.get_project(self.project_id)
        form = db.session.scalar(select(Form).where(Form.project_id == project.id, Form.xml_form_id == xml_form_id))
        if form is None:
            return []
        return list(db.session.scalars(select(FormDef).where(FormDef.form_id == form.id,
                                                             FormDef.published_at.is_not(None))
                                       .order_by(FormDef.published_at, FormDef.id)))

    def form_versions(self, xml_form_id: str) -> list[str]:
        with _step():
            return [d.version for d in self._published(xml_form_id)]

    def get_form_version(self, xml_form_id: str, version: str) -> FormVersion:
        with _step():
            found = next((d for d in self._published(xml_form_id) if d.version == version), None)
            if found is None:
                raise SyncError(f"no published version {version!r} of {xml_form_id}")
            media = {a.name: sealing.read_file(a.blob) for a in found.attachments if a.blob is not None}
            return FormVersion(xml_form_id, version, found.xml, media)

    def create_form_version(self, form: FormVersion) -> None:
        with _step(write=True):
            draft = form_service.create_draft(projects.get_project(self.project_id), form.xml,
                                              f"{form.xml_form_id}.xml")
            target = db.session.get(Form, draft.form_id)
            for name, data in form.media.items():
                form_service.upload_attachment(target, name, BytesIO(data), _content_type(name))
            form_service.publish(target, self.actor)

    # ---- submissions ----------------------------------------------------------------------------

    def list_submissions(self, xml_form_id: str, after: tuple[datetime, str] | None) -> list[SubmissionRef]:
        with _step():
            rows = db.session.execute(
                select(Submission.instance_id, Submission.created_at, Submission.updated_at, Submission.review_state)
                .where(Submission.form_id == self._form(xml_form_id).id)).all()
        refs = [SubmissionRef(row.instance_id, parse_time(row.updated_at or row.created_at), row.review_state)
                for row in rows]
        return sorted((ref for ref in refs if after is None or ref.key > after), key=lambda ref: ref.key)

    def list_versions(self, xml_form_id: str, instance_id: str) -> list[VersionRef]:
        with _step():
            found = db.session.scalar(select(Submission).where(Submission.form_id == self._form(xml_form_id).id,
                                                               Submission.instance_id == instance_id))
            return [VersionRef(v.instance_id, parse_time(v.created_at)) for v in found.versions] if found else []

    def get_version_xml(self, xml_form_id: str, instance_id: str, version_id: str) -> bytes:
        with _step():
            version = next((v for v in self._submission(xml_form_id, instance_id).versions
                            if v.instance_id == version_id), None)
            if version is None:
                raise SyncError(f"no version {version_id}")
            return submissions.submission_xml(version)

    def create_version(self, xml_form_id: str, instance_id: str, xml: bytes, edit: bool) -> None:
        """Ingested as Collect's POST would be; an edit is recognised by the deprecatedID its XML carries."""
        with _step(write=True):
            project = projects.get_project(self.project_id)
            submissions.ingest(lambda form_id: form_service.get_form(project, form_id), xml, [], self.submitter)

    def list_attachments(self, xml_form_id: str, instance_id: str) -> list[str]:
        with _step():
            return [a.name for a in self._current(xml_form_id, instance_id).attachments if a.blob_id is not None]

    def get_attachment(self, xml_form_id: str, instance_id: str, name: str) -> bytes | None:
        with _step():
            found = next((a for a in self._current(xml_form_id, instance_id).attachments
                          if a.name == name and a.blob is not None), None)
            return sealing.read_file(found.blob) if found else None

    def upload_attachment(self, xml_form_id: str, instance_id: str, name: str, data: bytes) -> None:
        """A resend of the current XML with the file, exactly as Collect completes a split upload."""
        with _step(write=True):
            project = projects.get_project(self.project_id)
            xml = submissions.submission_xml(self._current(xml_form_id, instance_id))
            files = [IncomingFile(name, BytesIO(data), _content_type(name))]
            submissions.ingest(lambda form_id: form_service.get_form(project, form_id), xml, files, self.submitter)

    def get_review_state(self, xml_form_id: str, instance_id: str) -> str:
        with _step():
            return self._submission(xml_form_id, instance_id).review_state

    def set_review_state(self, xml_form_id: str, instance_id: str, state: str) -> None:
        with _step(write=True):
            review.set_review_state(self._submission(xml_form_id, instance_id), state, self.actor, self.project_id)


class LocalCursors:
    """The cursors of one link, in ``sync_cursors``; each save is committed at once."""

    def __init__(self, link: str):
        self.link = link

    def load(self, xml_form_id: str) -> tuple[datetime, str] | None:
        with _step():
            row = self._row(xml_form_id)
            return decode_cursor(row.cursor) if row else None

    def save(self, xml_form_id: str, position: tuple[datetime, str]) -> None:
        with _step(write=True):
            row = self._row(xml_form_id)
            if row is None:
                db.session.add(SyncCursor(link=self.link, xml_form_id=xml_form_id, cursor=encode_cursor(position)))
            else:
                row.cursor, row.updated_at = encode_cursor(position), utcnow()

    def _row(self, xml_form_id: str) -> SyncCursor | None:
        return db.session.scalar(select(SyncCursor).where(SyncCursor.link == self.link,
                                                          SyncCursor.xml_form_id == xml_form_id))


@dataclass(frozen=True)
class Link:
    """Which remote project a local project syncs with, in which direction, as whom."""

    direction: str              # pull (remote -> local) or push (local -> remote)
    remote: str                 # base URL of the other server
    remote_project: int
    username: str
    forms: tuple[str, ...] = ()  # xmlFormIds; empty: every published form of the source

    def key(self, project_id: int) -> str:
        return f"{self.direction}|{self.remote}|{self.remote_project}->{project_id}"


def run_link(project_id: int, link: Link, password: str, actor: audit.Actor, trigger: str,
             progress: Progress | None = None) -> SyncRun | None:
    """One run of a link, recorded in ``sync_runs``; None when a run of the same link is already going."""
    if link.direction not in DIRECTIONS:
        raise SyncError(f"direction must be one of {', '.join(DIRECTIONS)}")
    projects.get_project(project_id)
    run_id = claim_run(project_id, link, trigger)
    if run_id is None:
        return None
    from sync import central  # pyodk (and pydantic) load only in a process that syncs

    remote = central.connect(link.remote, link.username, password, link.remote_project,
                             purpose=f"sync {link.direction} of project {project_id}")
    submitter = Submitter(staff_id=actor.id if actor.kind == "staff" else None,
                          user_agent=f"sapat-sync {link.direction} {link.remote}"[:300])
    local = LocalEndpoint(project_id, actor, submitter)
    source, target = (remote, local) if link.direction == "pull" else (local, remote)
    result = Result()
    try:
        result = copy_project(source, target, LocalCursors(link.key(project_id)), list(link.forms) or None, progress)
    except BaseException:
        db.session.rollback()
        result.link_down = True
        result.fail(None, "run", "stopped by an unexpected error or an interruption (see the log)")
        raise
    finally:
        remote.close()
        finish_run(run_id, result, actor)
    return db.session.get(SyncRun, run_id)


def claim_run(project_id: int, link: Link, trigger: str) -> int | None:
    """A new ``running`` record, unless the link already has one: several workers never run one link at once."""
    with writing():  # SQLite: BEGIN IMMEDIATE serialises the check and the insert
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RUN_LOCK})
        now = utcnow()
        for running in db.session.scalars(select(SyncRun).where(
                SyncRun.project_id == project_id, SyncRun.direction == link.direction,
                SyncRun.remote == link.remote, SyncRun.status == "running")):
            if parse_time(running.started_at) > now - STALE_RUN:
                db.session.rollback()
                return None
            running.status, running.finished_at = "failed", now
            running.failures = [{"instanceId": None, "what": "run", "reason": "abandoned (the process stopped)"}]
        run = SyncRun(project_id=project_id, direction=link.direction, remote=link.remote, trigger=trigger,
                      status="running", counts={}, failures=[], started_at=now)
        db.session.add(run)
        db.session.flush()
        run_id = run.id  # read before the commit: afterwards it would open a new transaction (and lock)
        db.session.commit()
        return run_id


def finish_run(run_id: int, result: Result, actor: audit.Actor) -> None:
    with writing():
        run = db.session.get(SyncRun, run_id)
        run.status, run.counts, run.finished_at = result.status, dict(result.counts), utcnow()
        run.failures = result.failures[:MAX_FAILURES]
        audit.record("sync.run", actor, project_id=run.project_id, target=f"sync_run:{run.id}",
                     direction=run.direction, remote=run.remote, status=run.status, failures=len(result.failures),
                     **result.counts)
        db.session.commit()


def recent_runs(project_id: int, limit: int = 20) -> list[SyncRun]:
    return list(db.session.scalars(select(SyncRun).where(SyncRun.project_id == project_id)
                                   .order_by(SyncRun.id.desc()).limit(limit)))


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
