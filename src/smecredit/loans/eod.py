"""End of day (日终): for one business date, every active loan collects its scheduled debit (what is
due, from the repayment account, as far as the balance allows), is re-derived to the end of the
day (interest accrued, penalty and compound interest charged, days past due) and posts the day's
accrual to the journal; then the date is closed.

- **Idempotent per date.** A loan carries the last date done (``eod_date``) and is skipped when it
  is done; a closed date (``eod_runs.status = done``) is skipped whole. Running twice changes nothing.
- **Resumable.** Loans are taken in chunks by id; each chunk commits on its own. Killed midway, a
  rerun takes the loans not yet done and ends with exactly the state an uninterrupted run gives,
  because what a loan's day does depends only on its own history.
- **Catches up** over missed dates in order: `run` closes every date after the last closed one up
  to the one asked for.
- **Set-wise over chunks**: `chunks` splits the loans by id; `run_chunk` locks a chunk's loans and
  reads their transactions in one statement each (a chunk's histories are held in memory together:
  ``--chunk-size`` bounds it), then does them one by one. It is what a Celery worker
  runs (`smecredit.jobs` task ``smecredit.loans.eod_chunk``). Without a broker the tasks run
  in-process (eager); with one, the chunks of a date go to the workers and the date is closed
  when all are back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM, record
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import lock_row, lock_rows, new_session, unit_of_work
from smecredit.loans import bank, due_rows, dues, events, ledger, service
from smecredit.loans.models import EodRun, Loan

CHUNK_SIZE = 500
LIVE = (ledger.ACTIVE, ledger.OVERDUE)


@dataclass(frozen=True)
class DayResult:
    business_date: date
    loans: int  # loans done by this run (0 when the date was closed already)
    already_closed: bool


def last_closed(db: Session) -> date | None:
    return db.execute(select(func.max(EodRun.business_date)).where(EodRun.status == "done")).scalar()


def dates_to_run(db: Session, upto: date) -> list[date]:
    """The dates after the last closed one up to ``upto``; from the first disbursement when none is."""
    closed = last_closed(db)
    if closed is not None:
        first = closed + timedelta(days=1)
    else:
        first = db.execute(select(func.min(Loan.disbursed_on))).scalar() or upto
    return [first + timedelta(days=n) for n in range((upto - first).days + 1)]


def _pending(day: date):
    return (Loan.status.in_(LIVE), Loan.disbursed_on <= day, or_(Loan.eod_date.is_(None), Loan.eod_date < day))


def chunks(db: Session, day: date, size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    """The ids of the loans the day still has to do, in chunks of ``size`` by id."""
    after = 0
    while True:
        ids = list(db.execute(select(Loan.id).where(*_pending(day), Loan.id > after).order_by(Loan.id)
                              .limit(size)).scalars())
        if not ids:
            return
        yield ids
        after = ids[-1]


def loan_day(db: Session, loan: Loan, day: date, history: list[ledger.Transaction] | None = None) -> None:
    """One loan's end of ``day`` (the loan row is locked by the caller).

    The loan is derived from its history once; that state is handed to `service.settle`, which
    uses it instead of reading and deriving the same history again (when no debit was collected
    and the loan is not already derived beyond ``day``; a collected debit's own settle gives the
    state the closing settle would derive). ``history``: the loan's transactions (`service.history_of`)
    when the caller has read them already, after locking the loan."""
    if history is None:
        history = service.history_of(db, loan)
    state = ledger.state_at(service.terms_of(loan), history, day)
    if state.due_now > 0:
        taken = bank.adapter().collect(db, idempotency_key=f"loan-{loan.id}-debit-{day.isoformat()}",
                                       from_account=loan.repayment_account, amount=state.due_now,
                                       purpose=f"到期扣款 {loan.no}", reference=loan.no)
        if taken is not None:
            row = service._new_transaction(db, loan, user=None, kind=ledger.REPAYMENT, value_date=day,
                                           amount=taken.amount, source="scheduled_debit",
                                           key=f"debit-{day.isoformat()}", bank_reference=taken.reference)
            state = service.settle(db, loan, today=day, change=row)
            record(db, SYSTEM, events.PaymentRecorded(entity_id=loan.id, no=loan.no, transaction_id=row.id,
                                                      kind=ledger.REPAYMENT, amount=str(taken.amount),
                                                      value_date=day.isoformat(), source="scheduled_debit",
                                                      backdated=False))
    was_overdue = loan.status == ledger.OVERDUE
    service.settle(db, loan, today=day, derived=state)
    if loan.status == ledger.OVERDUE and not was_overdue:
        from smecredit.loans import notices

        notices.tell(db, loan, notices.OVERDUE)
    loan.eod_date = day


def run_chunk(day: date, loan_ids: list[int]) -> int:
    """Do ``day`` for these loans in one transaction; the ones done already are skipped. Returns how many it did."""
    with new_session() as db, unit_of_work(db, owner="eod"):
        # set-wise: the chunk's loans locked (by id, as one by one) and loaded in one statement, then
        # the transactions of those still to do in one more; read after the locks, so no writer can
        # change a history between its read and its loan's day
        loans = [loan for loan in lock_rows(db, Loan, loan_ids)
                 if loan.status in LIVE and (loan.eod_date is None or loan.eod_date < day)]
        histories = service.histories_of(db, [loan.id for loan in loans])
        for loan in loans:
            loan_day(db, loan, day, histories.pop(loan.id, []))
    return len(loans)


def _open(day: date) -> bool:
    """Mark the date running; False when it is closed already."""
    with new_session() as db, unit_of_work(db, owner="eod"):
        found = lock_row(db, EodRun, day)
        if found is not None:
            return found.status != "done"
        db.add(EodRun(business_date=day, status="running", started_at=utcnow(), loans_done=0))
    return True


def _close(day: date) -> None:
    with new_session() as db, unit_of_work(db, owner="eod"):
        _close_in(db, day)


def _close_in(db: Session, day: date) -> None:
    run = lock_row(db, EodRun, day)
    # every loan the date did, by this run or by an earlier one that was killed
    run.loans_done = db.execute(select(func.count()).select_from(Loan).where(Loan.eod_date == day)).scalar_one()
    run.status, run.finished_at = "done", utcnow()
    record(db, SYSTEM, events.EodCompleted(entity_id=day.isoformat(), business_date=day.isoformat(),
                                           loans=run.loans_done))


def day_in(db: Session, day: date) -> int:
    """Close ``day`` in the caller's transaction: every live loan, then the date (the demo seeder,
    which owns one transaction for a handful of loans; the command runs `run` in chunks). Returns
    how many loans it did; 0 when the date was closed already."""
    found = lock_row(db, EodRun, day)
    if found is not None and found.status == "done":
        return 0
    if found is None:
        db.add(EodRun(business_date=day, status="running", started_at=utcnow(), loans_done=0))
        db.flush()
    ids = [i for batch in chunks(db, day) for i in batch]
    for loan_id in ids:
        loan_day(db, lock_row(db, Loan, loan_id), day)
    _close_in(db, day)
    return len(ids)


Dispatch = Callable[[date, list[list[int]]], int]


def in_process(day: date, batches: list[list[int]]) -> int:
    return sum(run_chunk(day, ids) for ids in batches)


def run_day(day: date, *, chunk_size: int = CHUNK_SIZE, dispatch: Dispatch | None = None,
            progress: Callable[[int, int], None] | None = None) -> DayResult:
    """Close ``day``: every live loan done, in chunks (to workers via ``dispatch``), then the date."""
    if not _open(day):
        return DayResult(day, 0, True)
    with new_session() as db:
        batches = list(chunks(db, day, chunk_size))
    total = sum(len(b) for b in batches)
    done = 0
    if dispatch is not None:
        done = dispatch(day, batches)
        if progress:
            progress(total, total)
    else:
        for batch in batches:
            done += run_chunk(day, batch)
            if progress:
                progress(done, total)
    with new_session() as db:
        left = db.execute(select(func.count()).select_from(Loan).where(*_pending(day))).scalar_one()
    if left:  # a worker failed: the date stays open and the next run finishes it
        raise RuntimeError(f"end of day {day}: {left} loans not done; run it again")
    _close(day)
    return DayResult(day, done, False)


def run(upto: date, *, chunk_size: int = CHUNK_SIZE, dispatch: Dispatch | None = None,
        progress: Callable[[date, int, int], None] | None = None) -> list[DayResult]:
    """Every date after the last closed one up to ``upto``, in order."""
    with new_session() as db:
        days = dates_to_run(db, upto)
    results = []
    for day in days:
        results.append(run_day(day, chunk_size=chunk_size, dispatch=dispatch,
                               progress=(lambda d, t, day=day: progress(day, d, t)) if progress else None))
    return results


def celery_dispatch(day: date, batches: list[list[int]], *, timeout_seconds: float = 3600.0,
                    poll_seconds: float = 0.5) -> int:
    """Send each chunk to a Celery worker and wait until the database says every loan of the day is
    done (the database is the truth: no result backend is needed). Eager mode runs them here."""
    import time

    from smecredit.jobs import EOD_CHUNK_TASK, celery_app

    if celery_app.conf.task_always_eager:
        return in_process(day, batches)
    # a connection for the broker configured now, on the default queue configured now: the app's
    # cached producer pool keeps the broker it was first used with (a process that reconfigured —
    # the tests do — published to its old in-memory broker, and the workers waited for ever)
    with celery_app.connection_for_write() as connection:
        for ids in batches:
            celery_app.send_task(EOD_CHUNK_TASK, args=[day.isoformat(), ids], connection=connection,
                                 queue=celery_app.conf.task_default_queue)
    deadline = time.monotonic() + timeout_seconds
    total = sum(len(b) for b in batches)
    while time.monotonic() < deadline:
        with new_session() as db:
            left = db.execute(select(func.count()).select_from(Loan).where(*_pending(day))).scalar_one()
        if not left:
            return total
        time.sleep(poll_seconds)
    raise TimeoutError(f"end of day {day}: workers did not finish within {timeout_seconds:.0f} s")


def backfill_dues(*, chunk_size: int = CHUNK_SIZE, everything: bool = False) -> int:
    """Write the dues of the disbursed loans that have none yet (``dues_as_of`` empty: loans paid out
    before migration 0015), each as of the date its figures are (``loans.as_of``), without touching
    the figures or the journal; ``everything``: rewrite every disbursed loan's (a check: only what
    differs is written). Chunks by id, each its own transaction; returns how many loans were done
    (`smecredit eod dues`)."""
    done, after = 0, 0
    while True:
        with new_session() as db, unit_of_work(db, owner="eod"):
            query = select(Loan.id).where(Loan.disbursed_on.is_not(None), Loan.as_of.is_not(None), Loan.id > after)
            if not everything:
                query = query.where(Loan.dues_as_of.is_(None))
            ids = list(db.execute(query.order_by(Loan.id).limit(chunk_size)).scalars())
            if not ids:
                return done
            loans = lock_rows(db, Loan, ids)
            histories = service.histories_of(db, ids)
            for loan in loans:
                if not everything and loan.dues_as_of is not None:
                    continue  # done meanwhile (a change, the end of day)
                state = ledger.state_at(service.terms_of(loan), histories.get(loan.id, []), loan.as_of)
                due_rows.write(db, loan, dues.dues_of(state))
                loan.dues_as_of = loan.as_of
                done += 1
            after = ids[-1]
