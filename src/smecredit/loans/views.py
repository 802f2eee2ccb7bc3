"""Read models of stage 5a built from the rows and the ledger: a loan's statement, the trial
balance by date, and their XLSX downloads (the same figures as the pages and the API)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.kernel.inputs import spreadsheet_safe
from smecredit.loans import accounting, ledger, service
from smecredit.loans.models import JournalLine, Loan

ZERO = Decimal("0.00")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def statement(db: Session, loan: Loan, on: date) -> dict:
    """The loan's account as of ``on``: the disbursement, then every payment (and every use of the
    credit held) as the ledger allocated it, in value-date order; a payment reversed and its reversal
    (a negative amount) are listed too, allocating nothing."""
    history = service.history_of(db, loan)
    state = ledger.state_at(service.terms_of(loan), history, on)
    kinds = {txn.id: txn.kind for txn in history}
    lines = []
    for txn in ledger.effective(history):
        if txn.kind in (ledger.DISBURSEMENT, ledger.DRAWDOWN) and txn.value_date <= on:
            lines.append({"date": txn.value_date, "kind": txn.kind, "transaction_id": txn.id, "amount": txn.amount,
                          "penalty": ZERO, "compound": ZERO, "interest": ZERO, "principal": ZERO, "to_credit": ZERO,
                          "from_credit": ZERO})
    # a payment entered by mistake and its reversal: both listed (they cancel out, allocating nothing),
    # so the statement accounts for every entry the borrower may have seen
    by_id = {txn.id: txn for txn in history}
    for txn in history:
        if txn.kind == ledger.REVERSAL and txn.reverses in by_id and txn.value_date <= on:
            target = by_id[txn.reverses]
            for line_txn, amount in ((target, target.amount), (txn, -target.amount)):
                lines.append({"date": line_txn.value_date, "kind": line_txn.kind, "transaction_id": line_txn.id,
                              "amount": amount, "penalty": ZERO, "compound": ZERO, "interest": ZERO,
                              "principal": ZERO, "to_credit": ZERO, "from_credit": ZERO})
    for paid in state.allocations:
        lines.append({"date": paid.value_date, "kind": kinds.get(paid.transaction_id, "credit_applied"),
                      "transaction_id": paid.transaction_id, "amount": paid.amount, "penalty": paid.penalty,
                      "compound": paid.compound, "interest": paid.interest, "principal": paid.principal,
                      "to_credit": paid.to_credit, "from_credit": paid.from_credit})
    lines.sort(key=lambda line: (line["date"], line["transaction_id"] or 0))
    return {"loan_id": loan.id, "as_of": on, "lines": lines, "outstanding_principal": state.outstanding_principal,
            "credit": state.credit}


def drawdown_status(drawdown: ledger.DrawdownState, on: date) -> str:
    if drawdown.balance == 0:
        return "written_off" if drawdown.written_off else "paid"
    if drawdown.due_date < on:
        return "overdue"
    if drawdown.due_date == on:
        return "due"
    return "partly_paid" if drawdown.repaid else "future"


def line_schedule(db: Session, loan: Loan, on: date | None = None) -> list[dict]:
    """A revolving line's schedule as it stands: each month's interest (the current one so far),
    then each drawdown's principal, due at the line's maturity."""
    from smecredit.kernel.clock import business_date

    on = max(on or business_date(), loan.disbursed_on)
    state = service.state_of(db, loan, on)
    rows = [{"number": i.number, "kind": i.kind, "due_date": i.due_date, "principal": i.principal, "interest": i.interest,
             "payment": i.payment, "paid_principal": i.paid_principal, "paid_interest": i.paid_interest,
             "status": i.status, "period_start": i.period_start, "period_end": i.period_end}
            for i in state.instalments]
    for number, d in enumerate(state.drawdowns, start=1):
        rows.append({"number": number, "kind": ledger.DRAWDOWN, "due_date": d.due_date, "principal": d.amount,
                     "interest": ZERO, "payment": d.amount, "paid_principal": d.repaid, "paid_interest": ZERO,
                     "status": drawdown_status(d, on), "drawdown_id": d.transaction_id, "drawn_on": d.value_date})
    return rows


def trial_balance(db: Session, on: date) -> dict:
    """Every account's debits and credits posted up to ``on`` (all loans)."""
    rows = db.execute(select(JournalLine.account, func.coalesce(func.sum(JournalLine.debit), 0),
                             func.coalesce(func.sum(JournalLine.credit), 0))
                      .where(JournalLine.posted_on <= on).group_by(JournalLine.account)).all()
    totals = {account: (Decimal(str(debit)).quantize(Decimal("0.01")), Decimal(str(credit)).quantize(Decimal("0.01")))
              for account, debit, credit in rows}
    table = accounting.trial_balance(totals)
    return {"date": on, "rows": [{"account": row.account.code, "name_zh": row.account.name.zh,
                                  "name_en": row.account.name.en, "debit": row.debit, "credit": row.credit,
                                  "balance": row.balance} for row in table],
            "total_debit": sum((row.debit for row in table), ZERO),
            "total_credit": sum((row.credit for row in table), ZERO)}


def xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append([(str(v) if isinstance(v, date) else
                      (v if isinstance(v, Decimal | int) or v is None else spreadsheet_safe(v))) for v in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statement_xlsx(data: dict) -> bytes:
    """The statement as a workbook a borrower or an accountant reads: kinds by name (还款 Repayment),
    never the API's codes."""
    from smecredit.loans.transaction_list import kind_label

    header = ["日期 Date", "类型 Kind", "金额 Amount", "罚息 Penalty", "复利 Compound", "利息 Interest",
              "本金 Principal", "转入溢缴款 To credit", "使用溢缴款 From credit"]
    rows = []
    for line in data["lines"]:
        kind = kind_label(line["kind"])
        rows.append([line["date"], f"{kind.zh} {kind.en}", line["amount"], line["penalty"], line["compound"],
                     line["interest"], line["principal"], line["to_credit"], line["from_credit"]])
    return xlsx("statement", header, rows)


def trial_balance_xlsx(data: dict) -> bytes:
    header = ["科目 Account", "名称", "Name", "借方 Debit", "贷方 Credit", "余额 Balance"]
    rows = [[r["account"], r["name_zh"], r["name_en"], r["debit"], r["credit"], r["balance"]] for r in data["rows"]]
    rows.append(["", "合计", "Total", data["total_debit"], data["total_credit"], None])
    return xlsx("trial balance", header, rows)
