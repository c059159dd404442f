"""The only module that imports ``cryptography``: a handful of operations, one exception.

Envelope encryption: a key-encryption key (KEK) kept outside the database wraps
per-project data keys; data keys seal values and files with AES-256-GCM. Every
ciphertext starts with a header naming the key that made it (so keys can rotate)
and is bound by associated data to where it belongs (table, column, row), so a
ciphertext moved to another row, or a header altered, fails to open.

Formats
- value: ``SPV1 | key id (4 bytes) | nonce (12) | AES-GCM(ciphertext ‖ tag)``,
  associated data = header ‖ caller's context.
- stream (files, backups): ``SPS1 | key id (4) | nonce prefix (8)`` then chunks of
  64 KiB plaintext, each sealed with nonce = prefix ‖ counter and associated data
  = header ‖ context ‖ counter ‖ final flag; truncation, reordering or appending fail.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
VALUE_MAGIC = b"SPV1"
STREAM_MAGIC = b"SPS1"
CHUNK = 64 * 1024
_TAG = 16
_VALUE_HEADER = struct.Struct(">4sI12s")
_STREAM_HEADER = struct.Struct(">4sI8s")


class CryptoError(Exception):
    """Opening failed: wrong key, altered ciphertext or header, or data moved elsewhere."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A separate key for one purpose (audit MACs, backups, IP indexes) from a master secret."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=f"sapat/{purpose}".encode()).derive(secret)


def seal(key: bytes, key_id: int, plaintext: bytes, context: bytes) -> bytes:
    header = _VALUE_HEADER.pack(VALUE_MAGIC, key_id, os.urandom(12))
    return header + AESGCM(key).encrypt(header[8:], plaintext, header + context)


def key_id_of(ciphertext: bytes) -> int:
    """Which key sealed a value or stream (read from its header)."""
    if len(ciphertext) < 8 or ciphertext[:4] not in (VALUE_MAGIC, STREAM_MAGIC):
        raise CryptoError("not a Sapat ciphertext")
    return struct.unpack(">I", ciphertext[4:8])[0]


def open_sealed(key_for: Callable[[int], bytes], ciphertext: bytes, context: bytes) -> bytes:
    """Open a sealed value; ``key_for(key_id)`` supplies the data key its header names."""
    if len(ciphertext) < _VALUE_HEADER.size + _TAG:
        raise CryptoError("ciphertext too short")
    magic, key_id, nonce = _VALUE_HEADER.unpack(ciphertext[:_VALUE_HEADER.size])
    if magic != VALUE_MAGIC:
        raise CryptoError("not a sealed value")
    try:
        return AESGCM(key_for(key_id)).decrypt(nonce, ciphertext[_VALUE_HEADER.size:],
                                               ciphertext[:_VALUE_HEADER.size] + context)
    except InvalidTag:
        raise CryptoError("the ciphertext, its header or its place was altered") from None


def seal_stream(key: bytes, key_id: int, source: BinaryIO, target: BinaryIO, context: bytes,
                limit: int | None = None) -> int:
    """Encrypt ``source`` into ``target`` chunk by chunk (flat memory); returns the plaintext size.

    Raises ``ValueError`` when the source is longer than ``limit`` bytes.
    """
    header = _STREAM_HEADER.pack(STREAM_MAGIC, key_id, os.urandom(8))
    target.write(header)
    aead, size, index = AESGCM(key), 0, 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if len(chunk) == CHUNK else b""
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValueError(f"longer than {limit} bytes")
        final = not following
        target.write(aead.encrypt(_chunk_nonce(header, index), chunk, _chunk_aad(header, context, index, final)))
        if final:
            return size
        chunk, index = following, index + 1


def open_stream(key_for: Callable[[int], bytes], source: BinaryIO, context: bytes) -> Iterator[bytes]:
    """Decrypt a sealed stream chunk by chunk; raises CryptoError on any alteration or truncation."""
    header = source.read(_STREAM_HEADER.size)
    if len(header) != _STREAM_HEADER.size or header[:4] != STREAM_MAGIC:
        raise CryptoError("not a sealed stream")
    aead = AESGCM(key_for(_STREAM_HEADER.unpack(header)[1]))
    index, block = 0, source.read(CHUNK + _TAG)
    while True:
        following = source.read(CHUNK + _TAG) if len(block) == CHUNK + _TAG else b""
        final = not following
        try:
            yield aead.decrypt(_chunk_nonce(header, index), block, _chunk_aad(header, context, index, final))
        except InvalidTag:
            raise CryptoError("the file was altered, truncated or moved") from None
        if final:
            return
        block, index = following, index + 1


