"""Where stored files' (encrypted) bytes live: a storage adapter, chosen by ``SMECREDIT_STORAGE``.

Objects are named by the SHA-256 of the original content, so writing is *create if absent*:
``put`` says whether this call created the object (only then may a rolled-back transaction remove
it). The bytes given are already encrypted (`kernel.pii`), so neither a stolen disk nor a bucket
readable by its operator reveals a document.

* :class:`LocalStorage` (default): ``<data_dir>/documents/ab/cd/<sha256>``, directories 0700 and
  files 0600; a write goes to a temporary file that is then hard-linked into place, which both
  makes it atomic (a reader never sees half an object) and refuses to replace an existing one.
* :class:`S3Storage` (``SMECREDIT_STORAGE=s3``, needs the ``s3`` extra: boto3): any
  S3-compatible store (AWS S3, MinIO, Ceph, 阿里云 OSS / 腾讯云 COS in S3 mode) at
  ``SMECREDIT_S3_ENDPOINT_URL``; a put is conditional (``If-None-Match: *``).
"""

from __future__ import annotations

import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from smecredit.kernel.errors import NotFound, Unavailable
from smecredit.kernel.files import private_dir
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

_KEY = re.compile(r"[0-9a-f]{64}")


def missing() -> NotFound:
    return NotFound("file_missing", Text("文件不在存储中（可能已被移走）",
                                         "The file is not in storage (it may have been moved)"))


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"{key!r} is not a SHA-256 hex digest")
    return key


class Storage(Protocol):
    name: str

    def put(self, key: str, blob: bytes) -> bool:
        """Store ``blob`` under ``key`` unless an object is there; True when this call created it."""

    def get(self, key: str) -> bytes:
        """The object's bytes; NotFound when there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object (nothing when it is already gone)."""


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, blob: bytes) -> bool:
        target = self.path(key)
        if target.exists():
            return False
        private_dir(self.root)
        private_dir(target.parent)
        tmp = target.with_name(f".{key}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, target)  # atomic, and fails rather than replace a concurrent writer's object
            except FileExistsError:
                return False
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise missing() from None

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Storage:
    """An S3-compatible bucket. ``client`` is a boto3 S3 client (made from the settings by
    :func:`s3_from_settings`); objects are ``<prefix><sha256>``."""

    name = "s3"

    def __init__(self, client, bucket: str, prefix: str = "documents/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def object_key(self, key: str) -> str:
        return f"{self.prefix}{_checked(key)}"

    def put(self, key: str, blob: bytes) -> bool:
        if self.exists(key):
            return False
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=blob,
                                   ContentType="application/octet-stream", IfNoneMatch="*")
        except Exception as exc:  # botocore's ClientError, without importing botocore here
            if _error_code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            raise _unavailable(exc) from exc
        return True

    def get(self, key: str) -> bytes:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            if _error_code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise missing() from None
            raise _unavailable(exc) from exc
        return found["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            if _error_code(exc) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise _unavailable(exc) from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            raise _unavailable(exc) from exc


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code"))
    return None


def _unavailable(exc: Exception) -> Unavailable:
    return Unavailable("storage_unavailable", Text("文件存储暂不可用，请稍后重试",
                                                   "File storage is unavailable; try again later"),
                       details={"reason": type(exc).__name__})


def s3_from_settings() -> S3Storage:
    settings = get_settings()
    return _s3(settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id,
               settings.s3_secret_access_key, settings.s3_addressing_style, settings.s3_prefix)


@lru_cache(maxsize=4)
def _s3(bucket, endpoint_url, region, access_key_id, secret_access_key, addressing_style, prefix) -> S3Storage:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("SMECREDIT_STORAGE=s3 needs boto3: pip install 'smecredit[s3]'") from exc
    if not bucket:
        raise RuntimeError("SMECREDIT_STORAGE=s3 needs SMECREDIT_S3_BUCKET")
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=Config(s3={"addressing_style": addressing_style},
                      retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )
    return S3Storage(client, bucket, prefix)


def configured() -> Storage:
    """The adapter the settings choose (one per settings object, i.e. per process)."""
    settings = get_settings()
    if settings.storage == "s3":
        return s3_from_settings()
    return LocalStorage(settings.documents_dir)
