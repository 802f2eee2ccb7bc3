"""中小企业划型 (SME size classification) — 《中小企业划型标准规定》工信部联企业〔2011〕300号.

Indicators: X = 从业人员 (employees, persons), Y = 营业收入 (revenue, 万元),
Z = 资产总额 (total assets, 万元). Each industry uses one or two of them.

Semantics (国家统计局: 大中小型须同时满足所列指标的下限，否则下划一档):

* 大型 — at or above **every** 中小微 upper bound (the upper-bound column "X<1000 or Y<40000"
  is an "or": the firm is an SME when any of those conditions holds);
* 中型 / 小型 — **all** listed indicators at or above that class's floor;
* 微型 — **any** indicator below the 小型 floor.

The table is data (:data:`THRESHOLDS`), evaluated by one function; no per-industry code.
Pure: standard library only. Money indicators are ``Decimal``, never ``float``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.text import Text


class Industry(StrEnum):
    """The 16 industry rows of the 2011 table; values are the API/CLI keys."""

    AGRICULTURE = "agriculture"
    INDUSTRY = "industry"
    CONSTRUCTION = "construction"
    WHOLESALE = "wholesale"
    RETAIL = "retail"
    TRANSPORT = "transport"
    WAREHOUSING = "warehousing"
    POSTAL = "postal"
    ACCOMMODATION = "accommodation"
    CATERING = "catering"
    INFORMATION_TRANSMISSION = "information_transmission"
    SOFTWARE_IT = "software_it"
    REAL_ESTATE_DEVELOPMENT = "real_estate_development"
    PROPERTY_MANAGEMENT = "property_management"
    LEASING_BUSINESS_SERVICES = "leasing_business_services"
    OTHER = "other"

    @property
    def zh(self) -> str:
        return _INDUSTRY_NAMES[self][0]

    @property
    def en(self) -> str:
        return _INDUSTRY_NAMES[self][1]

    @classmethod
    def parse(cls, text: str | Industry) -> Industry:
        """Key (``software_it``, also ``software-it``), Chinese name as in the table, or alias.

        Raises ``DomainError('unknown_industry', field='industry')`` listing the valid keys.
        """
        if isinstance(text, Industry):
            return text
        raw = str(text or "").strip()
        key = raw.lower().replace("-", "_").replace(" ", "_")
        if key in cls._value2member_map_:
            return cls(key)
        found = _ALIASES.get(_normalise_zh(raw))
        if found is not None:
            return found
        keys = ", ".join(m.value for m in cls)
        raise Invalid("unknown_industry", Text(f"未知行业 '{raw}'，可用：{keys}（或表中的中文行业名称）", f"Unknown industry '{raw}'; valid keys: {keys} (or the Chinese name)"), "industry", {"valid": [m.value for m in cls]})


# (Chinese name exactly as in the 2011 table, English name)
_INDUSTRY_NAMES: dict[Industry, tuple[str, str]] = {
    Industry.AGRICULTURE: ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    Industry.INDUSTRY: ("工业", "Industry"),
    Industry.CONSTRUCTION: ("建筑业", "Construction"),
    Industry.WHOLESALE: ("批发业", "Wholesale"),
    Industry.RETAIL: ("零售业", "Retail"),
    Industry.TRANSPORT: ("交通运输业", "Transport"),
    Industry.WAREHOUSING: ("仓储业", "Warehousing"),
    Industry.POSTAL: ("邮政业", "Postal services"),
    Industry.ACCOMMODATION: ("住宿业", "Accommodation"),
    Industry.CATERING: ("餐饮业", "Catering"),
    Industry.INFORMATION_TRANSMISSION: ("信息传输业", "Information transmission"),
    Industry.SOFTWARE_IT: ("软件和信息技术服务业", "Software and information technology services"),
    Industry.REAL_ESTATE_DEVELOPMENT: ("房地产开发经营", "Real estate development"),
    Industry.PROPERTY_MANAGEMENT: ("物业管理", "Property management"),
    Industry.LEASING_BUSINESS_SERVICES: ("租赁和商务服务业", "Leasing and business services"),
    Industry.OTHER: ("其他未列明行业", "Other industries not listed"),
}


def _normalise_zh(text: str) -> str:
    # "农、林、牧、渔业" and "农林牧渔业" are the same name; drop list punctuation and spaces.
    for ch in "、，, \u3000":
        text = text.replace(ch, "")
    return text.lower()


_EXTRA_ALIASES: dict[str, Industry] = {
    "农林牧渔": Industry.AGRICULTURE,
    # The 2011 rules define 工业 as 采矿业, 制造业, 电力、热力、燃气及水生产和供应业.
    "制造业": Industry.INDUSTRY,
    "采矿业": Industry.INDUSTRY,
    "电力热力燃气及水生产和供应业": Industry.INDUSTRY,
    "交通运输": Industry.TRANSPORT,
    "仓储": Industry.WAREHOUSING,
    "邮政": Industry.POSTAL,
    "住宿": Industry.ACCOMMODATION,
    "餐饮": Industry.CATERING,
    "信息传输": Industry.INFORMATION_TRANSMISSION,
    "软件和信息技术服务": Industry.SOFTWARE_IT,
    "软件业": Industry.SOFTWARE_IT,
    "房地产开发": Industry.REAL_ESTATE_DEVELOPMENT,
    "房地产开发经营业": Industry.REAL_ESTATE_DEVELOPMENT,
    "物业管理业": Industry.PROPERTY_MANAGEMENT,
    "租赁和商务服务": Industry.LEASING_BUSINESS_SERVICES,
    "其他": Industry.OTHER,
    "其他行业": Industry.OTHER,
}
_ALIASES: dict[str, Industry] = {
    **{_normalise_zh(zh): ind for ind, (zh, _en) in _INDUSTRY_NAMES.items()},
    **{_normalise_zh(en): ind for ind, (_zh, en) in _INDUSTRY_NAMES.items()},
    **{_normalise_zh(alias): ind for alias, ind in _EXTRA_ALIASES.items()},
}


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"

    @property
    def zh(self) -> str:
        return {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}[self.value]

    @property
    def en(self) -> str:
        return self.value


EMPLOYEES, REVENUE, ASSETS = "employees", "revenue", "assets"
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    EMPLOYEES: ("从业人员", "employees"),
    REVENUE: ("营业收入", "revenue"),
    ASSETS: ("资产总额", "total assets"),
}
_INDICATOR_UNITS: dict[str, tuple[str, str]] = {
    EMPLOYEES: ("人", "persons"),
    REVENUE: ("万元", "10k CNY"),
    ASSETS: ("万元", "10k CNY"),
}


def _bands(upper: dict, medium: dict, small: dict) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType(
        {
            "upper": MappingProxyType(upper),
            "medium": MappingProxyType(medium),
            "small": MappingProxyType(small),
        }
    )


X, Y, Z = EMPLOYEES, REVENUE, ASSETS
# The 2011 table. "upper": the 中小微 upper bounds (SME if ANY value is below its bound);
# "medium"/"small": the floors (ALL values at or above). Employees in persons, money in 万元.
THRESHOLDS: Mapping[Industry, Mapping[str, Mapping[str, int]]] = MappingProxyType({
    Industry.AGRICULTURE: _bands({Y: 20000}, {Y: 500}, {Y: 50}),
    Industry.INDUSTRY: _bands({X: 1000, Y: 40000}, {X: 300, Y: 2000}, {X: 20, Y: 300}),
    Industry.CONSTRUCTION: _bands({Y: 80000, Z: 80000}, {Y: 6000, Z: 5000}, {Y: 300, Z: 300}),
    Industry.WHOLESALE: _bands({X: 200, Y: 40000}, {X: 20, Y: 5000}, {X: 5, Y: 1000}),
    Industry.RETAIL: _bands({X: 300, Y: 20000}, {X: 50, Y: 500}, {X: 10, Y: 100}),
    Industry.TRANSPORT: _bands({X: 1000, Y: 30000}, {X: 300, Y: 3000}, {X: 20, Y: 200}),
    Industry.WAREHOUSING: _bands({X: 200, Y: 30000}, {X: 100, Y: 1000}, {X: 20, Y: 100}),
    Industry.POSTAL: _bands({X: 1000, Y: 30000}, {X: 300, Y: 2000}, {X: 20, Y: 100}),
    Industry.ACCOMMODATION: _bands({X: 300, Y: 10000}, {X: 100, Y: 2000}, {X: 10, Y: 100}),
    Industry.CATERING: _bands({X: 300, Y: 10000}, {X: 100, Y: 2000}, {X: 10, Y: 100}),
    Industry.INFORMATION_TRANSMISSION: _bands(
        {X: 2000, Y: 100000}, {X: 100, Y: 1000}, {X: 10, Y: 100}
    ),
    Industry.SOFTWARE_IT: _bands({X: 300, Y: 10000}, {X: 100, Y: 1000}, {X: 10, Y: 50}),
    Industry.REAL_ESTATE_DEVELOPMENT: _bands(
        {Y: 200000, Z: 10000}, {Y: 1000, Z: 5000}, {Y: 100, Z: 2000}
    ),
    Industry.PROPERTY_MANAGEMENT: _bands({X: 1000, Y: 5000}, {X: 300, Y: 1000}, {X: 100, Y: 500}),
    Industry.LEASING_BUSINESS_SERVICES: _bands(
        {X: 300, Z: 120000}, {X: 100, Z: 8000}, {X: 10, Z: 100}
    ),
    Industry.OTHER: _bands({X: 300}, {X: 100}, {X: 10}),
})
del X, Y, Z


def indicators_for(industry: Industry | str) -> tuple[str, ...]:
    """The indicators an industry's row uses, in X, Y, Z order."""
    row = THRESHOLDS[Industry.parse(industry)]
    return tuple(k for k in (EMPLOYEES, REVENUE, ASSETS) if k in row["small"])


