"""Repayment schedules: the known 等额本息 figures, every method's shape, anchored due dates, the
working-day calendar, and (hypothesis) the money invariants and agreement with numpy-financial."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.kernel.errors import Invalid
from smecredit.loans import schedules
from smecredit.loans.schedules import (BULLET, EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, METHODS, REVOLVING,
                                       WorkingDayCalendar, add_months, annual_percentage_rate, build_schedule,
                                       cash_flows, totals)

D = Decimal


def test_670000_at_4_9_percent_over_360_months_is_3555_87_a_month():
    lines = build_schedule(principal=D("670000"), annual_rate=D("4.9"), months=360, method=EQUAL_INSTALLMENT,
                           start=date(2024, 1, 15))
    assert len(lines) == 360
    first = lines[0]
    assert (first.payment, first.interest, first.principal) == (D("3555.87"), D("2735.83"), D("820.04"))
    assert first.balance == D("669179.96")
    assert all(line.payment == D("3555.87") for line in lines[:-1])
    assert totals(lines)["principal"] == D("670000.00")
    assert lines[-1].balance == 0 and abs(lines[-1].payment - D("3555.87")) < 1


def test_equal_principal_pays_the_same_principal_and_falling_interest():
    lines = build_schedule(principal=D("120000"), annual_rate=D("6"), months=12, method=EQUAL_PRINCIPAL,
                           start=date(2025, 3, 10))
    assert [line.principal for line in lines] == [D("10000.00")] * 12
    assert lines[0].interest == D("600.00") and lines[1].interest == D("550.00") and lines[-1].interest == D("50.00")
    assert [line.payment for line in lines[:3]] == [D("10600.00"), D("10550.00"), D("10500.00")]


def test_equal_principal_last_instalment_takes_the_remainder():
    lines = build_schedule(principal=D("100000"), annual_rate=D("4.35"), months=3, method=EQUAL_PRINCIPAL,
                           start=date(2025, 1, 1))
    assert [line.principal for line in lines] == [D("33333.33"), D("33333.33"), D("33333.34")]


def test_interest_only_then_principal_at_maturity():
    lines = build_schedule(principal=D("500000"), annual_rate=D("3.6"), months=6, method=INTEREST_ONLY,
                           start=date(2025, 1, 20))
    assert [line.interest for line in lines] == [D("1500.00")] * 6
    assert [line.principal for line in lines] == [D("0.00")] * 5 + [D("500000.00")]
    assert lines[-1].payment == D("501500.00") and lines[-1].due_date == date(2025, 7, 20)


def test_bullet_charges_actual_days_over_360():
    lines = build_schedule(principal=D("1000000"), annual_rate=D("3.6"), months=6, method=BULLET,
                           start=date(2025, 1, 1))
    assert len(lines) == 1
    days = (date(2025, 7, 1) - date(2025, 1, 1)).days  # 181
    assert lines[0].interest == D("18100.00") == D(1000000) * D("0.036") * days / 360
    assert lines[0].payment == D("1018100.00") and lines[0].balance == 0


def test_bullet_on_30_360_is_the_monthly_rate_times_months():
    lines = build_schedule(principal=D("1000000"), annual_rate=D("3.6"), months=6, method=BULLET,
                           start=date(2025, 1, 1), day_count="30/360")
    assert lines[0].interest == D("18000.00")


def test_act_360_charges_each_month_its_days():
    lines = build_schedule(principal=D("360000"), annual_rate=D("10"), months=2, method=INTEREST_ONLY,
                           start=date(2025, 1, 31), day_count="act/360")
    assert [line.interest for line in lines] == [D("2800.00"), D("3100.00")]  # 28 days, then 31


def test_revolving_preview_is_interest_by_actual_days():
    lines = build_schedule(principal=D("36000"), annual_rate=D("10"), months=2, method=REVOLVING, start=date(2025, 3, 1))
    assert [line.interest for line in lines] == [D("310.00"), D("300.00")]


def test_due_dates_stay_anchored_on_the_31st():
    lines = build_schedule(principal=D("12000"), annual_rate=D("5"), months=6, method=EQUAL_INSTALLMENT,
                           start=date(2024, 1, 31))
    assert [line.due_date for line in lines] == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30),
                                                 date(2024, 5, 31), date(2024, 6, 30), date(2024, 7, 31)]


def test_add_months_rolls_to_the_end_of_shorter_months():
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)


def test_a_working_day_calendar_moves_due_dates_but_not_interest():
    national_day = frozenset(date(2025, 10, 1) + timedelta(days=i) for i in range(8))  # 1–8 October
    calendar = WorkingDayCalendar(holidays=national_day, working_weekends=frozenset({date(2025, 9, 28)}))
    plain = build_schedule(principal=D("90000"), annual_rate=D("4"), months=3, method=EQUAL_INSTALLMENT,
                           start=date(2025, 8, 3))
    moved = build_schedule(principal=D("90000"), annual_rate=D("4"), months=3, method=EQUAL_INSTALLMENT,
                           start=date(2025, 8, 3), calendar=calendar)
    # 3 Sep is a Wednesday; 3 Oct is in the holiday → 9 Oct; 3 Nov is a Monday
    assert [line.due_date for line in moved] == [date(2025, 9, 3), date(2025, 10, 9), date(2025, 11, 3)]
    assert [(line.principal, line.interest) for line in moved] == [(line.principal, line.interest) for line in plain]


def test_a_calendar_given_as_a_set_of_closed_days_or_a_predicate():
    closed = {date(2025, 2, 1), date(2025, 2, 2)}
    lines = build_schedule(principal=D("1000"), annual_rate=D("0"), months=1, method=BULLET, start=date(2025, 1, 1),
                           calendar=closed)
    assert lines[0].due_date == date(2025, 2, 3)
    lines = build_schedule(principal=D("1000"), annual_rate=D("0"), months=1, method=BULLET, start=date(2025, 1, 1),
                           calendar=lambda day: day.weekday() < 5)
    assert lines[0].due_date == date(2025, 2, 3)  # 1 February 2025 is a Saturday


def test_weekend_adjustment_with_the_default_calendar():
    assert WorkingDayCalendar().next_working_day(date(2025, 5, 31)) == date(2025, 6, 2)
    assert WorkingDayCalendar().next_working_day(date(2025, 6, 2)) == date(2025, 6, 2)


def test_zero_rate_spreads_the_principal():
    lines = build_schedule(principal=D("100"), annual_rate=D("0"), months=3, method=EQUAL_INSTALLMENT, start=date(2025, 1, 1))
    assert [line.payment for line in lines] == [D("33.33"), D("33.33"), D("33.34")]
    assert all(line.interest == 0 for line in lines)


def test_an_explicit_rounding_mode_is_used():
    half_up = build_schedule(principal=D("670000"), annual_rate=D("4.9"), months=360, method=EQUAL_INSTALLMENT,
                             start=date(2024, 1, 15))
    down = build_schedule(principal=D("670000"), annual_rate=D("4.9"), months=360, method=EQUAL_INSTALLMENT,
                          start=date(2024, 1, 15), rounding=ROUND_DOWN)
    # A = 3555.86993…: half-up to 3555.87, truncated to 3555.86
    assert half_up[0].payment == D("3555.87") and down[0].payment == D("3555.86")
    assert totals(down)["principal"] == D("670000.00")
    assert totals(half_up)["interest"] != totals(down)["interest"]


@pytest.mark.parametrize(("terms", "field"), [
    ({"principal": D("0")}, "principal"),
    ({"principal": D("-5")}, "principal"),
    ({"principal": D("100.001")}, "principal"),
    ({"principal": D(10) ** 15}, "principal"),
    ({"principal": D("NaN")}, "principal"),
    ({"annual_rate": D("-1")}, "annual_rate"),
    ({"annual_rate": D("100")}, "annual_rate"),
    ({"annual_rate": D("Infinity")}, "annual_rate"),
    ({"months": 0}, "months"),
    ({"months": 601}, "months"),
    ({"method": "balloon"}, "method"),
    ({"day_count": "act/366"}, "day_count"),
])
def test_bad_terms_are_refused_naming_the_field(terms, field):
    arguments = {"principal": D("1000"), "annual_rate": D("4"), "months": 12, "method": EQUAL_INSTALLMENT,
                 "start": date(2025, 1, 1), **terms}
    with pytest.raises(Invalid) as refused:
        build_schedule(**arguments)
    assert refused.value.field == field
    assert refused.value.message_zh and refused.value.message_en


def test_floats_are_refused():
    with pytest.raises(TypeError):
        build_schedule(principal=1000.0, annual_rate=D("4"), months=12, method=EQUAL_INSTALLMENT, start=date(2025, 1, 1))


# --- the annualised rate -------------------------------------------------------------------------

def test_apr_of_a_plain_equal_instalment_loan_is_its_rate():
    lines = build_schedule(principal=D("670000"), annual_rate=D("4.9"), months=360, method=EQUAL_INSTALLMENT,
                           start=date(2024, 1, 15))
    assert annual_percentage_rate(D("670000"), cash_flows(lines)) == D("4.90")
    assert annual_percentage_rate(D("670000"), cash_flows(lines), received_on=date(2024, 1, 15)) == D("4.90")


def test_apr_counts_a_fee_kept_back_at_disbursement():
    lines = build_schedule(principal=D("100000"), annual_rate=D("6"), months=12, method=EQUAL_INSTALLMENT,
                           start=date(2025, 1, 1))
    apr = annual_percentage_rate(D("98000"), cash_flows(lines), received_on=date(2025, 1, 1))
    expected = D(repr(float(npf.rate(12, -float(lines[0].payment), 98000, 0)) * 1200)).quantize(D("0.01"))
    assert abs(apr - expected) <= D("0.01")
    assert apr > D("9.5")  # a 2 % fee on a one-year amortising loan adds ~3.7 points


def test_apr_of_equal_principal_is_its_rate_although_the_simple_cost_looks_lower():
    lines = build_schedule(principal=D("120000"), annual_rate=D("6"), months=12, method=EQUAL_PRINCIPAL,
                           start=date(2025, 1, 1))
    assert annual_percentage_rate(D("120000"), cash_flows(lines), received_on=date(2025, 1, 1)) == D("6.00")


def test_apr_of_a_one_year_bullet_by_actual_days():
    lines = build_schedule(principal=D("100000"), annual_rate=D("3.6"), months=12, method=BULLET, start=date(2025, 1, 1))
    # 365/360 × 3.6 % paid once after 12 months = (1 + i)^12; i × 12
    i = (1 + 0.036 * 365 / 360) ** (1 / 12) - 1
    assert annual_percentage_rate(D("100000"), cash_flows(lines), received_on=date(2025, 1, 1)) == \
        D(repr(i * 1200)).quantize(D("0.01"))


def test_apr_refuses_nothing_to_solve():
    with pytest.raises(Invalid):
        annual_percentage_rate(D("100"), [])
    with pytest.raises(Invalid):
        annual_percentage_rate(D("0"), [(date(2025, 1, 1), D("10"))])


# --- properties ----------------------------------------------------------------------------------

loans = st.fixed_dictionaries({
    "principal": st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2),
    "annual_rate": st.decimals(min_value=D("0"), max_value=D("36"), places=4),
    "months": st.integers(min_value=1, max_value=360),
    "method": st.sampled_from(METHODS),
    "start": st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    "day_count": st.sampled_from([None, "30/360", "act/360", "act/365"]),
})


@settings(max_examples=300, deadline=None)
@given(loans)
def test_principal_sums_to_the_loan_and_no_balance_goes_below_zero(terms):
    lines = build_schedule(**terms)
    assert sum(line.principal for line in lines) == terms["principal"]
    balance = terms["principal"]
    for line in lines:
        assert line.principal >= 0 and line.interest >= 0 and line.balance >= 0
        assert line.payment == line.principal + line.interest
        assert line.principal == line.principal.quantize(D("0.01")) and line.interest == line.interest.quantize(D("0.01"))
        balance -= line.principal
        assert line.balance == balance
    assert lines[-1].balance == 0
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    dates = [line.due_date for line in lines]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)


@settings(max_examples=200, deadline=None)
@given(loans)
def test_due_dates_are_anchored_on_the_start_day(terms):
    lines = build_schedule(**terms)
    start = terms["start"]
    if terms["method"] == BULLET:
        assert lines[0].due_date == add_months(start, terms["months"])
        return
    for k, line in enumerate(lines, start=1):
        assert line.due_date == add_months(start, k)
        assert line.due_date.day == start.day or line.due_date.day < start.day and (line.due_date + timedelta(days=1)).day == 1


@settings(max_examples=300, deadline=None)
@given(principal=st.decimals(min_value=D("1000"), max_value=D("50000000"), places=2),
       annual_rate=st.decimals(min_value=D("0.01"), max_value=D("24"), places=2),
       months=st.integers(min_value=1, max_value=360))
def test_equal_instalment_agrees_with_numpy_financial_pmt(principal, annual_rate, months):
    lines = build_schedule(principal=principal, annual_rate=annual_rate, months=months, method=EQUAL_INSTALLMENT,
                           start=date(2025, 1, 1))
    expected = -npf.pmt(float(annual_rate) / 1200, months, float(principal))
    assert abs(float(lines[0].payment) - expected) <= 0.005 + 1e-6
    # the last instalment absorbs the rounding: at most a fen a month, compounded at the loan's rate
    r = annual_rate / 1200
    drift = D("0.01") * (((1 + r) ** months - 1) / r) + D("0.01")
    assert abs(lines[-1].payment - lines[0].payment) <= drift


@settings(max_examples=150, deadline=None)
@given(principal=st.decimals(min_value=D("10000"), max_value=D("50000000"), places=2),
       annual_rate=st.decimals(min_value=D("0.5"), max_value=D("24"), places=2),
       months=st.integers(min_value=1, max_value=120),
       method=st.sampled_from([EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY]))
def test_apr_of_a_fee_free_monthly_loan_is_its_contract_rate(principal, annual_rate, months, method):
    lines = build_schedule(principal=principal, annual_rate=annual_rate, months=months, method=method,
                           start=date(2025, 1, 1))
    assert abs(annual_percentage_rate(principal, cash_flows(lines), received_on=date(2025, 1, 1)) - annual_rate) <= D("0.01")


def test_the_module_documents_its_apr_method():
    assert "IRR" in schedules.APR_METHOD.en and "× 12" in schedules.APR_METHOD.en


@settings(max_examples=150, deadline=None)
@given(principal=st.decimals(min_value=D("1000"), max_value=D("50000000"), places=2),
       annual_rate=st.decimals(min_value=D("0"), max_value=D("36"), places=2),
       months=st.integers(min_value=1, max_value=120),
       fee_share=st.decimals(min_value=D("0"), max_value=D("0.2"), places=3),
       method=st.sampled_from([EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY]))
def test_apr_agrees_with_numpy_financial_irr(principal, annual_rate, months, fee_share, method):
    lines = build_schedule(principal=principal, annual_rate=annual_rate, months=months, method=method,
                           start=date(2025, 1, 31))
    received = (principal * (1 - fee_share)).quantize(D("0.01"))
    expected = float(npf.irr([-float(received), *[float(line.payment) for line in lines]])) * 1200
    apr = annual_percentage_rate(received, cash_flows(lines), received_on=date(2025, 1, 31))
    assert abs(float(apr) - expected) <= 0.0051
