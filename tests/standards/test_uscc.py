"""GB 32100-2015 统一社会信用代码 and the embedded GB 11714-1997 organisation code."""

from __future__ import annotations
from smecredit.kernel.errors import Invalid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smecredit.kernel.errors import DomainError
from smecredit.standards import regions, uscc
from smecredit.standards.uscc import (
    make_uscc,
    org_code_check_character,
    require_valid_uscc,
    uscc_check_character,
    validate_uscc,
)

# Written out again from docs/standards.md so a typo in the module is caught.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
EXAMPLE = "91350100M000100Y43"


def test_constants_match_the_standard():
    assert uscc.CHARSET == CHARSET
    assert len(CHARSET) == 31 and not set("IOSVZ") & set(CHARSET)
    assert list(uscc.WEIGHTS) == WEIGHTS
    assert list(uscc.ORG_WEIGHTS) == [3, 7, 9, 10, 5, 8, 4, 2]


def test_worked_example_is_valid_with_weighted_sum_1640():
    assert sum(CHARSET.index(c) * w for c, w in zip(EXAMPLE[:17], WEIGHTS)) == 1640
    result = validate_uscc(EXAMPLE)
    assert result.valid
    assert result.reason is None and result.reason_zh is None and result.reason_en is None
    assert result.department.code == "9" and result.department.name_zh == "工商/市场监管"
    assert result.category.code == "1" and result.category.name_zh == "企业"
    assert result.region.code == "350100" and result.region.province_zh == "福建"
    assert result.org_code == "M000100Y4"
    assert uscc_check_character(EXAMPLE[:17]) == "3"
    assert org_code_check_character("M000100Y") == "4"


def test_worked_counter_example_fails_the_final_check():
    result = validate_uscc("91350100M000100Y4Z")
    assert not result.valid
    assert result.reason == "check_character"
    assert "18" in result.reason_zh and "'3'" in result.reason_zh
    assert "position 18" in result.reason_en and "'Z'" in result.reason_en
    # Everything before the failing check is still parsed.
    assert result.department.code == "9" and result.category.code == "1"
    assert result.region.province_en == "Fujian" and result.org_code == "M000100Y4"


def test_input_is_stripped_and_upper_cased():
    result = validate_uscc("  91350100m000100y43\n")
    assert result.valid and result.code == EXAMPLE


@pytest.mark.parametrize(
    "code, reason, mentions",
    [
        ("91350100M000100Y4", "length", "17"),
        ("91350100M000100Y433", "length", "19"),
        ("", "length", "0"),
        ("9135I100M000100Y43", "charset", "5"),  # I is not in the set
        ("91350100M0O0100Y43", "charset", "11"),  # letter O, not zero
        ("B1350100M000100Y43", "department", "B"),
        ("94350100M000100Y43", "category", "4"),
        ("91990100M000100Y43", "region", "99"),
        ("91A50100M000100Y43", "region", "A50100"),
        ("91350100M000100Y53", "org_code_check", "17"),
        ("91350100M000100Y42", "check_character", "18"),
    ],
)
def test_each_check_reports_its_reason(code, reason, mentions):
    result = validate_uscc(code)
    assert not result.valid
    assert result.reason == reason
    assert result.reason in uscc.REASONS
    assert mentions in result.reason_zh and mentions in result.reason_en


def test_charset_reports_the_first_bad_position():
    result = validate_uscc("9135010OM0O0100Y43")
    assert result.reason == "charset"
    assert "第 8 位" in result.reason_zh and "'O'" in result.reason_zh
    assert "position 8" in result.reason_en


def test_checks_run_in_the_documented_order():
    # Bad department AND bad final check: department is reported, not the later check.
    assert validate_uscc("B1350100M000100Y40").reason == "department"
    # Bad region AND bad org check: region first.
    assert validate_uscc("91990100M000100Y03").reason == "region"


def test_org_code_failure_is_not_masked_by_a_correct_final_check():
    first17 = "91350100M000100Y5"  # wrong org-code check character ('4' is right)
    code = first17 + uscc_check_character(first17)
    result = validate_uscc(code)
    assert result.reason == "org_code_check"
    assert "'4'" in result.reason_en and "'5'" in result.reason_en


@pytest.mark.parametrize(
    "body, check",
    [
        ("D2143569", "X"),  # GB 11714 example: 199 mod 11 = 1 → 10 → X
        ("00000000", "0"),  # sum 0 → 11 → 0
        ("M000100Y", "4"),
        ("10001043", "3"),
    ],
)
def test_org_code_check_character(body, check):
    assert org_code_check_character(body) == check


