"""Whole-database snapshots, for "a refused request changed nothing" assertions."""
from __future__ import annotations

from sqlalchemy import select

from server.storage import db


def database_rows(world) -> dict[str, list[str]]:
    """Every row of every table."""
    return world.run(lambda: {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
                              for table in db.metadata.sorted_tables})
