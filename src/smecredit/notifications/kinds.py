"""What a notification tells (pure: no database, no web). Stages define their kinds next to their
events and hand them to `inbox.notify`."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any, Mapping

from smecredit.kernel.text import Text

CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_CODE = 40  # the outbox keeps it as the SMS's template name


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def value_in(value: Any, lang: str) -> str:
    """A parameter as one language reads it: a `Text` gives each language its own wording."""
    if isinstance(value, Text):
        return value.pick(lang)
    return str(value)


@dataclass(frozen=True)
class NotificationKind:
    """Its code (``stage.event``, lower case, at most 40 characters), title and body in both
    languages with ``{name}`` placeholders (the same in both), whether it also goes out by SMS to
    a user with a mobile, and a default link (a path on this site; placeholders allowed)."""

    code: str
    title: Text
    body: Text
    sms: bool = False
    link: str | None = None

    def __post_init__(self) -> None:
        if not CODE.match(self.code) or len(self.code) > MAX_CODE:
            raise ValueError(f"notification kind code {self.code!r}: 'stage.event', lower case, at most {MAX_CODE} characters")
        for text in (self.title, self.body):
            if _fields(text.zh) != _fields(text.en):
                raise ValueError(f"{self.code}: the Chinese and English texts use different placeholders")

    @property
    def placeholders(self) -> set[str]:
        return _fields(self.title.zh) | _fields(self.body.zh) | _fields(self.link or "")

    def render(self, params: Mapping[str, Any]) -> tuple[Text, Text]:
        """Title and body with the values put in, in both languages."""
        missing = self.placeholders - set(params)
        if missing:
            raise ValueError(f"{self.code}: missing values for {sorted(missing)}")

        def fill(template: str, lang: str) -> str:
            return template.format_map({k: value_in(v, lang) for k, v in params.items()})

        return (Text(fill(self.title.zh, "zh"), fill(self.title.en, "en")),
                Text(fill(self.body.zh, "zh"), fill(self.body.en, "en")))

    @staticmethod
    def sms_text(title: Text, body: Text, *, sign: str) -> str:
        """The SMS of a notification: the sender's signature (短信签名), then Chinese, then English."""
        return f"【{sign}】{title.zh}：{body.zh} {title.en}: {body.en}"
