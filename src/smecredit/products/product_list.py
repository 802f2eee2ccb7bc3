"""The product catalogue as a list (web/lists.ListSpec): columns, filters by kind and guarantee
mode, sorts; rows are the versions in force (a catalogue is short: filtered and sorted in memory)."""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.kernel.text import Text
from smecredit.products.definition import ProductDefinition
from smecredit.products.models import ProductVersion
from smecredit.products.vocabulary import GUARANTEE_BASE, KINDS, REPAYMENT_METHODS, guarantee_label
from smecredit.web.lists import Cell, Column, Filter, ListSpec, ListState, Option


@dataclass(frozen=True)
class Row:
    version: ProductVersion
    d: ProductDefinition


def _amounts(r: Row, lang: str) -> str:
    return f"{r.d.min_amount / 10000:,.0f}–{r.d.max_amount / 10000:,.0f} " + ("万元" if lang != "en" else "×10k CNY")


def _terms(r: Row, lang: str) -> str:
    return f"{r.d.min_term_months}–{r.d.max_term_months} " + ("个月" if lang != "en" else "months")


def _spread(r: Row, lang: str) -> str:
    return f"LPR {r.d.pricing.spread_min:+.2f}% ~ {r.d.pricing.spread_max:+.2f}%"


SPEC = ListSpec(
    name="products", title=Text("贷款产品", "Loan products"),
    columns=(
        Column("name", Text("产品", "Product"), lambda r: r.d.name, sort="name", primary=True,
               cell=lambda r, lang: Cell(r.d.name.pick(lang), href=f"/products/{r.d.code}",
                                         note=KINDS[r.d.kind].pick(lang), testid="product-link")),
        Column("amount", Text("额度", "Amount"), lambda r: r.d.max_amount, sort="amount", numeric=True,
               cell=lambda r, lang: _amounts(r, lang)),
        Column("term", Text("期限", "Term"), lambda r: r.d.max_term_months, sort="term", cell=lambda r, lang: _terms(r, lang)),
        Column("guarantee", Text("担保方式", "Guarantee"), lambda r: " / ".join(guarantee_label(m).zh for m in r.d.guarantee_modes),
               cell=lambda r, lang: "、".join(guarantee_label(m).pick(lang) for m in r.d.guarantee_modes) if lang != "en"
               else ", ".join(guarantee_label(m).en for m in r.d.guarantee_modes), wide=True),
        Column("repayment", Text("还款方式", "Repayment"), lambda r: None,
               cell=lambda r, lang: ("、" if lang != "en" else ", ").join(REPAYMENT_METHODS[m].pick(lang) for m in r.d.repayment_methods),
               wide=True),
        Column("pricing", Text("利率", "Rate"), lambda r: r.d.pricing.spread_min, sort="pricing", cell=_spread, nowrap=True),
        Column("version", Text("版本", "Version"), lambda r: r.version.version,
               cell=lambda r, lang: (f"第 {r.version.version} 版" if lang != "en" else f"v{r.version.version}"), card=False),
    ),
    sorts={"name": "asc", "amount": "desc", "term": "desc", "pricing": "asc"}, default_sort="name",
    filters=(
        Filter("kind", Text("产品类型", "Kind"), options=tuple(Option(k, v) for k, v in KINDS.items())),
        Filter("guarantee", Text("担保方式", "Guarantee"), options=tuple(Option(k, v) for k, v in GUARANTEE_BASE.items())),
    ),
    empty=Text("没有符合条件的产品", "No product matches"),
)

_SORT_KEYS = {"name": lambda r: r.d.code, "amount": lambda r: r.d.max_amount, "term": lambda r: r.d.max_term_months,
              "pricing": lambda r: r.d.pricing.spread_min}


def rows_of(versions: list[ProductVersion], state: ListState) -> list[Row]:
    rows = [Row(v, v.definition) for v in versions]
    kind = state.filters.get("kind")
    if kind:
        rows = [r for r in rows if r.d.kind == kind]
    guarantee = state.filters.get("guarantee")
    if guarantee:
        rows = [r for r in rows if any(guarantee in m.split("+") for m in r.d.guarantee_modes)]
    key = state.sort.lstrip("-")
    natural_desc = SPEC.sorts.get(key) == "desc"
    reverse = natural_desc != state.sort.startswith("-")
    rows.sort(key=lambda r: (_SORT_KEYS[key](r), r.d.code) if key in _SORT_KEYS else r.d.code, reverse=reverse)
    return rows


__all__ = ["SPEC", "Row", "rows_of"]
