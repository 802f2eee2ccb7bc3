"""The list component on its own: state from the query string, links that keep the filters,
header sorting, cells, and exports (typed cells, neutralised formulas, BOM, cap)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import load_workbook
from starlette.requests import Request

from smecredit.kernel.text import Text
from smecredit.web import lists
from smecredit.web.lists import Cell, Column, Filter, ListPage, ListSpec, ListState, Option

SPEC = ListSpec(
    name="things",
    title=Text("东西", "Things"),
    columns=(
        Column("name", Text("名称", "Name"), lambda r: r["name"], sort="name", primary=True,
               cell=lambda r, lang: Cell(r["name"], href=f"/things/{r['id']}")),
        Column("amount", Text("金额", "Amount"), lambda r: r["amount"], sort="amount", numeric=True, unit=Text("元", "CNY")),
        Column("day", Text("日期", "Day"), lambda r: r["day"]),
        Column("at", Text("时间", "At"), lambda r: r["at"], page=False),
        Column("kind", Text("类别", "Kind"), lambda r: Text("甲", "A")),
        Column("edit", Text("操作", "Actions"), lambda r: None, actions=True,
               cell=lambda r, lang: Cell("修改", href="/x", button=True)),
    ),
    sorts={"name": "asc", "amount": "desc"},
    default_sort="name",
    filters=(Filter("kind", Text("类别", "Kind"), options=(Option("a", Text("甲", "A")),)),
             Filter("q", Text("搜索", "Search"), kind="search")),
    page_size=2,
    export_path="/things/export",
    export_cap=3,
)
ROWS = [{"id": i, "name": name, "amount": Decimal(f"{i}.50"), "day": date(2026, 1, i + 1),
         "at": datetime(2026, 1, 1, 16, 30, tzinfo=timezone.utc)}
        for i, name in enumerate(["=HYPERLINK(\"http://evil\",\"x\")", "+1", "普通名称", "@SUM(A1)", "-2"])]


def request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/things", "query_string": query.encode(), "headers": []})


def test_state_reads_declared_filters_a_known_sort_and_a_page():
    state = lists.state_from(request("kind=a&q=%20x%20&other=1&sort=-amount&page=3"), SPEC)
    assert state == ListState({"kind": "a", "q": "x"}, "-amount", 3)
    odd = lists.state_from(request("sort=drop+table&page=-4"), SPEC)
    assert odd.sort == "name" and odd.page == 1 and odd.filters == {}
    assert lists.state_from(request("page=99999999999"), SPEC).page == 1


def test_links_keep_filters_across_paging_sorting_and_export():
    view = ListPage(SPEC, ListState({"kind": "a"}, "-amount", 2), ROWS[2:4], total=5, lang="zh", path="/things")
    assert view.pages == 3 and view.summary() == "第 2 / 3 页，共 5 条"
    assert view.page_href(3) == "/things?kind=a&sort=-amount&page=3"
    assert view.page_href(99) == "/things?kind=a&sort=-amount&page=3"
    assert view.page_href(1) == "/things?kind=a&sort=-amount"
    name, amount = view.columns[0], view.columns[1]
    assert view.sort_href(name) == "/things?kind=a"  # the default sort, first page
    assert view.sort_state(amount) == "asc"  # "-amount" reverses amount's natural descending order
    assert view.sort_href(amount) == "/things?kind=a&sort=amount"
    assert view.export_href("xlsx") == "/things/export.xlsx?kind=a&sort=-amount"
    assert ListPage(SPEC, ListState(), [], 0, "en", "/things").summary() == "Page 1 of 1, 0 in all"


def test_cells_default_to_the_formatted_value():
    view = ListPage(SPEC, ListState(), ROWS[:1], total=1, lang="en", path="/things")
    cells = dict((c.key, cs) for c, cs in view.cells(ROWS[0]))
    assert cells["name"][0].href == "/things/0"
    assert cells["amount"][0].text == "0.50" and cells["kind"][0].text == "A"
    assert "at" not in cells  # export only
    assert view.columns[1].header("zh") == "金额（元）" and view.columns[1].header("en") == "Amount (CNY)"


def test_csv_export_has_a_bom_neutralised_formulas_typed_values_and_says_it_was_capped():
    body = b"".join(lists.csv_chunks(SPEC, iter(ROWS), lang="zh", total=len(ROWS)))
    assert body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == ["名称", "金额（元）", "日期", "时间", "类别"]  # no actions column
    assert [r[0] for r in table[1:4]] == ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1", "普通名称"]
    assert table[1][1:4] == ["0.50", "2026-01-01", "2026-01-02 00:30:00"]  # local time (Asia/Shanghai)
    assert len(table) == 5 and "仅导出前 3 条（共 5 条）" in table[4][0]


def test_xlsx_export_keeps_numbers_and_dates_and_neutralises_text():
    body = b"".join(lists.xlsx_chunks(SPEC, iter(ROWS[:3]), lang="en", total=3))
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Amount (CNY)", "Day", "At", "Kind")
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\",\"x\")" and rows[2][0] == "'+1"
    assert rows[1][1] == 0.5 and isinstance(rows[1][2], datetime) and rows[1][3] == datetime(2026, 1, 2, 0, 30)
    assert len(rows) == 4


def test_a_spec_refuses_unknown_sorts():
    import pytest

    with pytest.raises(ValueError):
        ListSpec(name="x", columns=(Column("a", Text("a", "b"), lambda r: r, sort="nope"),), sorts={"a": "asc"},
                 default_sort="a")


def test_chips_name_each_filter_set_and_link_to_the_list_without_it():
    view = ListPage(SPEC, ListState({"kind": "a", "q": "x"}, "-amount", 2), ROWS, total=5, lang="zh", path="/things")
    assert view.chips() == [("类别", "甲", "/things?q=x&sort=-amount"), ("搜索", "x", "/things?kind=a&sort=-amount")]
