"""Decisions with their record: the decision service in one process, and submit → decision over HTTP.

    python -m bench decisions_recorded     # in-process, one core
    python -m bench decisions_http         # the default server, 16 concurrent clients
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m bench decisions_http

Both make a scratch database (a SQLite file under a temporary directory; with ``BENCH_DATABASE_URL``
a new PostgreSQL database created beside the one named there and dropped afterwards), load what
every install starts with (`demo.setup_all`: products, LPR, the default policy and scorecards) and
seed enterprises through the use cases the tests use: registered, confirmed by an officer,
authorised, every sandbox source pulled (so each has a credit profile), and a draft under the
working-capital product with every required document attached (the same small PDF each time: the
store keeps it once). Each enterprise has its own people (no accidental group), amounts, terms,
repayment methods and guarantee modes vary.

Sizes: ``BENCH_DECISIONS`` (in-process, default 600) and ``BENCH_HTTP_DECISIONS`` (default 1,600),
``BENCH_HTTP_CLIENTS`` (default 16).
"""

from __future__ import annotations

import contextlib
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = "working_capital_loan"
PASSWORD = "Bench-Passw0rd-2026"


# --- the scratch database ------------------------------------------------------------------------------------

@dataclass
class Scratch:
    url: str
    data_dir: Path
    backend: str
    env: dict[str, str] = field(default_factory=dict)


def _reset_caches() -> None:
    from smecredit.kernel.db import engine_for
    from smecredit.kernel.settings import get_settings

    with contextlib.suppress(Exception):
        from smecredit.kernel.db import get_engine

        get_engine().dispose()
    get_settings.cache_clear()
    engine_for.cache_clear()


