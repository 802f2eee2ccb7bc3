"""Canonical JSON (RFC 8785) of audit payloads and leaves.

Payloads hold domain values (Decimal, dates, enums); they are turned into plain JSON first, with
amounts as strings so that no float ever touches a hash.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import rfc8785


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in audit payloads; use Decimal or str")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    raise TypeError(f"cannot put {type(value).__name__} in an audit payload")


def canonical_json(value: Any) -> bytes:
    return rfc8785.dumps(to_jsonable(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iso_utc(moment: datetime) -> str:
    """Fixed-width UTC time with microseconds, so the same instant always serialises the same."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- the leaf: defined here once, used by the append, the proofs, verify and the bundle ------------

#: (name in the leaf JSON, column of `AuditEvent`), in the order the docs list them. RFC 8785 sorts
#: the keys, so the order here does not change the bytes.
LEAF_FIELDS: tuple[tuple[str, str], ...] = (
    ("seq", "seq"),
    ("time", "recorded_at"),
    ("actor", "actor"),
    ("actor_id", "actor_id"),
    ("role", "role"),
    ("action", "action"),
    ("entity_type", "entity_type"),
    ("entity_id", "entity_id"),
    ("payload_sha256", "payload_sha256"),
)
#: The columns of an event as exported and verified: the leaf's columns, the payload itself and
#: the stored leaf hash.
EVENT_COLUMNS: tuple[str, ...] = (
    "seq", "recorded_at", "actor", "actor_id", "role", "action", "entity_type", "entity_id",
    "payload", "payload_sha256", "leaf_hash",
)


def leaf_data(**columns: Any) -> bytes:
    """The bytes that become a Merkle leaf: the canonical JSON of `LEAF_FIELDS` (every column of the
    event, the payload by its SHA-256; the time as fixed-width ISO 8601 UTC)."""
    unknown = set(columns) - {column for _, column in LEAF_FIELDS}
    if unknown:
        raise TypeError(f"not leaf columns: {sorted(unknown)}")
    values = {}
    for name, column in LEAF_FIELDS:
        value = columns[column]
        if column == "recorded_at":
            value = iso_utc(value)
        values[name] = value
    return canonical_json(values)


def leaf_data_of(event: Any) -> bytes:
    """`leaf_data` of an event given as an ORM object, a row or a mapping (time as datetime)."""
    get = event.__getitem__ if isinstance(event, dict) else lambda c: getattr(event, c)
    return leaf_data(**{column: get(column) for _, column in LEAF_FIELDS})
