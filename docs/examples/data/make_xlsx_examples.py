"""Regenerate the XLSX examples from their CSV twins (reproducible bytes).

    PYTHONPATH=src .venv/bin/python docs/examples/data/make_xlsx_examples.py

* ``financials.xlsx``: one sheet per statement (资产负债表 / 利润表 / 现金流量表) with the columns
  item_code, item_name, period, amount — the same data as ``financials.csv``.
* ``bank_statement_generic_zh.xlsx``: the same rows as ``bank_statement_generic_zh.csv``, with
  real Excel dates and numbers (what a bank's "export to Excel" produces), for the built-in
  ``generic_zh`` mapping.

openpyxl stamps the save time into the file; the workbook is re-zipped with fixed timestamps so
running the script twice gives identical bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
FIXED_W3C_TIME = "2025-01-01T00:00:00Z"
SHEETS = {"资产负债表": "资产负债表", "利润表": "利润表", "现金流量表": "现金流量表"}


def _reproducible(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + FIXED_W3C_TIME.encode() + m.group(2),
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _save(wb: openpyxl.Workbook, path: Path) -> None:
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_reproducible(buf.getvalue()))
    print(f"wrote {path.relative_to(HERE.parent.parent.parent)}")


def _number(text: str) -> int | float:
    d = Decimal(text.replace(",", ""))
    # Excel cells hold doubles; the importer reads them back via repr(), which round-trips 2-dp values.
    return int(d) if d == d.to_integral_value() else float(d)


def make_financials() -> None:
    rows = list(csv.reader((HERE / "financials.csv").read_text("utf-8").splitlines()))
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets: dict[str, openpyxl.worksheet.worksheet.Worksheet] = {}
    for statement, code, name, period, amount in rows[1:]:
        title = SHEETS[statement]
        ws = sheets.get(title)
        if ws is None:
            ws = sheets[title] = wb.create_sheet(title)
            ws.append(["item_code", "item_name", "period", "amount"])
            ws.column_dimensions["B"].width = 34
        ws.append([code, name, period, _number(amount)])
    _save(wb, HERE / "financials.xlsx")


def make_bank_statement() -> None:
    rows = list(csv.reader((HERE / "bank_statement_generic_zh.csv").read_text("utf-8").splitlines()))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "交易明细"
    for row in rows:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0] or ""):
            y, m, d = (int(x) for x in row[0].split("-"))
            ws.append([date(y, m, d), _number(row[1]), row[2], _number(row[3]), row[4], row[5]])
            ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
        else:
            ws.append(row)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["E"].width = 30
    _save(wb, HERE / "bank_statement_generic_zh.xlsx")


if __name__ == "__main__":
    make_financials()
    make_bank_statement()
