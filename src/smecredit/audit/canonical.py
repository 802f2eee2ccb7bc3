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


def leaf_data(
    *,
    seq: int,
    recorded_at: datetime,
    actor: str,
    actor_id: int | None,
    role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    payload_sha256: str,
) -> bytes:
    """The bytes that become a Merkle leaf: every column of the event, payload by its hash."""
    return canonical_json(
        {
            "seq": seq,
            "time": iso_utc(recorded_at),
            "actor": actor,
            "actor_id": actor_id,
            "role": role,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "payload_sha256": payload_sha256,
        }
    )