@contextlib.contextmanager
def scratch_database() -> Iterator[Scratch]:
    """A migrated scratch database with every stage's starting data; dropped (PostgreSQL) after."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    directory = Path(tempfile.mkdtemp(prefix="smecredit-bench-decisions-"))
    admin = os.environ.get("BENCH_DATABASE_URL")
    if admin:
        name = f"smecredit_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{directory / 'bench.db'}"
    env = {"SMECREDIT_DATA_DIR": str(directory), "SMECREDIT_DATABASE_URL": url, "SMECREDIT_DEMO_SEED": "false",
           "SMECREDIT_SESSION_SECRET": "bench-" + uuid.uuid4().hex}
    saved = {k: os.environ.get(k) for k in (*env, "SMECREDIT_BUSINESS_DATE")}
    os.environ.update(env)
    os.environ.pop("SMECREDIT_BUSINESS_DATE", None)
    _reset_caches()
    try:
        from smecredit.cli import prepare

        prepare()  # migrate, signing key, every stage's setup (what `smecredit run` does first)
        yield Scratch(url, directory, "postgresql" if admin else "sqlite", env)
    finally:
        _reset_caches()
        if admin:
            engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def cloned(scratch: Scratch) -> Iterator[Scratch]:
    """A copy of a scratch database and its data directory (nobody may be connected to it): a
    second run starts from the same seeded state without seeding again."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    directory = Path(tempfile.mkdtemp(prefix="smecredit-bench-decisions-"))
    shutil.copytree(scratch.data_dir, directory, dirs_exist_ok=True)
    admin = os.environ.get("BENCH_DATABASE_URL")
    if scratch.backend == "postgresql":
        name = f"{make_url(scratch.url).database}_copy"
        engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(scratch.url).database}"'))
        engine.dispose()
        url = make_url(scratch.url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{directory / 'bench.db'}"
    try:
        yield Scratch(url, directory, scratch.backend,
                      {**scratch.env, "SMECREDIT_DATA_DIR": str(directory), "SMECREDIT_DATABASE_URL": url})
    finally:
        if scratch.backend == "postgresql":
            engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


# --- seeding -------------------------------------------------------------------------------------------------

@dataclass
class Seeded:
    #: (application id, applicant's user id), in the order they were made
    applications: list[tuple[int, int]]
    applicant_ids: list[int]
    usernames: list[str]
    seconds: float


def _registration(n: int) -> dict:
    """A registration for enterprise ``n``: its own code and people (no two share a person, so
    nobody forms an accidental group), size varying with ``n``."""
    from smecredit.standards.resident_id import make_resident_id
    from tests.enterprises.helpers import code, registration

    person = make_resident_id("350102", date(1960 + n % 35, 1 + n % 12, 1 + n % 28), n % 1000)
    phone = f"139{n:08d}"
    return registration(n, legal_rep={"name": "张三丰", "id_number": person, "phone": phone},
                        controller={"name": "张三丰", "id_number": person, "phone": phone},
                        employees=5 + n % 180, revenue_wan=str(300 + (n * 7919) % 19000),
                        assets_wan=str(200 + (n * 104729) % 9000), uscc=code(n))


def seed(n: int, *, applicants: int = 16, progress: bool = True) -> Seeded:
    """``n`` enterprises, each with its profile and one ready-to-submit draft; the enterprises are
    shared round-robin among ``applicants`` applicants (one per concurrent client)."""
    from smecredit.applications import rules, service
    from smecredit.applications.demo import demo_pdf
    from smecredit.audit.log import Actor
    from smecredit.enterprises import data, registration, schemas
    from smecredit.identity import service as identity
    from smecredit.identity.roles import Role
    from smecredit.kernel.db import new_session, unit_of_work
    from smecredit.products import catalogue
    from smecredit.kernel.clock import business_date
    from tests.enterprises.helpers import authorise, confirm

    started = time.perf_counter()
    setup = Actor("bench", "system")
    pdf = demo_pdf("bench")
    made: list[tuple[int, int]] = []
    with new_session() as db:
        with unit_of_work(db):
            users = [identity.create_user(db, actor=setup, username=f"bench-applicant-{i:02d}", display_name=f"申请人{i}",
                                          password=PASSWORD, roles=[Role.APPLICANT]) for i in range(applicants)]
            officer = identity.create_user(db, actor=setup, username="bench-officer", display_name="客户经理",
                                           password=PASSWORD, roles=[Role.LOAN_OFFICER])
        version = next(v for v in catalogue.current_versions(db, on=business_date()) if v.product_code == PRODUCT)
        d = version.definition
        modes = [m for m in d.guarantee_modes if m in ("credit", "guarantee")] or list(d.guarantee_modes[:1])
        required = {m: [i for i in rules.checklist(d, m) if i.required] for m in modes}
        amounts = [Decimal(a) for a in ("100000", "200000", "300000", "500000", "500000", "800000", "1200000", "3000000")]
        terms = [t for t in (6, 12, 12, 24, 36) if d.min_term_months <= t <= d.max_term_months] or [d.min_term_months]
        for i in range(n):
            user = users[i % applicants]
            mode = modes[i % len(modes)]
            need = service.Need(amount=max(d.min_amount, min(d.max_amount, amounts[(i * 5) % len(amounts)])),
                                term_months=terms[(i * 3) % len(terms)], purpose="采购原材料 / raw materials",
                                repayment_method=d.repayment_methods[i % len(d.repayment_methods)], guarantee_mode=mode)
            with unit_of_work(db):
                enterprise = registration.register(db, user=user, data=schemas.EnterpriseCreate(**_registration(i + 1))).enterprise
                confirm(db, officer, enterprise)
                authorise(db, user, enterprise)
                data.pull_all(db, user=officer, enterprise=enterprise)
                application = service.create_draft(db, user=user, enterprise_id=enterprise.id, product_code=PRODUCT,
                                                   need=need)
                for item in required[mode]:
                    service.attach_document(db, user=user, application=application, kind=item.kind, upload=pdf,
                                            filename="材料.pdf")
            made.append((application.id, user.id))
            db.expunge_all()
            if progress and (i + 1) % 100 == 0:
                print(f"  seeded {i + 1:,}/{n:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        ids = [u.id for u in users]
        names = [u.username for u in users]
    return Seeded(made, ids, names, time.perf_counter() - started)


# --- measuring -----------------------------------------------------------------------------------------------

def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on this platform
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


class StatementCounter:
    """Counts the SQL statements sent while active (an engine event)."""

    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        from smecredit.kernel.db import get_engine

        event.listen(get_engine(), "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        from sqlalchemy import event

        from smecredit.kernel.db import get_engine

        event.remove(get_engine(), "before_cursor_execute", self)


@dataclass
class Phases:
    """Wall and CPU seconds spent in named functions (wrapped while active), summed over calls."""

    wall: Counter = field(default_factory=Counter)
    cpu: Counter = field(default_factory=Counter)
    calls: Counter = field(default_factory=Counter)

    @contextlib.contextmanager
    def wrapping(self, targets: dict[str, tuple[object, str]]):
        originals = []
        for label, (owner, name) in targets.items():
            original = getattr(owner, name)
            originals.append((owner, name, original))

            def wrapper(*args, __original=original, __label=label, **kwargs):
                w, c = time.perf_counter(), time.process_time()
                try:
                    return __original(*args, **kwargs)
                finally:
                    self.wall[__label] += time.perf_counter() - w
                    self.cpu[__label] += time.process_time() - c
                    self.calls[__label] += 1

            setattr(owner, name, wrapper)
        try:
            yield self
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)


def _phase_targets() -> dict[str, tuple[object, str]]:
    from sqlalchemy.orm import Session

    from smecredit.audit import log
    from smecredit.decisioning import engine, outcomes, service
    from smecredit.applications import service as applications

    return {
        "lock the application (and load it)": (applications, "_begin"),
        "gather the inputs (application, product, profile, exposure, LPR)": (service, "gather"),
        "build the engine's inputs (incl. the product's limit method)": (service, "build_inputs"),
        "engine.decide (pure)": (engine, "decide"),
        "store the Decision (JSON, SHA-256) + its audit event": (service, "store"),
        "audit appends (every event of the submit)": (log, "append_entry"),
        "apply the outcome (offer, steps, notices)": (outcomes, "approve"),
        "apply the outcome: decline": (outcomes, "decline"),
        "commit": (Session, "commit"),
    }


def _submit_all(ids: list[tuple[int, int]]) -> list[str]:
    """Submit each draft as a request would: a new session, the user and the application read, the
    use case in one unit of work (committed)."""
    from smecredit.applications import service
    from smecredit.applications.models import Application
    from smecredit.identity.models import User
    from smecredit.kernel.db import new_session, unit_of_work

    outcomes = []
    for application_id, user_id in ids:
        with new_session() as db:
            user = db.get(User, user_id)
            application = db.get(Application, application_id)
            with unit_of_work(db):
                service.submit(db, user=user, application=application)
            outcomes.append(application.outcome or "referred")
    return outcomes


def _decide_all(ids: list[tuple[int, int]]) -> None:
    """The decision service alone: lock the application, `decisioning.service.decide` (read the
    inputs, decide, store the Decision and its audit event), commit."""
    from smecredit.applications.models import Application
    from smecredit.decisioning import service
    from smecredit.kernel.db import lock_row, new_session, unit_of_work

    for application_id, _user in ids:
        with new_session() as db, unit_of_work(db):
            application = lock_row(db, Application, application_id)
            service.decide(db, application=application)


def _run(func, ids) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(ids)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def recorded() -> list[tuple[str, str]]:
    n = int(os.environ.get("BENCH_DECISIONS", "600"))
    profiled = min(150, max(20, n // 4))  # submits for the breakdown, and as many for the profile
    rows: list[tuple[str, str]] = []
    with scratch_database() as scratch:
        load_before = load_average()
        seeded = seed(n + 2 * profiled, progress=True)
        main, breakdown, profiled_ids = (seeded.applications[:n], seeded.applications[n:n + profiled],
                                         seeded.applications[n + profiled:])
        where = scratch.backend
        _decide_all(main[:20])  # warm: the policy and scorecards parsed and compiled once per version
        with StatementCounter() as decide_statements:
            decide_wall, decide_cpu, _ = _run(_decide_all, main)
        with StatementCounter() as submit_statements:
            submit_wall, submit_cpu, outcomes = _run(_submit_all, main)
        mix = ", ".join(f"{k} {v}" for k, v in sorted(Counter(outcomes).items()))
        rows += [
            (f"decisioning.service.decide + commit, {n:,} decisions, one process ({where}): read the inputs, "
             f"engine.decide, the Decision record, its audit event, one commit each",
             f"{n / decide_wall:,.0f} decisions/s wall ({n / decide_cpu:,.0f}/s of CPU); "
             f"{decide_wall / n * 1000:.2f} ms each; {decide_statements.count / n:.0f} SQL statements each"),
            (f"the whole submit (applications.service.submit: lock, checklist, state, decide, apply the outcome — "
             f"offer, steps, notices — {submit_statements.count / n:.0f} SQL statements, "
             f"4–5 audit events) + commit, {n:,} drafts ({where}; {mix})",
             f"{n / submit_wall:,.0f} decisions/s wall ({n / submit_cpu:,.0f}/s of CPU); "
             f"{submit_wall / n * 1000:.2f} ms each"),
        ]
        phases = Phases()
        with phases.wrapping(_phase_targets()):
            total_wall, total_cpu, _ = _run(_submit_all, breakdown)
        for label in phases.wall:
            rows.append((f"· of which {label} ({phases.calls[label] / len(breakdown):.1f} per submit)",
                         f"{phases.wall[label] / len(breakdown) * 1000:.2f} ms wall, "
                         f"{phases.cpu[label] / len(breakdown) * 1000:.2f} ms CPU "
                         f"({phases.wall[label] / total_wall:.0%} of the submit)"))
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        _submit_all(profiled_ids)
        profile.disable()
        out = ROOT / "var" / f"bench-decisions-{where}.prof"
        out.parent.mkdir(exist_ok=True)
        profile.dump_stats(out)
        print(f"  profile of {len(profiled_ids)} submits (CPU time): {out}; load average before {load_before}, "
              f"after {load_average()}", file=sys.stderr)
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        rows.append((f"seeding: {len(seeded.applications):,} enterprises with profiles and drafts with documents",
                     f"{seeded.seconds:.0f} s"))
    return rows


# --- over HTTP -----------------------------------------------------------------------------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (and its reaped children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@contextlib.contextmanager
def server(env: dict[str, str], *, instrumented_stats: Path | None = None) -> Iterator[tuple[str, int]]:
    """The default server (`smecredit run`: prepare, then uvicorn with its settings) on a free
    port in a process of its own; stopped with SIGINT (uvicorn's graceful shutdown)."""
    import signal
    import subprocess

    import httpx

    port = _free_port()
    bin_dir = Path(sys.executable).parent
    if instrumented_stats is None:
        command = [str(bin_dir / "smecredit"), "run", "--host", "127.0.0.1", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "bench.serve_instrumented", "--host", "127.0.0.1", "--port", str(port)]
    child_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    if instrumented_stats is not None:
        child_env["BENCH_STATS_FILE"] = str(instrumented_stats)
    log = open(Path(env["SMECREDIT_DATA_DIR"]) / f"server-{port}.log", "wb")
    process = subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited ({process.returncode}); see {log.name}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log.name}")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _issue_tokens(seeded: Seeded) -> dict[int, str]:
    from smecredit.identity.models import User
    from smecredit.identity.sessions import issue_api_token
    from smecredit.kernel.db import new_session, unit_of_work

    tokens = {}
    with new_session() as db, unit_of_work(db):
        for user_id in seeded.applicant_ids:
            tokens[user_id], _row = issue_api_token(db, user=db.get(User, user_id), label="bench")
    return tokens


@dataclass
class LoadResult:
    latencies: list[float]
    statuses: Counter
    outcomes: Counter
    seconds: float
    server_cpu: float
    client_cpu: float
    machine_busy: float  # share of all cores busy during the run (everything on the machine)


def _load(base: str, server_pid: int, queues: list[list[int]], tokens: list[str]) -> LoadResult:
    """Each client submits its own applications one after another, all clients at once."""
    import asyncio

    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    outcomes: Counter = Counter()

    async def client(queue: list[int], token: str, http: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        for application_id in queue:
            started = time.perf_counter()
            response = await http.post(f"{base}/api/v1/applications/{application_id}/submit", headers=headers)
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1
            if response.status_code == 200:
                body = response.json()
                outcomes[body.get("outcome") or body.get("status")] += 1
            elif statuses[response.status_code] == 1:
                print(f"  {response.status_code}: {response.text[:300]}", file=sys.stderr)

    async def everyone() -> float:
        limits = httpx.Limits(max_connections=len(queues), max_keepalive_connections=len(queues))
        async with httpx.AsyncClient(limits=limits, timeout=60) as http:
            started = time.perf_counter()
            await asyncio.gather(*(client(q, t, http) for q, t in zip(queues, tokens)))
            return time.perf_counter() - started

    server_before, client_before, busy_before = _cpu_seconds(server_pid), time.process_time(), _machine_busy()
    seconds = asyncio.run(everyone())
    busy_after = _machine_busy()
    return LoadResult(latencies, statuses, outcomes, seconds, _cpu_seconds(server_pid) - server_before,
                      time.process_time() - client_before,
                      (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]))


def _queues(applications: list[tuple[int, int]], tokens: dict[int, str]) -> tuple[list[list[int]], list[str]]:
    by_user: dict[int, list[int]] = {}
    for application_id, user_id in applications:
        by_user.setdefault(user_id, []).append(application_id)
    users = sorted(by_user)
    return [by_user[u] for u in users], [tokens[u] for u in users]


def over_http() -> list[tuple[str, str]]:
    import json

    n = int(os.environ.get("BENCH_HTTP_DECISIONS", "640"))
    clients = int(os.environ.get("BENCH_HTTP_CLIENTS", "16"))
    rows: list[tuple[str, str]] = []
    with scratch_database() as scratch:
        where = scratch.backend
        seeded = seed(clients + n, applicants=clients)
        tokens = _issue_tokens(seeded)
        _reset_caches()  # our connections closed: the server has the database to itself
        warm, main = seeded.applications[:clients], seeded.applications[clients:]
        with cloned(scratch) as copy:  # the instrumented run starts from the same drafts
            load_before = load_average()
            with server(scratch.env) as (base, pid):
                _load(base, pid, *_queues(warm, tokens))  # one submit per client first (the policy parsed once)
                result = _load(base, pid, *_queues(main, tokens))
            load_after = load_average()
            stats_file = scratch.data_dir / "lock-stats.json"
            with server(copy.env, instrumented_stats=stats_file) as (base, pid):
                _load(base, pid, *_queues(warm, tokens))
                probed = _load(base, pid, *_queues(main, tokens))
            stats = json.loads(stats_file.read_text())
            records = [r for r in stats["transactions"] if r["statements"] > 20]  # the submits
            requests = [r for r in stats["requests"] if r["path"].endswith("/submit")][len(warm):]
        lat = result.latencies
        ok = result.statuses.get(200, 0)
        mix = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items()))
        rows += [
            (f"POST /applications/{{id}}/submit → decision over HTTP, {len(lat):,} submits by {clients} concurrent "
             f"clients, the default server (`smecredit run`: one uvicorn worker), {where} ({mix}; statuses "
             f"{dict(result.statuses)})",
             f"{ok / result.seconds:,.0f} decisions/s; p50 {ms(percentile(lat, 50))}, p95 {ms(percentile(lat, 95))}, "
             f"p99 {ms(percentile(lat, 99))}, max {ms(max(lat))}"),
            (f"· the server process's CPU during the run ({where})",
             f"{result.server_cpu / result.seconds:.2f} cores busy, {result.server_cpu / max(ok, 1) * 1000:.2f} ms CPU "
             f"per decision; the 16 clients {result.client_cpu / result.seconds:.2f} cores; the whole machine "
             f"{result.machine_busy:.0%} busy (load average {load_before} before, {load_after} after)"),
        ]
        if records:
            held = [r["held"] for r in records]
            wait = [r["wait"] for r in records]
            commit = [r["commit"] for r in records]
            lock = ("the database's write lock (SQLite: one writer)" if where == "sqlite"
                    else "the audit head row lock (PostgreSQL: `SELECT … FOR UPDATE` on audit_head)")
            lp = probed.latencies
            rows += [
                (f"· instrumented run ({len(lp)} submits, {probed.statuses.get(200, 0) / probed.seconds:,.0f}/s, "
                 f"p50 {ms(percentile(lp, 50))}, p99 {ms(percentile(lp, 99))}): time each submit waited for {lock}",
                 f"mean {ms(statistics.mean(wait))}, p50 {ms(percentile(wait, 50))}, p99 {ms(percentile(wait, 99))} "
                 f"({statistics.mean(wait) / statistics.mean(lp):.0%} of the mean latency)"),
                (f"· time each submit held it (granted → commit done; the serial part of a decision)",
                 f"mean {ms(statistics.mean(held))}, p50 {ms(percentile(held, 50))}, p99 {ms(percentile(held, 99))} "
                 f"→ at most {1 / statistics.mean(held):,.0f} decisions/s through this lock"),
                (f"· of which the COMMIT ({where})",
                 f"mean {ms(statistics.mean(commit))}, p99 {ms(percentile(commit, 99))}"),
                ("· SQL statements the submit request's session sent (the token, the access check, the use case, the response)",
                 f"{statistics.mean(r['statements'] for r in records):.0f}"),
            ]
        if requests:
            inside = [r["server"] for r in requests]
            admission = [r["admission"] or 0.0 for r in requests]
            rows += [
                ("· time in the application per submit (ASGI in → response out; the rest of the latency is the "
                 "event loop, HTTP parsing and the client)",
                 f"mean {ms(statistics.mean(inside))}, p99 {ms(percentile(inside, 99))} (client-side mean "
                 f"{ms(statistics.mean(probed.latencies))})"),
                (f"· of which waiting for an admission slot (AdmissionMiddleware: {requests[0]['limit']} slots, "
                 f"{clients} clients)", f"mean {ms(statistics.mean(admission))}, max {ms(max(admission))}"),
            ]
        rows.append((f"seeding ({where}): {len(seeded.applications):,} enterprises with profiles, drafts with documents",
                     f"{seeded.seconds:.0f} s"))
    return rows
