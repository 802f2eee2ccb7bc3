"""纳税信用等级: grades from the annual score, and their ordering for credit policies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smecredit.kernel.errors import DomainError
from smecredit.standards.tax_credit import TaxCreditGrade as G


@pytest.mark.parametrize(
    "points, grade",
    [
        ("100", G.A), ("90", G.A), ("89.99", G.B), ("70", G.B), ("69.99", G.C),
        ("40", G.C), ("39.99", G.D), ("0", G.D),
    ],
)
def test_from_score_boundaries(points, grade):
    assert G.from_score(Decimal(points)) is grade


def test_int_scores_are_accepted():
    assert G.from_score(90) is G.A


@pytest.mark.parametrize(
    "points, grade",
    [("95", G.M), ("70", G.M), ("69.99", G.C), ("39", G.D)],
)
def test_new_or_no_revenue_firms(points, grade):
    assert G.from_score(Decimal(points), new_or_no_revenue=True) is grade


def test_assigned_d_wins_over_any_score():
    assert G.from_score(Decimal(100), assigned_d=True) is G.D
    assert G.from_score(Decimal(80), new_or_no_revenue=True, assigned_d=True) is G.D


@pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("100.01"), Decimal("NaN"), 95.0, "90"])
def test_invalid_scores(bad):
    with pytest.raises(DomainError) as info:
        G.from_score(bad)
    assert info.value.code == "invalid_tax_credit_score"


def test_policy_ordering():
    assert sorted([G.D, G.M, G.A, G.C, G.B], reverse=True) == [G.A, G.B, G.M, G.C, G.D]
    assert G.A > G.B > G.M > G.C > G.D
    assert G.M >= G.M and G.M <= G.B and G.C < G.M
    # A typical admission rule "A or B".
    assert [g.value for g in G if g >= G.B] == ["A", "B"]
    with pytest.raises(TypeError):
        G.A < "B"  # noqa: B015 - comparing with a plain string is an error


@pytest.mark.parametrize("text, grade", [("A", G.A), ("a", G.A), ("M级", G.M), (" b 级 ", G.B)])
def test_parse(text, grade):
    assert G.parse(text) is grade
    assert G.parse(grade) is grade


def test_parse_unknown():
    with pytest.raises(DomainError) as info:
        G.parse("E")
    assert info.value.code == "unknown_tax_credit_grade"
    assert info.value.field == "tax_credit_grade"


def test_descriptions():
    assert "90" in G.A.zh and "70" in G.M.zh and "新设立" in G.M.zh
    assert all(g.zh and g.en for g in G)
