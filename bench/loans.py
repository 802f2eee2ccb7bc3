"""Stage 5a benchmarks (issue 10): schedules per second, the loan-detail API on a loan with 700
transactions, and the end of day over a portfolio of up to 100,000 active loans.

How the portfolio is seeded (``make_templates``, ``copy_loans``), and why the loans are real:

1. A handful of *template* loans with varied terms (the five methods' amortising cousins: 等额本息,
   等额本金, 按月付息, 到期一次; 6–36 months; 50k–3M) are opened and disbursed through the loan
   service (`service.open_loan`, `service.disburse`: the sandbox bank pays the designated account,
   the disbursement transaction, the journal entry, the posted position). Only the borrower's
   contract acceptance is set directly (its real SHA-256, ``contract_accepted_at``) instead of
   through a borrower user: the end of day never reads it.
2. Each template is then *copied* N/templates times with Core bulk inserts (``insert(table)`` of
   many rows, explicit ids): the loan row with its figures and ``posted_position``, its
   transactions, its journal entries and lines, its sandbox-bank transfer and its own repayment
   account (holding the disbursed money, so scheduled debits can be collected) and its stored dues
   (`loan_dues`). Every copy has
   exactly the rows the service wrote for its template, so the end of day re-derives it from its
   history like any other loan; only ids, loan numbers, account numbers and idempotency keys differ.
   On PostgreSQL the id sequences are moved past the copied ids.
3. The disbursement date is closed on the templates alone (nothing accrues on it), so the copies
   start from a closed day. Growth is measured on one database: the portfolio is seeded to the first
   size, the next business date is closed by `eod.run` (every loan accrues a day of interest and
   posts it to the journal); more copies (of the templates *as they stand after that day*, so
   again with the rows a real loan would have) bring it to the next size, and the next date is
   closed; and so on.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

D = Decimal
START = date(2026, 3, 2)  # the business date the portfolio is disbursed on
PASSWORD = "Bench-Passw0rd-1"

TEMPLATES = [  # principal, annual rate %, months, method
    ("120000.00", "4.35", 12, "equal_installment"),
    ("500000.00", "4.90", 36, "equal_installment"),
    ("80000.00", "6.00", 6, "equal_principal"),
    ("1000000.00", "3.85", 24, "equal_principal"),
    ("300000.00", "5.20", 12, "interest_only"),
    ("50000.00", "7.20", 6, "bullet"),
    ("3000000.00", "3.65", 36, "equal_installment"),
    ("200000.00", "5.50", 18, "interest_only"),
]


def _on(day: date) -> None:
    from smecredit.kernel.settings import get_settings

    os.environ["SMECREDIT_BUSINESS_DATE"] = day.isoformat()
    get_settings.cache_clear()


def _dialect() -> str:
    return os.environ["SMECREDIT_DATABASE_URL"].split(":")[0].split("+")[0]


def load() -> str:
    """The machine's load average, to print with every figure (2 shared cores)."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


# --- schedules --------------------------------------------------------------------------------------

