"""Payment adapters: how money leaves for a borrower (disbursement) and comes back (scheduled debit).

`SandboxBank` is the default: a bank inside the platform's database whose ledger a person can look
at (`/loans/sandbox-bank`). It pays every idempotency key at most once — a repeated or concurrent
request with the same key gets the first transfer back — which is what a real bank's API promises
and what the disbursement relies on. A production adapter implements the same two calls against
the bank (docs/loans.md)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import lock_row
from smecredit.loans.models import SandboxAccount, SandboxTransfer

#: The lender's own account at the sandbox bank: loans are paid out of it, repayments into it.
LENDER_ACCOUNT = "SMECREDIT-LOANS-0001"


@dataclass(frozen=True)
class Transfer:
    reference: str  # the bank's reference for the transfer
    amount: Decimal


class PaymentAdapter(Protocol):
    def pay(self, db: Session, *, idempotency_key: str, to_account: str, to_name: str, amount: Decimal,
            purpose: str, reference: str) -> Transfer: ...

    def collect(self, db: Session, *, idempotency_key: str, from_account: str, amount: Decimal, purpose: str,
                reference: str) -> Transfer | None: ...


class SandboxBank:
    """The sandbox bank, in the caller's transaction."""

    def _existing(self, db: Session, key: str) -> SandboxTransfer | None:
        return db.execute(select(SandboxTransfer).where(SandboxTransfer.idempotency_key == key)).scalar_one_or_none()

    def _book(self, db: Session, **fields) -> SandboxTransfer:
        transfer = SandboxTransfer(at=utcnow(), **fields)
        try:
            with db.begin_nested():
                db.add(transfer)
                db.flush()
        except IntegrityError:  # the same key, committed meanwhile by another request: theirs stands
            found = self._existing(db, fields["idempotency_key"])
            assert found is not None
            return found
        return transfer

    def pay(self, db: Session, *, idempotency_key: str, to_account: str, to_name: str, amount: Decimal,
            purpose: str, reference: str) -> Transfer:
        found = self._existing(db, idempotency_key)
        if found is None:
            found = self._book(db, idempotency_key=idempotency_key, from_account=LENDER_ACCOUNT, to_account=to_account,
                               to_name=to_name, amount=amount, purpose=purpose, reference=reference)
            self.deposit(db, account_no=to_account, holder=to_name, amount=amount)
        return Transfer(f"SBX{found.id:010d}", found.amount)

    def collect(self, db: Session, *, idempotency_key: str, from_account: str, amount: Decimal, purpose: str,
                reference: str) -> Transfer | None:
        """Debit up to ``amount`` from the account (what its balance allows); None if nothing."""
        found = self._existing(db, idempotency_key)
        if found is None:
            account = lock_row(db, SandboxAccount, from_account)
            taken = min(amount, account.balance) if account is not None else Decimal("0")
            if taken <= 0:
                return None
            account.balance -= taken
            found = self._book(db, idempotency_key=idempotency_key, from_account=from_account, to_account=LENDER_ACCOUNT,
                               to_name="smecredit", amount=taken, purpose=purpose, reference=reference)
        return Transfer(f"SBX{found.id:010d}", found.amount)

    def deposit(self, db: Session, *, account_no: str, holder: str, amount: Decimal) -> SandboxAccount:
        """Put money in a borrower's account (the sandbox's stand-in for their own bank)."""
        account = lock_row(db, SandboxAccount, account_no)
        if account is None:
            account = SandboxAccount(account_no=account_no, holder=holder, balance=Decimal("0"), created_at=utcnow())
            db.add(account)
        account.balance += amount
        db.flush()
        return account


def adapter() -> PaymentAdapter:
    return SandboxBank()
