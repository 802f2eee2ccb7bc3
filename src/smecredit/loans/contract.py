"""The loan contract (借款合同): one HTML text in Chinese, rendered from the loan's terms and
schedule, the same every time for the same loan — so its SHA-256 proves which text the borrower
accepted. 年化利率 (IRR method) is shown more prominently than any other rate (人民银行公告〔2021〕第3号).
The PDF is the same HTML through `kernel.pdf` once that exists (docs/loans.md)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from smecredit.enterprises.models import Enterprise
from smecredit.loans import schedules
from smecredit.loans.models import Loan

LENDER = "smecredit 演示贷款机构"

_env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates" / "loans")),
                   autoescape=select_autoescape(["html"]), keep_trailing_newline=True)
_env.filters["yuan"] = lambda amount: f"{Decimal(amount):,.2f}"


def percent(value) -> str:
    """A rate as people write it: at least two decimals, at most four (4.35, 4.3125), the same
    however the number was stored (the text, and so its hash, must not depend on that)."""
    text = f"{Decimal(value).quantize(Decimal('0.0001')):f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


_env.filters["percent"] = percent


def opened_on(loan: Loan):
    """The business date the contract's indicative schedule runs from: the loan's opening date (the
    day the loan page's preview starts on the same business date). Loans opened before it was kept
    use the local date of their creation, as their contracts always did, so a contract accepted
    then renders — and hashes — exactly as it did."""
    return loan.contract_date


def render(db: Session, loan: Loan) -> str:
    """The contract as one HTML document (what the SHA-256 is of, and what the PDF is made from)."""
    return _env.get_template("contract.html").render(**_context(db, loan))


def text(db: Session, loan: Loan) -> Markup:
    """The same contract without the document around it, for the contract page (the text is the
    document's body, byte for byte)."""
    return Markup(_env.get_template("_contract_text.html").render(**_context(db, loan)))


def _context(db: Session, loan: Loan) -> dict:
    enterprise = db.get(Enterprise, loan.enterprise_id)
    start = opened_on(loan)  # indicative dates: the actual schedule runs from the disbursement
    lines = schedules.build_schedule(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                                     method=loan.method, start=start, day_count=loan.day_count)
    guarantee, secured = None, False
    if loan.application_id is not None:
        from smecredit.applications.models import Application

        application = db.get(Application, loan.application_id)
        mode = application.guarantee_mode if application else None
        if mode:  # the mode's name (信用, 保证+抵押), never its code
            from smecredit.products.vocabulary import guarantee_label

            guarantee = guarantee_label(mode).zh
            secured = mode != "credit"
    penalty_rate = loan.annual_rate * (1 + loan.penalty_markup / 100)
    line = None
    if loan.is_line:  # 随借随还: the line's term, its interest day and a worked example instead of a schedule
        example = (Decimal(10000) * loan.annual_rate / Decimal(100) * 30 / 360).quantize(Decimal("0.01"))
        line = dict(start=start, maturity=loan.line_expires_on, day=start.day, example=example)
    return dict(line=line, 
        loan=loan, lender=LENDER, borrower=enterprise.name if enterprise else "", uscc=getattr(enterprise, "uscc", ""),
        method=schedules.METHOD_LABELS[loan.method].zh, lines=lines, totals=schedules.totals(lines),
        penalty_rate=penalty_rate, guarantee=guarantee, secured=secured, apr_method=schedules.APR_METHOD.zh,
        payment_mode="受托支付" if loan.payment_mode == "entrusted" else "自主支付", first_due=lines[0].due_date)


def sha256_of(db: Session, loan: Loan) -> str:
    return hashlib.sha256(render(db, loan).encode("utf-8")).hexdigest()