def schedules_rows() -> list[tuple[str, str]]:
    from smecredit.loans import schedules

    out = []
    for months in (12, 36, 360):
        for method in ("equal_installment", "equal_principal", "interest_only", "bullet"):
            n = max(50, 6_000 // months)
            kwargs = {"principal": D("670000.00"), "annual_rate": D("4.90"), "months": months, "method": method,
                          "start": date(2026, 1, 31)}
            schedules.build_schedule(**kwargs)
            runs = [_wall_and_cpu(lambda n=n, kwargs=kwargs: [schedules.build_schedule(**kwargs) for _ in range(n)])
                    for _ in range(3)]
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            out.append((f"build_schedule {method}, {months} months (best of 3 × {n}; {load()})",
                        f"{n / cpu:,.0f} schedules/s of CPU ({cpu / n * 1e6:,.0f} µs each); wall {n / wall:,.0f}/s"))
    return out


def _wall_and_cpu(func) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def _time(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


# --- a world: an enterprise, operations, an approver -----------------------------------------------

def make_world(tag: str = "bench"):
    from smecredit.audit.log import Actor
    from smecredit.enterprises import registration, schemas
    from smecredit.identity import service as identity
    from smecredit.identity.roles import Role
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.loans import bank
    from smecredit.standards.resident_id import make_resident_id
    from smecredit.standards.uscc import make_uscc

    actor = Actor("bench", "system")
    with new_session() as db, unit_of_work(db):
        officer = identity.create_user(db, actor=actor, username=f"{tag}-officer", display_name="bench", password=PASSWORD,
                                       roles=[Role.LOAN_OFFICER])
        ops = identity.create_user(db, actor=actor, username=f"{tag}-operations", display_name="bench", password=PASSWORD,
                                   roles=[Role.OPERATIONS])
        approver = identity.create_user(db, actor=actor, username=f"{tag}-approver", display_name="bench",
                                        password=PASSWORD, roles=[Role.APPROVER])
        enterprise = registration.register(db, user=officer, data=schemas.EnterpriseCreate(
            uscc=make_uscc("9", "1", "350100", "MA0BENCH"), name="基准测试有限公司", industry="wholesale",
            founded_on=date(2015, 1, 1), employees=30, revenue_wan=D("3000"), assets_wan=D("1500"),
            legal_rep=schemas.PartyIn(name="张三", id_number=make_resident_id("350102", date(1980, 5, 1), 123),
                                      phone="13800001234"),
            contact=schemas.ContactIn(name="张三", phone="13800001234"))).enterprise
        bank.SandboxBank().deposit(db, account_no=bank.LENDER_ACCOUNT, holder="smecredit", amount=D("0"))
        return enterprise.id, ops.id, approver.id


def open_and_disburse(enterprise_id: int, ops_id: int, approver_id: int, *, principal, annual_rate, months, method,
                      account: str) -> int:
    """One loan through the service: opened, contract accepted (set directly, see the module), disbursed."""
    from smecredit.audit.log import Actor
    from smecredit.identity.models import User
    from smecredit.kernel.clock import utcnow
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.loans import contract, service

    with new_session() as db:
        with unit_of_work(db):
            loan = service.open_loan(db, actor=Actor("bench", "system"), enterprise_id=enterprise_id, product_code="WCL",
                                     principal=principal, annual_rate=D(annual_rate), months=months, method=method,
                                     penalty_markup=D("50"), payment_mode="self", payee_account=account,
                                     payee_name="基准测试有限公司", repayment_account=account, approved_by_id=approver_id)
            loan.contract_sha256, loan.contract_accepted_at = contract.sha256_of(db, loan), utcnow()
        with unit_of_work(db):
            service.disburse(db, user=db.get(User, ops_id), loan=loan, idempotency_key=f"bench-disburse-{loan.id}")
        return loan.id


# --- the portfolio ----------------------------------------------------------------------------------

def make_templates(world) -> list[int]:
    ids = []
    for k, (principal, rate, months, method) in enumerate(TEMPLATES):
        ids.append(open_and_disburse(*world, principal=principal, annual_rate=rate, months=months, method=method,
                                     account=f"6222T{k:08d}"))
    return ids


def _rows(db, table, where) -> list[dict]:
    return [dict(r._mapping) for r in db.execute(table.select().where(where).order_by(table.c[next(iter(table.primary_key.columns)).name]))]


def _max_id(db, table) -> int:
    from sqlalchemy import func, select

    return db.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()


def copy_loans(template_ids: list[int], count: int, batch: int = 2_000) -> None:
    """``count`` more loans, copies of the templates as they stand now (round robin), by Core inserts."""
    from sqlalchemy import insert, text

    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.loans.models import (
        JournalEntry,
        JournalLine,
        Loan,
        LoanDue,
        LoanTransaction,
        SandboxAccount,
        SandboxTransfer,
    )

    L, T, E, JL = Loan.__table__, LoanTransaction.__table__, JournalEntry.__table__, JournalLine.__table__
    A, X, DU = SandboxAccount.__table__, SandboxTransfer.__table__, LoanDue.__table__
    with new_session() as db:
        shapes = []
        for tid in template_ids:
            loan = _rows(db, L, L.c.id == tid)[0]
            txns = _rows(db, T, T.c.loan_id == tid)
            entries = _rows(db, E, E.c.loan_id == tid)
            lines = _rows(db, JL, JL.c.loan_id == tid)
            transfers = _rows(db, X, X.c.idempotency_key == f"loan-{tid}-disbursement")
            balance = _rows(db, A, A.c.account_no == loan["repayment_account"])[0]["balance"]
            due_rows = [dict(r._mapping) for r in db.execute(DU.select().where(DU.c.loan_id == tid).order_by(DU.c.seq))]
            shapes.append((loan, txns, entries, lines, transfers, balance, due_rows))
        next_id = {t.name: _max_id(db, t) + 1 for t in (L, T, E, JL, X)}
    done = 0
    while done < count:
        n = min(batch, count - done)
        rows = {t.name: [] for t in (L, T, E, JL, A, X, DU)}
        for i in range(n):
            loan, txns, entries, lines, transfers, balance, due_rows = shapes[(done + i) % len(shapes)]
            lid = next_id["loans"]
            next_id["loans"] += 1
            account = f"6222{lid:012d}"
            rows["loans"].append({**loan, "id": lid, "no": f"JK{loan['disbursed_on']:%Y%m%d}{lid:07d}",
                                  "payee_account": account, "repayment_account": account})
            rows["sandbox_bank_accounts"].append({"account_no": account, "holder": "基准测试有限公司", "balance": balance,
                                                  "created_at": loan["created_at"]})
            for x in transfers:
                rows["sandbox_bank_transfers"].append({**x, "id": next_id["sandbox_bank_transfers"],
                                                       "idempotency_key": f"loan-{lid}-disbursement",
                                                       "to_account": account})
                next_id["sandbox_bank_transfers"] += 1
            txn_ids = {}
            for t in txns:
                txn_ids[t["id"]] = next_id["loan_transactions"]
                next_id["loan_transactions"] += 1
            for t in txns:
                rows["loan_transactions"].append({**t, "id": txn_ids[t["id"]], "loan_id": lid,
                                                  "reverses_id": txn_ids.get(t["reverses_id"])})
            entry_ids = {}
            for e in entries:
                entry_ids[e["id"]] = next_id["journal_entries"]
                next_id["journal_entries"] += 1
                rows["journal_entries"].append({**e, "id": entry_ids[e["id"]], "loan_id": lid,
                                                "transaction_id": txn_ids.get(e["transaction_id"])})
            for line in lines:
                rows["journal_lines"].append({**line, "id": next_id["journal_lines"], "loan_id": lid,
                                              "entry_id": entry_ids[line["entry_id"]]})
                next_id["journal_lines"] += 1
            rows["loan_dues"].extend({**due, "loan_id": lid} for due in due_rows)
        with new_session() as db, unit_of_work(db):
            for table in (L, A, X, T, E, JL, DU):  # parents first
                if rows[table.name]:
                    db.execute(insert(table), rows[table.name])
        done += n
    with new_session() as db, unit_of_work(db):
        if db.get_bind().dialect.name == "postgresql":
            for table in (L, T, E, JL, X):
                db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))


