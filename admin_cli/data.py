"""Commands over the monitoring's data: users, projects, forms, app users, submissions, the demo."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from server.services import app_users, demo, forms as form_service, projects, staff_users, submissions
from server.services import web_questionnaires as web
from server.storage import migrate

from .main import Operator, in_app, main


def _no_users_yet() -> bool:
    return staff_users.count_users() == 0


@main.group()
def user():
    """Staff users."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(staff_users.PERMISSIONS), required=True)
@click.option("--name", "display_name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the new user's password from standard input.")
@in_app("user.manage", bootstrap=_no_users_yet)
def user_create(op: Operator, email, role, display_name, password_stdin):
    """Create a staff user (the very first one needs no login: it bootstraps the installation)."""
    password = (sys.stdin.readline().rstrip("\n") if password_stdin
                else click.prompt("New user's password", hide_input=True, confirmation_prompt=True))
    created = staff_users.create_user(email, password, role, display_name, actor=op.actor)
    click.echo(f"created {created.email} ({created.role})")


def _staff_user(email: str):
    target = staff_users.find_user(email)
    if target is None:
        raise click.ClickException(f"no staff user {email}")
    return target


@user.command("grant")
@click.argument("email")
@click.option("--project", "project_ref", required=True)
@in_app("user.manage")
def user_grant(op: Operator, email, project_ref):
    """Let a non-administrator see a project."""
    target = _staff_user(email)
    staff_users.grant_project(target, op.project(project_ref).id, op.actor)
    click.echo(f"{target.email} may now see project {project_ref}")


@user.command("revoke")
@click.argument("email")
@click.option("--project", "project_ref", required=True)
@in_app("user.manage")
def user_revoke(op: Operator, email, project_ref):
    """Take a project away from a non-administrator."""
    target = _staff_user(email)
    staff_users.revoke_project(target, op.project(project_ref).id, op.actor)
    click.echo(f"{target.email} may no longer see project {project_ref}")


@user.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(staff_users.PERMISSIONS))
@in_app("user.manage")
def user_role(op: Operator, email, role):
    """Change a staff user's role (audited with the old and the new role)."""
    target = _staff_user(email)
    staff_users.set_role(target, role, op.actor)
    click.echo(f"{target.email} is now {role}")


@main.group()
def project():
    """Monitoring cycles (projects)."""


@project.command("create")
@click.argument("name")
@click.option("--year", type=int, required=True)
@click.option("--stage", type=click.Choice(["pilot", "main"]), default="main")
@in_app("project.create")
def project_create(op: Operator, name, year, stage):
    created = projects.create_project(name, year, stage, actor=op.actor)
    click.echo(f"project {created.id}: {created.name}")


@project.command("status")
@click.argument("project_ref")
@click.argument("status", type=click.Choice(["open", "archived"]))
@in_app("project.manage")
def project_status(op: Operator, project_ref, status):
    """Archive a monitoring cycle (no form list, no submissions) or open it again."""
    target = projects.set_status(op.project(project_ref), status, actor=op.actor)
    click.echo(f"project {target.id} is {target.status}")


@project.command("list")
@in_app("project.read")
def project_list(op: Operator):
    for item in projects.list_projects(op.user):
        click.echo(f"{item.id}\t{item.year}\t{item.stage}\t{item.status}\t{item.name}")


@main.group()
def form():
    """Forms."""


@form.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@in_app("form.manage")
def form_publish(op: Operator, path, project_ref):
    """Upload an XLSForm or XForm and publish it as a new version."""
    target = op.project(project_ref)
    published = form_service.publish_upload(target, path.read_bytes(), path.name, actor=op.actor)
    click.echo(f"published {published.xml_form_id} version {published.current_def.version} in project {target.id}")


@main.group("app-user")
def app_user():
    """App users (tablets with ODK Collect)."""


@app_user.command("create")
@click.argument("name")
@click.option("--project", "project_ref", required=True, help="Project id or exact name.")
@click.option("--forms", "form_ids", default="", help="Comma-separated form ids to assign.")
@click.option("--qr", "qr_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the QR code PNG (default: instance/qr/).")
@in_app("app_user.manage")
def app_user_create(op: Operator, name, project_ref, form_ids, qr_path):
    """Create an app user; print its Collect server URL and write its QR code."""
    target = op.project(project_ref)
    assigned = [form_service.get_form(target, f.strip()) for f in form_ids.split(",") if f.strip()]
    created = app_users.create_app_user(target, name, assigned, actor=op.actor)
    url, path = _collect_details(op, created, target, qr_path)
    click.echo(f"app user {created.id}: {created.display_name}")
    click.echo(f"QR code: {path}")
    click.echo(f"Collect server URL: {url}")


def _collect_details(op: Operator, created, target, qr_path: Path | None = None):
    settings = app_users.collect_settings(op.public_url, created, target)
    path = qr_path or Path(op.app.instance_path) / "qr" / f"project-{target.id}-app-user-{created.id}.png"
    app_users.write_qr_png(settings, path)
    return settings["general"]["server_url"], path.resolve()


@main.group("submissions")
def submissions_group():
    """Submissions."""


@submissions_group.command("list")
@click.option("--project", "project_ref", required=True)
@click.option("--form", "xml_form_id", required=True)
@click.option("--limit", type=int, default=100)
@in_app("submission.read")
def submissions_list(op: Operator, project_ref, xml_form_id, limit):
    """One line per submission: instanceID, received, review state, attachments present/expected."""
    target_form = form_service.get_form(op.project(project_ref), xml_form_id)
    click.echo(f"{submissions.count_submissions(target_form)} submissions")
    for item in submissions.list_submissions(target_form, limit=limit):
        version = submissions.current_version(item)
        present = sum(1 for a in version.attachments if a.blob_id is not None)
        click.echo(f"{item.instance_id}\t{item.created_at.isoformat()}\t{item.review_state}\t"
                   f"{present}/{len(version.attachments)}")


@main.command("demo")
@in_app(None)
def demo_command(op: Operator):
    """Set up (or find) the demo monitoring cycle and print where to go (a local set-up step)."""
    if migrate.current_revision() is None:
        raise click.ClickException("run 'sapat init' first")
    seeded = demo.seed_demo(Path(op.app.instance_path))
    tablet = app_users.get_app_user(seeded.project, seeded.app_user_id)
    url, path = _collect_details(op, tablet, seeded.project)
    click.echo(f"Staff pages:        {op.public_url}/  (login {seeded.email} / {seeded.password})")
    click.echo(f"Project:            {seeded.project.id} {seeded.project.name}")
    click.echo(f"Sample, coverage:   {op.public_url}/projects/{seeded.project.id}/sample  (a generated frame)")
    click.echo(f"Web questionnaire:  {web.link_url(op.public_url, seeded.web_link_token)}  "
               "(school-level link, student questionnaire)")
    click.echo(f"API (pyodk, OData): {op.public_url}/v1  (base_url {op.public_url}, same login)")
    click.echo(f"Collect server URL: {url}")
    click.echo(f"Collect QR code:    {path}")
