"""Persistence: SQLAlchemy models, queries and the blob store. Only ``server`` imports it."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))

# SQLite: a transaction that reads and then writes fails at once ("database is locked")
# if another writer committed in between. Requests that will write therefore take the
# write lock up front (BEGIN IMMEDIATE) and wait for it instead; reads stay concurrent.
_write_intent: ContextVar[bool] = ContextVar("sapat_write_intent", default=False)


@contextmanager
def writing():
    """Mark the transactions opened inside as writers (matters on SQLite only)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool):
    return _write_intent.set(value)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def load_models() -> None:
    """Import every model module so the metadata knows all tables (for Alembic and tests)."""
    from . import audit, blobs, exports, forms, keys, projects, sampling, scoring, submissions, sync, users, web  # noqa: F401
