"""Bank-statement column mappings made in a form: the officer uploads a sample export (read by
the connectors' readers, not stored; its first lines travel in the form), sees its first rows,
chooses each field's column from a select, previews the first transactions the importer reads with
that mapping, and saves. The JSON editor stays as an advanced fold."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request

from smecredit.enterprises import data, mappings, schemas, snapshot_tables
from smecredit.enterprises.connectors.bank_statement import (
    DEFAULT_INFLOW_VALUES,
    DEFAULT_OUTFLOW_VALUES,
    ColumnMapping,
    SampleRows,
    find_header_row,
    guess_columns,
    preview_transactions,
    read_sample,
)
from smecredit.enterprises.deps import PAGES
from smecredit.identity.models import User
from smecredit.kernel.errors import DomainError, Forbidden, Invalid, NotFound
from smecredit.kernel.inputs import json_syntax_error
from smecredit.kernel.text import Text
from smecredit.web import forms
from smecredit.web.deps import REQUEST_DB
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
templates.env.globals["money_text"] = snapshot_tables.money

MAPPING_FIELDS: tuple[tuple[str, Text, bool], ...] = (  # (field, label, required in its layout)
    ("date_column", Text("交易日期", "Transaction date"), True),
    ("amount_column", Text("交易金额", "Amount"), True),
    ("direction_column", Text("借贷方向（借/贷、收/支）", "Direction (debit/credit)"), True),
    ("credit_column", Text("收入（贷方）金额", "Inflow (credit) amount"), True),
    ("debit_column", Text("支出（借方）金额", "Outflow (debit) amount"), True),
    ("balance_column", Text("余额", "Balance"), False),
    ("counterparty_column", Text("对方户名", "Counterparty"), False),
    ("memo_column", Text("摘要 / 用途", "Memo"), False),
)
LAYOUT_FIELDS = {"direction": ("amount_column", "direction_column"), "split": ("credit_column", "debit_column"),
                 "signed": ("amount_column",)}
LAYOUTS = (("direction", Text("一列金额 + 一列借贷方向", "One amount column and a direction column")),
           ("split", Text("收入、支出各一列", "Separate inflow and outflow columns")),
           ("signed", Text("一列带正负号的金额（负数为支出）", "One signed amount column (negative = outflow)")))
MAX_SAMPLE_LINES = 60


def _values_list(raw: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，、;；\s]+", raw or "") if v.strip()]


def _layout_of(mapping: dict) -> str:
    if mapping.get("credit_column"):
        return "split"
    return "direction" if mapping.get("direction_column") else "signed"


def _mapping_form(mapping: dict, bank_name: str) -> dict[str, str]:
    """A saved mapping as the form's values."""
    form = {"bank_name": bank_name, "layout": _layout_of(mapping)}
    for name, _label, _required in MAPPING_FIELDS:
        form[name] = mapping.get(name) or ""
    form["inflow_values"] = "、".join(mapping.get("inflow_values") or DEFAULT_INFLOW_VALUES)
    form["outflow_values"] = "、".join(mapping.get("outflow_values") or DEFAULT_OUTFLOW_VALUES)
    form["header_row"] = str(mapping["header_row"]) if mapping.get("header_row") else ""
    form["mapping"] = json.dumps(mapping, ensure_ascii=False, indent=2)
    return form


