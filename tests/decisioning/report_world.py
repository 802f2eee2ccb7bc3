"""Applications with everything their risk report shows, made through the real flow (the default
policy and scorecards, the sandbox data, submit decides at once, people act through the use cases).
Enterprise 6 of the sandbox applies twice:

* ``committee``: 9,000,000 of the IP-pledge loan — a large amount (a referral) above the approvers'
  authority: review → approval → the credit committee (贷审会), which declines it 2 : 1, the member
  who voted for it dissenting;
* ``overridden``: 2,500,000 of a working-capital loan — referred for the amount only (above the
  automatic authority), so the policy recommends approval; the approver declines it: an override,
  with its reason.

``approved(...)``: enterprise 2's tax-data loan of 300,000, approved automatically with an offer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from smecredit.applications import service as applications
from smecredit.decisioning import reviews, service
from smecredit.decisioning.models import Decision
from tests.decisioning.helpers import World, product, run, submitted, world

VOTES = (("risk", "approve", "抵押充足，同意 / well secured"),
         ("risk2", "decline", "集中度偏高，不同意 / too concentrated"),
         ("approver2", "decline", "负债率偏高，不同意 / leverage too high"))
OVERRIDE_REASON = "行业下行，暂不支持 / the sector is falling"


@dataclass
class Case:
    application: object
    decision: Decision

    @property
    def result(self) -> dict:
        return service.result_of(self.decision)


@dataclass
class ReportWorld:
    w: World
    committee: Case
    overridden: Case


def _to_reviewer(db, w: World, a) -> None:
    run(db, applications.claim, user=w.reviewer, application=a)
    run(db, applications.start_review, user=w.reviewer, application=a)
    run(db, reviews.review, user=w.reviewer, application=a, action="approve", comment="同意上报 / agreed")


def make(db, make_user) -> ReportWorld:
    w = world(db, make_user, 6, code="ip_pledge_loan")
    big = submitted(db, w, "9000000")
    _to_reviewer(db, w, big)
    run(db, reviews.review, user=w.approver, application=big, action="approve", comment="超权限，提交贷审会 / above my authority")
    for who, vote, comment in VOTES:
        run(db, reviews.review, user=getattr(w, who), application=big, action=vote, comment=comment)

    code, definition, mode = product(db, "working_capital_loan")
    wc = replace(w, code=code, definition=definition, mode=mode)
    medium = submitted(db, wc, "2500000")
    _to_reviewer(db, wc, medium)
    run(db, reviews.review, user=w.approver, application=medium, action="decline", comment=OVERRIDE_REASON)
    return ReportWorld(w, Case(big, service.decision_of(db, big)), Case(medium, service.decision_of(db, medium)))


def approved(db, make_user) -> tuple[World, Case]:
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    return w, Case(a, service.decision_of(db, a))
