"""Shared helpers for pages with forms: read the form's values, build an API input model from them
(every validation error, each next to its field, in the page's language), and the context a
template needs to show an error where the user is looking."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.text import Text
from smecredit.web.errors import VALIDATION_ZH, status_of
from smecredit.web.i18n import request_lang


def values(form, *names: str) -> dict[str, Any]:
    """The named text fields, trimmed; empty ones become None (absent from the model)."""
    out: dict[str, Any] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            value = value.strip()
            out[name] = value if value != "" else None
    return out


def build(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """``model`` from form data; every problem at once as one `Invalid` with ``details.errors``."""
    try:
        # Forms carry only text: "12" is the number twelve here (the API's JSON bodies are strict).
        return model.model_validate(data, strict=False)
    except ValidationError as error:
        listed = []
        for item in error.errors():
            field = ".".join(str(p) for p in item.get("loc", ()))
            zh = VALIDATION_ZH.get(item.get("type", ""), "取值不正确")
            listed.append({"field": field or None, "code": item.get("type", "invalid"),
                           "message": {"zh": zh, "en": item.get("msg", "invalid")}})
        first = listed[0]
        raise Invalid("validation_error", Text(f"请修正 {len(listed)} 处输入" if len(listed) > 1 else first["message"]["zh"],
                                               f"Correct {len(listed)} inputs" if len(listed) > 1 else first["message"]["en"]),
                      first["field"], {"errors": listed}) from None


def error_context(request: Request, error: DomainError) -> dict[str, Any]:
    """What a template needs to show the error: the message, and each field's own message."""
    lang = request_lang(request)
    listed = error.details.get("errors") if isinstance(error.details, dict) else None
    field_errors: dict[str, str] = {}
    line_errors = None
    if isinstance(listed, list) and listed and isinstance(listed[0], dict) and "message" in listed[0]:
        for item in listed:
            if item.get("field") and item["field"] not in field_errors:
                field_errors[item["field"]] = item["message"].get("en" if lang == "en" else "zh", "")
    elif isinstance(listed, list):
        line_errors = listed  # a rejected file: every bad line
    if error.field and error.field not in field_errors:
        field_errors[error.field] = error.text(lang)
    return {"message": error.text(lang), "error_field": error.field, "error_code": error.code,
            "field_errors": field_errors, "line_errors": line_errors}


def failed(request: Request, db: Session, error: DomainError) -> tuple[dict[str, Any], int]:
    """End the failed use case (undo what it wrote) and give the page's error context and status."""
    settle(db, error)
    return error_context(request, error), status_of(error)