def test_org_code_check_with_x_at_position_17_is_valid():
    code = make_uscc("9", "1", "440300", "D2143569")
    assert code[16] == "X"
    assert validate_uscc(code).valid


def test_central_level_region_is_accepted():
    # 北京大学: registered by a central-level authority, region 100000.
    result = validate_uscc("12100000400002259P")
    assert result.valid
    assert result.region.province_zh == "中央"
    assert result.category.name_zh == "事业单位"


@pytest.mark.parametrize(
    "dept, cat, ok",
    [
        ("9", "1", True), ("9", "2", True), ("9", "3", True), ("9", "4", False), ("9", "9", False),
        ("5", "1", True), ("5", "3", True), ("5", "9", True), ("5", "4", False),
        ("1", "1", True), ("1", "2", True), ("1", "3", True), ("1", "9", True), ("1", "5", False),
        ("Y", "1", True), ("Y", "2", False),
        # Lenient for departments the reference table does not spell out: published + 1, 2, 3, 9.
        ("3", "4", True), ("3", "5", True), ("3", "6", False),
        ("2", "1", True), ("2", "3", True), ("2", "9", True), ("2", "7", False),
        ("A", "1", True), ("A", "9", True), ("N", "3", True), ("N", "9", True),
        ("7", "2", True), ("8", "9", True), ("6", "2", True), ("4", "1", True),
    ],
)
def test_category_table(dept, cat, ok):
    first17 = f"{dept}{cat}110105" + "10001043" + org_code_check_character("10001043")
    code = first17 + uscc_check_character(first17)
    result = validate_uscc(code)
    assert result.valid is ok, result.reason_en
    if not ok:
        assert result.reason == "category"
        assert result.department.code == dept


def test_departments_a_n_y_use_six_digit_regions():
    for dept, cat in (("A", "1"), ("N", "2"), ("Y", "1")):
        code = make_uscc(dept, cat, "320500", "MA1X2Y3K")
        result = validate_uscc(code)
        assert result.valid and result.region.province_zh == "江苏"
        bad = code[:2] + "3205A0" + code[8:]
        assert validate_uscc(bad).reason == "region"


def test_make_uscc_rejects_impossible_parts():
    with pytest.raises(ValueError):
        make_uscc("9", "1", "990100", "M000100Y")
    with pytest.raises(ValueError):
        make_uscc("9", "1", "350100", "M00010OY")


def test_require_valid_uscc():
    assert require_valid_uscc(EXAMPLE).valid
    with pytest.raises(DomainError) as info:
        require_valid_uscc("91350100M000100Y4Z")
    err = info.value
    assert err.code == "invalid_uscc" and err.field == "uscc" and isinstance(err, Invalid)
    assert "校验码" in err.message_zh and "check character" in err.message_en
    assert err.details["reason"] == "check_character"


def test_province_table_is_the_gbt2260_list():
    expected = (
        "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
        "50 51 52 53 54 61 62 63 64 65 71 81 82"
    ).split()
    assert list(regions.PROVINCES) == expected
    assert regions.PROVINCES["11"].name_zh == "北京"
    assert regions.PROVINCES["82"].name_zh == "澳门"
    assert regions.PROVINCES["44"].name_en == "Guangdong"


body8 = st.text(alphabet=CHARSET, min_size=8, max_size=8)
dept_cat = st.sampled_from(
    [("9", "1"), ("9", "2"), ("9", "3"), ("5", "1"), ("1", "2"), ("Y", "1"), ("N", "1"),
     ("A", "9"), ("3", "5")]
)
region6 = st.tuples(
    st.sampled_from(sorted(regions.PROVINCES)), st.integers(0, 9999)
).map(lambda t: f"{t[0]}{t[1]:04d}")


@given(dept_cat, region6, body8)
def test_made_codes_are_valid(dc, reg, body):
    code = make_uscc(dc[0], dc[1], reg, body)
    assert len(code) == 18
    assert validate_uscc(code).valid


@given(dept_cat, region6, body8, st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_caught(dc, reg, body, pos, shift):
    code = make_uscc(dc[0], dc[1], reg, body)
    replaced = CHARSET[(CHARSET.index(code[pos]) + shift) % 31]
    mutated = code[:pos] + replaced + code[pos + 1:]
    assert not validate_uscc(mutated).valid


@given(st.text(max_size=30))
def test_never_raises(text):
    result = validate_uscc(text)
    assert result.valid in (True, False)
    assert (result.reason is None) == result.valid
