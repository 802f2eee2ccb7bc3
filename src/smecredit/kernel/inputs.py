"""Text that people type, checked the same way everywhere: trimmed, NFC-normalised, bounded, and
free of characters that forge or hide what is shown (control characters such as CR/LF and NUL,
bidirectional overrides, zero-width characters). Pure."""

from __future__ import annotations

import re
import unicodedata

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

# C0/C1 controls (tab allowed only in free text), bidirectional embeddings/overrides/isolates,
# zero-width and other invisible formatting characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
_FORBIDDEN_IN_NAMES = re.compile(_FORBIDDEN.pattern[:-1] + "\t]")


def clean_text(value: str | None, field: str, *, required: bool = False, max_len: int = 200,
               label: Text | None = None, name: bool = True) -> str | None:
    """The text as it will be stored, or None when empty; `Invalid` naming the field otherwise.

    ``name``: a name or one-line value (no tabs either); free text keeps tabs but still refuses
    line breaks' look-alikes and invisible characters.
    """
    text = unicodedata.normalize("NFC", value or "").strip()
    if not text:
        if required:
            if label is None:
                raise Invalid("required", Text("必填", "Required"), field)
            raise Invalid("required", Text(f"请填写{label.zh}", f"{label.en} is required"), field)
        return None
    if (_FORBIDDEN_IN_NAMES if name else _FORBIDDEN).search(text):
        raise Invalid("invalid_characters",
                      Text("含有不允许的字符（换行、控制字符、不可见字符或文字方向控制符）",
                           "Contains characters that are not allowed (line breaks, control, invisible or "
                           "text-direction characters)"), field)
    if len(text) > max_len:
        raise Invalid("too_long", Text(f"不能超过 {max_len} 个字符", f"At most {max_len} characters"), field)
    return text


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell value that a spreadsheet will not run as a formula (CSV/XLSX exports): text starting
    with = + - @ (or a tab/CR) gets a leading apostrophe, as OWASP recommends."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value
