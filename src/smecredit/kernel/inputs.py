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


_JSON_REASONS = {
    "Expecting value": "此处缺少取值",
    "Expecting property name enclosed in double quotes": "字段名须用英文双引号括起",
    "Expecting ',' delimiter": "缺少英文逗号",
    "Expecting ':' delimiter": "缺少英文冒号",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid control character at": "字符串中有控制字符",
    "Invalid \\escape": "反斜杠转义无效",
    "Invalid \\uXXXX escape": "\\u 转义须跟 4 位十六进制数",
}


def json_syntax_error(what_zh: str, what_en: str, exc) -> Text:
    """Where and why a JSON text does not parse, in Chinese and English (the parser speaks English only).
    `exc` is a json.JSONDecodeError; `what_*` names the text, e.g. "映射" / "The mapping"."""
    reason_zh = _JSON_REASONS.get(exc.msg, "格式不正确")
    return Text(f"{what_zh}不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{reason_zh}",
                f"{what_en} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")

