"""One list component for every list a person pages through: a declarative spec (columns with
bilingual headers and how each cell reads, sort keys, filters with bilingual labels and options,
page size), the state a request asks for (filters, sort, page — kept across paging, sorting and
export links), and exports of exactly the filtered, sorted rows to XLSX and CSV.

A stage declares its list once::

    SPEC = ListSpec(
        name="enterprises",
        columns=(
            Column("name", Text("企业名称", "Name"), lambda r: r.name, sort="name", primary=True,
                   cell=lambda r, lang: Cell(r.name, href=f"/enterprises/{r.id}")),
            Column("revenue", Text("营业收入", "Revenue"), lambda r: r.revenue_wan, sort="revenue",
                   numeric=True, unit=Text("万元", "10k CNY")),
        ),
        sorts={"name": "asc", "revenue": "desc"}, default_sort="name",
        filters=(Filter("size_class", Text("划型", "Size"), options=(Option("small", Text("小型", "Small")),)),),
        export_path="/enterprises/export",
    )

and its routes do three things: read the state (``state_from(request, SPEC)``, or their own
validated query parameters), run *their one query* for the page, and hand the rows to
``ListPage``; the template calls ``{{ lists.render(view) }}`` (``templates/_list.html``). The export
route runs the same query without paging and returns ``export_response(...)``, which streams the
file (rows read in a session of its own, after the request's transaction has ended). A list whose
module has ``SPEC``, ``count``, ``search`` (and ``iterate``) over one query scoped to the user needs
no more than ``page_of(request, db, user, module, path)`` and ``export_of(...)`` (``loans.loan_list``).

Cells: ``Column.value(row)`` is the typed value written to exports (text, ``int``, ``Decimal``,
``date``, ``datetime``, ``Text``, ``bool``); ``Column.cell(row, lang)`` is what the page shows (a
``Cell`` with an optional link, badges and a small note, several cells, or plain text; default:
the value, formatted). On a phone (below ``md``) every row becomes a card (CSS ``table-stack``):
the ``primary`` column is its title, ``actions`` its footer, every other cell says its header.

Exports: the headers are in the page's language; every text cell goes through
:func:`smecredit.kernel.inputs.spreadsheet_safe` (formula prefixes neutralised); numbers and dates
stay numbers and dates; at most ``export_cap`` rows, and a capped file says so. Whether an export
is an audited act is the route's decision: it is when the rows carry personal information.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import StreamingResponse

from smecredit.kernel.clock import to_local
from smecredit.kernel.inputs import spreadsheet_safe
from smecredit.kernel.text import Text

ANY = Text("全部", "Any")
MAX_PAGE = 1_000_000
MAX_FILTER_LENGTH = 100
EXPORT_FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class Filter:
    """One filter of the list's filter bar. ``kind``: ``select`` (``options``, with "any" first),
    ``text`` (with ``options`` as typing suggestions when given), ``search`` or ``date``."""

    key: str
    label: Text
    kind: str = "select"
    options: tuple[Option, ...] = ()
    any_label: Text = ANY
    placeholder: Text | None = None
    wide: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("select", "text", "search", "date"):
            raise ValueError(f"unknown filter kind {self.kind!r}")


@dataclass(frozen=True)
class Cell:
    """What one cell shows: text (a link when ``href``), badges ``(text, tone)`` after it, and a
    small note below it (``note_mono``: in a code font, e.g. a raw code kept for auditors)."""

    text: str = ""
    href: str | None = None
    badges: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    mono: bool = False
    note_mono: bool = False
    button: bool = False  # an action link drawn as a small button
    post: bool = False  # ``href`` is an action: a form posting to it (with the CSRF token), drawn as a link
    testid: str | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    value: Callable[[Any], Any]
    cell: Callable[[Any, str], Cell | Sequence[Cell] | str | None] | None = None
    sort: str | None = None  # the sort key a click on the header asks for
    export: bool = True
    page: bool = True  # shown on the page (False: exports only)
    primary: bool = False  # the card's title on a phone
    actions: bool = False  # buttons: no header in exports, the card's footer on a phone
    wide: bool = False  # in the table only from the lg breakpoint up (cards always show it)
    card: bool = True  # shown in the phone card
    card_wide: bool = False  # takes the card's whole width
    numeric: bool = False  # right-aligned in the table
    nowrap: bool = False  # one line in the table (codes, dates)
    css: str = ""  # extra classes of the cell (see app.css)
    unit: Text | None = None  # said in the export header: 营业收入（万元）
    number_format: str | None = None  # XLSX number format, e.g. "#,##0.00"

    def header(self, lang: str) -> str:
        text = self.label.pick(lang)
        if self.unit is not None:
            unit = self.unit.pick(lang)
            return f"{text}（{unit}）" if lang != "en" else f"{text} ({unit})"
        return text


@dataclass(frozen=True)
class ListSpec:
    name: str  # testids: list-<name>; export file names
    columns: tuple[Column, ...]
    sorts: Mapping[str, str]  # sort key → its natural direction, "asc" or "desc"; "-key" reverses it
    default_sort: str
    filters: tuple[Filter, ...] = ()
    page_size: int = 50
    export_path: str | None = None  # "/enterprises/export" serves .xlsx and .csv
    export_cap: int = 50_000
    title: Text = Text("列表", "List")  # sheet name and file name of exports
    empty: Text = Text("没有符合条件的记录", "Nothing matches")
    testid: str | None = None  # the table's data-testid (default "list-<name>")
    empty_testid: str = "list-empty"
    row_data: tuple[str, Callable[[Any], Any]] | None = None  # ("seq", f): each row gets data-seq="f(row)"
    table_class: str = ""  # extra classes of the table

    def __post_init__(self) -> None:
        if self.default_sort.lstrip("-") not in self.sorts:
            raise ValueError(f"default sort {self.default_sort!r} is not one of {list(self.sorts)}")
        for column in self.columns:
            if column.sort is not None and column.sort not in self.sorts:
                raise ValueError(f"column {column.key!r} sorts by unknown key {column.sort!r}")
            if column.primary and column.wide:
                raise ValueError(f"primary column {column.key!r} cannot be hidden on narrow screens")
        if [f.key for f in self.filters].count("sort") or any(f.key == "page" for f in self.filters):
            raise ValueError("'sort' and 'page' are not filter names")

    def allowed_sorts(self) -> set[str]:
        return set(self.sorts) | {f"-{k}" for k in self.sorts}

    def exported(self) -> list[Column]:
        return [c for c in self.columns if c.export and not c.actions]


@dataclass(frozen=True)
class ListState:
    """What the request asks the list for: the filters set (only non-empty ones), sort, page."""

    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    page: int = 1

    def params(self, spec: ListSpec, **changes: Any) -> dict[str, str]:
        """Query parameters that keep the filters (and the sort unless it is the default)."""
        out = {k: v for k, v in self.filters.items() if v}
        sort = changes.get("sort", self.sort)
        if sort and sort != spec.default_sort:
            out["sort"] = sort
        page = changes.get("page", self.page)
        if page and page > 1:
            out["page"] = str(page)
        return out


def _page_number(value: str | None) -> int:
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 7:
        return max(1, min(int(value), MAX_PAGE))
    return 1


def state_from(request: Request, spec: ListSpec, *, sort: str | None = None,
               filters: Mapping[str, str | None] | None = None) -> ListState:
    """The list state from the query string: declared filters only (trimmed, bounded), a known
    sort (else the default), a page number (else 1). ``sort``/``filters``: values the route has
    validated already (e.g. with FastAPI query parameters) take precedence."""
    query = request.query_params
    if filters is None:
        filters = {f.key: query.get(f.key) for f in spec.filters}
    found = {}
    for f in spec.filters:
        value = filters.get(f.key)
        value = str(value).strip()[:MAX_FILTER_LENGTH] if value is not None else ""
        if value:
            found[f.key] = value
    wanted = sort if sort is not None else query.get("sort", "")
    return ListState(found, wanted if wanted in spec.allowed_sorts() else spec.default_sort, _page_number(query.get("page")))


def _plain(value: Any, lang: str) -> str:
    """A value as a page shows it when the column says nothing else."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.pick(lang)
    if isinstance(value, bool):
        return Text("是", "Yes").pick(lang) if value else Text("否", "No").pick(lang)
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass
class ListPage:
    """A page of a list, ready for ``templates/_list.html``."""

    spec: ListSpec
    state: ListState
    rows: Sequence[Any]
    total: int
    lang: str
    path: str
    options: Mapping[str, Sequence[Option]] = field(default_factory=dict)  # options known only at run time
    hidden: frozenset[str] = frozenset()  # filters this user has no use for
    message: str | None = None  # a refusal of the filters, shown above the list
    error_field: str | None = None
    can_export: bool = True

    # -- paging ---------------------------------------------------------------------------------
    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.spec.page_size))

    @property
    def page(self) -> int:
        return self.state.page

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.spec.page_size + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1 if self.rows else 0

    def href(self, **changes: Any) -> str:
        params = self.state.params(self.spec, **changes)
        return f"{self.path}?{urlencode(params)}" if params else self.path

    def page_href(self, number: int) -> str:
        return self.href(page=max(1, min(number, self.pages)))

    def summary(self) -> str:
        """第 x / y 页，共 n 条 / Page x of y, n in all."""
        if self.lang == "en":
            return f"Page {self.page} of {self.pages}, {self.total:,} in all"
        return f"第 {self.page} / {self.pages} 页，共 {self.total:,} 条"

    # -- sorting ---------------------------------------------------------------------------------
    def _direction(self, sort: str) -> str:
        natural = self.spec.sorts[sort.lstrip("-")]
        if sort.startswith("-"):
            return "desc" if natural == "asc" else "asc"
        return natural

    def sort_state(self, column: Column) -> str | None:
        """"asc" / "desc" when the list is sorted by this column, else None."""
        if column.sort is None or self.state.sort.lstrip("-") != column.sort:
            return None
        return self._direction(self.state.sort)

    def sort_href(self, column: Column) -> str:
        """The list sorted by this column: first click its natural direction, then the reverse."""
        assert column.sort is not None
        if self.state.sort == column.sort:
            wanted = f"-{column.sort}"
        else:
            wanted = column.sort
        return self.href(sort=wanted, page=1)

    def sort_options(self) -> list[tuple[str, str, bool]]:
        """(value, label, selected) for the sort select that stands in for the headers on a phone."""
        out = []
        for column in self.columns:
            if column.sort is None or any(value.lstrip("-") == column.sort for value, _, _ in out):
                continue
            label = column.label.pick(self.lang)
            for value in (column.sort, f"-{column.sort}"):
                arrow = "↑" if self._direction(value) == "asc" else "↓"
                out.append((value, f"{label} {arrow}", value == self.state.sort))
        return out

    @property
    def active_filters(self) -> int:
        return len([k for k in self.state.filters if k not in self.hidden])

    def chips(self) -> list[tuple[str, str, str]]:
        """(filter label, value as people read it, link without that filter) for each filter set."""
        out = []
        for f, options, value in self.filter_fields():
            if not value:
                continue
            shown = next((o.label.pick(self.lang) for o in options if o.value == value), value)
            rest = ListState({k: v for k, v in self.state.filters.items() if k != f.key}, self.state.sort, 1)
            params = rest.params(self.spec)
            out.append((f.label.pick(self.lang), shown, f"{self.path}?{urlencode(params)}" if params else self.path))
        return out

    # -- exports ---------------------------------------------------------------------------------
    def export_href(self, fmt: str) -> str | None:
        if not self.spec.export_path or not self.can_export:
            return None
        params = self.state.params(self.spec, page=1)
        return f"{self.spec.export_path}.{fmt}" + (f"?{urlencode(params)}" if params else "")

    @property
    def capped(self) -> bool:
        return self.total > self.spec.export_cap

    # -- rows --------------------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        return [c for c in self.spec.columns if c.page]

    def cells(self, row: Any) -> list[tuple[Column, list[Cell]]]:
        out = []
        for column in self.columns:
            shown = column.cell(row, self.lang) if column.cell is not None else _plain(column.value(row), self.lang)
            if shown is None or shown == "":
                cells: list[Cell] = []
            elif isinstance(shown, Cell):
                cells = [shown]
            elif isinstance(shown, str):
                cells = [Cell(shown)]
            else:
                cells = list(shown)
            out.append((column, cells))
        return out

    def td_class(self, column: Column) -> str:
        classes = [column.css] if column.css else []
        if column.primary:
            classes.append("cell-primary")
        if column.actions:
            classes.append("cell-actions text-end text-nowrap")
        if column.card_wide:
            classes.append("cell-wide")
        if column.numeric:
            classes.append("cell-num")
        if column.nowrap:
            classes.append("cell-nowrap")
        if column.wide:
            classes.append("d-md-none d-lg-table-cell")
        if not column.card:
            classes.append("d-none d-md-table-cell")
        return " ".join(classes)

    def th_class(self, column: Column) -> str:
        classes = []
        if column.numeric:
            classes.append("text-end")
        if column.wide:
            classes.append("d-none d-lg-table-cell")
        elif not column.card:
            classes.append("d-none d-md-table-cell")
        return " ".join(classes)

    # -- filters -----------------------------------------------------------------------------------
    def filter_fields(self) -> list[tuple[Filter, Sequence[Option], str]]:
        return [(f, self.options.get(f.key, f.options), self.state.filters.get(f.key, ""))
                for f in self.spec.filters if f.key not in self.hidden]

    @property
    def filtered(self) -> bool:
        return bool(self.state.filters)


