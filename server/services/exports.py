"""Dataset exports as background jobs: requested, run with progress, stored sealed, downloaded with an audit.

An anonymized export is for analysts and data managers; a raw one (personal data)
only for a role that may export it, with a stated purpose, and both the request and
every download are written to the audit log. The job's zip is sealed like any file;
while it is built, rows wait in scratch files encrypted under an in-memory key.
Progress is written on a separate short connection, so a long export never holds
the database's write lock (tablets keep submitting).
"""
from __future__ import annotations

import io
import logging
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from anonymizer import Policy, PolicyError, load_policy

from .. import crypto, problems
from ..crypto import EphemeralFile
from ..storage import db, set_write_intent, writing
from ..storage.base import utcnow
from ..storage.blobs import Blob
from ..storage.exports import ExportJob
from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.users import StaffUser
from . import audit, keys, participants, sealing, staff_users, weighting
from .dataset_export import FORMATS, LANGUAGES, DatasetOptions, write_dataset
from .submission_records import feed_for

log = logging.getLogger("sapat.exports")
MIN_PURPOSE = 10
PROGRESS_SECONDS = 1.0
STALE_SECONDS = 6 * 3600     # a job "running" longer than this was cut short (its worker stopped)


def project_policy(project: Project, text: bytes | None = None) -> Policy:
    """The policy given, else the project's reviewed file ``instance/policies/project-<id>.toml``, else the default."""
    if text is None:
        path = Path(current_app.instance_path) / "policies" / f"project-{project.id}.toml"
        if not path.exists():
            return Policy()
        text = path.read_bytes()
    try:
        return load_policy(text)
    except PolicyError as err:
        raise problems.invalid_policy(str(err)) from None


def pseudonym_key(project: Project, policy: Policy) -> bytes:
    """The key of this cycle's pseudonyms (or of every cycle's, for panels); it never leaves the server."""
    _, secret = keys.current_key(keys.SYSTEM, "pseudonym")
    scope = "panel" if policy.pseudonyms == "panel" else f"cycle/{project.id}"
    return crypto.derive_key(secret, f"pseudonyms/{scope}")


def known_names(project: Project) -> tuple[str, ...]:
    """Names the free-text scrubber looks for besides each record's own: the staff and the cycle's rosters
    (opened in memory only, for the export's lifetime)."""
    return tuple(db.session.scalars(select(StaffUser.display_name))) + participants.roster_names(project)


def dataset_options(project: Project, anonymized: bool, formats, language: str, policy: Policy,
                    folder: str = "") -> DatasetOptions:
    return DatasetOptions(anonymized=anonymized, formats=tuple(formats), language=language, policy=policy,
                          pseudonym_key=pseudonym_key(project, policy) if anonymized else b"",
                          known_names=known_names(project) if anonymized else (), folder=folder)


def request_export(form: Form, user: StaffUser, kind: str, formats, language: str, purpose: str | None,
                   actor: audit.Actor) -> ExportJob:
    """A queued job; raw exports need ``export.raw`` and a purpose of at least 10 characters."""
    if kind not in ("anonymized", "raw"):
        raise problems.invalid_data("kind", "expected anonymized or raw")
    staff_users.require(user, "export.raw" if kind == "raw" else "export.anonymized")
    requested = list(formats or FORMATS)
    if any(f not in FORMATS for f in requested):
        raise problems.invalid_data("formats", f"choose from {', '.join(FORMATS)}")
    formats = [f for f in FORMATS if f in requested]
    if language not in LANGUAGES:
        raise problems.invalid_data("language", f"expected one of {', '.join(LANGUAGES)}")
    purpose = (purpose or "").strip() or None
    if kind == "raw" and len(purpose or "") < MIN_PURPOSE:
        raise problems.purpose_required()
    if form.current_def_id is None:
        raise problems.invalid_data("form", "the form has no published version")
    job = ExportJob(project_id=form.project_id, form_id=form.id, kind=kind, formats=formats, language=language,
                    purpose=purpose if kind == "raw" else None, requested_by=user.id)
    db.session.add(job)
    db.session.flush()
    audit.record("export.request", actor, project_id=form.project_id, target=f"export:{job.id}",
                 purpose=job.purpose, kind=kind, form=form.xml_form_id, formats=formats)
    return job


