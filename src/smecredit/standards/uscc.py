"""统一社会信用代码 (Unified Social Credit Code, USCC) — GB 32100-2015.

Layout (18 characters)::

    pos 1      登记管理部门码   registration department (1–9, A, N, Y)
    pos 2      机构类别码       organisation category under that department
    pos 3–8    登记管理机关行政区划码  GB/T 2260 region of the registering authority
    pos 9–17   主体标识码 = 组织机构代码 (GB 11714-1997): 8 body characters + check at pos 17
    pos 18     校验码           check character over positions 1–17

Character set (31 symbols, in value order): ``0123456789ABCDEFGHJKLMNPQRTUWXY`` — I, O, S, V, Z
are never used. Final check: weights ``W_i = 3^(i-1) mod 31``,
``C18 = (31 − Σ C_i·W_i mod 31) mod 31``. Embedded organisation code (GB 11714-1997): values 0–9,
A=10 … Z=35 (full alphabet), weights 3 7 9 10 5 8 4 2, ``C9 = 11 − (Σ mod 11)``, 10 → X, 11 → 0.

Worked example from the standard: ``91350100M000100Y43`` is valid (weighted sum 1640).

Category leniency (documented choice): for departments 1, 5, 9 and Y the platform's reference
table (docs/standards.md §1) is explicit and is applied strictly. For the other departments
(2, 3, 4, 6, 7, 8, A, N) we accept the categories published in GB 32100 (e.g. 3 司法行政 has
1–5 and 9) **and** also 1, 2, 3 and 9 for every one of them, so that a category we have not
seen yet is never rejected on a borrower's guarantor or counterparty; unknown-but-accepted
categories are named "未列明类别". The checksums still catch typing errors.

Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.standards.regions import Region
from smecredit.standards.regions import region as _region_of

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
# W_i = 3^(i-1) mod 31, i = 1..17 → 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

REASONS = (
    "length",
    "charset",
    "department",
    "category",
    "region",
    "org_code_check",
    "check_character",
)


@dataclass(frozen=True)
class CodeName:
    """A one-character code with its Chinese and English name."""

    code: str
    name_zh: str
    name_en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en}


DEPARTMENTS: dict[str, CodeName] = {
    c.code: c
    for c in (
        CodeName("1", "机构编制", "Public-sector establishment (机构编制)"),
        CodeName("2", "外交", "Foreign affairs"),
        CodeName("3", "司法行政", "Judicial administration"),
        CodeName("4", "文化", "Culture"),
        CodeName("5", "民政", "Civil affairs"),
        CodeName("6", "旅游", "Tourism"),
        CodeName("7", "宗教", "Religious affairs"),
        CodeName("8", "工会", "Trade unions"),
        CodeName("9", "工商/市场监管", "Market regulation (industry and commerce)"),
        CodeName("A", "中央军委改革和编制办公室", "CMC Reform and Establishment Office"),
        CodeName("N", "农业", "Agriculture"),
        CodeName("Y", "其他", "Other"),
    )
}

# Category tables per department (GB 32100-2015 and its amendment adding A and N).
_CATEGORY_ROWS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "1": (
        ("1", "机关", "Government organ"),
        ("2", "事业单位", "Public institution"),
        ("3", "群众团体", "Mass organisation"),
        ("9", "其他", "Other"),
    ),
    "2": (("1", "外国常住新闻机构", "Resident foreign news agency"), ("9", "其他", "Other")),
    "3": (
        ("1", "律师执业机构", "Law firm"),
        ("2", "公证处", "Notary office"),
        ("3", "基层法律服务所", "Grassroots legal service office"),
        ("4", "司法鉴定机构", "Forensic appraisal institution"),
        ("5", "仲裁委员会", "Arbitration commission"),
        ("9", "其他", "Other"),
    ),
    "4": (("1", "外国在华文化中心", "Foreign cultural centre in China"), ("9", "其他", "Other")),
    "5": (
        ("1", "社会团体", "Social organisation"),
        ("2", "民办非企业", "Private non-enterprise unit"),
        ("3", "基金会", "Foundation"),
        ("9", "其他", "Other"),
    ),
    "6": (
        ("1", "外国旅游部门常驻代表机构", "Resident office of a foreign tourism authority"),
        ("2", "港澳台地区旅游部门常驻内地（大陆）代表机构",
         "Resident office of a Hong Kong/Macao/Taiwan tourism authority"),
        ("9", "其他", "Other"),
    ),
    "7": (
        ("1", "宗教活动场所", "Place of religious activity"),
        ("2", "宗教院校", "Religious school"),
        ("9", "其他", "Other"),
    ),
    "8": (("1", "基层工会", "Grassroots trade union"), ("9", "其他", "Other")),
    "9": (
        ("1", "企业", "Enterprise"),
        ("2", "个体工商户", "Individual business"),
        ("3", "农民专业合作社", "Farmers' specialised cooperative"),
    ),
    "A": (("1", "军队事业单位", "Military public institution"), ("9", "其他", "Other")),
    "N": (
        ("1", "组级集体经济组织", "Group-level collective economic organisation"),
        ("2", "村级集体经济组织", "Village-level collective economic organisation"),
        ("3", "乡镇级集体经济组织", "Township-level collective economic organisation"),
        ("9", "其他", "Other"),
    ),
    "Y": (("1", "其他", "Other (not subdivided)"),),
}
CATEGORIES: dict[str, dict[str, CodeName]] = {
    dept: {code: CodeName(code, zh, en) for code, zh, en in rows}
    for dept, rows in _CATEGORY_ROWS.items()
}
# Departments whose category table docs/standards.md states explicitly: applied strictly.
_STRICT_DEPARTMENTS = frozenset({"1", "5", "9", "Y"})
_LENIENT_EXTRA = ("1", "2", "3", "9")


def _category(department: str, category: str) -> CodeName | None:
    """The category under a department, or None when it is not accepted there."""
    table = CATEGORIES.get(department)
    if table is None:
        return None
    if category in table:
        return table[category]
    if department not in _STRICT_DEPARTMENTS and category in _LENIENT_EXTRA:
        return CodeName(category, "未列明类别", "Unlisted category")
    return None


@dataclass(frozen=True)
class UsccResult:
    """Outcome of :func:`validate_uscc`: what was parsed, and the first check that failed."""

    code: str
    valid: bool
    reason: str | None
    reason_zh: str | None
    reason_en: str | None
    department: CodeName | None
    category: CodeName | None
    region: Region | None
    org_code: str | None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "valid": self.valid,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "department": self.department.as_dict() if self.department else None,
            "category": self.category.as_dict() if self.category else None,
            "region": self.region.as_dict() if self.region else None,
            "org_code": self.org_code,
        }


def _org_value(ch: str) -> int:
    # GB 11714 uses the full alphabet: A=10 … Z=35 (unlike the 31-symbol USCC set).
    if ch.isdigit():
        return int(ch)
    return ord(ch) - ord("A") + 10


def org_code_check_character(body8: str) -> str:
    """GB 11714-1997 check character for an 8-character organisation-code body.

    ``C9 = 11 − (Σ C_i·W_i mod 11)`` with weights 3 7 9 10 5 8 4 2; 10 → 'X', 11 → '0'.
    """
    body = body8.strip().upper()
    if len(body) != 8 or not all(c.isdigit() or "A" <= c <= "Z" for c in body):
        raise ValueError(f"organisation-code body must be 8 characters 0-9/A-Z, got {body8!r}")
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS))
    c9 = 11 - total % 11
    if c9 == 10:
        return "X"
    if c9 == 11:
        return "0"
    return str(c9)


def _weighted_sum(first17: str) -> int:
    return sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))


def uscc_check_character(first17: str) -> str:
    """GB 32100-2015 check character (position 18) for the first 17 characters."""
    head = first17.strip().upper()
    if len(head) != 17 or any(c not in _VALUE for c in head):
        raise ValueError(f"need 17 characters from {CHARSET}, got {first17!r}")
    return CHARSET[(31 - _weighted_sum(head) % 31) % 31]


def make_uscc(department: str, category: str, region: str, org_body8: str) -> str:
    """Build a valid USCC: both check characters are computed.

    ``make_uscc('9', '1', '350100', 'M000100Y') == '91350100M000100Y43'``.
    """
    body = org_body8.upper()
    if any(c not in _VALUE for c in body):
        raise ValueError(f"organisation-code body must use the USCC character set: {org_body8!r}")
    first17 = f"{department}{category}{region}{body}{org_code_check_character(body)}".upper()
    code = first17 + uscc_check_character(first17)
    result = validate_uscc(code)
    if not result.valid:
        raise ValueError(f"cannot build a valid USCC from these parts: {result.reason_en}")
    return code


def _fail(
    code: str,
    reason: str,
    zh: str,
    en: str,
    parts: dict,
) -> UsccResult:
    return UsccResult(code, False, reason, zh, en, **parts)


def validate_uscc(code: str) -> UsccResult:
    """Check a USCC against GB 32100-2015; never raises for a bad code.

    Checks in order: length → character set (positions 1–17) → department → category →
    region → embedded organisation-code check (pos 17) → final check character (pos 18).
    ``reason`` names the first that failed; whatever could be parsed is still returned. A symbol
    outside the character set at position 18 is reported as ``check_character``.
    """
    text = (code if isinstance(code, str) else str(code)).strip().upper()

    dept = DEPARTMENTS.get(text[:1]) if text else None
    cat = _category(text[0], text[1]) if len(text) >= 2 and dept else None
    reg = _region_of(text[2:8], allow_central=True) if len(text) >= 8 else None
    org = text[8:17] if len(text) >= 17 else None
    parts = {"department": dept, "category": cat, "region": reg, "org_code": org}

    if len(text) != 18:
        return _fail(
            text, "length",
            f"长度应为 18 位，实际为 {len(text)} 位",
            f"must be 18 characters long, got {len(text)}",
            parts,
        )

    # Positions 1–17 only: a wrong symbol at position 18 is a wrong check character (the
    # standard's own counter-example 91350100M000100Y4Z fails there, on its 'Z').
    for pos, ch in enumerate(text[:17], start=1):
        if ch not in _VALUE:
            hint_zh = "（不使用 I、O、S、V、Z）" if ch in "IOSVZ" else ""
            hint_en = " (I, O, S, V and Z are never used)" if ch in "IOSVZ" else ""
            return _fail(
                text, "charset",
                f"第 {pos} 位字符 '{ch}' 不在统一社会信用代码字符集中{hint_zh}",
                f"character '{ch}' at position {pos} is not in the USCC character set{hint_en}",
                parts,
            )

    if dept is None:
        return _fail(
            text, "department",
            f"第 1 位登记管理部门码 '{text[0]}' 无效（应为 1–9、A、N、Y）",
            f"registration department code '{text[0]}' at position 1 is not valid "
            "(expected 1–9, A, N or Y)",
            parts,
        )

    if cat is None:
        allowed = sorted(set(CATEGORIES[text[0]])
                         | (set() if text[0] in _STRICT_DEPARTMENTS else set(_LENIENT_EXTRA)))
        return _fail(
            text, "category",
            f"第 2 位机构类别码 '{text[1]}' 在登记管理部门 {text[0]}（{dept.name_zh}）下无效"
            f"（可用：{'、'.join(allowed)}）",
            f"organisation category '{text[1]}' at position 2 is not valid under registration "
            f"department {text[0]} ({dept.name_en}); allowed: {', '.join(allowed)}",
            parts,
        )

    region_code = text[2:8]
    if not region_code.isdigit():
        return _fail(
            text, "region",
            f"第 3–8 位行政区划码 '{region_code}' 应为 6 位数字",
            f"region code '{region_code}' at positions 3–8 must be 6 digits",
            parts,
        )
    if reg is None or not reg.known:
        return _fail(
            text, "region",
            f"第 3–8 位行政区划码 '{region_code}' 的省级代码 '{region_code[:2]}' 不存在（GB/T 2260）",
            f"region code '{region_code}' at positions 3–8 has no province-level code "
            f"'{region_code[:2]}' (GB/T 2260)",
            parts,
        )

    expected_org = org_code_check_character(text[8:16])
    if text[16] != expected_org:
        return _fail(
            text, "org_code_check",
            f"第 17 位组织机构代码校验码应为 '{expected_org}'，实际为 '{text[16]}'（GB 11714）",
            f"organisation-code check character at position 17 should be '{expected_org}', "
            f"got '{text[16]}' (GB 11714)",
            parts,
        )

    expected = uscc_check_character(text[:17])
    if text[17] != expected:
        outside = text[17] not in _VALUE
        return _fail(
            text, "check_character",
            f"第 18 位校验码应为 '{expected}'，实际为 '{text[17]}'"
            + ("（该字符不在字符集中）" if outside else ""),
            f"check character at position 18 should be '{expected}', got '{text[17]}'"
            + (" (not in the USCC character set)" if outside else ""),
            parts,
        )

    return UsccResult(text, True, None, None, None, **parts)


def require_valid_uscc(code: str) -> UsccResult:
    """Validate and return the result, or raise ``DomainError('invalid_uscc', field='uscc')``."""
    result = validate_uscc(code)
    if not result.valid:
        raise Invalid("invalid_uscc", Text(f"统一社会信用代码 {result.code} 无效：{result.reason_zh}", f"Unified social credit code {result.code} is invalid: {result.reason_en}"), "uscc", {"reason": result.reason})
    return result


__all__ = [
    "CATEGORIES",
    "CHARSET",
    "DEPARTMENTS",
    "REASONS",
    "CodeName",
    "UsccResult",
    "make_uscc",
    "org_code_check_character",
    "require_valid_uscc",
    "uscc_check_character",
    "validate_uscc",
]