@dataclass(frozen=True)
class SizeResult:
    size: SizeClass
    industry: Industry
    rule_zh: str
    rule_en: str
    indicators_used: tuple[str, ...]
    inputs: tuple[tuple[str, int | Decimal], ...]  # (indicator, value) for the ones used

    def explain(self, lang: str = "zh") -> str:
        return self.rule_en if lang == "en" else self.rule_zh

    def as_dict(self) -> dict:
        return {
            "size": self.size.value,
            "size_zh": self.size.zh,
            "industry": self.industry.value,
            "industry_zh": self.industry.zh,
            "rule_zh": self.rule_zh,
            "rule_en": self.rule_en,
            "indicators_used": list(self.indicators_used),
            "inputs": {k: (v if isinstance(v, int) else str(v)) for k, v in self.inputs},
        }


def _invalid(field: str, zh: str, en: str, code: str = "invalid_indicator") -> DomainError:
    return Invalid(code, Text(zh, en), field)


def _check_employees(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(EMPLOYEES, "从业人员须为整数", "employees must be a whole number")
    if value < 0:
        raise _invalid(
            EMPLOYEES, "从业人员不能为负数", "employees cannot be negative", "negative_indicator"
        )
    return value


def _check_money(field: str, value: object) -> Decimal | None:
    zh, en = INDICATOR_LABELS[field]
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise _invalid(field, f"{zh}须为数字（万元）", f"{en} must be a number (10k CNY)")
    # float is refused on purpose: amounts are Decimal end to end.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _invalid(
            field, f"{zh}须为 Decimal 数值（万元）", f"{en} must be a Decimal amount (10k CNY)"
        )
    if value < 0:
        raise _invalid(field, f"{zh}不能为负数", f"{en} cannot be negative", "negative_indicator")
    return value


