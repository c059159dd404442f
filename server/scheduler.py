"""Scheduled syncs: an APScheduler background scheduler that runs the configured links on an interval.

Configured by ``SAPAT_SYNC_JOBS``, a JSON list (or a Python list in ``sapat.cfg``) of
``{"direction": "push", "remote": "https://hq.example.kg", "project": 1, "remote_project": 3,
"forms": ["lesson_observation"], "minutes": 30, "user": "station@example.kg",
"password_file": "/etc/sapat/hq-password"}``. The password is read from that file at
every run (never from the configuration itself); the file must not be readable by
group or others. The scheduler starts in a serving process with the first request
(never in a ``sapat`` command, which never serves one), and in the test app only when
``SAPAT_SYNC_SCHEDULER`` is true. Every gunicorn worker runs one; ``claim_run`` lets one
run of a link go at a time, and its record (``sync_runs``) is what staff see.
"""
from __future__ import annotations

import json
import logging
import stat
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from sync.endpoints import remote_url

from .services import audit
from .services.sync_local import DIRECTIONS, Link, run_link
from .storage import db
from .storage.sync import SyncRun

log = logging.getLogger("sapat.sync")
CONFIG_KEY = "SAPAT_SYNC_JOBS"
SCHEDULER = "sapat_scheduler"


@dataclass(frozen=True)
class Job:
    project_id: int
    link: Link
    minutes: int
    password_file: Path


def parse_jobs(raw) -> list[Job]:
    """The jobs of the configuration; a mistake names the job and the field and stops the start."""
    entries = json.loads(raw) if isinstance(raw, str) else (raw or [])
    if not isinstance(entries, list):
        raise ValueError(f"{CONFIG_KEY} must be a list of jobs")
    jobs = []
    for number, entry in enumerate(entries, 1):
        try:
            if entry["direction"] not in DIRECTIONS:
                raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
            link = Link(entry["direction"], remote_url(entry["remote"]), int(entry["remote_project"]),
                        str(entry["user"]), tuple(entry.get("forms") or ()))
            jobs.append(Job(int(entry["project"]), link, max(1, int(entry.get("minutes", 60))),
                            Path(entry["password_file"])))
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{CONFIG_KEY}, job {number}: {err!r}") from None
    return jobs


def read_password(path: Path) -> str:
    """The remote password from its file, which only the server's user may read."""
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path} must not be readable by group or others (chmod 600)")
    return path.read_text().strip()


def run_job(app: Flask, job: Job) -> SyncRun | None:
    """One scheduled run; problems are logged (never the password) and land in the run record."""
    with app.app_context():
        try:
            run = run_link(job.project_id, job.link, read_password(job.password_file), audit.SYSTEM, "schedule")
            if run is not None:
                log.info("sync %s %s: %s %s", job.link.direction, job.link.remote, run.status, run.counts)
            return run
        except Exception:  # noqa: BLE001 - a scheduler thread must survive any one run
            log.exception("scheduled sync %s %s failed", job.link.direction, job.link.remote)
            return None
        finally:
            db.session.remove()


def start(app: Flask) -> BackgroundScheduler:
    """Start the jobs now (each runs at once, then every ``minutes``)."""
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    for number, job in enumerate(parse_jobs(app.config.get(CONFIG_KEY)), 1):
        scheduler.add_job(run_job, "interval", args=(app, job), minutes=job.minutes, id=f"sync-{number}",
                          max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    app.extensions[SCHEDULER] = scheduler
    return scheduler


def init_app(app: Flask) -> None:
    """Arrange for the scheduler to start with this process's first request, when jobs are configured."""
    if not app.config.get(CONFIG_KEY) or (app.testing and not app.config.get("SAPAT_SYNC_SCHEDULER")):
        return
    parse_jobs(app.config[CONFIG_KEY])  # a configuration mistake stops the server at start, not later
    lock = threading.Lock()

    def start_once() -> None:
        if SCHEDULER not in app.extensions:
            with lock:
                if SCHEDULER not in app.extensions:
                    start(app)
    app.before_request(start_once)
