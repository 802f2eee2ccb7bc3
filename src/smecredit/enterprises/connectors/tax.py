"""税务 (tax) importer: JSON or CSV.

Carries the 纳税信用等级 (tax credit grade A/B/M/C/D, with its evaluation year) and, per
period (``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``), the tax paid and the revenue declared.
Periods must not overlap (e.g. ``2024-Q1`` together with ``2024-02`` is rejected).
See docs/data-formats.md §tax.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smecredit.kernel.text import Text

from .fields import FieldReader, amount_problem, Period, check_uscc, lookup_choice, money_str, parse_amount, parse_period, read_uscc, resolve_columns
from .readers import csv_rows_or_reject, decode_text, detect_format, load_json
from .vocabulary import ErrorCollector, ImportLimits, ParsedSource, SourceKind, make_parsed

SCHEMA = "smecredit.tax/1"

try:  # the standards module owns the grade vocabulary when it is there
    from smecredit.standards.tax_credit import TaxCreditGrade as _Grade

    GRADES: tuple[str, ...] = tuple(str(g.value) for g in _Grade)
except ImportError:  # pragma: no cover - standards not installed yet
    GRADES = ("A", "B", "M", "C", "D")

GRADE_OPTIONS: dict[str, str] = {}
for _g in GRADES:
    GRADE_OPTIONS[_g] = _g
    GRADE_OPTIONS[f"{_g}级"] = _g

#: CSV header → accepted aliases (matching ignores case, spaces, and a "(元)" suffix).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("所属期", "税款所属期", "所属期间", "期间", "申报期"),
    "tax_paid": ("实缴税额", "已缴税额", "缴纳税额", "纳税额", "实缴税款", "入库税额"),
    "revenue_declared": ("申报收入", "申报营业收入", "申报销售额", "营业收入", "销售收入", "销售额"),
    "credit_grade": ("纳税信用等级", "信用等级", "纳税等级"),
    "evaluation_year": ("评价年度", "信用评价年度"),
    "uscc": ("统一社会信用代码", "纳税人识别号"),
}
REQUIRED_CSV = ("period", "tax_paid", "revenue_declared")


def parse_tax(data: bytes, *, filename: str, format: str = "auto", limits: ImportLimits | None = None) -> ParsedSource:
    """Parse tax data (``format``: ``auto`` | ``json`` | ``csv``)."""
    errors = ErrorCollector(SourceKind.TAX, filename)
    fmt = detect_format(data, filename, ("json", "csv")) if format == "auto" else format
    if fmt == "json":
        grade, year, uscc, periods = _from_json(data, errors, limits)
        year_field = "evaluation_year"
    elif fmt == "csv":
        grade, year, uscc, periods, label = _from_csv(data, errors, limits)
        year_field = label("evaluation_year")
    else:
        errors.fail(None, "format", f"不支持的格式：{format}", f"unsupported format: {format}")
    _check_periods(periods, errors)
    if grade is not None and year is None:
        errors.add(None, year_field, "有纳税信用等级时必须给出评价年度", "an evaluation year is required with the credit grade")
    errors.raise_if_any()

    periods.sort(key=lambda x: x[1].first_month)
    rows = []
    total_tax = Decimal(0)
    total_rev = Decimal(0)
    for _where, per, tax_paid, revenue in periods:
        total_tax += tax_paid
        total_rev += revenue
        rows.append({**per.as_dict(), "tax_paid": money_str(tax_paid), "revenue_declared": money_str(revenue)})
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "uscc": uscc,
        "credit_grade": grade,
        "evaluation_year": year,
        "periods": rows,
        "totals": {"tax_paid": money_str(total_tax), "revenue_declared": money_str(total_rev)},
    }
    span = f"{rows[0]['period']}–{rows[-1]['period']}" if rows else "—"
    g_zh = f"纳税信用 {grade} 级（{year} 年度）" if grade else "无纳税信用等级"
    g_en = f"tax credit grade {grade} ({year})" if grade else "no tax credit grade"
    summary = Text(
        f"{g_zh}，{len(rows)} 个申报期（{span}），纳税合计 {total_tax:,.2f} 元",
        f"{g_en}, {len(rows)} period(s) ({span}), tax paid {total_tax:,.2f} yuan",
    )
    return make_parsed(
        SourceKind.TAX,
        content,
        summary,
        errors.warnings,
        subject_uscc=uscc,
        subject_note=Text("税务数据没有给出统一社会信用代码（纳税人识别号）", "the tax data gives no USCC (taxpayer number)"),
    )


# (where, period, tax_paid, revenue) where "where" is (line, field) for error messages
_Row = tuple[tuple[int | None, str | None], Period, Decimal, Decimal]


def _from_json(data: bytes, errors: ErrorCollector, limits: ImportLimits | None):
    doc = load_json(data, errors, limits=limits)
    r = FieldReader(errors)
    top = r.obj(doc, "")
    if top is None:
        raise errors.reject()
    r.unknown_keys(top, ("format", "uscc", "credit_grade", "evaluation_year", "periods"), "")
    uscc = read_uscc(r, top, "uscc", "", required=False)
    grade = r.choice(top, "credit_grade", "", GRADE_OPTIONS, required=False)
    year = r.integer(top, "evaluation_year", "", required=False, minimum=2000, maximum=2999)
    periods: list[_Row] = []
    for p, obj in r.objects(top, "periods", "", ("period", "tax_paid", "revenue_declared"), required=True):
        per = _period_json(r, obj, p)
        tax_paid = r.amount(obj, "tax_paid", p)
        revenue = r.amount(obj, "revenue_declared", p)
        if per is not None and tax_paid is not None and revenue is not None:
            periods.append(((None, p), per, tax_paid, revenue))
    return grade, year, uscc, periods


def _period_json(r: FieldReader, obj: dict, p: str) -> Period | None:
    raw = obj.get("period")
    if raw is None or raw == "":
        r.errors.add(None, f"{p}.period", "缺少必填字段", "required field is missing")
        return None
    try:
        return parse_period(raw)
    except ValueError:
        r.errors.add(
            None,
            f"{p}.period",
            f"所属期无效（应为 YYYY-MM、YYYY-Qn 或 YYYY）：{raw}",
            f"invalid period (expected YYYY-MM, YYYY-Qn or YYYY): {raw}",
        )
        return None


def _from_csv(data: bytes, errors: ErrorCollector, limits: ImportLimits | None):
    text, _enc = decode_text(data, errors, limits=limits)
    rows = csv_rows_or_reject(text, errors, limits=limits)
    if not rows:
        errors.fail(None, None, "文件中没有数据", "the file contains no data")
    header_line, header = rows[0]
    cols, unknown = resolve_columns(header, CSV_COLUMNS)
    missing = [c for c in REQUIRED_CSV if c not in cols]
    if missing:
        errors.fail(
            header_line,
            None,
            f"表头缺少列：{'、'.join(f'{c}（{CSV_COLUMNS[c][0]}）' for c in missing)}"
            f"（实际表头：{'、'.join(h.strip() for h in header)}）",
            f"header is missing column(s): {', '.join(f'{c} ({CSV_COLUMNS[c][0]})' for c in missing)} "
            f"(found: {', '.join(h.strip() for h in header)})",
        )
    for u in unknown:
        errors.warn(header_line, u, "未知列，已忽略", "unknown column ignored")
    headers = {name: header[i].strip() for name, i in cols.items()}

    def label(name: str) -> str:
        """The file's own header for a column (its Chinese name when the file has none)."""
        return headers.get(name) or CSV_COLUMNS[name][0]

    def cell(cells: list[str], name: str) -> str:
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    grade: str | None = None
    grade_line = 0
    year: int | None = None
    year_line = 0
    uscc: str | None = None
    uscc_line = 0
    periods: list[_Row] = []
    for line, cells in rows[1:]:
        ok = True
        raw_period = cell(cells, "period")
        try:
            per = parse_period(raw_period)
        except ValueError:
            ok = False
            errors.add(
                line,
                label("period"),
                f"所属期无效（应为 YYYY-MM、YYYY-Qn 或 YYYY）：{raw_period or '（空）'}",
                f"invalid period (expected YYYY-MM, YYYY-Qn or YYYY): {raw_period or '(empty)'}",
            )
        amounts = []
        for name in ("tax_paid", "revenue_declared"):
            raw = cell(cells, name)
            try:
                v = parse_amount(raw)
            except ValueError as exc:
                ok = False
                problem = amount_problem(raw, exc)
                errors.add(line, label(name), problem.zh, problem.en)
                continue
            if v < 0:
                ok = False
                errors.add(line, label(name), f"金额不能为负数：{raw}", f"amount must not be negative: {raw}")
            amounts.append(v)
        g = cell(cells, "credit_grade")
        if g:
            code = lookup_choice(g, GRADE_OPTIONS)
            if code is None:
                errors.add(
                    line, label("credit_grade"), f"纳税信用等级无效：{g}（可选 {'/'.join(GRADES)}）", f"invalid tax credit grade: {g} (allowed {'/'.join(GRADES)})"
                )
            elif grade is None:
                grade, grade_line = code, line
            elif code != grade:
                errors.add(
                    line,
                    label("credit_grade"),
                    f"纳税信用等级 {code} 与第 {grade_line} 行的 {grade} 不一致",
                    f"credit grade {code} conflicts with {grade} on line {grade_line}",
                )
        y = cell(cells, "evaluation_year")
        if y:
            if not (y.isdecimal() and len(y) <= 9 and 2000 <= int(y) <= 2999):
                errors.add(line, label("evaluation_year"), f"评价年度无效：{y}", f"invalid evaluation year: {y}")
            elif year is None:
                year, year_line = int(y), line
            elif int(y) != year:
                errors.add(
                    line, label("evaluation_year"), f"评价年度 {y} 与第 {year_line} 行的 {year} 不一致", f"evaluation year {y} conflicts with {year} on line {year_line}"
                )
        u = cell(cells, "uscc")
        if u:
            code_u, reason = check_uscc(u)
            if reason is not None:
                errors.add(line, label("uscc"), reason.zh, reason.en)
            elif uscc is None:
                uscc, uscc_line = code_u, line
            elif code_u != uscc:
                errors.add(line, label("uscc"), f"统一社会信用代码与第 {uscc_line} 行不一致", f"USCC differs from line {uscc_line}")
        if ok:
            periods.append(((line, label("period")), per, amounts[0], amounts[1]))
    return grade, year, uscc, periods, label


def _check_periods(periods: list[_Row], errors: ErrorCollector) -> None:
    if not periods and not errors:
        errors.add(None, "periods", "至少需要一个申报期", "at least one period is required")
    owner: dict[int, tuple[str, tuple[int | None, str | None]]] = {}
    for where, per, _t, _r in periods:
        clash = next((owner[m] for m in range(per.first_month, per.last_month + 1) if m in owner), None)
        if clash is not None:
            other_label, other_where = clash
            o_zh = f"第 {other_where[0]} 行" if other_where[0] else other_where[1]
            o_en = f"line {other_where[0]}" if other_where[0] else other_where[1]
            same = other_label == per.label
            errors.add(
                where[0],
                where[1],
                f"所属期 {per.label} {'重复' if same else '与 ' + other_label + ' 重叠'}（见{o_zh}）",
                f"period {per.label} {'is duplicated' if same else 'overlaps ' + other_label} (see {o_en})",
            )
            continue
        for m in range(per.first_month, per.last_month + 1):
            owner[m] = (per.label, where)
