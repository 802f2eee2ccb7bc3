"""The document store's use cases: accept an upload, read it back, offer it for download.

``accept`` runs inside the caller's transaction (it flushes, never commits) and the caller records
its own audit event naming the ``sha256``. The order of its steps is what keeps the store whole:

1. at most ``max_upload_mb`` MiB + 1 byte is read (a declared size over the limit is refused before
   reading anything); empty and oversized files are refused;
2. the type is decided by content (`content.detect`) and must be one the caller allows;
3. the row is inserted *before* the object is written: the unique SHA-256 makes a concurrent
   transaction storing the same bytes wait for this one, and then either find the committed row
   (PostgreSQL: the insert is retried as a read inside a savepoint) or, if this one rolled back,
   write the object itself;
4. the encrypted bytes are put create-if-absent; only an object this call created is removed if
   the transaction rolls back, and only when no other transaction has claimed that content
   meanwhile (the removal first reserves the SHA-256 in the table, see `_remove_unless_claimed`).

A refusal happens before step 3, so it leaves neither a row nor an object.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from smecredit.documents import storage as storages
from smecredit.documents.content import FileType, detect
from smecredit.documents.filenames import clean
from smecredit.documents.models import StoredFile
from smecredit.enterprises.connectors.vocabulary import ImportLimits
from smecredit.kernel.db import on_rollback
from smecredit.kernel.errors import Invalid, TooLarge, Unavailable
from smecredit.kernel.pii import decrypt_bytes, encrypt_bytes
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

log = logging.getLogger(__name__)

__all__ = ["FileType", "StoredFile", "accept", "read", "download_response", "content_disposition", "limit_bytes"]


def limit_bytes() -> int:
    return get_settings().max_upload_mb * 1024 * 1024


def _too_large(field: str, size: int | None) -> TooLarge:
    mib = get_settings().max_upload_mb
    details = {"limit_bytes": limit_bytes()}
    if size is not None:
        details["size"] = size
    return TooLarge("file_too_large", Text(f"文件超过 {mib} MiB 上限", f"The file is larger than the {mib} MiB limit"),
                    field, details)


def _read_capped(upload: Any, field: str) -> bytes:
    """The upload's bytes, reading at most the limit + 1 (the one byte more tells it is too large)."""
    limit = limit_bytes()
    if isinstance(upload, (bytes, bytearray, memoryview)):
        data = bytes(upload)
    else:
        declared = getattr(upload, "size", None)  # starlette's UploadFile knows it once parsed
        if isinstance(declared, int) and declared > limit:
            raise _too_large(field, declared)
        source = getattr(upload, "file", upload)
        if not hasattr(source, "read"):
            raise TypeError("upload must be bytes, a binary file or an UploadFile")
        data = source.read(limit + 1)
        if isinstance(data, str):
            raise TypeError("upload must be opened in binary mode")
    if len(data) > limit:
        raise _too_large(field, None if len(data) == limit + 1 else len(data))
    if not data:
        raise Invalid("file_empty", Text("文件为空", "The file is empty"), field)
    return data


def _labels(types: Iterable[FileType]) -> str:
    return "、".join(t.label for t in types)


