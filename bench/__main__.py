"""Run the benchmarks and print a Markdown table for docs/benchmarks.md.

    python -m bench                 # all
    python -m bench bank_statement  # by name

Each benchmark makes its own data (deterministic) and its own scratch database under a temporary
directory, so it never touches var/. Times are wall-clock seconds on the machine that runs them;
record the machine with the numbers.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

BENCHMARKS: dict[str, Callable[[], list[tuple[str, str]]]] = {}


def benchmark(func):
    BENCHMARKS[func.__name__] = func
    return func


def timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _scratch_database() -> str:
    directory = tempfile.mkdtemp(prefix="smecredit-bench-")
    os.environ["SMECREDIT_DATA_DIR"] = directory
    os.environ["SMECREDIT_DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.db"
    from smecredit.kernel.db import engine_for
    from smecredit.kernel.settings import get_settings

    get_settings.cache_clear()
    engine_for.cache_clear()
    from smecredit.kernel import migrate

    migrate.upgrade("head")
    return os.environ["SMECREDIT_DATABASE_URL"]


def bank_statement_csv(rows: int) -> bytes:
    """A realistic export: 交易日期,交易金额,借贷标志,余额,对方户名,摘要 with varied counterparties."""
    lines = ["交易日期,交易金额,借贷标志,余额,对方户名,摘要"]
    balance = Decimal("500000.00")
    start = date(2025, 1, 1)
    for i in range(rows):
        day = start + timedelta(days=i * 365 // rows)
        amount = Decimal(1000 + (i * 7919) % 90000) / 10
        inflow = i % 3 != 0
        balance += amount if inflow else -amount
        lines.append(f"{day.isoformat()},{amount:.2f},{'贷' if inflow else '借'},{balance:.2f},客户{i % 257:03d}有限公司,货款{i}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@benchmark
def bank_statement() -> list[tuple[str, str]]:
    from smecredit.enterprises.connectors.bank_statement import parse_bank_statement

    data = bank_statement_csv(100_000)
    seconds, parsed = timed(lambda: parse_bank_statement(data, filename="statement.csv", mapping="generic_zh"))
    rows = len(parsed.content["rows"])
    size_mb = len(data) / 1_000_000
    return [(f"parse + validate 100,000 bank-statement rows (CSV, {size_mb:.1f} MB)",
             f"{seconds:.2f} s ({rows / seconds:,.0f} rows/s)")]


@benchmark
def bank_statement_gbk() -> list[tuple[str, str]]:
    """A GB18030 export with thousands separators and random amounts (was a wall-clock test)."""
    import random

    from smecredit.enterprises.connectors.bank_statement import parse_bank_statement

    rng = random.Random(7)
    out = ["交易日期,交易金额,借贷标志,余额,对方户名,摘要\n"]
    balance = Decimal("1000000.00")
    day0 = date(2024, 1, 1)
    for i in range(100_000):
        amt = Decimal(rng.randrange(100, 5_000_000)) / 100
        flag = "贷" if rng.random() < 0.5 else "借"
        balance += amt if flag == "贷" else -amt
        d = day0 + timedelta(days=i * 365 // 100_000)
        out.append(f'{d.isoformat()},"{amt:,.2f}",{flag},{balance:.2f},客户{rng.randrange(800)}有限公司,货款{i % 7}\n')
    data = "".join(out).encode("gb18030")
    seconds, parsed = timed(lambda: parse_bank_statement(data, filename="big.csv"))
    assert parsed.content["row_count"] == 100_000
    return [(f"parse + validate 100,000 bank-statement rows (GB18030 CSV with thousands separators, "
             f"{len(data) / 1_000_000:.1f} MB)", f"{seconds:.2f} s ({100_000 / seconds:,.0f} rows/s)")]


def bank_statement_xlsx_bytes(rows: int) -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("流水")
    ws.append(["交易日期", "交易金额", "借贷标志", "余额", "对方户名", "摘要"])
    balance = Decimal("500000.00")
    start = date(2025, 1, 1)
    for i in range(rows):
        amount = Decimal(1000 + (i * 7919) % 90000) / 10
        inflow = i % 3 != 0
        balance += amount if inflow else -amount
        ws.append([start + timedelta(days=i * 365 // rows), float(amount), "贷" if inflow else "借", float(balance),
                   f"客户{i % 257:03d}有限公司", f"货款{i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@benchmark
def bank_statement_xlsx() -> list[tuple[str, str]]:
    """XLSX through the zip guard (streamed sizes, cell bounds) and python-calamine."""
    from smecredit.enterprises.connectors.bank_statement import parse_bank_statement
    from smecredit.enterprises.connectors.spreadsheet import read_xlsx_rows
    from smecredit.enterprises.connectors.vocabulary import ErrorCollector, SourceKind

    data = bank_statement_xlsx_bytes(100_000)
    read_seconds, rows = timed(lambda: read_xlsx_rows(data, ErrorCollector(SourceKind.BANK_STATEMENT, "b.xlsx")))
    seconds, parsed = timed(lambda: parse_bank_statement(data, filename="statement.xlsx", mapping="generic_zh"))
    assert parsed.content["row_count"] == 100_000 and len(rows) == 100_001
    size = f"{len(data) / 1_000_000:.1f} MB"
    return [
        (f"read 100,000 rows from XLSX: zip guard + calamine ({size})", f"{read_seconds:.2f} s"),
        (f"parse + validate 100,000 bank-statement rows (XLSX, {size})", f"{seconds:.2f} s ({100_000 / seconds:,.0f} rows/s)"),
    ]


@benchmark
def xlsx_hostile() -> list[tuple[str, str]]:
    """How fast hostile workbooks are refused (a cell at ZZZZZZ1; a 1 GiB zip bomb)."""
    import io
    import zipfile

    from smecredit.enterprises.connectors import ImportRejected
    from smecredit.enterprises.connectors.bank_statement import parse_bank_statement

    def refuse(data: bytes) -> str:
        try:
            parse_bank_statement(data, filename="hostile.xlsx")
        except ImportRejected as exc:
            return exc.errors[0].reason_en
        raise AssertionError("accepted a hostile workbook")

    good = bank_statement_xlsx_bytes(10)
    z = zipfile.ZipFile(io.BytesIO(good))
    parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    wide = dict(parts)
    wide[sheet] = parts[sheet].replace(b"</sheetData>", b'<row r="20"><c r="ZZZZZZ20"><v>1</v></c></row></sheetData>')
    bomb = dict(parts)
    bomb[sheet] = b""

    def pack(members: dict[str, bytes], big: str | None = None) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for name, body in members.items():
                if name == big:
                    with out.open(name, "w", force_zip64=True) as f:
                        blank = b" " * (1 << 20)
                        for _ in range(1024):
                            f.write(blank)
                else:
                    out.writestr(name, body)
        return buf.getvalue()

    wide_bytes, bomb_bytes = pack(wide), pack(bomb, big=sheet)
    wide_s, _ = timed(lambda: refuse(wide_bytes))
    bomb_s, _ = timed(lambda: refuse(bomb_bytes))
    return [
        (f"refuse an XLSX with one cell at ZZZZZZ20 ({len(wide_bytes) / 1000:.1f} KB)", f"{wide_s * 1000:.1f} ms"),
        (f"refuse a zip bomb unpacking to 1 GiB ({len(bomb_bytes) / 1_000_000:.1f} MB)", f"{bomb_s * 1000:.1f} ms"),
    ]


@benchmark
def bank_statement_import() -> list[tuple[str, str]]:
    """The whole use case: parse, store the snapshot and the upload, audit, recompute the profile."""
    from smecredit.audit.log import Actor
    from smecredit.enterprises import data as stage_data
    from smecredit.enterprises import registration, schemas
    from smecredit.identity import service as identity
    from smecredit.identity.roles import Role
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.standards.resident_id import make_resident_id
    from smecredit.standards.uscc import make_uscc

    _scratch_database()
    data = bank_statement_csv(100_000)
    with new_session() as db, unit_of_work(db):
        officer = identity.create_user(db, actor=Actor("bench", "system"), username="bench-officer",
                                       display_name="bench", password="Bench-Passw0rd-1", roles=[Role.LOAN_OFFICER])
        enterprise = registration.register(db, user=officer, data=schemas.EnterpriseCreate(
            uscc=make_uscc("9", "1", "350100", "MA0BENCH"), name="基准测试有限公司", industry="wholesale",
            founded_on=date(2015, 1, 1), employees=30, revenue_wan=Decimal("3000"), assets_wan=Decimal("1500"),
            legal_rep=schemas.PartyIn(name="张三", id_number=make_resident_id("350102", date(1980, 5, 1), 123),
                                      phone="13800001234"),
            contact=schemas.ContactIn(name="张三", phone="13800001234"))).enterprise
    with new_session() as db:
        officer = db.merge(officer)
        enterprise = db.merge(enterprise)

        def import_and_commit():
            with unit_of_work(db):
                return stage_data.upload(db, user=officer, enterprise=enterprise, kind="bank_statement", data=data,
                                         filename="statement.csv", mapping="generic_zh")

        seconds, outcome = timed(import_and_commit)
    assert outcome.snapshots
    return [(f"import 100,000 bank-statement rows end to end: parse, snapshot, audit, profile "
             f"({os.environ['SMECREDIT_DATABASE_URL'].split(':')[0]})", f"{seconds:.2f} s ({100_000 / seconds:,.0f} rows/s)")]


@benchmark
def audit_append() -> list[tuple[str, str]]:
    from smecredit.audit.log import Actor, append_entry
    from smecredit.kernel.db import new_session, unit_of_work

    _scratch_database()
    actor = Actor("bench", "system")
    n = 5_000

    def append_each_in_own_transaction():
        with new_session() as db:
            for i in range(n):
                with unit_of_work(db):
                    append_entry(db, actor=actor, action="bench.event", entity_type="bench", entity_id=i,
                                 payload={"i": i, "amount": Decimal("12.34")})

    seconds, _ = timed(append_each_in_own_transaction)
    return [(f"append {n:,} audit events, one transaction each ({os.environ['SMECREDIT_DATABASE_URL'].split(':')[0]})",
             f"{seconds:.2f} s ({n / seconds:,.0f} events/s)")]


@benchmark
def audit_verify() -> list[tuple[str, str]]:
    from smecredit.audit.checkpoints import create_checkpoint
    from smecredit.audit.log import Actor, append_entry
    from smecredit.audit.verify import verify_database
    from smecredit.kernel.db import new_session, unit_of_work

    _scratch_database()
    actor = Actor("bench", "system")
    n = 20_000
    with new_session() as db:
        with unit_of_work(db):
            for i in range(n):
                append_entry(db, actor=actor, action="bench.event", entity_type="bench", entity_id=i, payload={"i": i})
        with unit_of_work(db):
            create_checkpoint(db)
    with new_session() as db:
        seconds, report = timed(lambda: verify_database(db))
    assert report.ok, report
    return [(f"`audit verify` of {n:,} events and their checkpoint", f"{seconds:.2f} s ({n / seconds:,.0f} events/s)")]


@benchmark
def merkle() -> list[tuple[str, str]]:
    import hashlib

    from smecredit.audit import merkle as m

    leaves = [m.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(1_000_000)]
    seconds, _ = timed(lambda: m.root_hash(leaves))
    frontier: list[bytes] = []

    def appends():
        f = []
        for size, leaf in enumerate(leaves[:100_000]):
            f = m.frontier_append(f, size, leaf)
        return f

    append_seconds, frontier = timed(appends)
    return [
        ("Merkle root of 1,000,000 leaves", f"{seconds:.2f} s"),
        ("100,000 frontier appends (the per-event cost of the log)", f"{append_seconds:.2f} s ({100_000 / append_seconds:,.0f}/s)"),
    ]


@benchmark
def uscc() -> list[tuple[str, str]]:
    from smecredit.standards.uscc import validate_uscc

    codes = ["91350100M000100Y43", "91350100M000100Y4Z", "9135010"] * 33_334
    seconds, _ = timed(lambda: [validate_uscc(c) for c in codes])
    return [(f"validate {len(codes):,} credit codes", f"{seconds:.2f} s ({len(codes) / seconds:,.0f} codes/s)")]


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF whose content stream is padded with comment lines to about ``size`` bytes."""
    body = b"BT /F1 12 Tf 72 720 Td (bench) Tj ET\n" + (b"% " + b"x" * 97 + b"\n") * (size // 100)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@benchmark
def document_store() -> list[tuple[str, str]]:
    """Accept a 10 MB PDF and a 5 MB XLSX into the local store: read capped, type by content
    (structure check; the XLSX through the zip guard), SHA-256, encryption, atomic write, row, commit."""
    _scratch_database()
    from smecredit.documents import store
    from smecredit.documents.content import FileType, detect
    from smecredit.kernel.db import new_session, unit_of_work

    pdf = padded_pdf(10_000_000)
    xlsx = bank_statement_xlsx_bytes(136_000)
    out = []
    for label, data in (("PDF", pdf), ("XLSX", xlsx)):
        def accept(data=data):
            with new_session() as db, unit_of_work(db):
                return store.accept(db, upload=data, filename=f"bench.{label.lower()}", allowed=tuple(FileType)).id

        detect_seconds, found = timed(lambda data=data: detect(data))
        assert found.file_type is not None, found.reason
        seconds, first = timed(accept)
        again_seconds, second = timed(accept)
        assert first == second
        size = f"{len(data) / 1_000_000:.1f} MB"
        out += [(f"accept a {size} {label} into the local store (new object)", f"{seconds:.2f} s"),
                (f"accept the same {size} {label} again (deduplicated: no write)", f"{again_seconds:.2f} s"),
                (f"of which: type check of the {label} by content", f"{detect_seconds:.3f} s")]
    return out


def _fifty_products() -> list:
    """The seven default products, each in seven variants with other codes, ranges and spreads
    (49), plus one more: 50 definitions, every rule compiled (as a stored version's would be)."""
    import copy
    import json as _json

    from smecredit.products import setup
    from smecredit.products.definition import parse

    base = [_json.loads(p.read_text(encoding="utf-8"), parse_float=Decimal) for p in setup.product_files()]
    found = []
    for i in range(50):
        data = copy.deepcopy(base[i % len(base)])
        data["code"] = f"{data['code'][:30]}_{i:02d}"
        data["max_amount"] = f"{Decimal(data['max_amount']) * (1 + i % 3):.2f}"
        data["pricing"]["spread_min"] = f"{Decimal(data['pricing']['spread_min']) + Decimal(i % 5) / 10:.2f}"
        data["pricing"]["spread_max"] = f"{Decimal(data['pricing']['spread_max']) + Decimal(i % 5) / 10:.2f}"
        found.append(parse(data))
    return found


_FEATURES = {
    "years_in_operation": Decimal("6.50"), "registry_status": "active", "current_overdue_count": 0,
    "non_performing_loan_count": 0, "dishonest_debtor_flag": False, "controller_age": 45, "tax_credit_grade": "B",
    "leverage": Decimal("0.4500"), "open_lawsuits_defendant_amount": Decimal("0.00"), "tax_paid_last12m": Decimal("56789.12"),
    "core_customer_count": 1, "annual_revenue": Decimal("12000000.00"), "net_margin": Decimal("0.0800"),
    "revenue_growth": Decimal("0.1000"), "outstanding_loans_total": Decimal("800000.00"),
    **{f"statements.{k}": Decimal(v) for k, v in (("inventory_days", "42.55"), ("receivable_days", "51.98"),
                                                  ("payable_days", "25.26"), ("prepaid_days", "5.95"), ("advance_days", "2.36"))},
}


@benchmark
def matching_50() -> list[tuple[str, str]]:
    """Matching a catalogue of 50 products for one enterprise, in-process: the pure core alone,
    and with the catalogue, the rates and the cached definitions read from a scratch database."""
    import statistics

    from smecredit.products import catalogue, fit
    from smecredit.products.rates import reference_rate

    definitions = _fifty_products()
    products = [(i, 1, d) for i, d in enumerate(definitions, 1)]
    rates = {"1y": Decimal("3.00"), "5y+": Decimal("3.50")}
    need = fit.need_of("500000", 12, "采购原材料", {"order_value": "1000000", "project_cost": "3000000",
                                                  "invoiced_sales_12m": "4000000", "confirmed_receivables": "900000",
                                                  "appraised_value": "2000000"})
    fit.match_all(products, _FEATURES, need, rates)  # warm
    runs = []
    for _ in range(300):
        seconds, results = timed(lambda: fit.match_all(products, _FEATURES, need, rates))
        runs.append(seconds)
    eligible = sum(1 for r in results if r.eligible)

    _scratch_database()
    from smecredit.audit.log import SYSTEM
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.products import setup

    with new_session() as db, unit_of_work(db):
        setup.load_rates(db)
        for d in definitions:
            catalogue.load_default(db, d, actor=SYSTEM, effective_from=date(2019, 8, 20), source="bench")
    db_runs = []
    with new_session() as db:
        def with_database():
            on = date(2026, 11, 29)
            versions = catalogue.current_versions(db, on)
            return fit.match_all([(v.id, v.version, v.definition) for v in versions], _FEATURES, need,
                                 {t: reference_rate(db, on=on, tenor=t) for t in ("1y", "5y+")})
        first, _ = timed(with_database)  # parses and compiles the 50 stored definitions once
        for _ in range(100):
            seconds, _ = timed(with_database)
            db_runs.append(seconds)
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.2f} ms, p95 {sorted(xs)[int(len(xs) * 0.95)] * 1000:.2f} ms"
    return [
        (f"match 50 products for one enterprise, pure core ({eligible} eligible, 300 runs)", ms(runs)),
        ("the same with the 50 versions and the LPR read from SQLite (100 runs, definitions cached)", ms(db_runs)),
        ("first read of the 50 stored versions (parse + compile every rule once)", f"{first * 1000:.1f} ms"),
    ]


@benchmark
def scorecard_german() -> list[tuple[str, str]]:
    """Trained scorecard vs logistic regression and gradient boosting (bench/scorecard_german.py)."""
    from bench import scorecard_german as german

    return german.rows()


@benchmark
def decisions_recorded() -> list[tuple[str, str]]:
    """The decision use case in one process with its record and commit (bench/decisions.py)."""
    from bench import decisions

    return decisions.recorded()


@benchmark
def decisions_http() -> list[tuple[str, str]]:
    """Submit → decision over HTTP on the default server, 16 concurrent clients (bench/decisions.py)."""
    from bench import decisions

    return decisions.over_http()

def _decision_inputs(n: int) -> list:
    """``n`` varied applications (deterministic): amounts, terms, methods, guarantee modes, size
    classes, product kinds, exposure and profiles from sound to weak, some data missing."""
    import random

    from smecredit.decisioning import engine
    from smecredit.kernel.text import Text

    rng = random.Random(20250601)
    d = Decimal
    inputs = []
    for i in range(n):
        weak = rng.random() < 0.15
        features = {
            "years_in_operation": d(rng.choice(["0.8", "1.5", "3.2", "4.5", "6.0", "8.1", "12.4"])), "registry_status": "active" if rng.random() > 0.02 else "revoked",
            "abnormal_operation_count": int(rng.random() < 0.05), "annual_revenue": d(rng.randrange(2_000_000, 50_000_000)).quantize(d("0.01")),
            "revenue_growth": d(rng.randrange(-15, 60)) / 100, "tax_credit_grade": rng.choice("AAABBBBMC"),
            "tax_paid_last12m": d(rng.randrange(10_000, 900_000)), "bank_months_covered": rng.choice([4, 12, 12, 12, 12, 12, 12, 12]),
            "bank_inflow_cv": d(rng.randrange(5, 90)) / 100, "top1_counterparty_share": d(rng.randrange(5, 75)) / 100,
            "leverage": d(rng.randrange(10, 85)) / 100, "current_ratio": d(rng.randrange(90, 300)) / 100,
            "quick_ratio": d(rng.randrange(20, 250)) / 100, "net_margin": d(rng.randrange(-2, 25)) / 100,
            "current_overdue_count": int(weak and rng.random() < 0.2), "current_overdue_amount": d("0.00"),
            "overdue_months_24m": rng.choice([0, 0, 0, 1, 4]) if weak else 0, "max_dpd_24m": rng.choice([0, 15, 45, 120]) if weak else 0,
            "non_performing_loan_count": 0, "queries_last_3m": rng.choice([0, 1, 1, 2, 3, 4, 8]), "credit_report_age_days": rng.choice([2, 5, 10, 20, 45]),
            "controller_current_overdue_count": 0, "controller_current_overdue_amount": d("0.00"),
            "controller_max_dpd_24m": rng.choice([0, 0, 0, 0, 10, 40]), "open_lawsuits_defendant_count": int(rng.random() < 0.05),
            "open_lawsuits_defendant_amount": d("0.00"), "dishonest_debtor_flag": rng.random() < 0.01,
            "enforcement_count": 0, "enforcement_amount": d("0.00"), "controller_age": rng.randrange(24, 66),
            "top5_counterparty_share": d(rng.randrange(30, 100)) / 100,
        }
        for key in rng.sample(sorted(features), rng.choice([0, 0, 0, 0, 0, 0, 1, 3])):
            features[key] = None
        kind = rng.choice(["working_capital", "working_capital", "tax_loan"])
        amount = d(rng.choice([100_000, 200_000, 300_000, 500_000, 500_000, 800_000, 1_200_000, 3_000_000])).quantize(d("0.01"))
        inputs.append(engine.DecisionInputs(
            application=engine.ApplicationTerms(f"SQ20250601{i:05d}", amount, rng.choice([6, 12, 12, 24, 36]),
                                                rng.choice(["equal_installment", "equal_principal", "interest_only", "bullet"]),
                                                rng.choice(["credit", "guarantee", "credit+guarantee", "mortgage"]), "采购原材料",
                                                "p", 1, kind),
            product=engine.ProductFacts("p", kind, Text("产品", "Product"), 1, d("100000.00"), d("5000000.00"), d("0.30"), d("4.00"),
                                        d("1000000.00"), d(rng.randrange(200_000, 5_000_000)).quantize(d("0.01"))),
            enterprise=engine.EnterpriseFacts(i, "91310000MA1FL8T53N", f"企业{i}", rng.choice(["micro", "small", "small", "medium"]), "retail"),
            features=features, profile_id=i, exposure=engine.Exposure(d(rng.choice([0, 0, 500_000, 9_500_000])).quantize(d("0.01"))),
            reference_rates=engine.ReferenceRates(d("3.00"), d("3.50"), date(2025, 5, 20)), decision_date=date(2025, 6, 1)))
    return inputs


