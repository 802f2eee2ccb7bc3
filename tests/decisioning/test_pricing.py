"""Pricing: LPR + grade spread + guarantee and term adjustments, kept within the product's range,
the floor and the cap, every step shown; penalty rates; fees and the IRR-based 年化利率."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.decisioning import policy, pricing
from smecredit.decisioning.pricing import Fee, FeeCharge, price
from smecredit.kernel.text import Text

D = Decimal
RULES = policy.load_default().segment("micro_small").pricing
LPR = {"1y": D("3.00"), "5y+": D("3.50")}
WIDE = (D("-5"), D("20"))


def test_the_rate_step_by_step():
    p = price(RULES, grade="B", guarantee_mode="credit", term_months=24, reference_rates=LPR, product_spread=WIDE)
    assert [(s.code, s.value, s.after) for s in p.steps] == [
        ("reference_rate", D("3.00"), D("3.00")), ("grade_spread", D("0.80"), D("3.80")),
        ("guarantee_adjustment", D("0.30"), D("4.10")), ("term_adjustment", D("0.20"), D("4.30"))]
    assert p.annual_rate == D("4.3000") and p.tenor == "1y" and p.reference_rate == D("3.00")
    assert p.steps[0].label.zh == "1年期贷款市场报价利率（LPR）"


def test_terms_over_five_years_take_the_five_year_lpr():
    p = price(RULES, grade="A", guarantee_mode="mortgage", term_months=72, reference_rates=LPR, product_spread=WIDE)
    assert p.tenor == "5y+" and p.reference_rate == D("3.50")
    assert p.annual_rate == D("3.50") + D("0.40") - D("0.35") + D("0.45")


def test_a_combined_guarantee_takes_its_strongest_part_unless_listed():
    p = price(RULES, grade="B", guarantee_mode="credit+mortgage", term_months=12, reference_rates=LPR, product_spread=WIDE)
    step = next(s for s in p.steps if s.code == "guarantee_adjustment")
    assert step.value == D("-0.35") and "抵押" in step.note.zh
    listed = replace(RULES, guarantee_adjustments={**RULES.guarantee_adjustments, "credit+mortgage": D("-0.10")})
    p = price(listed, grade="B", guarantee_mode="credit+mortgage", term_months=12, reference_rates=LPR, product_spread=WIDE)
    assert next(s for s in p.steps if s.code == "guarantee_adjustment").value == D("-0.10")


def test_the_floor_and_the_cap():
    low = replace(RULES, spread_by_grade={**RULES.spread_by_grade, "A": D("-1.00")})
    p = price(low, grade="A", guarantee_mode="mortgage", term_months=6, reference_rates=LPR, product_spread=WIDE)
    assert p.annual_rate == D("3.0000") and p.steps[-1].code == "floor"
    high = replace(RULES, spread_by_grade={**RULES.spread_by_grade, "E": D("11.00")})
    p = price(high, grade="E", guarantee_mode="credit", term_months=48, reference_rates=LPR, product_spread=WIDE)
    assert p.annual_rate == D("12.0000") and p.steps[-1].code == "cap"


def test_the_cap_as_a_multiple_of_the_lpr():
    high = replace(RULES, spread_by_grade={**RULES.spread_by_grade, "E": D("11.00")})
    p = price(high, grade="E", guarantee_mode="credit", term_months=12, reference_rates={"1y": D("2.50"), "5y+": D("3.00")},
              product_spread=WIDE)
    assert p.annual_rate == D("10.0000") and "4" in p.steps[-1].note.en


def test_the_product_range_binds_before_the_policy_bounds():
    p = price(RULES, grade="D", guarantee_mode="credit", term_months=12, reference_rates=LPR, product_spread=(D("0.30"), D("2.00")))
    assert p.annual_rate == D("5.0000")
    step = p.steps[-1]
    assert step.code == "product_range" and "3.3000%" in step.note.zh and "5.0000%" in step.note.en
    off = replace(RULES, within_product_range=False)
    assert price(off, grade="D", guarantee_mode="credit", term_months=12, reference_rates=LPR,
                 product_spread=(D("0.30"), D("2.00"))).annual_rate == D("5.5000")


def test_penalty_rates_are_marked_up_from_the_contract_rate():
    p = price(RULES, grade="B", guarantee_mode="credit", term_months=12, reference_rates=LPR, product_spread=WIDE)
    assert p.annual_rate == D("4.1000")
    assert p.penalty_rate == D("6.1500")  # + 50 %
    assert p.misuse_rate == D("8.2000")  # + 100 %


def _schedule(amount="1000000.00", rate="4.10", months=12, method="equal_installment"):
    return pricing.schedule(principal=D(amount), annual_rate=D(rate), months=months, method=method, start=date(2025, 6, 1))


def test_without_fees_the_annual_percentage_rate_is_the_nominal_rate():
    for method in ("equal_installment", "equal_principal", "interest_only"):
        apr = pricing.apr(principal=D("1000000.00"), fees=(), instalments=_schedule(method=method), received_on=date(2025, 6, 1))
        assert abs(apr - D("4.10")) <= D("0.01"), method


def test_fees_raise_the_annual_percentage_rate():
    fee = pricing.charge(Fee("guarantee_fee", Text("融资担保费", "Guarantee fee"), "upfront", percent=D("1.00")), D("1000000.00"))
    assert fee.amount == D("10000.00")
    apr = pricing.apr(principal=D("1000000.00"), fees=(fee,), instalments=_schedule(), received_on=date(2025, 6, 1))
    assert apr > D("5.9")  # 1 % up front on a 12-month amortising loan adds about 1.8 points
    monthly = FeeCharge("service", Text("服务费", "Service fee"), "per_instalment", D("500.00"))
    apr2 = pricing.apr(principal=D("1000000.00"), fees=(monthly,), instalments=_schedule(), received_on=date(2025, 6, 1))
    assert apr2 > D("5.1")


def test_a_fixed_fee_is_charged_as_written():
    fee = pricing.charge(Fee("review", Text("评估费", "Appraisal fee"), "upfront", amount=D("800.00")), D("1000000.00"))
    assert fee.amount == D("800.00")


@settings(max_examples=200, deadline=None)
@given(grade=st.sampled_from("ABCDE"), mode=st.sampled_from(["credit", "guarantee", "mortgage", "credit+guarantee", "ip_pledge"]),
       months=st.integers(1, 360), lpr=st.decimals("0.50", "8.00", places=2), spread_low=st.decimals("-1.00", "2.00", places=2),
       width=st.decimals("0.00", "6.00", places=2))
def test_the_rate_stays_within_the_floor_and_the_cap(grade, mode, months, lpr, spread_low, width):
    rates = {"1y": lpr, "5y+": lpr + D("0.50")}
    p = price(RULES, grade=grade, guarantee_mode=mode, term_months=months, reference_rates=rates,
              product_spread=(spread_low, spread_low + width))
    cap = min(RULES.cap, p.reference_rate * RULES.cap_times_reference)
    assert p.annual_rate <= cap.quantize(D("0.0001"))
    if cap >= RULES.floor:  # else the cap (4 × a tiny LPR) wins over the floor
        assert p.annual_rate >= RULES.floor
    assert p.annual_rate == p.annual_rate.quantize(D("0.0001"))
    assert p.steps[-1].after.quantize(D("0.0001")) == p.annual_rate
    assert p.penalty_rate >= p.annual_rate * D("1.30") - D("0.0001")
