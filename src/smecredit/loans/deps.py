"""Permissions and object access of stage 5a, declared once as route dependencies for pages and API.

``loan: Loan = API.viewing`` loads the loan named by the path's ``loan_id`` for the signed-in user:
NotFound when it does not exist or they may not know it exists (another borrower's loan answers
exactly like a missing one). Who may *act* on it is the use case's check (`loans/access.py`).
"""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.loans.models import Loan, LoanChangeRequest
from smecredit.loans.records import load_for
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.params import EntityId


def _loader(allow: Allow, name: str):
    def current_loan(loan_id: EntityId, user: User = Depends(allow), db: Session = REQUEST_DB) -> Loan:
        return load_for(db, user=user, loan_id=loan_id)

    current_loan.__name__ = f"loan_for_{name}"
    return current_loan


def _change_loader(allow: Allow, name: str):
    def current_change(change_id: EntityId, user: User = Depends(allow), db: Session = REQUEST_DB) -> LoanChangeRequest:
        from smecredit.loans.changes import load_change_for

        return load_change_for(db, user=user, change_id=change_id)

    current_change.__name__ = f"change_for_{name}"
    return current_change


class Guards:
    def __init__(self, *, api: bool):
        self.view = Allow(perms.LOANS_VIEW, api=api)
        self.mine = Allow(perms.MY_LOANS, api=api)
        self.book = Allow(perms.LOANS_LIST, api=api)
        self.repay = Allow(perms.LOANS_REPAY, api=api)
        self.disburse = Allow(perms.LOANS_DISBURSE, api=api)
        self.draw = Allow(perms.LOANS_DRAW, api=api)
        self.operate = Allow(perms.LOANS_OPERATE, api=api)
        self.accounting = Allow(perms.ACCOUNTING_READ, api=api)
        self.viewing = Depends(_loader(self.view, "view"))
        self.repaying = Depends(_loader(self.repay, "repay"))
        self.disbursing = Depends(_loader(self.disburse, "disburse"))
        self.drawing = Depends(_loader(self.draw, "draw"))
        self.operating = Depends(_loader(self.operate, "operate"))
        self.owning = Depends(_loader(self.mine, "mine"))  # the borrower's own actions (accounts, contract)
        # changes a second person approves (loans/changes.py): makers request, checkers decide
        self.request_changes = Allow(perms.LOANS_REQUEST_CHANGES, api=api)
        self.approve_changes = Allow(perms.LOANS_APPROVE_CHANGES, api=api)
        self.requesting = Depends(_loader(self.request_changes, "request_changes"))
        self.listing = Depends(_loader(self.book, "book"))  # staff who read the loan book see its requests
        self.change_deciding = Depends(_change_loader(self.approve_changes, "approve"))
        self.change_cancelling = Depends(_change_loader(self.request_changes, "cancel"))
        # guarantee contracts: a link again, the missing ones (which officer: the use case's check)
        self.guarantees = Allow(perms.LOANS_GUARANTEES, api=api)
        self.guaranteeing = Depends(_loader(self.guarantees, "guarantees"))


PAGES = Guards(api=False)
API = Guards(api=True)