def accept(db: Session, *, upload: Any, filename: str | None = None,
           allowed: Iterable[FileType] = tuple(FileType), field: str = "file") -> StoredFile:
    """Check and keep one uploaded file (see the module docstring); the stored file, with
    ``filename`` set to this upload's cleaned name."""
    allowed = tuple(FileType(t) for t in allowed)
    if filename is None:
        filename = getattr(upload, "filename", None)
    data = _read_capped(upload, field)
    accepted = _labels(allowed)
    found = detect(data, xlsx_limits=ImportLimits(max_file_bytes=limit_bytes()))
    details = {"detected": found.looks_like, "accepted": [t.value for t in allowed]}
    if found.file_type is None:
        reason = found.reason or Text("无法识别的文件内容", "the content is not recognised")
        raise Invalid("file_unreadable", Text(
            f"文件无法接受：{reason.zh}。检测到的类型：{found.looks_like.split(' / ')[0]}；此处接受：{accepted}",
            f"The file cannot be accepted: {reason.en}. Detected: {found.looks_like.split(' / ')[-1]}; "
            f"accepted here: {', '.join(t.label for t in allowed)}"), field, details)
    if found.file_type not in allowed:
        raise Invalid("file_type_not_accepted", Text(
            f"文件内容是 {found.file_type.label}，此处只接受 {accepted}",
            f"The file is a {found.file_type.label}; only {', '.join(t.label for t in allowed)} accepted here"),
            field, details)
    kind = found.file_type
    name = clean(filename, kind.extensions)
    sha = hashlib.sha256(data).hexdigest()
    store = storages.configured()

    row = db.scalar(select(StoredFile).where(StoredFile.sha256 == sha))
    if row is None:
        row = StoredFile(sha256=sha, size=len(data), file_type=kind.value, content_type=kind.content_type,
                         storage=store.name)
        row = _insert_or_existing(db, row)
    if not _held(row, store):
        # a new row (or an existing one whose object went missing): put the bytes
        if _adapter(row.storage, store).put(sha, encrypt_bytes(data)):
            engine = db.get_bind()
            on_rollback(db, lambda: _remove_unless_claimed(engine, row.storage, sha))
    row.filename = name
    return row


def _held(row: StoredFile, configured: storages.Storage) -> bool:
    return _adapter(row.storage, configured).exists(row.sha256)


def _adapter(name: str, configured: storages.Storage) -> storages.Storage:
    if name == configured.name:
        return configured
    if name == "local":
        return storages.LocalStorage(get_settings().documents_dir)
    if name == "s3":
        return storages.s3_from_settings()
    raise Unavailable("storage_unknown", Text("文件所在的存储未配置", "The storage holding the file is not configured"))


def _insert_or_existing(db: Session, row: StoredFile) -> StoredFile:
    """Insert the row; when a concurrent transaction committed the same content first, its row.

    On PostgreSQL the insert waits for a concurrent inserter of the same SHA-256 and then fails on
    the unique constraint if it committed; a savepoint keeps this transaction usable. SQLite lets
    one writer at a time hold the database, so the conflict cannot arise between the read above
    and this insert."""
    if db.get_bind().dialect.name == "sqlite":
        db.add(row)
        db.flush()
        return row
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        existing = db.scalar(select(StoredFile).where(StoredFile.sha256 == row.sha256))
        if existing is None:  # pragma: no cover - the constraint fired, so the row is there
            raise
        return existing
    return row


def _remove_unless_claimed(engine, storage_name: str, sha: str) -> None:
    """After a rollback: remove the object this transaction created, unless another transaction
    stores the same content. Reserving the SHA-256 (an insert, rolled back afterwards) waits for
    any transaction holding it; if one committed it, the object is theirs now and stays."""
    try:
        with Session(bind=engine) as probe:
            probe.add(StoredFile(sha256=sha, size=0, file_type="pdf", content_type="", storage=storage_name))
            try:
                probe.flush()
            except IntegrityError:
                return
            try:
                _adapter(storage_name, storages.configured()).delete(sha)
            finally:
                probe.rollback()
    except Exception:  # a failed clean-up leaves an unreferenced object, never a broken request
        log.exception("could not remove the stored object %s after a rollback", sha)


def read(stored: StoredFile) -> bytes:
    """The original bytes (decrypted and checked against the SHA-256)."""
    blob = _adapter(stored.storage, storages.configured()).get(stored.sha256)
    data = decrypt_bytes(blob)
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise Unavailable("file_corrupt", Text("存储中的文件已损坏", "The file in storage is damaged"))
    return data


def content_disposition(filename: str, file_type: FileType | str | None = None, *, inline: bool = False) -> str:
    """``attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded`` (RFC 6266 / 5987)."""
    extensions = FileType(file_type).extensions if file_type else ()
    name = clean(filename, extensions)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in name)
    return (f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def download_response(stored: StoredFile, filename: str | None = None, *, inline: bool = False) -> Response:
    """The stored file as a response: its own content type, a safe Content-Disposition, nosniff."""
    return Response(read(stored), media_type=stored.content_type, headers={
        "Content-Disposition": content_disposition(filename or stored.filename or "file", stored.file_type, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })
