"""GB 11643-1999 公民身份号码 and display masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smecredit.kernel.errors import DomainError
from smecredit.standards import regions
from smecredit.standards.resident_id import (
    REASONS,
    age_on,
    make_resident_id,
    mask_name,
    mask_phone,
    mask_resident_id,
    require_valid_resident_id,
    resident_id_check_character,
    validate_resident_id,
)

TODAY = date(2025, 6, 30)
# The example printed in GB 11643-1999: 北京市朝阳区, born 1949-12-31, sequence 002 (female).
STANDARD_EXAMPLE = "11010519491231002X"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _check(first17: str) -> str:
    # Independent restatement of ISO 7064 MOD 11-2 as docs/standards.md writes it.
    c = (12 - sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11) % 11
    return "X" if c == 10 else str(c)


def test_standard_example():
    result = validate_resident_id(STANDARD_EXAMPLE, today=TODAY)
    assert result.valid and result.reason is None
    assert result.region_code == "110105" and result.region.province_zh == "北京"
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "F"
    assert resident_id_check_character(STANDARD_EXAMPLE[:17]) == "X"


def test_lower_case_x_is_accepted():
    result = validate_resident_id(STANDARD_EXAMPLE.lower(), today=TODAY)
    assert result.valid and result.number == STANDARD_EXAMPLE


def test_sex_follows_the_17th_digit():
    assert validate_resident_id(make_resident_id("440305", date(1990, 5, 6), 1)).sex == "M"
    assert validate_resident_id(make_resident_id("440305", date(1990, 5, 6), 10)).sex == "F"


@pytest.mark.parametrize(
    "number, reason, mentions",
    [
        ("1101051949123100", "length", "16"),
        ("110105491231002", "length", "15"),  # obsolete 15-digit number
        ("11010519491231002XX", "length", "19"),
        ("1101051949123100X2", "charset", "17"),
        ("11010519491231A02X", "charset", "15"),
        ("99010519491231002X", "region", "99"),
        ("11010519490230002X", "birth_date", "19490230"),
        ("11010518991231002X", "birth_date", "18991231"),
        ("110105203001010021", "birth_date", "20300101"),  # after TODAY
        ("110105194912310021", "check_character", "'X'"),
    ],
)
def test_each_check_reports_its_reason(number, reason, mentions):
    result = validate_resident_id(number, today=TODAY)
    assert not result.valid
    assert result.reason == reason and reason in REASONS
    assert mentions in result.reason_zh and mentions in result.reason_en


def test_parsed_fields_survive_a_failed_check():
    result = validate_resident_id("110105194912310021", today=TODAY)
    assert result.reason == "check_character"
    assert result.birth_date == date(1949, 12, 31) and result.region_code == "110105"


def test_taiwan_residence_permit_prefix():
    number = make_resident_id("830000", date(1985, 3, 1), 7)
    result = validate_resident_id(number)
    assert result.valid and result.region.province_code == "83"


@pytest.mark.parametrize("code", sorted(regions.PROVINCES))
def test_every_province_prefix_is_accepted(code):
    assert validate_resident_id(make_resident_id(f"{code}0102", date(1980, 1, 1), 11)).valid


def test_make_resident_id_rejects_bad_parts():
    with pytest.raises(ValueError):
        make_resident_id("990101", date(1980, 1, 1), 1)
    with pytest.raises(ValueError):
        make_resident_id("110101", date(1980, 1, 1), 1000)


def test_require_valid_resident_id_masks_the_number():
    assert require_valid_resident_id(STANDARD_EXAMPLE).valid
    bad = "110105194912310021"
    with pytest.raises(DomainError) as info:
        require_valid_resident_id(bad, field="legal_rep_id")
    err = info.value
    assert err.code == "invalid_resident_id" and err.field == "legal_rep_id"
    assert err.details["reason"] == "check_character"
    assert bad not in err.message_zh and bad not in err.message_en
    assert "110***********0021" in err.message_en


def test_age_on():
    number = make_resident_id("310101", date(1990, 7, 15), 33)
    assert age_on(number, date(2025, 7, 14)) == 34
    assert age_on(number, date(2025, 7, 15)) == 35
    leap = make_resident_id("310101", date(2000, 2, 29), 33)
    assert age_on(leap, date(2021, 2, 28)) == 20
    assert age_on(leap, date(2021, 3, 1)) == 21
    with pytest.raises(DomainError):
        age_on("110105194912310021", date(2025, 1, 1))
    with pytest.raises(DomainError):
        age_on(number, date(1980, 1, 1))


def test_masking():
    assert mask_resident_id("110105199001011234") == "110***********1234"
    assert len(mask_resident_id("110105199001011234")) == 18
    assert mask_resident_id("11010519491231002x") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("客户经理 王敏 Officer Wang") == "客***"  # the length of a long name is not shown either
    # Too short to mask partially: hide everything.
    assert mask_phone("1234") == "****"
    assert mask_name("张") == "*"
    assert mask_resident_id("") == ""


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))
prefixes = st.sampled_from(sorted(regions.PROVINCES))


@given(prefixes, st.integers(0, 9999), birth_dates, st.integers(0, 999))
def test_made_numbers_are_valid_and_parse_back(prefix, rest, birth, seq):
    region6 = f"{prefix}{rest:04d}"
    number = make_resident_id(region6, birth, seq)
    assert number[17] == _check(number[:17])
    result = validate_resident_id(number)
    assert result.valid
    assert result.birth_date == birth and result.region_code == region6
    assert result.sex == ("M" if seq % 2 else "F")


@given(prefixes, birth_dates, st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(prefix, birth, seq, pos, shift):
    number = make_resident_id(f"{prefix}0101", birth, seq)
    digit = str((int(number[pos]) + shift) % 10)
    assert not validate_resident_id(number[:pos] + digit + number[pos + 1:]).valid


@given(st.text(max_size=25))
def test_never_raises(text):
    result = validate_resident_id(text, today=TODAY)
    assert (result.reason is None) == result.valid
