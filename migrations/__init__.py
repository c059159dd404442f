"""Alembic migrations of Sapat's schema (SQLite and PostgreSQL alike)."""
