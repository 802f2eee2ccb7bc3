"""申报与核验不一致: what the enterprise declared against what a provider or official file says.
Declared facts are never overwritten by verified ones; each disagreement is listed with both
values and where the verified one came from, on the enterprise page and in the profile. Pure."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from smecredit.kernel.text import Text

#: Declared revenue may differ from the verified figure by this share before it is flagged
#: (declarations round, and the verified year may end at another month).
REVENUE_TOLERANCE = Decimal("0.20")


@dataclass(frozen=True)
class DeclaredFacts:
    name: str
    founded_on: date | None
    registered_capital: Decimal | None  # yuan
    legal_representative: str | None
    revenue: Decimal | None  # yuan, the declared annual revenue


@dataclass(frozen=True)
class Discrepancy:
    field: str
    label: Text
    declared: str
    verified: str
    source_kind: str
    snapshot_id: int | None
    note: Text

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "label": self.label.as_dict(), "declared": self.declared, "verified": self.verified,
                "source_kind": self.source_kind, "snapshot_id": self.snapshot_id, "note": self.note.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Discrepancy":
        return cls(field=data["field"], label=Text(**data["label"]), declared=data["declared"], verified=data["verified"],
                   source_kind=data["source_kind"], snapshot_id=data.get("snapshot_id"), note=Text(**data["note"]))


def _same_name(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split()).casefold()
    return norm(a) == norm(b)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def find(declared: DeclaredFacts, *, registry: Mapping[str, Any] | None, registry_snapshot_id: int | None,
         verified_revenue: Decimal | None, revenue_source: str | None, revenue_snapshot_id: int | None) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    if registry:
        def add(field: str, label: Text, mine: str, theirs: str, note: Text) -> None:
            found.append(Discrepancy(field, label, mine, theirs, "registry", registry_snapshot_id, note))

        name = registry.get("name")
        if isinstance(name, str) and name and not _same_name(declared.name, name):
            add("name", Text("企业名称", "Name"), declared.name, name,
                Text("登记名称与申报名称不同：核实是否为同一企业或已更名", "The registered name differs: check it is the same "
                     "enterprise, or that it was renamed"))
        founded = registry.get("founding_date")
        if isinstance(founded, str) and declared.founded_on is not None and founded != declared.founded_on.isoformat():
            add("founded_on", Text("成立日期", "Founding date"), declared.founded_on.isoformat(), founded,
                Text("经营年限按登记的成立日期计算", "Years in operation follow the registered founding date"))
        capital = _decimal(registry.get("registered_capital"))
        if capital is not None and declared.registered_capital is not None and capital != declared.registered_capital:
            add("registered_capital", Text("注册资本", "Registered capital"), _yuan(declared.registered_capital),
                _yuan(capital), Text("以登记的注册资本为准", "The registered capital is the registry's"))
        rep = registry.get("legal_representative")
        if isinstance(rep, str) and rep and declared.legal_representative and not _same_name(declared.legal_representative, rep):
            add("legal_representative", Text("法定代表人", "Legal representative"), declared.legal_representative, rep,
                Text("登记的法定代表人与申报不同：核实身份与授权", "The registered legal representative differs: check "
                     "identity and authority"))
    if verified_revenue is not None and declared.revenue is not None and verified_revenue > 0:
        gap = abs(declared.revenue - verified_revenue) / verified_revenue
        if gap > REVENUE_TOLERANCE:
            found.append(Discrepancy(
                "revenue", Text("营业收入", "Revenue"), _yuan(declared.revenue), _yuan(verified_revenue),
                revenue_source or "tax", revenue_snapshot_id,
                Text(f"申报营业收入与核验数据相差 {gap * 100:.0f}%（容差 {REVENUE_TOLERANCE * 100:.0f}%）",
                     f"Declared revenue differs from the verified figure by {gap * 100:.0f}% "
                     f"(tolerance {REVENUE_TOLERANCE * 100:.0f}%)")))
    return found
