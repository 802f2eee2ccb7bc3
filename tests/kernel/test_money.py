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
