"""The ``sapat`` command. Run from the project folder it uses the same ``./instance`` as ``make run``."""
from __future__ import annotations

import getpass
import sys
from contextlib import nullcontext
from functools import wraps
from pathlib import Path

import click

from server import create_app
from server.problems import Problem
from server.services import app_users, demo, forms as form_service, projects, staff_users, submissions
from server.storage import db, migrate, writing

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"


def in_app(write: bool = True):
    """Run the command inside an app context as one transaction; problems become clean errors."""
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            app = create_app()
            with app.app_context(), writing() if write else nullcontext():
                try:
                    result = func(app, *args, **kwargs)
                    db.session.commit()
                    return result
                except Problem as problem:
                    db.session.rollback()
                    raise click.ClickException(f"{problem.message} ({problem.code})") from None
        return wrapper
    return decorate


def public_url(app) -> str:
    return app.config["SAPAT_PUBLIC_URL"] or DEFAULT_PUBLIC_URL


@click.group()
def main():
    """Sapat collection server administration."""


@main.command()
def init():
    """Create or upgrade the database schema (safe to run again)."""
    app = create_app()
    with app.app_context():
        migrate.upgrade()
        click.echo(f"database at revision {migrate.current_revision()}")


@main.group()
def user():
    """Staff users."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(staff_users.PERMISSIONS), required=True)
@click.option("--name", "display_name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@in_app()
def user_create(app, email, role, display_name, password_stdin):
    """Create a staff user; the password is asked for (or read from stdin)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    created = staff_users.create_user(email, password, role, display_name)
    click.echo(f"created {created.email} ({created.role})")


@main.group()
def project():
    """Monitoring cycles (projects)."""


@project.command("create")
@click.argument("name")
@click.option("--year", type=int, required=True)
@click.option("--stage", type=click.Choice(["pilot", "main"]), default="main")
@in_app()
def project_create(app, name, year, stage):
    created = projects.create_project(name, year, stage)
    click.echo(f"project {created.id}: {created.name}")


@project.command("list")
@in_app(write=False)
def project_list(app):
    for item in projects.list_projects():
        click.echo(f"{item.id}\t{item.year}\t{item.stage}\t{item.status}\t{item.name}")


@main.group()
def form():
    """Forms."""


@form.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@in_app()
def form_publish(app, path, project_ref):
    """Upload an XLSForm or XForm and publish it as a new version."""
    target = projects.find_project(project_ref)
    published = form_service.publish_upload(target, path.read_bytes(), path.name)
    definition = published.current_def
    click.echo(f"published {published.xml_form_id} version {definition.version} in project {target.id}")


@main.group("app-user")
def app_user():
    """App users (tablets with ODK Collect)."""


@app_user.command("create")
@click.argument("name")
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@click.option("--forms", "form_ids", default="", help="Comma-separated form ids to assign.")
@click.option("--qr", "qr_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the QR code PNG (default: instance/qr/).")
@in_app()
def app_user_create(app, name, project_ref, form_ids, qr_path):
    """Create an app user; print its Collect server URL and write its QR code."""
    target = projects.find_project(project_ref)
    assigned = [form_service.get_form(target, f.strip()) for f in form_ids.split(",") if f.strip()]
    created = app_users.create_app_user(target, name, assigned)
    url, path = _collect_details(app, created, target, qr_path)
    click.echo(f"app user {created.id}: {created.display_name}")
    click.echo(f"QR code: {path}")
    click.echo(f"Collect server URL: {url}")


def _collect_details(app, created, target, qr_path: Path | None = None):
    settings = app_users.collect_settings(public_url(app), created, target)
    path = qr_path or Path(app.instance_path) / "qr" / f"project-{target.id}-app-user-{created.id}.png"
    app_users.write_qr_png(settings, path)
    return settings["general"]["server_url"], path.resolve()


@main.group("submissions")
def submissions_group():
    """Submissions."""


@submissions_group.command("list")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--limit", type=int, default=100)
@in_app(write=False)
def submissions_list(app, project_ref, xml_form_id, limit):
    """One line per submission: instanceID, received, review state, attachments present/expected."""
    target_form = form_service.get_form(projects.find_project(project_ref), xml_form_id)
    click.echo(f"{submissions.count_submissions(target_form)} submissions")
    for item in submissions.list_submissions(target_form, limit=limit):
        version = submissions.current_version(item)
        present = sum(1 for a in version.attachments if a.blob_id is not None)
        click.echo(f"{item.instance_id}\t{item.created_at.isoformat()}\t{item.review_state}\t"
                   f"{present}/{len(version.attachments)}")


@main.command("demo")
@in_app()
def demo_command(app):
    """Set up (or find) the demo monitoring cycle and print where to go."""
    if migrate.current_revision() is None:
        raise click.ClickException("run 'sapat init' first")
    seeded = demo.seed_demo(Path(app.instance_path))
    tablet = app_users.get_app_user(seeded.project, seeded.app_user_id)
    url, path = _collect_details(app, tablet, seeded.project)
    base = public_url(app)
    click.echo(f"Staff pages:        {base}/  (login {seeded.email} / {seeded.password})")
    click.echo(f"Project:            {seeded.project.id} {seeded.project.name}")
    click.echo(f"Collect server URL: {url}")
    click.echo(f"Collect QR code:    {path}")


if __name__ == "__main__":
    main()