def eod_rows() -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from bench.__main__ import _scratch_database
    from smecredit.kernel.db import new_session
    from smecredit.loans import eod
    from smecredit.loans.models import JournalLine, Loan

    sizes = [int(s) for s in os.environ.get("BENCH_EOD_SIZES", "10000,30000,100000").split(",")]
    _scratch_database()
    _on(START)
    world = make_world("eod")
    templates = make_templates(world)
    eod.run(START)  # the disbursement day: nothing accrues yet, so it is closed on the templates alone
    have = len(templates)
    out = []
    day = START + timedelta(days=1)
    for size in sizes:
        seed_seconds = _time(lambda size=size, have=have: copy_loans(templates, size - have))
        have = size
        _on(day)
        before = load()
        seconds, cpu = _wall_and_cpu(lambda day=day: eod.run(day))
        with new_session() as db:
            done = db.execute(select(func.count()).select_from(Loan).where(Loan.eod_date == day)).scalar_one()
            lines = db.execute(select(func.count()).select_from(JournalLine).where(JournalLine.posted_on == day)).scalar_one()
        assert done == size, (done, size)
        out.append(((f"end of day {day} over {size:,} active loans ({_dialect()}, chunks of {eod.CHUNK_SIZE}, "
                    f"{lines:,} journal lines posted; seeded in {seed_seconds:.0f} s; {before} → {load()})"),
                    (f"{seconds:.1f} s ({size / seconds:,.0f} loans/s, {seconds / size * 1000:.2f} ms a loan); "
                    f"CPU of this process {cpu / size * 1000:.2f} ms a loan")))
        print(f"  {out[-1][0]}: {out[-1][1]}", file=sys.stderr, flush=True)
        day += timedelta(days=1)
    return out


def eod_due_date_rows() -> list[tuple[str, str]]:
    """The end of day on a due date (every monthly template's first instalment falls due and is
    collected by the scheduled debit: a repayment, its journal entry, the loan's dues rewritten) and
    on the day after, over BENCH_EOD_DUE_SIZE copied loans (default 2,000). The dates in between are
    marked closed without being run (a loan's day derives it from its history, so skipping them
    changes nothing but the interest the skipped accruals would have posted separately)."""
    from sqlalchemy import func, select, update

    from bench.__main__ import _scratch_database
    from smecredit.kernel.clock import utcnow
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.loans import eod
    from smecredit.loans.models import EodRun, JournalLine, Loan

    size = int(os.environ.get("BENCH_EOD_DUE_SIZE", "2000"))
    _scratch_database()
    _on(START)
    world = make_world("eod-due")
    templates = make_templates(world)
    eod.run(START)
    copy_loans(templates, size - len(templates))
    due = date(2026, 4, 2)  # START + one month
    with new_session() as db, unit_of_work(db):
        day = START + timedelta(days=1)
        while day < due:
            db.add(EodRun(business_date=day, status="done", started_at=utcnow(), finished_at=utcnow(), loans_done=0))
            day += timedelta(days=1)
        db.execute(update(Loan).values(eod_date=due - timedelta(days=1)))
    out = []
    for label, day in (("a due date", due), ("the day after a due date", due + timedelta(days=1))):
        _on(day)
        before = load()
        seconds, cpu = _wall_and_cpu(lambda day=day: eod.run(day))
        with new_session() as db:
            lines = db.execute(select(func.count()).select_from(JournalLine).where(JournalLine.posted_on == day)).scalar_one()
        out.append((f"end of day on {label} ({day}) over {size:,} loans ({_dialect()}, {lines:,} journal lines; "
                    f"{before} → {load()})",
                    f"{seconds:.1f} s ({seconds / size * 1000:.2f} ms a loan); CPU of this process {cpu / size * 1000:.2f} ms a loan"))
        print(f"  {out[-1][0]}: {out[-1][1]}", file=sys.stderr, flush=True)
    return out


