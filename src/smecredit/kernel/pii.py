"""Personal information at rest (个人信息保护法): AES-256-GCM field encryption and a blind index.

* The key lives in a file, ``get_settings().keys_dir / "pii.key"`` (32 random bytes, base64),
  created on first use with mode 0600. It is never written to the database.
* :class:`EncryptedText` is a SQLAlchemy column type: Python ``str`` in and out, the column holds
  ``v1:`` + base64(12-byte nonce + ciphertext + 16-byte tag). The version prefix lets a later
  key or algorithm change live next to old rows.
* :func:`blind_index` is an HMAC-SHA256 (key derived from the same file, separate purpose) of a
  normalised value, so an exact ID number can be looked up without storing it in clear.

Display masking lives in :mod:`smecredit.standards.resident_id` (``mask_*``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from smecredit.kernel.settings import get_settings

PREFIX = "v1:"
KEY_FILE = "pii.key"
_NONCE_BYTES = 12
_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


class PiiKeyError(RuntimeError):
    """The key file is missing or unreadable where it must exist, or malformed."""


def key_path() -> Path:
    return get_settings().keys_dir / KEY_FILE


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        path.parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:  # we won the race: write the new key
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
        path.chmod(0o600)
    text = path.read_text().strip()
    if not text:  # another process is between O_CREAT and write
        raise PiiKeyError(f"PII key file {path} is empty")
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise PiiKeyError(f"PII key file {path} is not base64") from exc
    if len(key) != 32:
        raise PiiKeyError(f"PII key file {path} must hold 32 bytes (AES-256), holds {len(key)}")
    return key


@lru_cache(maxsize=16)
def _resolved(path: Path) -> Path:
    return path.resolve()  # a few system calls a time: every value read or written asked for it


def _master_key() -> bytes:
    path = _resolved(key_path())
    key = _keys.get(path)
    if key is None:
        with _lock:
            key = _keys.get(path)
            if key is None:
                key = _keys[path] = _load_or_create(path)
    return key


@lru_cache(maxsize=16)
def _derived(master: bytes, purpose: bytes) -> bytes:
    # One file, two keys with separate purposes (HMAC-based derivation, as in HKDF-Expand).
    return hmac.new(master, b"smecredit.pii." + purpose, hashlib.sha256).digest()


def _subkey(purpose: bytes) -> bytes:
    return _derived(_master_key(), purpose)


def encrypt(plaintext: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(_subkey(b"aes-256-gcm")).encrypt(nonce, plaintext.encode("utf-8"), PREFIX.encode("ascii"))
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        raise PiiKeyError("encrypted value has an unknown version prefix")
    raw = base64.b64decode(token[len(PREFIX):])
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return AESGCM(_subkey(b"aes-256-gcm")).decrypt(nonce, sealed, PREFIX.encode("ascii")).decode("utf-8")


FILE_MAGIC = b"SMCENC1\n"  # marks an encrypted file, so a plaintext one is never "decrypted"


def encrypt_bytes(data: bytes) -> bytes:
    """A whole file, AES-256-GCM with its own nonce; the header is authenticated too."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return FILE_MAGIC + nonce + AESGCM(_subkey(b"file-aes-256-gcm")).encrypt(nonce, data, FILE_MAGIC)


def decrypt_bytes(blob: bytes) -> bytes:
    if not blob.startswith(FILE_MAGIC):
        raise PiiKeyError("not an encrypted smecredit file")
    body = blob[len(FILE_MAGIC):]
    nonce, sealed = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    return AESGCM(_subkey(b"file-aes-256-gcm")).decrypt(nonce, sealed, FILE_MAGIC)


def normalise_for_index(value: str) -> str:
    return "".join((value or "").split()).upper()


def blind_index(value: str | None) -> str | None:
    """HMAC-SHA256 (hex) of the normalised value, for exact lookups; None for empty values."""
    text = normalise_for_index(value or "")
    if not text:
        return None
    return hmac.new(_subkey(b"blind-index"), text.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedText(TypeDecorator):
    """A ``str`` column stored encrypted (AES-256-GCM, ``v1:`` + base64). None stays NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("EncryptedText takes str")
        return encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)


__all__ = ["EncryptedText", "PiiKeyError", "blind_index", "decrypt", "decrypt_bytes", "encrypt", "encrypt_bytes",
           "key_path"]
