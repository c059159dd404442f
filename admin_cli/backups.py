"""``sapat backup`` and ``sapat restore``: one encrypted archive of the database and every stored file."""
from __future__ import annotations

from pathlib import Path

import click

from server import create_app
from server.crypto import CryptoError
from server.services import backups, keys
from server.storage import db, writing

from .main import Operator, in_app, main

KEY_NOTE = ("The archive holds encrypted files and data keys wrapped by the master key: it can only be restored "
            "with a copy of the master key file ({path}, version {version}). Keep that copy offline, apart from "
            "the backups.")


@main.command("backup")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the archive (default: instance/backups/sapat-<UTC time>.sbk).")
@in_app("backup.manage")
def backup_command(op: Operator, out):
    """Write one encrypted, consistent archive of the database and every stored file (mode 0600).

    The archive can only be restored with this installation's master key file
    (instance/keys/master.json): keep a copy of it offline, apart from the backups.
    """
    db.session.commit()  # end the sign-in transaction: a long backup must not hold SQLite's write lock
    try:
        summary = backups.create_backup(out or backups.default_path(Path(op.app.instance_path)), op.actor)
    except backups.BackupError as err:
        raise click.ClickException(str(err)) from None
    rows = sum(count for name, count in summary.tables.items() if name != "alembic_version")
    click.echo(f"backup written: {summary.path} ({summary.size} bytes; {rows} rows, {summary.blobs} files)")
    click.echo(KEY_NOTE.format(path=keys.master_key_path(op.app), version=summary.master_key))


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking for confirmation.")
def restore_command(archive, yes):
    """Restore an archive of 'sapat backup' into this instance's new, empty database.

    Needs no staff login (an empty database has no users), but a copy of the master key file
    of the installation that made the backup at instance/keys/master.json. Stop the server
    first. A backup of an older schema is brought up to date afterwards.
    """
    app = create_app()
    with app.app_context(), writing():
        if not yes:
            click.confirm(f"Restore {archive} into {backups.describe_target()} and the files under "
                          f"{Path(app.instance_path) / 'blobs'}?", abort=True)
        try:
            summary = backups.restore_backup(archive)
            db.session.commit()
        except backups.BackupError as err:
            db.session.rollback()
            raise click.ClickException(str(err)) from None
        except CryptoError as err:
            db.session.rollback()
            raise click.ClickException(f"encrypted data could not be opened: {err}") from None
    rows = sum(count for name, count in summary.tables.items() if name != "alembic_version")
    click.echo(f"restored the backup of {summary.created_at}: {rows} rows, {summary.blobs} files; "
               f"schema {summary.schema_revision} upgraded to {summary.revision_now}")
