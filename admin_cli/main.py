"""The ``sapat`` command. Run from the project folder it uses the same ``./instance`` as ``make run``.

Every command that reads or changes data runs as a staff user and is held to the same
role matrix as the web pages: the user is named by ``SAPAT_USER`` (or asked for), the
password read from ``SAPAT_PASSWORD`` (or asked for without echo). Exceptions are the
operator's set-up steps on the host: ``init``, the first ``user create`` and ``demo``.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

import click
from flask import Flask

from server import create_app
from server.crypto import CryptoError
from server.problems import Problem
from server.services import audit, projects, staff_users
from server.storage import db, migrate, writing
from server.storage.projects import Project
from server.storage.users import StaffUser

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"


@dataclass
class Operator:
    """Who runs the command: the app, the authenticated staff user (if any) and the audit actor."""

    app: Flask
    user: StaffUser | None
    actor: audit.Actor

    def project(self, ref: str) -> Project:
        """A project by id or exact name, if this user may see it (as the web pages decide)."""
        project = projects.find_project(ref)
        if self.user is not None and not staff_users.may_see_project(self.user, project.id):
            raise Problem("404.1", "Could not find the resource you were looking for.")
        return project

    @property
    def public_url(self) -> str:
        return self.app.config["SAPAT_PUBLIC_URL"] or DEFAULT_PUBLIC_URL


def in_app(verb: str | None, bootstrap=None):
    """Run the command as one transaction, as an authenticated user allowed ``verb``.

    The transaction always writes (signing in is audited), so on SQLite it takes the write
    lock up front and waits for a busy server instead of failing. ``bootstrap()`` (inside
    the app) may return True to let a set-up step run without a user.
    """
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            app = create_app()
            with app.app_context(), writing():
                try:
                    operator = _operator(app, verb, bootstrap)
                    result = func(operator, *args, **kwargs)
                    db.session.commit()
                    return result
                except Problem as problem:
                    if problem.keep_changes:
                        db.session.commit()  # a failed login still counts and is audited
                    else:
                        db.session.rollback()
                    raise click.ClickException(f"{problem.message} ({problem.code})") from None
                except CryptoError as err:
                    db.session.rollback()
                    raise click.ClickException(f"encrypted data could not be opened: {err}") from None
        return wrapper
    return decorate


def _operator(app: Flask, verb: str | None, bootstrap) -> Operator:
    if verb is None or (bootstrap is not None and bootstrap()):
        return Operator(app, None, audit.Actor("cli"))
    email = os.environ.get("SAPAT_USER") or click.prompt("Staff e-mail")
    password = os.environ.get("SAPAT_PASSWORD") or getpass.getpass("Password: ")
    user = staff_users.check_password(email, password, "cli")
    staff_users.require(user, verb)
    return Operator(app, user, audit.Actor("staff", user.id))


def private_file(path: Path, write) -> Path:
    """Write a file only its owner may read (``write(handle)`` fills it); returns its absolute path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        write(handle)
    return path.resolve()


@click.group()
def main():
    """Sapat collection server administration."""


@main.command()
def init():
    """Create or upgrade the database schema and create the master key file if there is none."""
    from server.services import keys
    app = create_app()
    with app.app_context():
        created = keys.init_master_key(app)
        if created:
            click.echo(f"master key created: {created} (keep a copy offline: backups need it)")
        migrate.upgrade()
        click.echo(f"database at revision {migrate.current_revision()}")


from . import backups, data, exports, rotation, sampling, scoring, security, sync, web  # noqa: E402,F401  - they add their commands to ``main``