def _mapping_from_fields(form) -> dict[str, Any]:
    """The ColumnMapping fields the form chose (only those of the chosen layout); `Invalid`
    naming the field when a required column is not chosen."""
    layout = str(form.get("layout") or "direction")
    if layout not in LAYOUT_FIELDS:
        layout = "direction"
    chosen = {name: str(form.get(name) or "").strip() for name, _l, _r in MAPPING_FIELDS}
    errors = []
    for name in ("date_column", *LAYOUT_FIELDS[layout]):
        if not chosen[name]:
            label = next(lbl for n, lbl, _r in MAPPING_FIELDS if n == name)
            errors.append({"field": name, "code": "required",
                           "message": {"zh": f"请选择“{label.zh}”所在的列", "en": f"Choose the column of: {label.en}"}})
    if errors:
        raise Invalid("required", Text(errors[0]["message"]["zh"], errors[0]["message"]["en"]), errors[0]["field"],
                      {"errors": errors})
    mapping: dict[str, Any] = {"date_column": chosen["date_column"]}
    for name in LAYOUT_FIELDS[layout] + ("balance_column", "counterparty_column", "memo_column"):
        if chosen[name]:
            mapping[name] = chosen[name]
    if layout == "direction":
        inflow, outflow = _values_list(str(form.get("inflow_values") or "")), _values_list(str(form.get("outflow_values") or ""))
        if inflow:
            mapping["inflow_values"] = inflow
        if outflow:
            mapping["outflow_values"] = outflow
    header_row = str(form.get("header_row") or "").strip()
    if header_row:
        if not (header_row.isascii() and header_row.isdigit() and 0 < int(header_row) < 100_000):
            raise Invalid("invalid_header_row", Text("表头行须为正整数", "The header row must be a positive number"), "header_row")
        mapping["header_row"] = int(header_row)
    return mapping


def _mapping_page(request: Request, db: Session, *, editing=None, form: dict | None = None, sample=None,
                  preview=None, extra: dict | None = None, status: int = 200):
    return render(request, "enterprises/bank_mappings.html", {
        "options": mappings.options(db), "editing": editing, "form": form or {}, "sample": sample, "preview": preview,
        "sample_json": json.dumps({"format": sample.format, "encoding": sample.encoding, "sheet": sample.sheet,
                                   "lines": [[line, list(cells)] for line, cells in sample.lines]},
                                  ensure_ascii=False) if sample else "",
        "mapping_fields": MAPPING_FIELDS, "layouts": LAYOUTS, "layout_fields": LAYOUT_FIELDS,
        "direction_labels": snapshot_tables.DIRECTIONS, "max_upload_mb": data.max_upload_bytes() // (1024 * 1024),
        **(extra or {})}, status_code=status)


@router.get("/bank-mappings")
def mapping_list(request: Request, user: User = Depends(PAGES.mappings), db: Session = REQUEST_DB):
    return _mapping_page(request, db, form={"layout": "direction", "inflow_values": "、".join(DEFAULT_INFLOW_VALUES),
                                            "outflow_values": "、".join(DEFAULT_OUTFLOW_VALUES)})


def _mapping_input(form) -> schemas.BankMappingIn:
    """The mapping from the form's column choices, or (the advanced fold) from its JSON."""
    bank = str(form.get("bank_name") or "").strip()
    if form.get("date_column") is not None and form.get("use_json") != "on":
        return forms.build(schemas.BankMappingIn, {"bank_name": bank, "mapping": _mapping_from_fields(form)})
    raw = str(form.get("mapping") or "").strip()
    try:
        parsed = json.loads(raw) if raw else {}
    except json.JSONDecodeError as exc:
        raise Invalid("invalid_json", json_syntax_error("映射", "The mapping", exc), "mapping") from None
    if not isinstance(parsed, dict):
        raise Invalid("invalid_json", Text("映射须为 JSON 对象（以 { 开头）", "The mapping must be a JSON object (starting with {)"),
                      "mapping")
    return forms.build(schemas.BankMappingIn, {"bank_name": bank, "mapping": parsed})


def _form_values(form) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "sample_lines")}


def _sample_from_form(form) -> SampleRows | None:
    """The sample lines the previous preview carried in the form (the file itself is not kept)."""
    raw = form.get("sample_lines")
    if not isinstance(raw, str) or not raw or len(raw) > 500_000:
        return None
    try:
        found = json.loads(raw)
        parsed = tuple((int(line), tuple(str(c)[:500] for c in cells[:60]))
                       for line, cells in found["lines"][:MAX_SAMPLE_LINES])
        fmt = "xlsx" if found.get("format") == "xlsx" else "csv"
        encoding, sheet = found.get("encoding"), found.get("sheet")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return SampleRows(fmt, str(encoding)[:20] if encoding else None, str(sheet)[:100] if sheet else None, parsed,
                      find_header_row(parsed)) if parsed else None


