"""The enterprise list as people see it and export it: its columns, filters and sort keys (one
`web.lists.ListSpec` for the page and both exports). The rows come from `listing.py`, the one
query for pages, API and exports.

Exporting it is not an audited act: the list holds names, codes, regions, industries, size and
declared figures of *enterprises* and the names of the loan officers who serve them. Names and
codes of enterprises are not personal information (个人信息保护法 art. 4 covers natural
persons); no legal representative, shareholder, ID or phone number is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smecredit.enterprises import rules
from smecredit.enterprises.listing import SORT_DIRECTIONS
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.clock import to_local
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.standards.regions import PROVINCES
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

UNASSIGNED = Text("待分派", "Unassigned")


@dataclass(frozen=True)
class Row:
    """One enterprise with the name of its officer (read once per page, not per row)."""

    e: Enterprise
    officer: str | None

    @property
    def region(self) -> Text:
        province = PROVINCES.get((self.e.region_code or "")[:2])
        if province is None:
            return Text(self.e.region_name or self.e.region_code or "", self.e.region_code or "")
        return Text(province.name_zh, province.name_en)

    @property
    def industry(self) -> Text:
        try:
            found = sme_size.Industry(self.e.industry)
        except ValueError:
            return Text(self.e.industry, self.e.industry)
        return Text(found.zh, found.en)

    @property
    def size(self) -> Text:
        try:
            found = sme_size.SizeClass(self.e.size_class)
        except ValueError:
            return Text(self.e.size_class, self.e.size_class)
        return Text(found.zh, found.en.capitalize())

    @property
    def ownership(self) -> Text:
        return rules.OWNERSHIP_LABELS.get(self.e.ownership, Text(self.e.ownership, self.e.ownership))

    @property
    def portfolio(self) -> Text:
        if self.officer:
            return Text(self.officer, self.officer)
        if self.e.branch_code:
            return Text(f"网点 {self.e.branch_code}", f"Branch {self.e.branch_code}")
        return UNASSIGNED


def officer_names(officers: list[User]) -> dict[int, str]:
    return {o.id: o.display_name for o in officers}


def rows_of(enterprises, names: dict[int, str]) -> list[Row]:
    return [row_of(e, names) for e in enterprises]


def row_of(e: Enterprise, names: dict[int, str]) -> Row:
    return Row(e, names.get(e.officer_id) if e.officer_id else None)


def _name_cell(r: Row, lang: str):
    badges = () if r.e.ownership == "confirmed" else ((r.ownership.pick(lang), "warning"),)
    return Cell(r.e.name, href=f"/enterprises/{r.e.id}", badges=badges, testid="enterprise-link")


def _officer_cell(r: Row, lang: str):
    if r.officer or r.e.branch_code:
        return Cell(r.portfolio.pick(lang))
    return Cell("", badges=((UNASSIGNED.pick(lang), "light"),))


def _wan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


SIZE_OPTIONS = tuple(Option(s.value, Text(s.zh, s.en.capitalize())) for s in
                     (sme_size.SizeClass.MICRO, sme_size.SizeClass.SMALL, sme_size.SizeClass.MEDIUM, sme_size.SizeClass.LARGE))
INDUSTRY_OPTIONS = tuple(Option(i.value, Text(i.zh, i.en)) for i in sme_size.Industry)
REGION_OPTIONS = tuple(Option(code, Text(f"{p.name_zh}（{code}）", f"{p.name_en} ({code})")) for code, p in PROVINCES.items())
OWNERSHIP_OPTIONS = tuple(Option(k, label) for k, label in rules.OWNERSHIP_LABELS.items())
AUTHORISATION_OPTIONS = (Option("valid", Text("授权有效", "Authorisation in force")),
                         Option("none", Text("无有效授权", "No authorisation in force")))
COMPLETENESS_OPTIONS = (Option("complete", Text("六类数据齐全", "All six sources")),
                        Option("partial", Text("部分数据", "Some sources")),
                        Option("none", Text("尚无数据", "No data yet")))
MINE = Option("me", Text("仅我的客户", "Only mine"))
QUEUE = Option("queue", Text("待分派队列", "Unassigned queue"))


def officer_options(officers: list[User], *, is_officer: bool) -> list[Option]:
    """"Mine" (for officers), the queue, then every loan officer by name."""
    return ([MINE] if is_officer else []) + [QUEUE] + [Option(str(o.id), Text(o.display_name, o.display_name)) for o in officers]


SPEC = ListSpec(
    name="enterprises",
    title=Text("企业客户", "Enterprises"),
    columns=(
        Column("name", Text("企业名称", "Name"), lambda r: r.e.name, sort="name", primary=True, cell=_name_cell),
        Column("uscc", Text("统一社会信用代码", "Unified social credit code"), lambda r: r.e.uscc, sort="uscc",
               cell=lambda r, lang: Cell(r.e.uscc, mono=True), card_wide=True, nowrap=True),
        Column("region", Text("地区", "Region"), lambda r: r.region, sort="region", wide=True),
        Column("region_code", Text("行政区划代码", "Region code"), lambda r: r.e.region_code, page=False),
        Column("industry", Text("行业", "Industry"), lambda r: r.industry, sort="industry", wide=True),
        Column("size", Text("划型", "Size class"), lambda r: r.size, sort="size"),
        Column("employees", Text("从业人员", "Employees"), lambda r: r.e.employees, sort="employees", numeric=True,
               unit=Text("人", "persons"), page=False, number_format="#,##0"),
        Column("revenue", Text("营业收入", "Revenue"), lambda r: r.e.revenue_wan, sort="revenue", numeric=True, wide=True,
               unit=Text("万元", "10k CNY"), cell=lambda r, lang: _wan(r.e.revenue_wan), number_format="#,##0.00"),
        Column("assets", Text("资产总额", "Total assets"), lambda r: r.e.assets_wan, numeric=True, page=False,
               unit=Text("万元", "10k CNY"), number_format="#,##0.00"),
        Column("ownership", Text("归属状态", "Ownership"), lambda r: r.ownership, page=False),
        Column("officer", Text("客户经理", "Officer"), lambda r: r.portfolio, cell=_officer_cell),
        Column("registered", Text("登记时间", "Registered"), lambda r: r.e.created_at, sort="newest",
               wide=True, nowrap=True, cell=lambda r, lang: to_local(r.e.created_at).date().isoformat() if r.e.created_at else ""),
    ),
    sorts=SORT_DIRECTIONS,
    default_sort="newest",
    filters=(
        Filter("q", Text("名称或代码", "Name or code"), kind="search", wide=True,
               placeholder=Text("企业名称或统一社会信用代码", "Name or unified social credit code")),
        Filter("size_class", Text("划型", "Size class"), options=SIZE_OPTIONS),
        Filter("industry", Text("行业", "Industry"), options=INDUSTRY_OPTIONS),
        # provinces here; a deeper prefix (3501: Fuzhou) works in the address and the API
        Filter("region", Text("地区", "Region"), options=REGION_OPTIONS),
        Filter("authorisation", Text("数据查询授权", "Data enquiry authorisation"), options=AUTHORISATION_OPTIONS),
        Filter("completeness", Text("数据完整度", "Data completeness"), options=COMPLETENESS_OPTIONS),
        Filter("officer", Text("客户经理", "Officer"), any_label=Text("全部可见企业", "Everything I see")),
        Filter("ownership", Text("归属状态", "Ownership"), options=OWNERSHIP_OPTIONS),
    ),
    page_size=50,
    export_path="/enterprises/export",
    empty=Text("没有找到企业", "No enterprises found"),
)
