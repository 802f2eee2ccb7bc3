"""Files the platform keeps (uploaded originals, signed scans, later contracts): encrypted at rest
with the personal-information key (AES-256-GCM, `kernel.pii`), under the data directory with
owner-only permissions (directories 0700, files 0600), written atomically, and removed again if
the use case that wrote them rolls back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from smecredit.kernel.db import on_rollback
from smecredit.kernel.errors import NotFound
from smecredit.kernel.pii import decrypt_bytes, encrypt_bytes
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents under the data directory) owner-only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        path.chmod(0o700)
    return path


def store(db: Session, relative: str, data: bytes) -> str:
    """Encrypt ``data`` to ``uploads/<relative>`` in this transaction; returns the relative name."""
    root = get_settings().uploads_dir
    target = (root / relative).resolve()
    if root.resolve() not in target.parents:
        raise ValueError(f"{relative!r} leaves the uploads directory")
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(encrypt_bytes(data))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    on_rollback(db, lambda: target.unlink(missing_ok=True))
    return relative


def read(relative: str, *, encrypted: bool = True) -> bytes:
    """The original bytes of a stored file (older plaintext files have ``encrypted=False``)."""
    path = get_settings().uploads_dir / relative
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("file_missing", Text("原始文件不在存储中（可能已被移走）",
                                            "The original file is not in storage (it may have been moved)")) from None
    return decrypt_bytes(raw) if encrypted else raw
