"""公民身份号码 (citizen identity number) — GB 11643-1999, and display masking of personal data.

Layout (18 characters)::

    pos 1–6    address code (GB/T 2260)
    pos 7–14   birth date YYYYMMDD
    pos 15–17  sequence code; odd for men, even for women (the 17th digit decides)
    pos 18     check character, ISO 7064 MOD 11-2

Check: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 for positions 1–17,
``c = (12 − Σ a_i·W_i mod 11) mod 11``; the value 10 is written ``X`` (lower-case ``x`` accepted).

Only the province part of the address code is checked (see :mod:`.regions`). Residence-permit
numbers of Hong Kong/Macao/Taiwan residents (港澳台居民居住证) follow the same layout with address
codes 810000/820000/830000; 830000 is accepted as 台湾 even though 83 is not a GB/T 2260 province.
The obsolete 15-digit numbers fail with reason ``length``.

The number is personal information under 个人信息保护法: store it encrypted, show it masked
(:func:`mask_resident_id`), log every reveal. Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.standards.regions import Region, region

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REASONS = ("length", "charset", "region", "birth_date", "check_character")
# Earliest birth year accepted: the 1999 numbers were issued to living people.
EARLIEST_BIRTH = date(1900, 1, 1)
_TAIWAN_RESIDENCE_PERMIT = "830000"


@dataclass(frozen=True)
class ResidentIdResult:
    """Outcome of :func:`validate_resident_id`: what was parsed and the first failed check."""

    number: str
    valid: bool
    reason: str | None
    reason_zh: str | None
    reason_en: str | None
    region_code: str | None
    region: Region | None
    birth_date: date | None
    sex: str | None  # 'M' or 'F', from the parity of the 17th digit

    def as_dict(self) -> dict:
        return {
            "number": mask_resident_id(self.number),
            "valid": self.valid,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "region": self.region.as_dict() if self.region else None,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
        }


def resident_id_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (GB 11643-1999)."""
    head = first17.strip()
    if len(head) != 17 or not (head.isascii() and head.isdigit()):
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(head, WEIGHTS))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def _region(code6: str) -> Region:
    if code6 == _TAIWAN_RESIDENCE_PERMIT:
        return Region(code6, "83", "台湾（居住证）", "Taiwan (residence permit)")
    return region(code6)


def _parse_birth(text: str) -> date | None:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def validate_resident_id(number: str, *, today: date | None = None) -> ResidentIdResult:
    """Check an 18-character resident identity number; never raises for a bad number.

    Checks in order: length → character set → region (province of the address code) →
    birth date (a real date, not before 1900, not after ``today``) → check character.
    ``today`` defaults to the system date; pass it to make results reproducible.
    """
    text = (number if isinstance(number, str) else str(number)).strip().upper()
    today = today or date.today()

    digits17 = len(text) >= 17 and text[:17].isascii() and text[:17].isdigit()
    region_code = text[:6] if len(text) >= 6 and text[:6].isascii() and text[:6].isdigit() else None
    reg = _region(region_code) if region_code else None
    birth = (
        _parse_birth(text[6:14])
        if len(text) >= 14 and text[6:14].isascii() and text[6:14].isdigit()
        else None
    )
    sex = ("M" if int(text[16]) % 2 else "F") if digits17 else None

    def fail(reason: str, zh: str, en: str) -> ResidentIdResult:
        return ResidentIdResult(text, False, reason, zh, en, region_code, reg, birth, sex)

    if len(text) != 18:
        old_style = len(text) == 15
        note_zh = "（15 位旧号码请换用 18 位号码）" if old_style else ""
        note_en = " (15-digit numbers are obsolete; use the 18-digit number)" if old_style else ""
        return fail(
            "length",
            f"公民身份号码应为 18 位，实际为 {len(text)} 位{note_zh}",
            f"must be 18 characters long, got {len(text)}{note_en}",
        )

    for pos, ch in enumerate(text, start=1):
        ok = (ch.isascii() and ch.isdigit()) or (pos == 18 and ch == "X")
        if not ok:
            allowed_zh = "数字或 X" if pos == 18 else "数字"
            allowed_en = "a digit or X" if pos == 18 else "a digit"
            return fail(
                "charset",
                f"第 {pos} 位字符 '{ch}' 无效，应为{allowed_zh}",
                f"character '{ch}' at position {pos} is not valid; expected {allowed_en}",
            )

    if reg is None or not reg.known:
        return fail(
            "region",
            f"前 6 位地址码 '{text[:6]}' 的省级代码 '{text[:2]}' 不存在（GB/T 2260）",
            f"address code '{text[:6]}' has no province-level code '{text[:2]}' (GB/T 2260)",
        )

    if birth is None or birth < EARLIEST_BIRTH or birth > today:
        why_zh = "不是有效日期" if birth is None else "超出合理范围"
        why_en = "is not a real date" if birth is None else "is out of range"
        return fail(
            "birth_date",
            f"第 7–14 位出生日期 '{text[6:14]}' {why_zh}",
            f"birth date '{text[6:14]}' at positions 7–14 {why_en}",
        )

    expected = resident_id_check_character(text[:17])
    if text[17] != expected:
        return fail(
            "check_character",
            f"第 18 位校验码应为 '{expected}'，实际为 '{text[17]}'",
            f"check character at position 18 should be '{expected}', got '{text[17]}'",
        )

    return ResidentIdResult(text, True, None, None, None, region_code, reg, birth, sex)


