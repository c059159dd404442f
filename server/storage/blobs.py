"""Content-addressed file store for form media and submission attachments.

A file is written to a temporary name, fsynced, renamed into place and its folder
fsynced *before* the database row that points at it is committed. A crash at any
moment therefore leaves either a committed row with a complete file, or an
unreferenced file that no row mentions (harmless), never a row without its file.
"""
from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from . import db

CHUNK = 1024 * 1024


class Blob(db.Model):
    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    md5: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(db.BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)


class BlobStore:
    """Files under ``root/ab/cd/<sha256>``; the ``Blob`` row is the only way to them."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, content_type: str, limit: int | None = None) -> Blob:
        """Store a stream durably and return its (possibly pre-existing) ``Blob`` row, not yet committed.

        Raises ``ValueError`` when the stream is longer than ``limit`` bytes.
        """
        tmp = self.tmp / uuid.uuid4().hex
        sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise ValueError(f"longer than {limit} bytes")
                    sha.update(chunk)
                    md5.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            final = self.path_of(sha.hexdigest())
            if final.exists():
                tmp.unlink()
            else:
                _make_dirs_durably(final.parent)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return _upsert_blob(sha.hexdigest(), md5.hexdigest(), size, content_type)

    def put_bytes(self, data: bytes, content_type: str) -> Blob:
        return self.put(io.BytesIO(data), content_type)

    def open(self, blob: Blob) -> BinaryIO:
        return open(self.path_of(blob.sha256), "rb")

    def read(self, blob: Blob) -> bytes:
        with self.open(blob) as fh:
            return fh.read()


def _upsert_blob(sha256: str, md5: str, size: int, content_type: str) -> Blob:
    """Insert the row unless a concurrent request already did; both get the same row."""
    values = {"sha256": sha256, "md5": md5, "size": size, "content_type": content_type}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))
    return db.session.scalars(select(Blob).where(Blob.sha256 == sha256)).one()


def _make_dirs_durably(folder: Path) -> None:
    """Create missing folders and fsync each parent so the new entries survive a crash."""
    if folder.is_dir():
        return
    _make_dirs_durably(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        return
    _fsync_dir(folder.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_store() -> BlobStore:
    """The application's store (set up by the application factory)."""
    from flask import current_app
    return current_app.extensions["sapat_blobs"]
