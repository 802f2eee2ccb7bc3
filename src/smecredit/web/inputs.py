"""`ApiInput`: the one base class of every JSON body the API accepts.

A JSON body is taken at its word: a number is not a date, `0` is not a boolean, `"12"` is not an
integer, and a field the model does not know is an error — the rules of Pydantic's *strict JSON*
mode. FastAPI parses the body with `json.loads` and validates the Python objects, where strict
mode would also refuse the ISO strings JSON carries dates in; so the model is strict, and only
the types JSON can only send as text (dates, times, decimals, UUIDs, enumerations) take text —
and *only* text (or an instance, for Python callers): `"2026-01-31"` is a date, `20260131` is not.

Query strings and forms stay parsed from text (that is all they can carry).
`tests/web/test_openapi_contract.py` checks that every JSON body in the application uses this.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError, core_schema

# core-schema type → (accepted Python instance, error type, message)
_TEXT_TYPES: dict[str, tuple[type, str, str]] = {
    "date": (date, "date_type", "Input should be a valid date in the format YYYY-MM-DD"),
    "datetime": (datetime, "datetime_type", "Input should be a valid datetime (ISO 8601 text)"),
    "time": (time, "time_type", "Input should be a valid time (ISO 8601 text)"),
    "timedelta": (timedelta, "time_delta_type", "Input should be a valid duration (ISO 8601 text)"),
    "uuid": (UUID, "uuid_type", "Input should be a valid UUID text"),
    "decimal": (Decimal, "decimal_type", "Input should be a decimal number (text, or a JSON integer)"),
}
_SKIP_KEYS = {"serialization", "metadata", "ref", "cls", "function", "custom_error_type"}


def _text_only(kind: str, node: dict) -> dict:
    instance, error, message = _TEXT_TYPES[kind]

    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(error, message)
        if isinstance(value, (str, instance)):
            return value
        if kind == "decimal" and isinstance(value, int):
            return value  # an exact JSON integer is a fine amount; a JSON float is not (it rounds)
        raise PydanticCustomError(error, message)

    return core_schema.no_info_before_validator_function(check, {**node, "strict": False})


def _relax_text_types(node: Any) -> Any:
    if isinstance(node, list):
        return [_relax_text_types(item) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if node.get("strict") is False:  # already done (a nested ApiInput)
        return node
    if kind in _TEXT_TYPES:
        return _text_only(kind, node)
    if kind == "enum":
        return {**node, "strict": False}  # the value as text; strict Python would want the member
    return {key: (value if key in _SKIP_KEYS else _relax_text_types(value)) for key, value in node.items()}


class ApiInput(BaseModel):
    """Base of every API request body (see the module doc)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        return _relax_text_types(handler(source))