def run_export(job_id: int, progress: Callable[[int, int], None] | None = None) -> ExportJob:
    """Build the job's zip (committing as it goes); a failure is recorded on the job and raised."""
    with writing():
        job = db.session.get(ExportJob, job_id)
        job.status, job.started_at = "running", utcnow()
        db.session.commit()
    try:
        with writing():  # keys may be created on first use: before the long read, not during it
            project = db.session.get(Project, job.project_id)
            options = dataset_options(project, job.kind == "anonymized", job.formats, job.language,
                                      project_policy(project) if job.kind == "anonymized" else Policy())
            db.session.commit()
        set_write_intent(False)  # the passes only read: on SQLite they must not hold the write lock
        form = db.session.get(Form, job.form_id)
        scratch = io.BufferedRandom(EphemeralFile())
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            options.weights = weighting.submission_weights(form)
            summary = write_dataset(archive, feed_for(form), form.current_def, options, _reporter(job_id, progress))
        xml_form_id = form.xml_form_id
        db.session.commit()
        scratch.seek(0)
        with writing():
            job = db.session.get(ExportJob, job_id)
            blob = sealing.store_file(job.project_id, scratch, "application/zip")
            job.blob_id, job.status, job.finished_at = blob.id, "done", utcnow()
            job.file_name = f"{xml_form_id}-{job.kind}-{job.id}.zip"
            job.summary = _short(summary)
            db.session.commit()
        scratch.close()
        return job
    except Exception as err:
        db.session.rollback()
        with writing():
            job = db.session.get(ExportJob, job_id)
            job.status, job.finished_at = "failed", utcnow()
            job.error = err.message if isinstance(err, problems.Problem) else "the export failed; see the server log"
            db.session.commit()
        raise


def _short(summary: dict) -> dict:
    """What the job page shows: rows per table, files, and per table the k reached and records removed."""
    risk = summary.get("risk") or {}
    return {"submissions": summary["submissions"], "rows": summary["rows"], "files": summary["files"],
            "truncations": summary["truncations"],
            "k_reached": {t: r["k_reached"] for t, r in risk.items()},
            "records_removed": {t: r["records_removed"] for t, r in risk.items()}}


def _reporter(job_id: int, progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    last = {"at": 0.0}

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        now = time.monotonic()
        if now - last["at"] >= PROGRESS_SECONDS or done == total:
            last["at"] = now
            with db.engine.begin() as connection:
                connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(done=done, total=total))
    return report


def start_in_background(app, job_id: int) -> None:
    """Run the job in a thread of this worker, with its own application context and session."""
    def run() -> None:
        with app.app_context():
            try:
                run_export(job_id)
            except Exception:  # noqa: BLE001 - recorded on the job; the stack goes to the log once
                log.exception("export %s failed", job_id)
            finally:
                db.session.remove()
    threading.Thread(target=run, name=f"sapat-export-{job_id}", daemon=True).start()


def list_exports(project: Project, limit: int = 20) -> list[ExportJob]:
    return list(db.session.scalars(select(ExportJob).where(ExportJob.project_id == project.id)
                                   .order_by(ExportJob.id.desc()).limit(limit)))


def interrupted(job: ExportJob) -> bool:
    started = job.started_at
    if job.status != "running" or started is None:
        return False
    started = started if started.tzinfo else started.replace(tzinfo=utcnow().tzinfo)
    return (utcnow() - started).total_seconds() > STALE_SECONDS


def get_export(project: Project, job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.project_id != project.id:
        raise problems.not_found()
    return job


def open_export(job: ExportJob, user: StaffUser, actor: audit.Actor) -> Blob:
    """The job's zip (a sealed blob); the download is audited (with the purpose of a raw export)."""
    staff_users.require(user, "export.raw" if job.kind == "raw" else "export.anonymized")
    if job.status != "done" or job.blob is None:
        raise problems.export_not_ready("interrupted" if interrupted(job) else job.status)
    audit.record("export.download", actor, project_id=job.project_id, target=f"export:{job.id}",
                 purpose=job.purpose, kind=job.kind)
    return job.blob
