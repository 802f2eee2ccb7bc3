"""Every limit method with figures computed by hand, missing inputs, and invariants (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from smecredit.products import limits

D = Decimal


def test_project_cost_less_equity():
    # 3,456,789.10 × (1 − 0.20) = 2,765,431.28 exactly
    result = limits.compute("project_cost", {"equity_share": D("0.20")}, {}, {"project_cost": D("3456789.10")})
    assert result.amount == D("2765431.28")
    assert {i.key: i.source for i in result.inputs} == {"project_cost": "typed", "equity_share": "parameter"}


def test_order_value_times_advance_rate_rounds_down():
    # 1,234,567.89 × 0.70 = 864,197.523 → 864,197.52 (down, never overstated)
    assert limits.compute("order_value", {"advance_rate": D("0.70")}, {}, {"order_value": D("1234567.89")}).amount == D("864197.52")
    # 100.01 × 0.65 = 65.0065 → 65.00
    assert limits.compute("order_value", {"advance_rate": D("0.65")}, {}, {"order_value": D("100.01")}).amount == D("65.00")


def test_tax_multiple_capped_by_grade():
    params = {"multiple": D("10"), "caps": {"A": D("1000000.00"), "B": D("800000.00")}}
    # B, tax 56,789.12 × 10 = 567,891.20 below the B cap
    got = limits.compute("tax_multiple", params, {"tax_paid_last12m": D("56789.12"), "tax_credit_grade": "B"}, {})
    assert got.amount == D("567891.20") and got.note is None
    # B, tax 90,000 × 10 = 900,000 above the 800,000 cap
    got = limits.compute("tax_multiple", params, {"tax_paid_last12m": D("90000.00"), "tax_credit_grade": "B"}, {})
    assert got.amount == D("800000.00") and "900,000.00" in got.note.zh
    # A, same tax: below A's cap
    assert limits.compute("tax_multiple", params, {"tax_paid_last12m": D("90000.00"), "tax_credit_grade": "A"}, {}).amount == D("900000.00")
    # C has no cap in this product: no limit, and the note says why
    got = limits.compute("tax_multiple", params, {"tax_paid_last12m": D("90000.00"), "tax_credit_grade": "C"}, {})
    assert got.amount == D("0.00") and "C" in got.note.zh


def test_invoice_sales_receivables_and_ip():
    assert limits.compute("invoice_sales", {"rate": D("0.15")}, {}, {"invoiced_sales_12m": D("4321000.00")}).amount == D("648150.00")
    got = limits.compute("confirmed_receivables", {"advance_rate": D("0.80")}, {"core_customer_count": 2},
                         {"confirmed_receivables": D("1250000.55")})
    assert got.amount == D("1000000.44")  # 1,000,000.44 exactly
    assert any(i.key == "core_customer_count" and i.value == 2 and i.source == "record" for i in got.inputs)
    assert limits.compute("appraised_value", {"pledge_rate": D("0.40")}, {}, {"appraised_value": D("2500000.00")}).amount == D("1000000.00")


def test_missing_inputs_are_named_not_invented():
    got = limits.compute("tax_multiple", {"multiple": D("10"), "caps": {"A": D("1")}}, {"tax_credit_grade": "A"}, {})
    assert got.amount is None and [m.key for m in got.missing] == ["tax_paid_last12m"]
    got = limits.compute("order_value", {"advance_rate": D("0.7")}, {}, {})
    assert got.amount is None and got.missing[0].source == "typed"


@given(value=st.decimals(min_value=0, max_value=10**12, places=2), rate=st.decimals(min_value=D("0.01"), max_value=1, places=2))
def test_a_rate_method_never_exceeds_value_times_rate_nor_loses_a_fen(value, rate):
    got = limits.compute("order_value", {"advance_rate": rate}, {}, {"order_value": value}).amount
    assert got <= value * rate < got + D("0.01")
    assert got == got.quantize(D("0.01"))
