"""Schema migrations with Alembic; the only way the schema is created or changed."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

from . import db


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade() -> None:
    """Bring the database of the current app up to the newest revision."""
    with db.engine.begin() as connection:
        command.upgrade(_config(connection), "head")


def downgrade_to_base(connection) -> None:
    """Remove every migrated table (used to empty a freshly initialised database before a restore)."""
    command.downgrade(_config(connection), "base")


def revision(message: str) -> None:
    """Autogenerate a new revision from the models (developer tool)."""
    with db.engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def current_revision() -> str | None:
    from alembic.runtime.migration import MigrationContext
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