# --- a loan with 700 transactions ------------------------------------------------------------------

def long_history_loan(world, transactions: int = 700) -> tuple[int, int]:
    """A loan disbursed through the service, then every business day a repayment by operations
    (`service.record_payment`) and the end of day (`eod.run`: accrual, penalty, scheduled debit),
    until it holds ``transactions`` transactions. Returns (loan id, days)."""
    from sqlalchemy import func, select

    from smecredit.identity.models import User
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.loans import eod, service
    from smecredit.loans.models import Loan, LoanTransaction

    enterprise_id, ops_id, approver_id = world
    day = START - timedelta(days=800)
    _on(day)
    loan_id = open_and_disburse(enterprise_id, ops_id, approver_id, principal="3000000.00", annual_rate="4.90", months=60,
                                method="equal_installment", account="6222L00000001")
    eod.run(day)
    count = 1
    while count < transactions:
        day += timedelta(days=1)
        _on(day)
        with new_session() as db, unit_of_work(db):
            service.record_payment(db, user=db.get(User, ops_id), loan=db.get(Loan, loan_id), amount="1500.00",
                                   value_date=day, idempotency_key=f"bench-pay-{day}", source="api")
        eod.run(day)
        with new_session() as db:
            count = db.execute(select(func.count()).select_from(LoanTransaction)
                               .where(LoanTransaction.loan_id == loan_id)).scalar_one()
    return loan_id, (day - (START - timedelta(days=800))).days + 1


def loan_detail_rows() -> list[tuple[str, str]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from bench.__main__ import _scratch_database
    from smecredit.kernel.db import new_session
    from smecredit.loans.models import JournalLine, LoanTransaction
    from smecredit.web.app import create_app

    _scratch_database()
    world = make_world("detail")
    build_seconds, (loan_id, days) = _timed(lambda: long_history_loan(world, int(os.environ.get("BENCH_DETAIL_TRANSACTIONS", "700"))))
    with new_session() as db:
        txns = db.execute(select(func.count()).select_from(LoanTransaction).where(LoanTransaction.loan_id == loan_id)).scalar_one()
        lines = db.execute(select(func.count()).select_from(JournalLine).where(JournalLine.loan_id == loan_id)).scalar_one()
    out = [((f"build the loan: {days} business days of repayment + end of day through the service "
            f"({txns} transactions, {lines:,} journal lines; {_dialect()}; {load()})"), f"{build_seconds:.1f} s")]
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        token = client.post("/api/v1/auth/token", json={"username": "detail-operations", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for path, n in ((f"/api/v1/loans/{loan_id}", 2000), (f"/api/v1/loans/{loan_id}/schedule", 200),
                        (f"/api/v1/loans/{loan_id}/transactions", 200), (f"/api/v1/loans/{loan_id}/payoff?date={START}", 200)):
            for _ in range(20):
                assert client.get(path, headers=headers).status_code == 200
            each, cpu = [], []
            before = load()
            for _ in range(n):
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(path, headers=headers)
                each.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)  # every thread of the process: the client's and the app's
                assert response.status_code == 200, response.text
            each.sort()
            cpu.sort()
            label = path.replace(f"/{loan_id}", "/{id}")
            out.append(((f"GET {label} on a loan with {txns} transactions, in-process "
                        f"(TestClient: auth, access check, query, JSON), {n} requests ({_dialect()}; {before} → {load()})"),
                        (f"wall: median {statistics.median(each) * 1000:.2f} ms, p99 {each[int(n * 0.99) - 1] * 1000:.2f} ms, "
                        f"max {each[-1] * 1000:.1f} ms · CPU: median {statistics.median(cpu) * 1000:.2f} ms, "
                        f"p99 {cpu[int(n * 0.99) - 1] * 1000:.2f} ms")))
    return out


def _timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result