def _chunk_nonce(header: bytes, index: int) -> bytes:
    return header[8:16] + struct.pack(">I", index)


def _chunk_aad(header: bytes, context: bytes, index: int, final: bool) -> bytes:
    return header + context + struct.pack(">I?", index, final)


def mac(key: bytes, data: bytes) -> str:
    """Keyed HMAC-SHA-256 (hex): blind indexes and the audit chain. Never a plain hash."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(seed: bytes, message: bytes) -> bytes:
    """An Ed25519 signature by the key grown from a 32-byte secret seed."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def signing_public_key(seed: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key that belongs to a seed."""
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> None:
    """CryptoError unless ``signature`` is the holder of ``public_key``'s signature of exactly ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise CryptoError("the signature does not match the message and key") from None


# ---- the key-encryption key -------------------------------------------------------------------

@dataclass(frozen=True)
class MasterKeys:
    """The KEK versions this installation holds; ``current`` wraps new data keys."""

    current: str
    keys: dict[str, bytes]

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        return self.current, nonce + AESGCM(self.keys[self.current]).encrypt(nonce, data_key, context)

    def unwrap(self, kek_id: str, wrapped: bytes, context: bytes) -> bytes:
        if kek_id not in self.keys:
            raise CryptoError(f"master key {kek_id} is not in the key file")
        try:
            return AESGCM(self.keys[kek_id]).decrypt(wrapped[:12], wrapped[12:], context)
        except InvalidTag:
            raise CryptoError("a wrapped data key was altered") from None

    def derived(self, purpose: str, kek_id: str | None = None) -> bytes:
        """A key for one purpose (e.g. backups) derived from a master key version (default: current)."""
        kek_id = kek_id or self.current
        if kek_id not in self.keys:
            raise CryptoError(f"master key {kek_id} is not in the key file")
        return derive_key(self.keys[kek_id], purpose)


def load_master_keys(path: Path | None, env_value: str | None) -> MasterKeys:
    """From ``SAPAT_MASTER_KEY`` (base64 of 32 bytes) or the key file; CryptoError if neither works."""
    if env_value:
        key = base64.b64decode(env_value)
        if len(key) != KEY_BYTES:
            raise CryptoError("SAPAT_MASTER_KEY must be the base64 of 32 bytes")
        return MasterKeys("env", {"env": key})
    if path is None or not path.exists():
        raise CryptoError(f"no master key: run 'sapat keys init' (expected {path})")
    if path.stat().st_mode & 0o077:
        raise CryptoError(f"{path} must be readable by its owner only (chmod 600)")
    raw = json.loads(path.read_text())
    return MasterKeys(raw["current"], {k: base64.b64decode(v) for k, v in raw["keys"].items()})


def write_master_keys(path: Path, keys: MasterKeys) -> None:
    """Write the key file with mode 0600, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"current": keys.current,
                   "keys": {k: base64.b64encode(v).decode() for k, v in keys.keys.items()}}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def add_master_key(keys: MasterKeys | None) -> MasterKeys:
    """A new KEK version, made current (the old ones stay until nothing is wrapped with them)."""
    existing = dict(keys.keys) if keys else {}
    version = f"k{len(existing) + 1}"
    while version in existing:
        version += "x"
    existing[version] = new_key()
    return MasterKeys(version, existing)


class EphemeralFile(io.RawIOBase):
    """A scratch file for an upload in progress whose bytes on disk are AES-CTR under a key
    that exists only in this process's memory: unlinked from birth, unreadable after a crash."""

    def __init__(self, directory: str | None = None):
        super().__init__()
        self._file = tempfile.TemporaryFile(dir=directory)
        self._key = new_key()
        self._counter = int.from_bytes(os.urandom(16), "big")

    def _xor(self, data: bytes, position: int) -> bytes:
        block, skip = divmod(position, 16)
        counter = ((self._counter + block) % (1 << 128)).to_bytes(16, "big")
        stream = Cipher(algorithms.AES(self._key), modes.CTR(counter)).encryptor()
        return stream.update(bytes(skip) + data)[skip:]

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._file.write(self._xor(data, self._file.tell()))
        return len(data)

    def read(self, size: int = -1) -> bytes:
        position = self._file.tell()
        return self._xor(self._file.read(size), position)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()
