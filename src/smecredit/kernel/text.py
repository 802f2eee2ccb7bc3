"""One bilingual text type for every label and message a person reads: Chinese first, English.

Identifiers are English; what users see is `Text(zh, en)`, picked by the page's language, or both
(`str(text)` is "中文 / English", for logs and command lines).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def pick(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    __call__ = pick

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def prefixed(self, zh: str, en: str) -> "Text":
        """This text after a label in each language (``标签：文本`` / ``label: text``)."""
        return Text(f"{zh}{self.zh}", f"{en}{self.en}")

    @staticmethod
    def join(parts: "list[Text] | tuple[Text, ...]", *, sep_zh: str = "；", sep_en: str = "; ") -> "Text":
        return Text(sep_zh.join(p.zh for p in parts), sep_en.join(p.en for p in parts))


def text_of(value: "Text | tuple[str, str] | dict") -> Text:
    """A Text from the shapes data files and payloads carry ((zh, en) pairs, {"zh", "en"} dicts)."""
    if isinstance(value, Text):
        return value
    if isinstance(value, dict):
        return Text(str(value.get("zh", "")), str(value.get("en", "")))
    zh, en = value
    return Text(zh, en)