# -- exports ------------------------------------------------------------------------------------------


def _export_value(value: Any, lang: str) -> Any:
    """The typed value an export cell holds: numbers and dates stay what they are; text is made
    safe for spreadsheets (a leading = + - @ cannot start a formula)."""
    if value is None:
        return None
    if isinstance(value, Text):
        value = value.pick(lang)
    if isinstance(value, bool):
        value = Text("是", "Yes").pick(lang) if value else Text("否", "No").pick(lang)
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None, microsecond=0)  # spreadsheets have no time zones
    if isinstance(value, (date, int, Decimal)):
        return value
    return spreadsheet_safe(str(value))


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def cap_note(spec: ListSpec, total: int, lang: str) -> str:
    cap = spec.export_cap
    return Text(f"仅导出前 {cap:,} 条（共 {total:,} 条），请缩小筛选范围后分批导出",
                f"Only the first {cap:,} of {total:,} rows were exported; narrow the filters and export in parts").pick(lang)


def csv_chunks(spec: ListSpec, rows: Iterable[Any], *, lang: str, total: int, batch: int = 500) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads Chinese correctly), one header row, the rows;
    a capped export ends with a line that says so."""
    columns = spec.exported()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(c.header(lang)) for c in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        if count >= spec.export_cap:
            break
        writer.writerow([_csv_text(_export_value(c.value(row), lang)) for c in columns])
        count += 1
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if total > spec.export_cap:
        writer.writerow([spreadsheet_safe("# " + cap_note(spec, total, lang))])
    if buffer.getvalue():
        yield buffer.getvalue().encode("utf-8")


def _sheet_name(text: str) -> str:
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31] or "Sheet1"


def xlsx_chunks(spec: ListSpec, rows: Iterable[Any], *, lang: str, total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """An XLSX written with openpyxl's write-only workbook (rows go to disk as they come), then
    streamed from a temporary file. Dates carry a date format, amounts a number format; a capped
    export says so in a note below the header and on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = spec.exported()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(spec.title.pick(lang)))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = 24 if column.primary else 16
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=spreadsheet_safe(column.header(lang)))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        if count >= spec.export_cap:
            break
        out = []
        for column in columns:
            value = _export_value(column.value(row), lang)
            if isinstance(value, (datetime, date, Decimal)) or column.number_format:
                cell = WriteOnlyCell(sheet, value=value)
                if column.number_format and isinstance(value, (int, Decimal)):
                    cell.number_format = column.number_format
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    if total > spec.export_cap:
        notes = workbook.create_sheet(_sheet_name(Text("说明", "Notes").pick(lang)))
        notes.append([spreadsheet_safe(cap_note(spec, total, lang))])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while True:
            block = handle.read(chunk)
            if not block:
                break
            yield block


