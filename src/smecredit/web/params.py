"""Typed path parameters, bounded so an absurd id is a 422 at the edge, not a database overflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

INT32_MAX = 2_147_483_647  # INTEGER primary keys on PostgreSQL
INT64_MAX = 9_223_372_036_854_775_807  # BIGINT (audit sequence numbers)

EntityId = Annotated[int, Path(ge=1, le=INT32_MAX, description="id (1 … 2147483647)")]
EventSeq = Annotated[int, Path(ge=1, le=INT64_MAX, description="audit event sequence number")]
