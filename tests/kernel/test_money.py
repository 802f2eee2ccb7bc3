from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smecredit.kernel.errors import DomainError
from smecredit.kernel.money import allocate, format_yuan, to_money

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000000"), places=2, allow_nan=False)


def test_quantises_half_up_to_the_fen():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("2.344") == Decimal("2.34")
    assert to_money("-2.345") == Decimal("-2.35")
    assert to_money("1,234.5") == Decimal("1234.50")


def test_refuses_float_and_garbage():
    with pytest.raises(TypeError):
        to_money(0.1)
    with pytest.raises(DomainError) as caught:
        to_money("12元", field="principal")
    assert caught.value.field == "principal" and caught.value.code == "invalid_amount"
    with pytest.raises(DomainError):
        to_money("NaN")


def test_format_yuan():
    assert format_yuan(Decimal("1234567.8")) == "¥1,234,567.80"


@given(total=amounts, weights=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(any))
def test_allocation_adds_up_exactly_and_stays_within_a_fen(total, weights):
    parts = allocate(total, [Decimal(w) for w in weights])
    assert sum(parts) == to_money(total)
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights):
        exact = to_money(total) * Decimal(weight) / Decimal(weight_sum)
        assert abs(part - exact) < Decimal("0.01")


def test_money_columns_round_half_up_on_every_database(db):
    """One rounding rule at the column type: 2.675 and 2.665 round half-up on SQLite and PostgreSQL
    alike (SQLite's NUMERIC would round half-even, PostgreSQL's half away from zero)."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    from smecredit.enterprises.models import Enterprise

    now = datetime.now(timezone.utc)
    row = Enterprise(uscc="91350100M000100Y43", name="舍入测试", industry="other", region_code="350100",
                     employees=1, revenue_wan=Decimal("2.675"), assets_wan=Decimal("2.665"), size_class="micro",
                     size_rule_zh="", size_rule_en="", created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    stored = db.execute(text("SELECT revenue_wan, assets_wan FROM enterprises WHERE id = :id"), {"id": row.id}).one()
    assert Decimal(str(stored[0])) == Decimal("2.68")
    assert Decimal(str(stored[1])) == Decimal("2.67")


def test_a_stated_amount_must_already_be_whole_fen():
    from smecredit.kernel.errors import Invalid

    assert to_money("300000.10", exact=True) == Decimal("300000.10")
    assert to_money("300000.004") == Decimal("300000.00")  # imported figures are rounded to the fen
    with pytest.raises(Invalid) as refused:
        to_money("300000.004", exact=True, field="amount")
    assert refused.value.code == "amount_below_fen" and refused.value.field == "amount"