def make_resident_id(region6: str, birth: date, seq3: int | str) -> str:
    """Build a valid number from address code, birth date and 3-digit sequence (odd = male)."""
    seq = f"{int(seq3):03d}" if isinstance(seq3, int) else seq3
    if len(seq) != 3 or not seq.isdigit():
        raise ValueError(f"sequence must be 3 digits (0–999), got {seq3!r}")
    first17 = f"{region6}{birth:%Y%m%d}{seq}"
    number = first17 + resident_id_check_character(first17)
    result = validate_resident_id(number, today=max(birth, date.today()))
    if not result.valid:
        raise ValueError(f"cannot build a valid resident ID: {result.reason_en}")
    return number


def require_valid_resident_id(
    number: str, field: str = "resident_id", *, today: date | None = None
) -> ResidentIdResult:
    """Validate, or raise ``DomainError('invalid_resident_id', field=field)``.

    The message never repeats the number in full: it is personal information.
    """
    result = validate_resident_id(number, today=today)
    if not result.valid:
        masked = mask_resident_id(result.number)
        raise Invalid("invalid_resident_id", Text(f"公民身份号码 {masked} 无效：{result.reason_zh}", f"Resident identity number {masked} is invalid: {result.reason_en}"), field, {"reason": result.reason})
    return result


def age_on(number: str, on: date) -> int:
    """Age in full years (周岁) on ``on``; a 29 February birthday counts from 1 March.

    Raises ``DomainError('invalid_resident_id')`` for an invalid number.
    """
    birth = require_valid_resident_id(number, today=max(on, date.today())).birth_date
    assert birth is not None  # a valid number always has one
    if on < birth:
        raise Invalid("invalid_date", Text("计算日期早于出生日期", "The date is before the date of birth"), "on")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- masking -------------------------------------------------------------------------------
# Display masking only: it hides the value on screens and in logs, it is not anonymisation.


def _mask_middle(text: str, keep_head: int, keep_tail: int) -> str:
    if len(text) <= keep_head + keep_tail:
        # Too short to show anything without revealing most of it.
        return "*" * len(text)
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]


def mask_resident_id(number: str) -> str:
    """First 3 + asterisks + last 4: ``110105199001011234`` → ``110***********1234``."""
    return _mask_middle((number or "").strip().upper(), 3, 4)


def mask_phone(phone: str) -> str:
    """First 3 + asterisks + last 4: ``13812345678`` → ``138****5678``."""
    return _mask_middle((phone or "").strip(), 3, 4)


def mask_name(name: str) -> str:
    """Keep the first character (usually the surname): ``张三丰`` → ``张**``, ``张三`` → ``张*``; at most
    three stars, so a long display name (``客户经理 王敏 Officer Wang``) reads ``客***``, not a row of stars."""
    text = (name or "").strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * min(len(text) - 1, 3)


__all__ = [
    "REASONS",
    "ResidentIdResult",
    "age_on",
    "make_resident_id",
    "mask_name",
    "mask_phone",
    "mask_resident_id",
    "require_valid_resident_id",
    "resident_id_check_character",
    "validate_resident_id",
]
