"""Writing a loan's dues (`loans.dues`) to the `loan_dues` table: called by `service.settle` with the
loan locked, so the rows always go with the figures on the loan row (the same ``as_of``).

Only what changed is written, set-wise: the loan's stored rows are read in one statement, compared
with the derived ones, and the changed rows are updated in one statement (executed for many rows),
the new ones inserted in one, the ones the schedule no longer has deleted in one. When the end of
day re-derives a loan on an unchanged history and no instalment fell due and the penalty did not
move (`dues.unchanged_since`), nothing is read or written at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from smecredit.loans import dues, ledger
from smecredit.loans.models import Loan, LoanDue

_T = LoanDue.__table__
_VALUE_FIELDS = dues.FIELDS[1:]  # seq is the key


def stored(db: Session, loan_id: int) -> list[dues.Due]:
    rows = db.execute(select(*(getattr(_T.c, name) for name in dues.FIELDS)).where(_T.c.loan_id == loan_id)
                      .order_by(_T.c.seq))
    return [dues.Due(*row) for row in rows]


def write(db: Session, loan: Loan, rows: Sequence[dues.Due]) -> int:
    """Make the loan's stored dues ``rows``; returns how many rows were written or deleted."""
    old = {due.seq: due for due in stored(db, loan.id)}
    changed = [due for due in rows if due.seq in old and old[due.seq] != due]
    added = [due for due in rows if due.seq not in old]
    if changed:
        db.execute(update(_T).where(_T.c.loan_id == bindparam("b_loan_id"), _T.c.seq == bindparam("b_seq"))
                   .values({name: bindparam(f"b_{name}") for name in _VALUE_FIELDS}),
                   [{"b_loan_id": loan.id, **{f"b_{name}": getattr(due, name) for name in dues.FIELDS}}
                    for due in changed])
    if added:
        db.execute(insert(_T), [{"loan_id": loan.id, **due._asdict()} for due in added])
    gone = len(old) - (len(rows) - len(added))
    if gone:
        db.execute(delete(_T).where(_T.c.loan_id == loan.id, _T.c.seq > len(rows)))
    return len(changed) + len(added) + gone


def keep(db: Session, loan: Loan, state: ledger.LoanState, *, before: date | None, penalty: Decimal,
         compound: Decimal, same_history: bool) -> None:
    """After ``loan`` was re-derived to ``state``: its stored dues made ``dues.dues_of(state)``.
    ``before``, ``penalty``, ``compound``: the loan's ``dues_as_of`` and open penalty and compound
    interest before; ``same_history``: nothing was added to the history since they were derived."""
    if not (same_history and before is not None and before <= state.as_of
            and dues.unchanged_since(state, before, penalty, compound)):
        write(db, loan, dues.dues_of(state))
    loan.dues_as_of = state.as_of