def _fmt(value: int | Decimal) -> str:
    return str(value) if isinstance(value, int) else format(value, "f")


def _conditions(values: dict, bounds: Mapping[str, int], op: str, lang: str) -> list[str]:
    # One "label value op bound" string per indicator of the band that satisfies op.
    out = []
    for key, bound in bounds.items():
        value = values[key]
        holds = value >= bound if op == "≥" else value < bound
        if holds:
            label = INDICATOR_LABELS[key][0 if lang == "zh" else 1]
            out.append(f"{label} {_fmt(value)} {op} {bound}")
    return out


def classify(
    industry: Industry | str,
    *,
    employees: int | None = None,
    revenue_wan: Decimal | None = None,
    assets_wan: Decimal | None = None,
) -> SizeResult:
    """Classify an enterprise per 工信部联企业〔2011〕300号 using :data:`THRESHOLDS`.

    ``revenue_wan`` and ``assets_wan`` are in 万元 (10,000 CNY), as Decimal (int and numeric
    strings are converted; float is refused). Indicators the industry does not use may be None
    (they are ignored, but a negative value is still refused). Raises ``DomainError`` with code ``missing_indicator``
    (field ``employees``/``revenue``/``assets``), ``negative_indicator`` or
    ``invalid_indicator``, or ``unknown_industry``.
    """
    ind = Industry.parse(industry)
    given = {
        EMPLOYEES: _check_employees(employees),
        REVENUE: _check_money(REVENUE, revenue_wan),
        ASSETS: _check_money(ASSETS, assets_wan),
    }
    row = THRESHOLDS[ind]
    used = indicators_for(ind)
    for key in used:
        if given[key] is None:
            labels, units = INDICATOR_LABELS, _INDICATOR_UNITS
            need_zh = "、".join(f"{labels[k][0]}（{units[k][0]}）" for k in used)
            need_en = ", ".join(f"{labels[k][1]} ({units[k][1]})" for k in used)
            raise Invalid("missing_indicator", Text(f"{ind.zh}划型需要{need_zh}，缺少{INDICATOR_LABELS[key][0]}", f"{ind.en} is classified by {need_en}; {INDICATOR_LABELS[key][1]} "
                "is missing"), key, {"industry": ind.value, "required": list(used)})
    values = {k: given[k] for k in used}

    def meets(band: str) -> bool:
        return all(values[k] >= bound for k, bound in row[band].items())

    if meets("upper"):
        size, met_band, fail_band = SizeClass.LARGE, "upper", None
    elif meets("medium"):
        size, met_band, fail_band = SizeClass.MEDIUM, "medium", "upper"
    elif meets("small"):
        size, met_band, fail_band = SizeClass.SMALL, "small", "medium"
    else:
        size, met_band, fail_band = SizeClass.MICRO, None, "small"

    rules = {}
    for lang, and_, sep in (("zh", " 且 ", "，"), ("en", " and ", ", ")):
        name = ind.zh if lang == "zh" else ind.en
        label = size.zh if lang == "zh" else size.en
        if met_band is not None:
            premise = and_.join(_conditions(values, row[met_band], "≥", lang))
        else:
            premise = sep.join(_conditions(values, row["small"], "<", lang))
        text = f"{name}: {premise} → {label}"
        if size is SizeClass.LARGE:
            text += " (达到全部中小微上限)" if lang == "zh" else " (at or above every SME upper bound)"
        elif size is not SizeClass.MICRO:
            below = sep.join(_conditions(values, row[fail_band], "<", lang))
            higher = {"upper": ("大型", "large"), "medium": ("中型", "medium")}[fail_band]
            text += f" (未达{higher[0]}: {below})" if lang == "zh" else f" (not {higher[1]}: {below})"
        rules[lang] = text

    return SizeResult(
        size=size,
        industry=ind,
        rule_zh=rules["zh"],
        rule_en=rules["en"],
        indicators_used=used,
        inputs=tuple((k, values[k]) for k in used),
    )


__all__ = [
    "ASSETS",
    "EMPLOYEES",
    "INDICATOR_LABELS",
    "REVENUE",
    "THRESHOLDS",
    "Industry",
    "SizeClass",
    "SizeResult",
    "classify",
    "indicators_for",
]
