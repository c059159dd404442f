"""``sapat keys rotate``: a new data key version, everything re-sealed under it while the server runs."""
from __future__ import annotations

import time

import click

from server.services import rotation as rotation_service

from .main import Operator, in_app
from .security import keys_group


class _Progress:
    """Prints ``submission_defs.xml: 1200/5000`` to stderr: at most once a second, and each table's last line."""

    def __init__(self, every: float = 1.0):
        self.every, self.last = every, 0.0

    def __call__(self, what: str, done: int, total: int, last: bool) -> None:
        now = time.monotonic()
        if last or now - self.last >= self.every:
            click.echo(f"{what}: {done}/{total}", err=True)
            self.last = now


@keys_group.command("rotate")
@click.option("--project", "project_ref", default=None, help="Only this project's data key (id or exact name).")
@click.option("--all", "all_scopes", is_flag=True, help="Every project's and the system's data keys (the default).")
@click.option("--batch", type=click.IntRange(1, 10_000), default=200, show_default=True,
              help="Rows or files re-sealed per transaction.")
@in_app("key.manage")
def keys_rotate(op: Operator, project_ref, all_scopes, batch):
    """New data key versions; re-seal everything under them online; retire the old ones.

    New writes use the new version as soon as it exists. Re-sealing goes in batches, each
    committed on its own, so the server keeps running; if interrupted, run the command
    again to continue. An old version is destroyed only once nothing is sealed with it.
    """
    if project_ref and all_scopes:
        raise click.UsageError("give either --project or --all")
    scopes = rotation_service.rotation_scopes(op.project(project_ref).id if project_ref else None)
    if not scopes:
        click.echo("no data keys yet: nothing to rotate")
        return
    result = rotation_service.rotate_data_keys(scopes, op.actor, batch=batch, progress=_Progress())
    for scope in result.started:
        click.echo(f"{scope}: new data key version active")
    resealed = sum(result.resealed.values())
    click.echo(f"re-sealed {resealed} values and files in {result.passes} passes"
               + (f"; {result.conflicts} changed meanwhile and were re-read" if result.conflicts else ""))
    if result.missing_files:
        click.echo(f"warning: {result.missing_files} blob files are missing from the blob store", err=True)
    for key_id in result.retired:
        click.echo(f"data key {key_id} retired: its material is destroyed")
    if result.unsettled:
        raise click.ClickException("transactions older than the new key are still open, so no old key was "
                                   "retired: run 'sapat keys rotate' again")
    if not result.finished:
        raise click.ClickException(f"data keys {', '.join(map(str, result.pending))} are still in use after "
                                   f"{result.passes} passes (writes raced the rotation): "
                                   "run 'sapat keys rotate' again")
