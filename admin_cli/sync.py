"""``sapat sync pull | push | status``: copying to and from another Central-compatible server.

The remote account is named by ``--user`` or ``SAPAT_SYNC_USER``; its password comes
from ``SAPAT_SYNC_PASSWORD``, standard input (``--password-stdin``) or is asked for
without echo, never from the command line.
Progress goes to standard error, the summary to standard output; the exit status is 1
when anything could not be copied (run the same command again: it resumes).
"""
from __future__ import annotations

import getpass
import os
import sys

import click

from server.services import sync_local
from server.storage import db
from sync.endpoints import remote_url

from .main import Operator, in_app, main

PROGRESS_EVERY = 25


@main.group("sync")
def sync_group():
    """Copy forms and submissions from and to another Sapat or ODK Central."""


def _options(direction_flag: str):
    def decorate(func):
        for option in reversed([
            click.option(direction_flag, "remote", required=True, help="Base URL of the other server."),
            click.option("--project", "project_ref", required=True, help="Local project id or exact name."),
            click.option("--remote-project", type=int, default=None,
                         help="Project id on the other server (default: the local project's id)."),
            click.option("--forms", "form_ids", default="", help="Comma-separated xmlFormIds (default: all)."),
            click.option("--user", "username", default=None, help="Account on the other server "
                                                                  "(default: $SAPAT_SYNC_USER)."),
            click.option("--password-stdin", is_flag=True, help="Read that account's password from standard "
                                                                "input (default: $SAPAT_SYNC_PASSWORD, or ask)."),
        ]):
            func = option(func)
        return func
    return decorate


def _run(op: Operator, direction: str, remote, project_ref, remote_project, form_ids, username,
         password_stdin) -> None:
    project = op.project(project_ref)
    try:
        url = remote_url(remote)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    username = username or os.environ.get("SAPAT_SYNC_USER") or click.prompt(f"Account on {url}")
    password = (sys.stdin.readline().rstrip("\n") if password_stdin else os.environ.get("SAPAT_SYNC_PASSWORD")
                or getpass.getpass(f"Password for {username} on {url}: "))
    link = sync_local.Link(direction, url, remote_project or project.id, username,
                           tuple(f.strip() for f in form_ids.split(",") if f.strip()))
    db.session.commit()  # end the sign-in transaction: the copy commits step by step
    run = sync_local.run_link(project.id, link, password, op.actor, "cli", progress=_progress)
    if run is None:
        raise click.ClickException(f"a {direction} with {url} for project {project.id} is already running")
    counts = ", ".join(f"{name} {value}" for name, value in run.counts.items())
    click.echo(f"{direction} {url} project {link.remote_project} {'->' if direction == 'pull' else '<-'} "
               f"local project {project.id}: {run.status} ({counts})")
    for failure in run.failures:
        click.echo(f"not copied: {failure['instanceId'] or '-'}\t{failure['what']}\t{failure['reason']}")
    if run.status != "ok":
        raise click.ClickException(f"{len(run.failures)} thing(s) could not be copied; run the command again "
                                   f"to resume")


def _progress(xml_form_id: str, done: int, total: int) -> None:
    if done == total or done % PROGRESS_EVERY == 0:
        click.echo(f"{xml_form_id}: {done}/{total} submissions", err=True)


@sync_group.command("pull")
@_options("--from")
@in_app("form.manage")
def sync_pull(op: Operator, **options):
    """Copy forms and submissions (versions, files, review states) from another server into a local project."""
    _run(op, "pull", **options)


@sync_group.command("push")
@_options("--to")
@in_app("personal.read")
def sync_push(op: Operator, **options):
    """Send a local project's forms and new submissions up to another server (a field station to HQ)."""
    _run(op, "push", **options)


@sync_group.command("status")
@click.option("--project", "project_ref", required=True, help="Local project id or exact name.")
@click.option("--limit", type=int, default=10)
@in_app("project.read")
def sync_status(op: Operator, project_ref, limit):
    """The latest runs of a project's syncs: when, which way, with which server, what they copied."""
    for run in sync_local.recent_runs(op.project(project_ref).id, limit):
        counts = ", ".join(f"{name} {value}" for name, value in run.counts.items())
        finished = run.finished_at.isoformat() if run.finished_at else "-"
        click.echo(f"{run.id}\t{run.started_at.isoformat()}\t{finished}\t{run.trigger}\t{run.direction}\t"
                   f"{run.remote}\t{run.status}\t{len(run.failures)} not copied\t{counts}")
