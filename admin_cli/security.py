"""Commands for keys and the audit log (administrators only)."""
from __future__ import annotations

import click

from server import crypto
from server.services import audit, keys

from .main import Operator, in_app, main


@main.group("keys")
def keys_group():
    """The master key and the data keys it wraps."""


@keys_group.command("init")
def keys_init():
    """Create the master key file (mode 0600) unless one exists or SAPAT_MASTER_KEY is set."""
    from server import create_app
    app = create_app()
    created = keys.init_master_key(app)
    click.echo(f"master key created: {created}" if created else "a master key is already configured")


@keys_group.command("list")
@in_app("key.manage")
def keys_list(op: Operator):
    """Every data key: scope, purpose, version, state, and the master key version wrapping it."""
    for row in keys.list_keys():
        click.echo(f"{row.id}\t{row.scope}\t{row.purpose}\tv{row.version}\t{row.status}\t{row.kek_id}")


@keys_group.command("rotate-master")
@in_app("key.manage")
def keys_rotate_master(op: Operator):
    """A new master key version; every data key is re-wrapped with it, the old version stays in the file."""
    path = keys.master_key_path(op.app)
    if op.app.config.get("SAPAT_MASTER_KEY"):
        raise click.ClickException("the master key comes from SAPAT_MASTER_KEY: rotate it where it is kept")
    new = crypto.add_master_key(keys.master_keys())
    count = keys.rewrap_all(new)
    crypto.write_master_keys(path, new)  # written before commit: the old version remains in it
    op.app.extensions["sapat_master_keys"] = new
    audit.record("key.rotate_master", op.actor, kek=new.current, rewrapped=count)
    click.echo(f"master key {new.current} is current; {count} data keys re-wrapped")


@main.group("audit")
def audit_group():
    """The tamper-evident audit log."""


@audit_group.command("verify")
@in_app("audit.read")
def audit_verify(op: Operator):
    """Check the whole chain; exit 1 naming the first entry that was altered, removed or reordered."""
    result = audit.verify()
    if not result.ok:
        raise click.ClickException(f"audit log broken at entry {result.first_bad_id}: {result.reason} "
                                   f"({result.entries} entries before it verified)")
    click.echo(f"audit log intact: {result.entries} entries verified")


@audit_group.command("list")
@click.option("--project", "project_id", type=int, default=None)
@click.option("--limit", type=int, default=50)
@in_app("audit.read")
def audit_list(op: Operator, project_id, limit):
    """The newest entries: time, actor, action, project, target, purpose."""
    for entry in audit.entries(project_id, limit):
        click.echo(f"{entry.id}\t{entry.at.isoformat()}\t{entry.actor_kind}:{entry.actor_id or '-'}\t"
                   f"{entry.action}\t{entry.project_id or '-'}\t{entry.target or '-'}\t{entry.purpose or '-'}")
