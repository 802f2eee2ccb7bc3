"""流动资金贷款需求量测算: hand-computed cases, invariants, derived days, the explanation rows."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.connectors.financials import parse_financials
from smecredit.enterprises.connectors.models import load
from smecredit.kernel.errors import Invalid
from smecredit.standards.working_capital import (
    DAY_FIELDS,
    ENTERED,
    WorkingCapitalInputs,
    compute,
    derive_days,
    explain,
)

D = Decimal


def inputs(**over) -> WorkingCapitalInputs:
    base = dict(sales="1000000", profit_margin="8", growth="10", inventory_days="45", receivable_days="30",
                payable_days="20", prepaid_days="0", advance_days="0")
    return WorkingCapitalInputs(**{**base, **over})


# -- hand-computed cases ---------------------------------------------------------------------------


def test_case_1_need_at_full_precision_not_from_the_rounded_turnover():
    # cycle = 45 + 30 − 20 + 0 − 0 = 55 days; turnover = 360 ÷ 55 = 6.5454… (shown 6.55)
    # need = 1,000,000 × (1 − 8%) × (1 + 10%) ÷ (360 ÷ 55) = 1,012,000 × 55 ÷ 360 = 154,611.111… → 154,611.11
    # (dividing by the rounded 6.55 would give 154,503.82: the full-precision turnover is used)
    # no deductions → limit = need
    result = compute(inputs())
    assert result.cycle_days == D(55)
    assert result.turnover_times_shown == D("6.55")
    assert str(result.turnover_times).startswith("6.545454545454545454")
    assert result.working_capital_need == D("154611.11")
    assert result.deductions == D("0.00")
    assert result.new_loan_limit == D("154611.11")
    assert not result.covered


def test_case_2_deductions_exceeding_the_need_give_zero():
    # need as in case 1 = 154,611.11; own funds 100,000 + existing loans 50,000 + other 10,000 = 160,000
    # shortfall = 154,611.11 − 160,000 = −5,388.89 → limit 0.00 (covered)
    result = compute(inputs(own_funds="100000", existing_loans="50000", other_funding="10000"))
    assert result.deductions == D("160000.00")
    assert result.shortfall == D("-5388.89")
    assert result.new_loan_limit == D("0.00")
    assert result.covered
    assert result.as_dict()["new_loan_limit"] == "0.00"


def test_case_3_typical_loan():
    # cycle = 60 + 45 − 30 + 10 − 5 = 80; turnover = 360 ÷ 80 = 4.5
    # need = 10,000,000 × 0.9 × 1.2 ÷ 4.5 = 10,800,000 ÷ 4.5 = 2,400,000.00
    # limit = 2,400,000 − 1,000,000 − 500,000 − 0 = 900,000.00
    result = compute(WorkingCapitalInputs(
        sales="10,000,000", profit_margin="10", growth="20", inventory_days=60, receivable_days=45,
        payable_days=30, prepaid_days=10, advance_days=5, own_funds="1000000", existing_loans="500000"))
    assert result.as_dict() == {
        "sales": "10000000.00", "profit_margin": "10.00", "growth": "20.00",
        "inventory_days": "60.00", "receivable_days": "45.00", "payable_days": "30.00",
        "prepaid_days": "10.00", "advance_days": "5.00", "cycle_days": "80.00", "turnover_times": "4.50",
        "working_capital_need": "2400000.00", "own_funds": "1000000.00", "existing_loans": "500000.00",
        "other_funding": "0.00", "deductions": "1500000.00", "new_loan_limit": "900000.00",
    }


def test_half_a_fen_rounds_up():
    # cycle 180 → need = 100.01 × 1 × 1 × 180 ÷ 360 = 50.005 → 50.01 (half-even would give 50.00)
    result = compute(inputs(sales="100.01", profit_margin="0", growth="0", inventory_days="180",
                            receivable_days="0", payable_days="0"))
    assert result.working_capital_need == D("50.01")


def test_a_loss_making_year_and_falling_sales():
    # margin −5 %, growth −20 %, cycle 90: need = 2,000,000 × 1.05 × 0.8 × 90 ÷ 360 = 420,000.00
    result = compute(inputs(sales="2000000", profit_margin="-5", growth="-20", inventory_days="90",
                            receivable_days="0", payable_days="0"))
    assert result.working_capital_need == D("420000.00")


def test_the_callers_decimal_context_does_not_change_the_answer():
    with localcontext() as ctx:
        ctx.prec = 6
        ctx.rounding = "ROUND_DOWN"
        result = compute(inputs())
    assert result.working_capital_need == D("154611.11")


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [
    dict(inventory_days="10", receivable_days="0", payable_days="10"),  # 0
    dict(inventory_days="10", receivable_days="5", payable_days="30", advance_days="1"),  # −16
])
def test_a_cycle_of_zero_or_fewer_days_is_refused_with_its_field(days):
    with pytest.raises(Invalid) as caught:
        compute(inputs(**days))
    assert caught.value.code == "cycle_not_positive" and caught.value.field == "cycle_days"
    assert "营运资金周转天数" in caught.value.message.zh and "cycle" in caught.value.message.en


@pytest.mark.parametrize(("field", "value", "code"), [
    ("sales", "-1", "negative_amount"),
    ("own_funds", "-0.01", "negative_amount"),
    ("sales", "lots", "invalid_number"),
    ("sales", "NaN", "invalid_number"),
    ("sales", "1e16", "amount_out_of_range"),
    ("profit_margin", "100.01", "out_of_range"),
    ("profit_margin", "-101", "out_of_range"),
    ("growth", "1001", "out_of_range"),
    ("growth", "-100.5", "out_of_range"),
    ("inventory_days", "-1", "out_of_range"),
    ("payable_days", "3650.01", "out_of_range"),
])
def test_bad_inputs_are_refused_with_field_and_both_languages(field, value, code):
    with pytest.raises(Invalid) as caught:
        inputs(**{field: value})
    assert (caught.value.field, caught.value.code) == (field, code)
    assert caught.value.message.zh and caught.value.message.en


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(Invalid) as caught:
        inputs(sales="-5", growth="5000", advance_days="x")
    assert [e["field"] for e in caught.value.details["errors"]] == ["sales", "growth", "advance_days"]


def test_floats_are_refused():
    with pytest.raises(TypeError):
        inputs(sales=1000.5)


# -- invariants ------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=D("1e13"), places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False)
growth = st.decimals(min_value=-100, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
days = st.decimals(min_value=0, max_value=3650, places=2, allow_nan=False, allow_infinity=False)


def _exact_need(i: WorkingCapitalInputs) -> Decimal:
    exact = (Fraction(i.sales) * (1 - Fraction(i.profit_margin) / 100) * (1 + Fraction(i.growth) / 100)
             * Fraction(i.cycle_days) / 360)
    # half-up to the fen by integer arithmetic (the exact value is never negative here)
    fen = (exact * 100 * 2 + 1) // 2
    return D(int(fen)) / 100


@st.composite
def valid_inputs(draw):
    d = {k: draw(days) for k in DAY_FIELDS}
    if d["inventory_days"] + d["receivable_days"] + d["prepaid_days"] - d["payable_days"] - d["advance_days"] <= 0:
        # make it positive: no payables or advances, and at least a hundredth of a day of stock
        d.update(payable_days=D(0), advance_days=D(0), inventory_days=max(d["inventory_days"], D("0.01")))
    return WorkingCapitalInputs(sales=draw(money), profit_margin=draw(percent), growth=draw(growth), **d,
                                own_funds=draw(money), existing_loans=draw(money), other_funding=draw(money))


@settings(max_examples=300, deadline=None)
@given(valid_inputs())
def test_need_is_the_exact_value_rounded_half_up_and_the_limit_never_negative(i):
    result = compute(i)
    assert result.working_capital_need == _exact_need(i)
    assert result.working_capital_need.as_tuple().exponent == -2
    assert result.new_loan_limit >= 0
    assert result.new_loan_limit == max(D(0), result.working_capital_need - i.own_funds - i.existing_loans - i.other_funding)
    assert result.new_loan_limit <= result.working_capital_need


@settings(max_examples=200, deadline=None)
@given(valid_inputs(), money)
def test_more_sales_never_lowers_the_need_or_the_limit(i, extra):
    more = WorkingCapitalInputs(**{**{k: getattr(i, k) for k in i.__slots__}, "sales": min(i.sales + extra, D("9e14"))})
    assert compute(more).working_capital_need >= compute(i).working_capital_need
    assert compute(more).new_loan_limit >= compute(i).new_loan_limit


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({k: days for k in DAY_FIELDS}), money)
def test_a_cycle_at_or_below_zero_is_always_refused(d, sales):
    cycle = d["inventory_days"] + d["receivable_days"] - d["payable_days"] + d["prepaid_days"] - d["advance_days"]
    i = WorkingCapitalInputs(sales=sales, profit_margin="10", growth="0", **d)
    if cycle <= 0:
        with pytest.raises(Invalid) as caught:
            compute(i)
        assert caught.value.field == "cycle_days"
    else:
        assert compute(i).cycle_days == cycle


# -- days from the financial statements ------------------------------------------------------------

BS_2024 = dict(cash=500000, accounts_receivable=800000, prepayments=100000, inventory=1000000,
               accounts_payable=600000, advances_from_customers=200000)
BS_2025 = dict(cash=500000, accounts_receivable=1000000, prepayments=140000, inventory=1400000,
               accounts_payable=840000, advances_from_customers=160000)


def _balance_rows(period: str, b: dict) -> list[str]:
    current = sum(b[k] for k in ("cash", "accounts_receivable", "prepayments", "inventory"))
    liabilities = b["accounts_payable"] + b["advances_from_customers"]
    items = {**b, "current_assets": current, "total_assets": current, "current_liabilities": liabilities,
             "total_liabilities": liabilities, "total_equity": current - liabilities}
    return [f"balance_sheet,{k},,{period},{v}" for k, v in items.items()]


def _statements(*, balances: dict[str, dict], income: dict[str, tuple[int, int]]):
    rows = ["statement,item_code,item_name,period,amount"]
    for period, b in balances.items():
        rows += _balance_rows(period, b)
    for period, (revenue, cost) in income.items():
        rows += [f"income_statement,revenue,,{period},{revenue}", f"income_statement,cost_of_sales,,{period},{cost}",
                 f"income_statement,operating_profit,,{period},{revenue // 10}",
                 f"income_statement,net_profit,,{period},{revenue // 20}"]
    parsed = parse_financials("\n".join(rows).encode(), filename="f.csv")
    return load(SourceKind.FINANCIAL_STATEMENTS, parsed.content)


def test_days_derived_from_two_year_ends_and_the_years_income_statement():
    # averages: inventory (1,000,000 + 1,400,000) ÷ 2 = 1,200,000; receivables 900,000; prepayments 120,000;
    #           payables 720,000; advances 180,000. 2025: revenue 7,200,000, cost of sales 5,400,000.
    # inventory  = 360 × 1,200,000 ÷ 5,400,000 = 80.00    receivables = 360 × 900,000 ÷ 7,200,000 = 45.00
    # payables   = 360 × 720,000 ÷ 5,400,000 = 48.00      prepayments = 360 × 120,000 ÷ 5,400,000 = 8.00
    # advances   = 360 × 180,000 ÷ 7,200,000 = 9.00
    # cycle = 80 + 45 − 48 + 8 − 9 = 76; turnover = 360 ÷ 76 = 4.7368… → 4.74
    # need = 7,200,000 × 0.9 × 1.15 × 76 ÷ 360 = 7,452,000 ÷ 360 × 76 = 20,700 × 76 = 1,573,200.00
    # limit = 1,573,200 − 300,000 − 500,000 = 773,200.00
    fin = _statements(balances={"2024": BS_2024, "2025": BS_2025},
                      income={"2024": (6000000, 4500000), "2025": (7200000, 5400000)})
    derived = derive_days(fin)
    assert derived.year == 2025
    assert derived.values() == {"sales": D("7200000.00"), "inventory_days": D("80.00"), "receivable_days": D("45.00"),
                                "payable_days": D("48.00"), "prepaid_days": D("8.00"), "advance_days": D("9.00")}
    assert "derived from statements 2024 and 2025" in derived.figures["inventory_days"].source.en
    assert "2024、2025 年末资产负债表" in derived.figures["inventory_days"].source.zh
    result = compute(WorkingCapitalInputs(**derived.values(), profit_margin="10", growth="15",
                                          own_funds="300000", existing_loans="500000"))
    assert result.cycle_days == D(76)
    assert result.turnover_times_shown == D("4.74")
    assert result.working_capital_need == D("1573200.00")
    assert result.new_loan_limit == D("773200.00")
    rows = {r.key: r for r in explain(result, derived.sources())}
    assert rows["payable_days"].source == derived.figures["payable_days"].source
    assert rows["profit_margin"].source == ENTERED
    assert rows["sales"].source.en == "revenue, income statement 2025"


def test_derived_days_are_rounded_half_up_to_two_places():
    # receivables: 360 × (1,000 + 1,000) ÷ 2 ÷ 7,000 = 51.428571… → 51.43; inventory 360 × 1,000 ÷ 6,000 = 60
    small = dict(cash=0, accounts_receivable=1000, prepayments=0, inventory=1000, accounts_payable=0,
                 advances_from_customers=0)
    derived = derive_days(_statements(balances={"2023": small, "2024": small}, income={"2024": (7000, 6000)}))
    assert derived.figures["receivable_days"].value == D("51.43")
    assert derived.figures["inventory_days"].value == D("60.00")


def test_a_missing_opening_balance_sheet_says_so_for_each_day_figure():
    fin = _statements(balances={"2025": BS_2025}, income={"2025": (7200000, 5400000)})
    derived = derive_days(fin)
    assert derived.values() == {"sales": D("7200000.00")}
    for key in DAY_FIELDS:
        f = derived.figures[key]
        assert f.value is None
        assert f.source.en == "missing the balance sheet at the end of 2024"
        assert f.source.zh == "缺少2024 年末资产负债表"


def test_an_explicit_year_without_an_income_statement():
    fin = _statements(balances={"2024": BS_2024, "2025": BS_2025}, income={"2025": (7200000, 5400000)})
    derived = derive_days(fin, year=2024)
    assert derived.values() == {}
    assert "the full-year 2024 income statement" in derived.figures["inventory_days"].source.en
    assert "the balance sheet at the end of 2023" in derived.figures["inventory_days"].source.en


def test_no_full_year_income_statement_at_all():
    fin = _statements(balances={"2025": BS_2025}, income={"2025-01..2025-06": (3600000, 2700000)})
    derived = derive_days(fin)
    assert derived.year is None and derived.values() == {}
    assert derived.figures["receivable_days"].source.en == "no full-year income statement (January–December)"


def test_zero_revenue_leaves_the_revenue_based_days_missing():
    fin = _statements(balances={"2024": BS_2024, "2025": BS_2025}, income={"2025": (0, 5400000)})
    derived = derive_days(fin)
    assert derived.figures["receivable_days"].value is None
    assert derived.figures["advance_days"].value is None
    assert "revenue 2025 is not above zero" in derived.figures["receivable_days"].source.en
    assert derived.figures["inventory_days"].value == D("80.00")


# -- the rows a page and a download share -----------------------------------------------------------


def test_explain_rows_in_reading_order_with_units_and_formulas():
    rows = explain(compute(inputs(own_funds="1000")))
    assert [r.key for r in rows] == [
        "sales", "profit_margin", "growth", "inventory_days", "receivable_days", "payable_days", "prepaid_days",
        "advance_days", "cycle_days", "turnover_times", "working_capital_need", "own_funds", "existing_loans",
        "other_funding", "deductions", "new_loan_limit"]
    by = {r.key: r for r in rows}
    assert by["turnover_times"].value == D("6.55") and by["turnover_times"].computed
    assert by["new_loan_limit"].value == D("153611.11") and by["new_loan_limit"].unit.zh == "元"
    assert by["inventory_days"].source == ENTERED and not by["inventory_days"].computed
    assert "360" in by["turnover_times"].source.zh and "full precision" in by["turnover_times"].source.en
    assert all(r.value.as_tuple().exponent == -2 for r in rows)


def test_the_macro_renders_each_row_as_a_phone_card():
    from jinja2 import Environment, FileSystemLoader

    from smecredit.standards.stage import STAGE

    env = Environment(loader=FileSystemLoader(str(STAGE.templates)), autoescape=True)
    page = env.from_string('{% from "standards/_working_capital.html" import working_capital_table with context %}'
                           "{{ working_capital_table(rows) }}")
    html = page.render(rows=explain(compute(inputs())), t=lambda text: text.en, tr=lambda zh, en: en)
    assert html.count("<tr data-key=") == 16
    assert 'class="table table-sm align-middle table-stack mb-0"' in html
    assert '<tr data-key="new_loan_limit" class="table-primary fw-semibold">' in html
    assert "154,611.11" in html and "Working-capital turnover" in html and 'data-label="Value"' in html
    assert "&gt;" not in html and "<script" not in html

