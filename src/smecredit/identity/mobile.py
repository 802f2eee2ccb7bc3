"""Mainland China mobile numbers (11 digits, 1[3-9]…): normalise what people type, refuse the rest.
Pure. The number is personal information: stored encrypted with a blind index, shown masked."""

from __future__ import annotations

import re

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import mask_phone

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise_mobile(text: str | None, *, field: str = "mobile") -> str:
    """"+86 138-0013-8000", "0086 13800138000", "13800138000" → "13800138000"."""
    raw = _SEPARATORS.sub("", (text or "").strip())
    for prefix in ("+86", "0086", "86"):
        if raw.startswith(prefix) and len(raw) == len(prefix) + 11:
            raw = raw[len(prefix):]
            break
    if not _MOBILE.fullmatch(raw):
        raise Invalid("invalid_mobile", Text("请输入 11 位中国大陆手机号码", "Enter an 11-digit mainland China mobile number"),
                      field)
    return raw


def looks_like_mobile(text: str | None) -> bool:
    try:
        normalise_mobile(text)
    except Invalid:
        return False
    return True


def mask_mobile(mobile: str) -> str:
    return mask_phone(mobile)
