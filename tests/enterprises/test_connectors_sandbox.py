"""Sandbox provider: deterministic, labelled, valid, varied."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from smecredit.enterprises.connectors import SourceKind, parse_source
from smecredit.enterprises.connectors.sandbox import SANDBOX_NOTE, SandboxProfile, SandboxProvider, sandbox_file
from smecredit.kernel.errors import DomainError
from smecredit.standards.uscc import make_uscc

AS_OF = date(2025, 3, 15)
CODE = "91350100M000100Y43"


def _codes(n: int) -> list[str]:
    regions = ("110105", "310115", "440300", "330106", "350100", "510107", "420106", "320583")
    out = []
    for i in range(n):
        body = f"{i:08d}"
        out.append(make_uscc("9", "1", regions[i % len(regions)], body))
    return out


@pytest.mark.parametrize("kind", list(SourceKind))
def test_every_kind_is_labelled_and_deterministic(kind):
    p = SandboxProvider()
    a = p.fetch(kind, CODE, as_of=AS_OF)
    b = SandboxProvider().fetch(kind, CODE.lower(), as_of=AS_OF)
    assert a.kind is kind
    assert a.content == b.content and a.content_sha256 == b.content_sha256
    assert a.content["sandbox"] is True
    assert a.content["sandbox_note"] == {"zh": "演示沙箱数据，非真实数据", "en": "Sandbox demo data, not real"}
    assert SANDBOX_NOTE.zh == "演示沙箱数据，非真实数据"
    assert a.summary.zh.startswith("【沙箱】") and a.summary.en.startswith("[Sandbox]")
    # a different date gives a different (but again deterministic) answer
    c = p.fetch(kind, CODE, as_of=date(2024, 7, 1))
    if kind is not SourceKind.JUDICIAL:  # a clean judicial record is the same on any date
        assert c.content_sha256 != a.content_sha256


@pytest.mark.parametrize("kind", list(SourceKind))
def test_sandbox_bytes_go_through_the_real_importer(kind):
    data, filename, options = sandbox_file(kind, CODE, as_of=AS_OF)
    parsed = parse_source(kind, data, filename=filename, **options)
    fetched = SandboxProvider().fetch(kind, CODE, as_of=AS_OF)
    assert {k: v for k, v in fetched.content.items() if k not in ("sandbox", "sandbox_note")} == parsed.content


def test_invalid_codes_are_refused():
    with pytest.raises(DomainError) as exc:
        SandboxProvider().fetch(SourceKind.TAX, "91350100M000100Y4Z", as_of=AS_OF)
    assert exc.value.code == "invalid_uscc" and exc.value.field == "uscc"
    assert "position 18" in exc.value.message_en


def test_many_codes_and_dates_are_all_valid_and_varied():
    provider = SandboxProvider()
    tiers = Counter()
    overdue = lawsuits = dishonest = 0
    names = set()
    dates = (date(2019, 1, 31), date(2023, 12, 31), AS_OF, date(2026, 2, 28))
    for i, code in enumerate(_codes(40)):
        tiers[SandboxProfile.from_code(code).tier] += 1
        as_of = dates[i % len(dates)]
        got = {k: provider.fetch(k, code, as_of=as_of) for k in SourceKind}  # raises if anything is invalid
        names.add(got[SourceKind.REGISTRY].content["name"])
        assert got[SourceKind.REGISTRY].content["founding_date"] < as_of.isoformat()
        assert got[SourceKind.BANK_STATEMENT].content["last_date"] < as_of.isoformat()
        overdue += got[SourceKind.CREDIT_BUREAU].content["enterprise"]["current_overdue"]["count"] > 0
        lawsuits += any(x["role"] == "defendant" for x in got[SourceKind.JUDICIAL].content["lawsuits"])
        dishonest += bool(got[SourceKind.JUDICIAL].content["dishonest_debtor"])
    assert len(names) >= 35
    assert set(tiers) == {"clean", "watch", "risky"}
    assert overdue >= 1 and lawsuits >= 3
    assert overdue < 40 and lawsuits < 40


def test_young_firms_still_get_valid_data():
    """Founded at most 200 days before as_of: a year-to-date statement, grade M or none, short history."""
    provider = SandboxProvider()
    as_of = date(2006, 9, 1)  # every sandbox firm is founded in 2006 or later, so all are young
    for code in _codes(12):
        got = {kind: provider.fetch(kind, code, as_of=as_of) for kind in SourceKind}  # all valid
        founded = date.fromisoformat(got[SourceKind.REGISTRY].content["founding_date"])
        assert founded <= as_of - timedelta(days=200)
        assert SandboxProfile.from_code(code).founded_by(as_of) == founded
        statements = got[SourceKind.FINANCIAL_STATEMENTS].content["statements"]
        (sheet,) = statements["balance_sheet"]  # one year-to-date period, not full years
        assert sheet["months"] < 12 and sheet["end"] < as_of.isoformat() and sheet["start"] > founded.isoformat()
        assert got[SourceKind.TAX].content["credit_grade"] in ("M", None)
        periods = got[SourceKind.TAX].content["periods"]
        assert periods and all(founded.isoformat()[:7] < p["period"] < as_of.isoformat()[:7] for p in periods)
        bank = got[SourceKind.BANK_STATEMENT].content
        assert founded.isoformat() < bank["first_date"] and bank["last_date"] < as_of.isoformat()
        for kind, ps in got.items():
            assert ps.content["sandbox"] is True and ps.summary.zh.startswith("【沙箱】"), kind