@benchmark
def decisions_inprocess() -> list[tuple[str, str]]:
    """decide() in one process on one core: the pure part of submitting an application (the
    service adds the database reads and the decision record)."""
    import statistics
    from collections import Counter
    from pathlib import Path

    from smecredit.decisioning import engine, policy, scorecard

    pol = policy.load_default()
    cards = {c.code: c for c in (scorecard.load(p) for p in sorted((Path(policy.__file__).parent / "data" / "scorecards").glob("*.json")))}
    inputs = _decision_inputs(2000)
    for one in inputs[:50]:  # warm the compiled-expression caches
        engine.decide(pol, cards, one)
    each = []
    outcomes: Counter = Counter()
    start_cpu = time.process_time()
    seconds, _ = timed(lambda: [engine.decide(pol, cards, one) for one in inputs])
    cpu = time.process_time() - start_cpu
    for one in inputs[:500]:
        t, result = timed(lambda one=one: engine.decide(pol, cards, one))
        each.append(t)
        outcomes[result.outcome] += 1
    results = [engine.decide(pol, cards, one) for one in inputs[:500]]
    to_dict_seconds, _ = timed(lambda: [(engine.result_to_dict(r), engine.inputs_to_dict(i)) for r, i in zip(results, inputs)])
    mix = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    return [
        (f"decide() for {len(inputs):,} varied applications, pure core, one core (outcomes of the first 500: {mix})",
         f"{len(inputs) / seconds:,.0f} decisions/s wall ({len(inputs) / cpu:,.0f}/s CPU); "
         f"median {statistics.median(each) * 1e6:,.0f} µs, p95 {sorted(each)[int(len(each) * 0.95)] * 1e6:,.0f} µs"),
        ("inputs_to_dict + result_to_dict (what the record stores), per decision",
         f"{to_dict_seconds / len(results) * 1e6:,.0f} µs"),
    ]