def export_filename(spec: ListSpec, fmt: str, lang: str, when: datetime) -> tuple[str, str]:
    """(ASCII name, name in the page's language) of an export file."""
    stamp = to_local(when).strftime("%Y%m%d-%H%M")
    return f"{spec.name}-{stamp}.{fmt}", f"{spec.title.pick(lang)}-{stamp}.{fmt}"


def export_response(spec: ListSpec, *, fmt: str, lang: str, rows: Callable[[], Iterator[Any]], total: int,
                    when: datetime) -> StreamingResponse:
    """Stream the export. ``rows`` is called when the body is written (after the request's own
    transaction has ended), so it reads in a session of its own and yields the rows in order;
    only the first ``spec.export_cap`` are written."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    ascii_name, local_name = export_filename(spec, fmt, lang, when)

    def body() -> Iterator[bytes]:
        source = rows()
        try:
            if fmt == "csv":
                yield from csv_chunks(spec, source, lang=lang, total=total)
            else:
                yield from xlsx_chunks(spec, source, lang=lang, total=total)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(local_name)}",
        "X-Export-Rows": str(min(total, spec.export_cap)),
        "X-Export-Total": str(total),
    }
    if total > spec.export_cap:
        headers["X-Export-Capped"] = str(spec.export_cap)
    return StreamingResponse(body(), media_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE, headers=headers)


# --- the routes of a list over one query ------------------------------------------------------------------

class ListQuery(Protocol):
    """A list module with one query: its ``SPEC``, ``count`` and ``search`` (and ``iterate`` when it
    exports), each scoped to what ``user`` may see. `loans.loan_list` is one."""

    SPEC: ListSpec

    def count(self, db: Any, *, user: Any, filters: Mapping[str, str]) -> int: ...

    def search(self, db: Any, *, user: Any, filters: Mapping[str, str], sort: str, limit: int,
               offset: int) -> Sequence[Any]: ...


def page_of(request: Request, db: Any, user: Any, source: ListQuery, path: str, **view: Any) -> ListPage:
    """The page of ``source`` the request asks for (a page past the end shows the last one)."""
    from smecredit.web.i18n import request_lang

    spec = source.SPEC
    state = state_from(request, spec)
    total = source.count(db, user=user, filters=state.filters)
    pages = max(1, -(-total // spec.page_size))
    if state.page > pages:
        state = ListState(state.filters, state.sort, pages)
    rows = source.search(db, user=user, filters=state.filters, sort=state.sort, limit=spec.page_size,
                         offset=(state.page - 1) * spec.page_size)
    return ListPage(spec, state, rows, total, request_lang(request), path, **view)


def export_of(request: Request, db: Any, user: Any, source: Any, fmt: str, *, when: datetime) -> StreamingResponse:
    """The whole list as filtered and sorted (up to the cap), streamed: ``source.iterate`` runs in a
    session of its own when the body is written, for the same user read again in that session."""
    from smecredit.identity.models import User
    from smecredit.kernel.db import new_session
    from smecredit.web.i18n import request_lang

    spec = source.SPEC
    state = state_from(request, spec)
    total = source.count(db, user=user, filters=state.filters)
    user_id = user.id

    def rows() -> Iterator[Any]:
        with new_session() as session:  # the request's session has ended by the time the body is written
            viewer = session.get(User, user_id)
            yield from source.iterate(session, user=viewer, filters=state.filters, sort=state.sort, cap=spec.export_cap)

    return export_response(spec, fmt=fmt, lang=request_lang(request), rows=rows, total=total, when=when)
