"""Sealing personal data where it is stored: values bound to table, column and row; files as streams.

Values are sealed with the project's active data key; what a ciphertext was made
for (table, column, row id) is its associated data, so a ciphertext copied to
another row or column does not open. Blind indexes (keyed MACs with the project's
index key) allow equality lookups without storing the value.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from io import BytesIO
from typing import BinaryIO

from .. import crypto
from ..storage import db
from ..storage.blobs import Blob, blob_store
from . import keys


def context(table: str, column: str, row_id: int) -> bytes:
    return f"{table}|{column}|{row_id}".encode()


def seal_value(project_id: int | None, table: str, column: str, row_id: int, plaintext: bytes) -> bytes:
    key_id, key = keys.current_key(keys.project_scope(project_id))
    return crypto.seal(key, key_id, plaintext, context(table, column, row_id))


def open_value(table: str, column: str, row_id: int, ciphertext: bytes) -> bytes:
    return crypto.open_sealed(keys.key_by_id, ciphertext, context(table, column, row_id))


def blind_index(project_id: int | None, kind: str, value: bytes) -> str:
    _, key = keys.current_key(keys.project_scope(project_id), "index")
    return crypto.mac(key, kind.encode() + b"|" + value)


def same_digest(a: str, b: str) -> bool:
    return crypto.same(a, b)


class _Measured:
    """A reader that feeds what passes through it to a keyed MAC (and MD5 when asked)."""

    def __init__(self, source: BinaryIO, mac_key: bytes, with_md5: bool):
        self.source = source
        self.mac = hmac.new(mac_key, b"file|", hashlib.sha256)
        self.md5 = hashlib.md5() if with_md5 else None

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.mac.update(chunk)
        if self.md5 is not None:
            self.md5.update(chunk)
        return chunk


def store_file(project_id: int | None, source: BinaryIO, content_type: str, *, limit: int | None = None,
               with_md5: bool = False) -> Blob:
    """Seal a stream into a new blob file, durably; the row is flushed, not committed.

    Raises ``ValueError`` when the stream is longer than ``limit``.
    """
    blob = Blob(project_id=project_id, path=blob_store().new_path(), size=0, digest="",
                content_type=content_type or "application/octet-stream")
    db.session.add(blob)
    db.session.flush()
    key_id, key = keys.current_key(keys.project_scope(project_id))
    _, index_key = keys.current_key(keys.project_scope(project_id), "index")
    measured = _Measured(source, index_key, with_md5)
    sizes = []
    blob_store().write(blob.path, lambda out: sizes.append(
        crypto.seal_stream(key, key_id, measured, out, context("blobs", "content", blob.id), limit)))
    blob.size, blob.digest = sizes[0], measured.mac.hexdigest()
    blob.md5 = measured.md5.hexdigest() if measured.md5 else None
    db.session.flush()
    return blob


def store_bytes(project_id: int | None, data: bytes, content_type: str, with_md5: bool = False) -> Blob:
    return store_file(project_id, BytesIO(data), content_type, with_md5=with_md5)


def open_file(blob: Blob) -> Iterator[bytes]:
    """The plaintext of a blob, chunk by chunk (each chunk checked before it is yielded)."""
    with blob_store().open(blob.path) as source:
        yield from crypto.open_stream(keys.key_by_id, source, context("blobs", "content", blob.id))


def read_file(blob: Blob) -> bytes:
    return b"".join(open_file(blob))


def file_key_id(blob: Blob) -> int:
    with blob_store().open(blob.path) as source:
        return crypto.key_id_of(source.read(8))


class ChunkReader:
    """``read(size)`` over an iterator of byte chunks, holding no more than one chunk."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks, self._chunk, self._at = iter(chunks), b"", 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise ValueError("read() needs a size: the stream is never held whole")
        parts = []
        while size > 0:
            if self._at == len(self._chunk):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._chunk, self._at = chunk, 0
                continue
            part = self._chunk[self._at:self._at + size]
            self._at += len(part)
            size -= len(part)
            parts.append(part)
        return b"".join(parts)

    def drain(self) -> None:
        for _ in self._chunks:
            pass
