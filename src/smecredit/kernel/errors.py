"""The few kinds of error a use case can end in. They carry no HTTP status: the web edge maps each
kind to one (`web/errors.py`), the command line to an exit code.

Every error has a machine-readable code, the offending field (if any), a `Text` message in
Chinese and English, and optional details (e.g. every bad line of a rejected file).
"""

from __future__ import annotations

from typing import Any

from smecredit.kernel.text import Text


class DomainError(Exception):
    """Base class; raise one of the kinds below.

    ``keep_changes``: the refused attempt is itself a fact to keep (a wrong password counts towards
    the lockout), so the edge commits what the use case recorded before answering with the error.
    """

    keep_changes = False

    def __init__(self, code: str, message: Text, field: str | None = None, details: dict[str, Any] | None = None):
        if not isinstance(message, Text):
            raise TypeError("message must be a Text")
        super().__init__(f"{code}: {message.en}")
        self.code = code
        self.message = message
        self.field = field
        self.details: dict[str, Any] = dict(details or {})

    @property
    def message_zh(self) -> str:
        return self.message.zh

    @property
    def message_en(self) -> str:
        return self.message.en

    def text(self, lang: str) -> str:
        return self.message.pick(lang)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "field": self.field, "message": self.message.as_dict()}
        if self.details:
            body["details"] = self.details
        return body

    def kept(self) -> "DomainError":
        """This error, with what the use case recorded before it committed anyway."""
        self.keep_changes = True
        return self

    def with_field(self, field: str | None) -> "DomainError":
        """The same error about another field (e.g. a nested form's ``legal_rep.id_number``)."""
        self.field = field
        return self


class Invalid(DomainError):
    """The input breaks a rule: a bad value, a missing field, a file that does not parse."""


class Unauthenticated(DomainError):
    """Nobody is signed in, or the credentials are wrong."""


class Forbidden(DomainError):
    """The signed-in user may not do this."""


class NotFound(DomainError):
    """No such thing, or not one the user may know about (the answer is the same)."""


class Conflict(DomainError):
    """The request is valid but clashes with the current state (taken, already done, changed meanwhile)."""


class Locked(DomainError):
    """The account (or thing) is locked for a while."""


class TooLarge(DomainError):
    """The request or file is larger than allowed."""


class RateLimited(DomainError):
    """Too many attempts; try again later."""


class Unavailable(DomainError):
    """An outside provider or the platform's own safeguard refuses for now (e.g. a rewritten log)."""


def not_found(what: Text, field: str | None = None) -> NotFound:
    return NotFound("not_found", Text(f"{what.zh}不存在", f"{what.en} not found"), field)


def forbidden(message: Text | None = None) -> Forbidden:
    return Forbidden("forbidden", message or Text("无权执行此操作", "You may not do this"))


def required(field: str, label: Text | None = None) -> Invalid:
    if label is None:
        return Invalid("required", Text("必填", "Required"), field)
    return Invalid("required", Text(f"请填写{label.zh}", f"{label.en} is required"), field)


class Collector:
    """Check several fields and report every problem at once (forms show each next to its field).

    ``value = errors.check(rule, *args)`` runs one rule; an `Invalid` it raises is kept (the value
    is then None) and the next rule runs. ``errors.raise_if_any()`` raises one `Invalid` whose
    ``details["errors"]`` lists them all, the first as its field and message.
    """

    def __init__(self) -> None:
        self.errors: list[Invalid] = []

    def check(self, rule, *args, **kwargs):
        try:
            return rule(*args, **kwargs)
        except Invalid as error:
            self.errors.append(error)
            return None

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        if len(self.errors) == 1:
            raise self.errors[0]
        first = self.errors[0]
        listed = [{"field": e.field, "code": e.code, "message": e.message.as_dict()} for e in self.errors]
        raise Invalid("invalid_input", Text(f"请修正 {len(listed)} 处输入：{first.message.zh}",
                                            f"Correct {len(listed)} inputs: {first.message.en}"),
                      first.field, {"errors": listed})