@router.post("/bank-mappings/preview")
async def preview_mapping(request: Request, user: User = Depends(PAGES.mappings), db: Session = REQUEST_DB):
    """Read a sample export (not stored) and show its first rows; with columns chosen, show the
    first transactions that mapping reads from it."""
    form = await request.form()
    values = _form_values(form)
    editing_id = str(form.get("editing_id") or "")
    editing = mappings.get(db, mapping_id=int(editing_id)) if editing_id.isascii() and editing_id.isdigit() and len(editing_id) < 10 else None
    file = form.get("sample")
    sample = _sample_from_form(form)
    try:
        if isinstance(file, UploadFile) and file.filename:
            content = await file.read(data.max_upload_bytes() + 1)
            if len(content) > data.max_upload_bytes():
                raise data.too_large()
            sample = read_sample(content, filename=file.filename, max_lines=MAX_SAMPLE_LINES)
            guessed = guess_columns(sample.header)
            if not any(values.get(name) for name, _l, _r in MAPPING_FIELDS):
                values.update(guessed)
                if guessed.get("amount_column") or guessed.get("credit_column"):
                    values["layout"] = _layout_of(guessed)
            values.setdefault("layout", "direction")
        preview = None
        if sample is not None and values.get("date_column"):
            chosen = _mapping_from_fields(values)
            ColumnMapping.from_dict({"name": "preview", "bank_name": "preview", **chosen})  # its errors name the problem
            rows, problems = preview_transactions(sample.lines, {"name": "preview", "bank_name": "preview", **chosen})
            preview = {"rows": rows, "errors": problems}
    except DomainError as error:
        if isinstance(error, (Forbidden, NotFound)):
            raise
        ctx, status = forms.failed(request, db, error)
        return _mapping_page(request, db, editing=editing, form=values, sample=sample, extra=ctx, status=status)
    return _mapping_page(request, db, editing=editing, form=values, sample=sample, preview=preview)


@router.post("/bank-mappings")
async def create_mapping(request: Request, user: User = Depends(PAGES.mappings), db: Session = REQUEST_DB):
    form = await request.form()
    try:
        mappings.save(db, user=user, data=_mapping_input(form))
    except DomainError as error:
        ctx, status = forms.failed(request, db, error)
        return _mapping_page(request, db, form=_form_values(form), sample=_sample_from_form(form), extra=ctx,
                             status=status)
    return RedirectResponse("/bank-mappings?notice=saved", status_code=303)


@router.get("/bank-mappings/{mapping_id}")
def edit_mapping(request: Request, mapping_id: EntityId, user: User = Depends(PAGES.mappings), db: Session = REQUEST_DB):
    row = mappings.get(db, mapping_id=mapping_id)
    return _mapping_page(request, db, editing=row, form=_mapping_form(json.loads(row.mapping), row.bank_name))


@router.post("/bank-mappings/{mapping_id}")
async def update_mapping(request: Request, mapping_id: EntityId, user: User = Depends(PAGES.mappings),
                         db: Session = REQUEST_DB):
    form = await request.form()
    row = mappings.get(db, mapping_id=mapping_id)
    try:
        mappings.save(db, user=user, data=_mapping_input(form), mapping_id=mapping_id)
    except DomainError as error:
        ctx, status = forms.failed(request, db, error)
        return _mapping_page(request, db, editing=row, form=_form_values(form), sample=_sample_from_form(form),
                             extra=ctx, status=status)
    return RedirectResponse("/bank-mappings?notice=saved", status_code=303)


@router.post("/bank-mappings/{mapping_id}/delete")
def delete_mapping(request: Request, mapping_id: EntityId, user: User = Depends(PAGES.mappings), db: Session = REQUEST_DB):
    mappings.delete(db, user=user, mapping_id=mapping_id)
    return RedirectResponse("/bank-mappings?notice=removed", status_code=303)
