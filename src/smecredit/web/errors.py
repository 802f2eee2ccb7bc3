"""Every error becomes a 4xx with a code, the field and a message in Chinese and English (JSON for
/api, a friendly page otherwise). Anything unexpected is logged and answered 500 without details."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import compile_path

from smecredit.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from smecredit.kernel.text import Text
from smecredit.web.deps import PASSWORD_FORM, LoginRequired, PasswordChangeRequired
from smecredit.web.i18n import request_lang
from smecredit.web.introspect import iter_api_routes
from smecredit.web.templating import render

log = logging.getLogger("smecredit.web")

# pydantic error types → Chinese; English comes from pydantic itself.
VALIDATION_ZH = {
    "missing": "必填",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "string_type": "须为文本",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "decimal_parsing": "须为数字",
    "float_parsing": "须为数字",
    "date_parsing": "日期格式须为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式须为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "enum": "不是可选值之一",
    "literal_error": "不是可选值之一",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "json_invalid": "JSON 格式不正确",
    "model_attributes_type": "格式不正确",
    "dict_type": "须为对象",
    "list_type": "须为列表",
    "bool_parsing": "须为是/否",
    "bool_type": "须为 true 或 false",
    "date_type": "须为日期文本 YYYY-MM-DD",
    "datetime_type": "须为 ISO 8601 时间文本",
    "time_type": "须为时间文本",
    "time_delta_type": "须为时长文本",
    "uuid_type": "须为 UUID 文本",
    "decimal_type": "须为数字文本或整数",
    "float_type": "须为数字",
    "model_type": "须为对象",
    "too_long": "太长",
    "too_short": "太短",
    "value_error": "取值不正确",
    "extra_forbidden": "不允许的字段",
    "finite_number": "须为有限的数字（不能是 NaN 或无穷大）",
}

# A multipart part without a file name reaches the route as text; pydantic's words for it name a
# Python class, which says nothing to an integrator.
NOT_A_FILE = ("Expected UploadFile", "须为上传的文件（该部分缺少文件名 filename）",
              "Must be an uploaded file (the multipart part has no filename)")

HTTP_MESSAGES = {
    404: ("not_found", "页面或资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    413: ("too_large", "请求内容过大", "Request too large"),
}


# The one place where a kind of error becomes an HTTP status.
STATUS: dict[type[DomainError], int] = {
    Invalid: 422, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooLarge: 413,
    Locked: 423, RateLimited: 429, Unavailable: 503,
}


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` by the body-size middleware (`web.body_limit`) when a body passes its
    limit; answered 413 with the error below (an HTTPException, so nothing on the way turns it into
    a 400 "could not parse the body")."""

    def __init__(self, error: TooLarge):
        super().__init__(status_code=413, detail=error.message.en)
        self.error = error


class HttpError(DomainError):
    """An error the web layer itself answers (unknown route, wrong method, a bug): it has a status."""

    def __init__(self, status: int, code: str, message: Text, headers: dict[str, str] | None = None):
        super().__init__(code, message)
        self.status = status
        self.headers = headers or {}


def status_of(error: DomainError) -> int:
    if isinstance(error, HttpError):
        return error.status
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def headers_of(error: DomainError) -> dict[str, str]:
    """HTTP headers an error carries: its own (405 `Allow`), and `Retry-After` for a refusal that
    says when to come back (429)."""
    headers = dict(error.headers) if isinstance(error, HttpError) else {}
    retry = error.details.get("retry_after_seconds")
    if isinstance(retry, int) and retry > 0:
        headers["Retry-After"] = str(retry)
    return headers


def respond(request: Request, error: DomainError):
    status = status_of(error)
    headers = headers_of(error)
    if is_api(request):
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"error": error.as_dict()}, status_code=status, headers=headers or None)
    response = render(request, "error.html", {"error": error, "message": error.text(request_lang(request))},
                      status_code=status)
    response.headers.update(headers)
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the application serves at this path."""
    found: set[str] = set()
    for path, route in iter_api_routes(request.app.routes):
        if compile_path(path)[0].match(request.url.path):
            found |= set(route.methods or ())
    return sorted(found)


def validation_error(exc: RequestValidationError) -> DomainError:
    fields = []
    for item in exc.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "form", "header")]
        field = ".".join(loc) or None
        message = {"zh": VALIDATION_ZH.get(item.get("type", ""), "取值不正确"), "en": item.get("msg", "invalid")}
        if NOT_A_FILE[0] in str(item.get("msg", "")):
            message = {"zh": NOT_A_FILE[1], "en": NOT_A_FILE[2]}
        fields.append({"field": field, "code": item.get("type", "invalid"), "message": message})
    first = fields[0] if fields else {"field": None, "message": {"zh": "输入不正确", "en": "Invalid input"}}
    zh = "；".join(f"{f['field'] or '请求'}: {f['message']['zh']}" for f in fields) or "输入不正确"
    en = "; ".join(f"{f['field'] or 'request'}: {f['message']['en']}" for f in fields) or "Invalid input"
    return Invalid("validation_error", Text(f"输入有误 — {zh}", f"Invalid input — {en}"), first["field"], {"errors": fields})


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return respond(request, validation_error(exc))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        target = "/login?next=" + quote(request.url.path)
        if request.headers.get("hx-request"):
            return JSONResponse({}, status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password(request: Request, exc: PasswordChangeRequired):
        if request.headers.get("hx-request"):
            return JSONResponse({}, status_code=403, headers={"HX-Redirect": PASSWORD_FORM})
        return RedirectResponse(PASSWORD_FORM, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if isinstance(exc, BodyTooLarge):
            response = respond(request, exc.error)
            response.headers["Connection"] = "close"  # the rest of the body is never read
            return response
        code, zh, en = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理", str(exc.detail)))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # The router names only the first route it matched; a path served by several routes
            # (GET and POST /login) allows all their methods.
            methods = allowed_methods(request) or [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
            headers["Allow"] = ", ".join(methods)
        return respond(request, HttpError(exc.status_code, code, Text(zh, en), headers))

    @app.exception_handler(OverflowError)
    @app.exception_handler(StatementError)
    async def _out_of_range(request: Request, exc: Exception):
        # Defence in depth: a value the database cannot hold (the driver's DataError, or an
        # OverflowError while binding, which SQLAlchemy wraps) is bad input, not a server fault.
        cause = getattr(exc, "orig", exc)
        if not isinstance(exc, (OverflowError, DataError)) and not isinstance(cause, OverflowError):
            return await _unexpected(request, exc)
        log.info("value out of range on %s %s: %s", request.method, request.url.path, exc)
        return respond(request, Invalid("out_of_range", Text("数值超出允许范围", "A number is out of range")))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # pragma: no cover - a bug if reached
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        error = HttpError(500, "internal_error", Text("系统内部错误，已记录，请稍后重试", "Internal error; it has been logged"))
        return respond(request, error)
