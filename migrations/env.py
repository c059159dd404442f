"""Alembic environment: runs inside ``server.storage.migrate`` with the app's connection."""
from alembic import context

from server.storage import db, load_models

load_models()
target_metadata = db.metadata
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
