"""Files (form media, submission attachments) in a folder, always sealed, one file per row.

A file is written to a temporary name, fsynced, renamed into place and its folder
fsynced *before* the database row that points at it is committed. A crash at any
moment therefore leaves either a committed row with a complete file, or a file no
row mentions (harmless), never a row without its file. What is written is already
ciphertext (``server.services.sealing`` seals it); this module only moves bytes.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .base import created_at


class Blob(db.Model):
    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    path: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)  # random, says nothing
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # MD5 of the plaintext, kept only for form media: OpenRosa manifests must carry it.
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # keyed MAC of the plaintext
    content_type: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = created_at()


class BlobStore:
    """Files under ``root/ab/<random name>``; only ``Blob.path`` leads to one."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def new_path() -> str:
        name = uuid.uuid4().hex
        return f"{name[:2]}/{name}"

    def full_path(self, relative: str) -> Path:
        return self.root / relative

    def write(self, relative: str, fill: Callable[[BinaryIO], None]) -> None:
        """Create the file durably: ``fill`` writes its content into a temporary file first."""
        tmp = self.tmp / uuid.uuid4().hex
        try:
            with open(tmp, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            final = self.full_path(relative)
            _make_dirs_durably(final.parent)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def open(self, relative: str) -> BinaryIO:
        return open(self.full_path(relative), "rb")

    def remove(self, relative: str) -> None:
        self.full_path(relative).unlink(missing_ok=True)


def _make_dirs_durably(folder: Path) -> None:
    """Create missing folders and fsync each parent so the new entries survive a crash."""
    if folder.is_dir():
        return
    _make_dirs_durably(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        return
    fsync_dir(folder.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_store() -> BlobStore:
    """The application's store (set up by the application factory)."""
    from flask import current_app
    return current_app.extensions["sapat_blobs"]
