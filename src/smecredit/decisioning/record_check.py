"""A stored decision record checked against itself (pure of the engine, no service imports): the
inputs and result must still match the SHA-256 written with them, and the record's columns must say
what its result says. Used by replay and by every read that shows or acts on a decision."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from smecredit.decisioning.models import Decision


@dataclass(frozen=True)
class Difference:
    path: str
    stored: Any
    now: Any


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    return None if value is None else str(value)


#: Record columns and the result's keys they copy.
COLUMNS = (("outcome", "outcome"), ("route", "route"), ("segment", "segment"), ("score", "score"), ("grade", "grade"),
           ("pd", "pd"), ("limit_amount", "limit"), ("approved_amount", "approved_amount"),
           ("annual_rate", "annual_rate"), ("apr", "apr"), ("repayment_method", "repayment_method"),
           ("term_months", "term_months"))


def _same_number(a: Any, b: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)


def record_differences(decision: Decision, stored_result: dict[str, Any]) -> list[Difference]:
    found = []
    if text_sha256(decision.inputs_json) != decision.inputs_sha256:
        found.append(Difference("record.inputs_sha256", decision.inputs_sha256, text_sha256(decision.inputs_json)))
    if text_sha256(decision.result_json) != decision.result_sha256:
        found.append(Difference("record.result_sha256", decision.result_sha256, text_sha256(decision.result_json)))
    for column, key in COLUMNS:
        value, said = getattr(decision, column), stored_result.get(key)
        if not _same_number(value, said):
            found.append(Difference(f"record.{column}", _plain(said), _plain(value)))
    return found
