"""中小企业划型 (工信部联企业〔2011〕300号).

The table is written out a second time below, as the literal rows of docs/standards.md, and the
boundary tests are generated from THAT copy, so a typo in the module's data table fails here.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smecredit.kernel.errors import DomainError
from smecredit.standards.sme_size import THRESHOLDS, Industry, SizeClass, classify

STANDARDS_MD_TABLE = """
| 农、林、牧、渔业 | Y<20000 | Y≥500 | Y≥50 | Y<50 |
| 工业 | X<1000 or Y<40000 | X≥300 and Y≥2000 | X≥20 and Y≥300 | X<20 or Y<300 |
| 建筑业 | Y<80000 or Z<80000 | Y≥6000 and Z≥5000 | Y≥300 and Z≥300 | Y<300 or Z<300 |
| 批发业 | X<200 or Y<40000 | X≥20 and Y≥5000 | X≥5 and Y≥1000 | X<5 or Y<1000 |
| 零售业 | X<300 or Y<20000 | X≥50 and Y≥500 | X≥10 and Y≥100 | X<10 or Y<100 |
| 交通运输业 | X<1000 or Y<30000 | X≥300 and Y≥3000 | X≥20 and Y≥200 | X<20 or Y<200 |
| 仓储业 | X<200 or Y<30000 | X≥100 and Y≥1000 | X≥20 and Y≥100 | X<20 or Y<100 |
| 邮政业 | X<1000 or Y<30000 | X≥300 and Y≥2000 | X≥20 and Y≥100 | X<20 or Y<100 |
| 住宿业 | X<300 or Y<10000 | X≥100 and Y≥2000 | X≥10 and Y≥100 | X<10 or Y<100 |
| 餐饮业 | X<300 or Y<10000 | X≥100 and Y≥2000 | X≥10 and Y≥100 | X<10 or Y<100 |
| 信息传输业 | X<2000 or Y<100000 | X≥100 and Y≥1000 | X≥10 and Y≥100 | X<10 or Y<100 |
| 软件和信息技术服务业 | X<300 or Y<10000 | X≥100 and Y≥1000 | X≥10 and Y≥50 | X<10 or Y<50 |
| 房地产开发经营 | Y<200000 or Z<10000 | Y≥1000 and Z≥5000 | Y≥100 and Z≥2000 | Y<100 or Z<2000 |
| 物业管理 | X<1000 or Y<5000 | X≥300 and Y≥1000 | X≥100 and Y≥500 | X<100 or Y<500 |
| 租赁和商务服务业 | X<300 or Z<120000 | X≥100 and Z≥8000 | X≥10 and Z≥100 | X<10 or Z<100 |
| 其他未列明行业 | X<300 | X≥100 | X≥10 | X<10 |
"""
KEYS_IN_TABLE_ORDER = [
    "agriculture", "industry", "construction", "wholesale", "retail", "transport",
    "warehousing", "postal", "accommodation", "catering", "information_transmission",
    "software_it", "real_estate_development", "property_management",
    "leasing_business_services", "other",
]
LETTER = {"X": "employees", "Y": "revenue", "Z": "assets"}
ARG = {"employees": "employees", "revenue": "revenue_wan", "assets": "assets_wan"}


def _cell(text: str, op: str, joiner: str) -> dict[str, int]:
    out = {}
    for part in text.split(f" {joiner} "):
        m = re.fullmatch(rf"([XYZ]){op}(\d+)", part.strip())
        assert m, part
        out[LETTER[m.group(1)]] = int(m.group(2))
    return out


def _parse_table() -> dict[str, dict]:
    rows = {}
    lines = [ln for ln in STANDARDS_MD_TABLE.strip().splitlines()]
    for key, line in zip(KEYS_IN_TABLE_ORDER, lines, strict=True):
        name, upper, medium, small, micro = [c.strip() for c in line.strip("| ").split("|")]
        rows[key] = {
            "name": name,
            "upper": _cell(upper, "<", "or"),
            "medium": _cell(medium, "≥", "and"),
            "small": _cell(small, "≥", "and"),
            "micro": _cell(micro, "<", "or"),
        }
    return rows


TABLE = _parse_table()


def _classify(key: str, values: dict) -> SizeClass:
    kwargs = {ARG[k]: (v if k == "employees" else Decimal(v)) for k, v in values.items()}
    return classify(key, **kwargs).size


def test_industry_keys_and_names_match_the_table():
    assert [m.value for m in Industry] == KEYS_IN_TABLE_ORDER
    for key, row in TABLE.items():
        assert Industry(key).zh == row["name"]
        assert Industry.parse(row["name"]) is Industry(key)


def test_module_data_equals_the_published_table():
    for key, row in TABLE.items():
        data = THRESHOLDS[Industry(key)]
        assert dict(data["upper"]) == row["upper"], key
        assert dict(data["medium"]) == row["medium"], key
        assert dict(data["small"]) == row["small"], key
        # The 微型 column is the negation of the 小型 floors.
        assert row["micro"] == row["small"], key


def _delta(indicator: str, fine: bool):
    if indicator == "employees":
        return 1
    return Decimal("0.01") if fine else Decimal(1)


BOUNDARY_CASES = []
for _key, _row in TABLE.items():
    for _band, _at, _below in (
        ("upper", SizeClass.LARGE, SizeClass.MEDIUM),
        ("medium", SizeClass.MEDIUM, SizeClass.SMALL),
        ("small", SizeClass.SMALL, SizeClass.MICRO),
    ):
        for _ind in _row[_band]:
            for _fine in (False, True):
                if _ind == "employees" and _fine:
                    continue
                BOUNDARY_CASES.append((_key, _band, _ind, _fine, _at, _below))


@pytest.mark.parametrize("key, band, indicator, fine, at_size, below_size", BOUNDARY_CASES)
def test_every_threshold_below_at_and_above(key, band, indicator, fine, at_size, below_size):
    # All indicators sit exactly on this band's thresholds; then one moves by a small step.
    base = dict(TABLE[key][band])
    assert _classify(key, base) is at_size
    d = _delta(indicator, fine)
    assert _classify(key, {**base, indicator: base[indicator] - d}) is below_size
    assert _classify(key, {**base, indicator: base[indicator] + d}) is at_size


@pytest.mark.parametrize("key", KEYS_IN_TABLE_ORDER)
def test_far_below_everything_is_micro_and_far_above_is_large(key):
    used = TABLE[key]["small"]
    assert _classify(key, {k: 0 for k in used}) is SizeClass.MICRO
    assert _classify(key, {k: 10**7 for k in used}) is SizeClass.LARGE


# Hand-checked against the table in docs/standards.md.
@pytest.mark.parametrize(
    "industry, employees, revenue, assets, expected",
    [
        ("industry", 250, "5000", None, "small"),      # X 250 < 300 → not 中型
        ("industry", 300, "2000", None, "medium"),
        ("industry", 1000, "40000", None, "large"),
        ("industry", 5000, "39999", None, "medium"),   # Y < 40000 keeps it an SME
        ("industry", 19, "100000", None, "micro"),     # any indicator below 小型 floor
        ("工业", 20, "300", None, "small"),
        ("agriculture", None, "49.99", None, "micro"),
        ("农林牧渔业", None, "500", None, "medium"),
        ("农、林、牧、渔业", None, "20000", None, "large"),
        ("construction", None, "6000", "4999", "small"),
        ("construction", None, "80000", "80000", "large"),
        ("wholesale", 4, "100000", None, "micro"),
        ("wholesale", 20, "5000", None, "medium"),
        ("retail", 10, "100", None, "small"),
        ("retail", 299, "1000000", None, "medium"),
        ("software_it", 10, "50", None, "small"),
        ("software_it", 9, "50", None, "micro"),
        ("information_transmission", 1999, "1000000", None, "medium"),
        ("real_estate_development", None, "150000", "9999", "medium"),
        ("real_estate_development", None, "200000", "10000", "large"),
        ("real_estate_development", None, "1000", "1999", "micro"),
        ("property_management", 100, "500", None, "small"),
        ("property_management", 99, "5000", None, "micro"),
        ("leasing_business_services", 300, None, "120000", "large"),
        ("leasing_business_services", 100, None, "7999.99", "small"),
        ("other", 99, None, None, "small"),
        ("other", 300, None, None, "large"),
        ("其他未列明行业", 9, None, None, "micro"),
    ],
)
def test_hand_written_cases(industry, employees, revenue, assets, expected):
    result = classify(
        industry,
        employees=employees,
        revenue_wan=Decimal(revenue) if revenue is not None else None,
        assets_wan=Decimal(assets) if assets is not None else None,
    )
    assert result.size.value == expected


def test_rule_explains_the_decision():
    result = classify("industry", employees=250, revenue_wan=Decimal("5000"), assets_wan=None)
    assert result.size is SizeClass.SMALL and result.size.zh == "小型"
    assert result.rule_zh == (
        "工业: 从业人员 250 ≥ 20 且 营业收入 5000 ≥ 300 → 小型 (未达中型: 从业人员 250 < 300)"
    )
    assert "small" in result.rule_en and "250 < 300" in result.rule_en
    assert result.indicators_used == ("employees", "revenue")
    assert result.explain("en") == result.rule_en

    micro = classify("retail", employees=3, revenue_wan=Decimal("50"))
    assert "从业人员 3 < 10" in micro.rule_zh and "营业收入 50 < 100" in micro.rule_zh
    large = classify("other", employees=400)
    assert "大型" in large.rule_zh and "400 ≥ 300" in large.rule_zh


def test_unused_indicators_are_ignored():
    a = classify("other", employees=50)
    b = classify("other", employees=50, revenue_wan=Decimal("1"), assets_wan=Decimal("1"))
    assert a == b and a.indicators_used == ("employees",)


def test_size_class_names():
    assert [s.zh for s in SizeClass] == ["大型", "中型", "小型", "微型"]
    assert [s.value for s in SizeClass] == ["large", "medium", "small", "micro"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("Software_IT", "software_it"), ("software-it", "software_it"),
        ("农林牧渔业", "agriculture"), ("制造业", "industry"), (" 餐饮业 ", "catering"),
        (Industry.RETAIL, "retail"),
    ],
)
def test_industry_parse_aliases(text, key):
    assert Industry.parse(text) is Industry(key)


def test_unknown_industry():
    with pytest.raises(DomainError) as info:
        classify("mining-on-mars", employees=1)
    err = info.value
    assert err.code == "unknown_industry" and err.field == "industry"
    assert "software_it" in err.message_en and "software_it" in err.message_zh
    assert err.details["valid"] == KEYS_IN_TABLE_ORDER


@pytest.mark.parametrize(
    "industry, kwargs, field",
    [
        ("industry", {"employees": 10}, "revenue"),
        ("industry", {"revenue_wan": Decimal(1)}, "employees"),
        ("construction", {"revenue_wan": Decimal(1)}, "assets"),
        ("agriculture", {"employees": 10}, "revenue"),
        ("leasing_business_services", {"employees": 10, "revenue_wan": Decimal(1)}, "assets"),
    ],
)
def test_missing_indicator(industry, kwargs, field):
    with pytest.raises(DomainError) as info:
        classify(industry, **kwargs)
    assert info.value.code == "missing_indicator" and info.value.field == field


@pytest.mark.parametrize(
    "kwargs, field, code",
    [
        ({"employees": -1, "revenue_wan": Decimal(1)}, "employees", "negative_indicator"),
        ({"employees": 1, "revenue_wan": Decimal("-0.01")}, "revenue", "negative_indicator"),
        ({"employees": 1, "revenue_wan": 1.5}, "revenue", "invalid_indicator"),  # float refused
        ({"employees": 1.0, "revenue_wan": Decimal(1)}, "employees", "invalid_indicator"),
        ({"employees": 1, "revenue_wan": Decimal("NaN")}, "revenue", "invalid_indicator"),
        # Negative values are refused even for an indicator the industry does not use.
        ({"employees": 1, "revenue_wan": Decimal(1), "assets_wan": Decimal(-5)}, "assets",
         "negative_indicator"),
    ],
)
def test_bad_values(kwargs, field, code):
    with pytest.raises(DomainError) as info:
        classify("industry", **kwargs)
    assert info.value.code == code and info.value.field == field


_RANK = {SizeClass.MICRO: 0, SizeClass.SMALL: 1, SizeClass.MEDIUM: 2, SizeClass.LARGE: 3}
_amount = st.decimals(min_value=0, max_value=300000, places=2)


@given(
    st.sampled_from(KEYS_IN_TABLE_ORDER),
    st.integers(0, 3000), _amount, _amount,
    st.sampled_from(["employees", "revenue", "assets"]),
    st.integers(1, 100000),
)
def test_more_never_makes_a_firm_smaller(key, x, y, z, grow, step):
    values = {"employees": x, "revenue": y, "assets": z}
    used = {k: values[k] for k in TABLE[key]["small"]}
    before = _classify(key, used)
    if grow in used:
        used[grow] = used[grow] + step
    assert _RANK[_classify(key, used)] >= _RANK[before]
