"""The API's error answers in OpenAPI: one named schema (`ErrorResponse`) and one helper every API
router passes as `responses=`, listing the statuses its routes can answer with.

    router = APIRouter(prefix="/api/v1/things", responses=errors(401, 403, 404, 422))

Statuses and their meaning come from the kinds in `kernel.errors` (mapped in `web/errors.py`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class BilingualText(BaseModel):
    zh: str = Field(description="中文")
    en: str = Field(description="English")


class ErrorDetail(BaseModel):
    code: str = Field(description="机器可读代码 / machine-readable code, e.g. invalid_credentials")
    field: str | None = Field(description="出错的字段 / the field at fault, if any")
    message: BilingualText
    details: dict[str, Any] | None = Field(default=None, description="更多信息 / more, e.g. every invalid field or line")


class ErrorResponse(BaseModel):
    """Every error answer of the API."""

    error: ErrorDetail


DESCRIPTIONS: dict[int, str] = {
    400: "请求格式不正确 / Bad request",
    401: "未登录或令牌无效 / Not authenticated: no bearer token, or it is unknown, expired or revoked",
    403: "无权执行，或须先修改临时密码 / Forbidden: the role may not do this, or a temporary password must be changed first",
    404: "不存在（或无权知道其存在） / Not found (or not one you may know about)",
    405: "不支持此方法（见 Allow 头） / Method not allowed (see the Allow header)",
    409: "与当前状态冲突 / Conflict with the current state (taken, already done, changed meanwhile)",
    413: "请求内容过大 / Request body too large",
    422: "输入有误（details.errors 列出每个字段） / Invalid input (details.errors lists every field)",
    423: "账号已锁定 / Account locked for a while after wrong passwords",
    429: "尝试次数过多（Retry-After 给出等待秒数） / Too many attempts (Retry-After says how long to wait)",
    503: "暂不可用 / Unavailable for now",
}

HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    405: {"Allow": {"description": "允许的方法 / the methods allowed", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "秒 / seconds", "schema": {"type": "integer"}}},
}

# What most routes can answer: a signed-in route with a JSON body and an id in its path.
API_ERRORS = (401, 403, 404, 409, 413, 422)


def prune(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop the router-level answers an operation cannot give: 413 where it takes no body, 409 on
    reads. (Routers declare what their routes can answer as a group; this keeps each operation
    honest.) Errors are JSON even where the success is not (a text/plain signed note, a file)."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if "requestBody" not in operation:
                responses.pop("413", None)
            if method == "get":
                responses.pop("409", None)
            for status, answer in responses.items():
                content = answer.get("content", {})
                if status.startswith(("4", "5")) and content and "application/json" not in content:
                    answer["content"] = {"application/json": next(iter(content.values()))}
    return schema


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for these error statuses, each with the `ErrorResponse` schema."""
    found: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status not in DESCRIPTIONS:
            raise ValueError(f"no description for status {status}")
        entry: dict[str, Any] = {"model": ErrorResponse, "description": DESCRIPTIONS[status]}
        if status in HEADERS:
            entry["headers"] = HEADERS[status]
        found[status] = entry
    return found
