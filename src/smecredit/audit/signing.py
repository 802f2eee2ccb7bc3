"""Keys, names and signed messages of the audit log: what both the signer (`checkpoints`) and the
verifier (`verify`) need, below both of them."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from smecredit.audit import note as notes
from smecredit.audit.canonical import canonical_json, iso_utc
from smecredit.audit.keystore import load_or_create_signing_key
from smecredit.audit.models import AuditCheckpoint
from smecredit.kernel.settings import get_settings

LOG_ID = "smecredit-audit/1"  # the legacy (pre-0003) signed JSON message's "log" field


# --- keys and names ----------------------------------------------------------------------------

def origin() -> str:
    """The log's name: the checkpoints' first line and the signer's key name."""
    return notes.check_name(get_settings().audit_log_origin.strip())


def public_key_pem(private_key: Ed25519PrivateKey | None = None) -> str:
    """The public half as a SubjectPublicKeyInfo PEM, for auditors."""
    key = private_key or load_or_create_signing_key()
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(public_key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key (what the pages and bundles call the key id)."""
    return hashlib.sha256(notes.raw_public(public_key)).hexdigest()


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


def log_verifier(public_key: Ed25519PublicKey | Ed25519PrivateKey | None = None, name: str | None = None) -> notes.Verifier:
    key = public_key if public_key is not None else load_or_create_signing_key()
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    name = name or origin()
    return notes.Verifier(name, notes.ALG_ED25519, notes.note_key_id(name, key), key)


def log_vkey() -> str:
    """The log's verifier key in C2SP form (``origin+keyid+key``), for witnesses and outside tools."""
    return log_verifier().vkey


# --- the legacy format (checkpoints made before migration 0003) --------------------------------

def checkpoint_message(*, tree_size: int, root_hash: str, timestamp: datetime | str, key_id: str) -> bytes:
    """The bytes a legacy checkpoint signed (RFC 8785 canonical JSON). New ones sign a note."""
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


# --- the note of a checkpoint ------------------------------------------------------------------

def checkpoint_text(*, log_origin: str, checkpoint_id: int, tree_size: int, root: bytes, created_at: datetime | str,
                    previous: tuple[int, str] | None) -> str:
    """The note text (what is signed) of checkpoint ``checkpoint_id``; ``previous`` is the
    predecessor's (id, base64 SHA-256 of its note text), None for the first of the chain."""
    stamp = created_at if isinstance(created_at, str) else iso_utc(created_at)
    prev = f"previous {previous[0]} {previous[1]}" if previous else "previous none"
    return notes.Checkpoint(log_origin, tree_size, root, (f"checkpoint {checkpoint_id}", f"time {stamp}", prev)).text()


def build_signed_note(key: Ed25519PrivateKey, *, log_origin: str, checkpoint_id: int, tree_size: int, root: bytes,
                      created_at: datetime | str, previous: tuple[int, str] | None) -> tuple[str, str]:
    """(the signed note, base64 of the bare Ed25519 signature)."""
    text = checkpoint_text(log_origin=log_origin, checkpoint_id=checkpoint_id, tree_size=tree_size, root=root,
                           created_at=created_at, previous=previous)
    sig = notes.sign_note(text, log_origin, key)
    return notes.Note(text, (sig,)).serialise(), base64.b64encode(sig.signature).decode("ascii")


def note_text_of(signed_note: str) -> str:
    return notes.parse_note(signed_note).text


def checkpoint_dict(checkpoint: AuditCheckpoint) -> dict:
    """A checkpoint as exported in bundles and proofs."""
    return {
        "id": checkpoint.id,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "created_at": iso_utc(checkpoint.created_at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
        "note": checkpoint.note,
    }
