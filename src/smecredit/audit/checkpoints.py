"""Signed checkpoints of the audit log: (tree size, root hash, time), signed with Ed25519.

The signing key is made on first use and kept as a PEM file in ``keys_dir`` (mode 0600), never in
the database: someone who can rewrite the database still cannot forge a checkpoint. The public key
can be exported (`smecredit audit public-key`) and handed to outside auditors.

The signed message is the RFC 8785 canonical JSON of::

    {"log": "smecredit-audit/1", "tree_size": n, "root_hash": hex, "timestamp": iso_utc, "key_id": hex}

``key_id`` is the hex SHA-256 of the raw 32-byte public key. A checkpoint reads the tree size and
root from the head row under its lock (O(log n)), never from the events.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.canonical import canonical_json, iso_utc
from smecredit.audit.events import CheckpointRequested
from smecredit.audit.log import Actor, current_root, lock_head, record
from smecredit.audit.models import AuditCheckpoint
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.kernel.settings import get_settings

LOG_ID = "smecredit-audit/1"
KEY_FILE_NAME = "audit_ed25519.pem"

# path -> (file identity when read, key): the key is parsed once, not on every page, proof or job.
_loaded_keys: dict[Path, tuple[tuple[int, int, int, int], Ed25519PrivateKey]] = {}


# --- the key -----------------------------------------------------------------------------------

def key_path() -> Path:
    return get_settings().keys_dir / KEY_FILE_NAME


def _write_new_key(path: Path) -> None:
    """Write a fresh key without ever exposing a half-written or world-readable file, and without
    overwriting a key another process made a moment earlier (link() fails if the name exists)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; use its key
        except OSError:  # pragma: no cover - file systems without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_signing_key() -> Ed25519PrivateKey:
    """The audit signing key, made on the first call and kept at ``keys_dir/audit_ed25519.pem``."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new_key(path)
    stat = path.stat()
    if os.name == "posix" and stat.st_mode & 0o077:
        path.chmod(0o600)  # a copied or restored key file must not stay readable by others
    identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    cached = _loaded_keys.get(path)
    if cached is not None and cached[0] == identity:
        return cached[1]
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid("audit_key_unreadable", Text(f"审计签名密钥文件无法读取: {path}", f"The audit signing key file cannot be read: {path}")) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid("audit_key_wrong_type", Text(f"审计签名密钥不是 Ed25519 密钥: {path}", f"The audit signing key is not an Ed25519 key: {path}"))
    _loaded_keys[path] = (identity, key)
    return key


def public_key_pem(private_key: Ed25519PrivateKey | None = None) -> str:
    """The public half as a SubjectPublicKeyInfo PEM, for auditors."""
    key = private_key or load_or_create_signing_key()
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(public_key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key."""
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """Parse an exported public key; ValueError when it is not an Ed25519 public key PEM."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnicodeError) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


# --- the signed message ------------------------------------------------------------------------

def checkpoint_message(*, tree_size: int, root_hash: str, timestamp: datetime | str, key_id: str) -> bytes:
    """The exact bytes that are signed (RFC 8785 canonical JSON)."""
    stamp = timestamp if isinstance(timestamp, str) else iso_utc(timestamp)
    return canonical_json(
        {"log": LOG_ID, "tree_size": tree_size, "root_hash": root_hash, "timestamp": stamp, "key_id": key_id}
    )


def sign_message(private_key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(private_key.sign(message)).decode("ascii")


def signature_valid(public_key: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_checkpoint(checkpoint: AuditCheckpoint, public_key: Ed25519PublicKey) -> bool:
    """True when the row's signature is valid for its size, root, time and key id."""
    if checkpoint.key_id != key_id(public_key):
        return False
    message = checkpoint_message(
        tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
        timestamp=as_utc(checkpoint.created_at), key_id=checkpoint.key_id,
    )
    return signature_valid(public_key, message, checkpoint.signature)


# --- making checkpoints ------------------------------------------------------------------------

def latest_checkpoint(db: Session) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    return db.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def list_checkpoints(db: Session, *, limit: int = 100, offset: int = 0) -> list[AuditCheckpoint]:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit).offset(offset)
    return list(db.execute(query.execution_options(populate_existing=True)).scalars())


def _sign_head(db: Session, key: Ed25519PrivateKey) -> AuditCheckpoint:
    """Sign the head as it stands (the caller holds its lock) and add the row."""
    size, root_bytes = current_root(db)
    root = root_bytes.hex()
    now = utcnow()
    kid = key_id(key)
    message = checkpoint_message(tree_size=size, root_hash=root, timestamp=now, key_id=kid)
    checkpoint = AuditCheckpoint(
        tree_size=size, root_hash=root, created_at=now, key_id=kid, signature=sign_message(key, message)
    )
    db.add(checkpoint)
    db.flush()
    return checkpoint


def create_checkpoint(db: Session, *, actor: Actor | None = None) -> AuditCheckpoint:
    """Sign the current tree size and root, in one transaction.

    With an ``actor`` (a person asked for it: page, API, command line) an ``audit.checkpoint``
    event is appended first, so the checkpoint also covers the record of who made it. The
    automatic checkpoints pass no actor and leave the log as it is.
    """
    key = load_or_create_signing_key()  # before the lock: file I/O must not hold up writers
    lock_head(db)
    if actor is not None:
        previous = latest_checkpoint(db)
        record(db, actor, CheckpointRequested(
            entity_id="checkpoint", previous_checkpoint_id=previous.id if previous else None,
            previous_tree_size=previous.tree_size if previous else None))
    checkpoint = _sign_head(db, key)
    return checkpoint


def ensure_recent_checkpoint(db: Session, max_age_hours: float | None = None) -> AuditCheckpoint | None:
    """Make a checkpoint when it is due; return it, or None when none was needed.

    Due when the log is not empty and either there is no checkpoint yet, or the newest is older
    than ``max_age_hours`` (default ``checkpoint_interval_hours``) and the tree grew since. The
    decision is taken under the head lock, so two schedulers never make two checkpoints at once.
    """
    hours = get_settings().checkpoint_interval_hours if max_age_hours is None else max_age_hours
    key = load_or_create_signing_key()
    head = lock_head(db)
    latest = latest_checkpoint(db)
    if head.tree_size == 0:
        return None
    if latest is not None:
        if latest.tree_size >= head.tree_size:
            return None
        if as_utc(latest.created_at) > utcnow() - timedelta(hours=hours):
            return None
    checkpoint = _sign_head(db, key)
    return checkpoint


def ensure_covering_checkpoint(db: Session) -> AuditCheckpoint | None:
    """The newest checkpoint, made fresh first if the log grew past it (None for an empty log)."""
    key = load_or_create_signing_key()
    head = lock_head(db)
    latest = latest_checkpoint(db)
    if latest is not None and latest.tree_size >= head.tree_size:
        return latest
    if head.tree_size == 0 and latest is None:
        return None
    checkpoint = _sign_head(db, key)
    return checkpoint


def checkpoint_dict(checkpoint: AuditCheckpoint) -> dict:
    """A checkpoint as exported in bundles and proofs."""
    return {
        "id": checkpoint.id,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "created_at": iso_utc(checkpoint.created_at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