@benchmark
def loan_schedules() -> list[tuple[str, str]]:
    """Stage 5a: pure schedule building per method and term (bench/loans.py)."""
    from bench import loans

    return loans.schedules_rows()


@benchmark
def loan_detail() -> list[tuple[str, str]]:
    """Stage 5a: GET /api/v1/loans/{id} (and its schedule, transactions, payoff) on a loan with 700
    transactions built day by day through the service and the end of day (bench/loans.py)."""
    from bench import loans

    return loans.loan_detail_rows()


@benchmark
def loan_eod() -> list[tuple[str, str]]:
    """Stage 5a: end of day over 10k, 30k, 100k active loans (BENCH_EOD_SIZES), seeded as copies of
    loans disbursed through the service (bench/loans.py explains why they are real)."""
    from bench import loans

    return loans.eod_rows()


@benchmark
def loan_eod_due_date() -> list[tuple[str, str]]:
    """Stage 5a: end of day on a due date and the day after (scheduled debits, the dues rewritten)
    over BENCH_EOD_DUE_SIZE copied loans (bench/loans.py)."""
    from bench import loans

    return loans.eod_due_date_rows()


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    print("| benchmark | result |\n|---|---|")
    for name in names:
        for label, result in BENCHMARKS[name]():
            print(f"| {label} | {result} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
