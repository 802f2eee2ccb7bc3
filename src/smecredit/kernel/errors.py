"""Errors every layer can raise and every edge knows how to show.

A DomainError carries a machine-readable code, the offending field (if any) and a message in
Chinese and English, so the API can answer 4xx with all three and pages can show the message in
the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field


@dataclass
class DomainError(Exception):
    code: str
    message_zh: str
    message_en: str
    field: str | None = None
    status: int = 400
    details: dict = dc_field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.message_en}")

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh

    def as_dict(self) -> dict:
        body = {
            "code": self.code,
            "field": self.field,
            "message": {"zh": self.message_zh, "en": self.message_en},
        }
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    def __init__(self, what_zh: str, what_en: str, field: str | None = None):
        super().__init__("not_found", f"{what_zh}不存在", f"{what_en} not found", field, 404)


class Forbidden(DomainError):
    def __init__(self, message_zh: str = "无权执行此操作", message_en: str = "You may not do this"):
        super().__init__("forbidden", message_zh, message_en, None, 403)


class Conflict(DomainError):
    def __init__(self, code: str, message_zh: str, message_en: str, field: str | None = None):
        super().__init__(code, message_zh, message_en, field, 409)
