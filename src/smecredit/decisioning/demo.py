"""Demo data for stage 4 (first start only; idempotent), after stage 3's (whose submissions the
default policy already decided): what happens after a decision, each step through the use cases.

* the demo `applicant`'s enterprise: a tax-data loan approved automatically whose offer the
  applicant accepted, and one whose offer they declined;
* an enterprise the `officer` registered on behalf: a working-capital loan above the automatic
  authority, reviewed by the `reviewer` and waiting for an approver (审批); another the `approver`
  declined although the policy would have approved it (an override, with its reason); a
  6,000,000 fixed-asset loan above the approver's authority, before the credit committee with one
  vote cast (`risk2`), so `approver`, `approver2` and `risk` can vote;
* a draft of the credit policy by `risk` (a lower automatic limit) that `risk2` can approve, and
  simulate first.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.applications import demo as applications_demo
from smecredit.applications import service as applications
from smecredit.applications.models import Application
from smecredit.decisioning import reviews, versions
from smecredit.decisioning.models import Offer, PolicyVersion
from smecredit.identity.models import User

log = logging.getLogger("smecredit.demo")
DRAFT_NOTE = "演示：自动审批上限由 100 万元降至 80 万元 / demo: automatic approval up to 800,000 instead of 1,000,000"


def _user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _referred(db: Session, application: Application | None, reviewer: User) -> Application | None:
    """A referred application claimed and approved by the reviewer (审查): awaiting approval."""
    if application is None or application.status != "submitted":
        return None
    applications.claim(db, user=reviewer, application=application)
    applications.start_review(db, user=reviewer, application=application)
    reviews.review(db, user=reviewer, application=application, action="approve",
                   comment="经营与纳税情况正常，同意（演示） / business and tax record in order (demo)")
    return application


def _policy_draft(db: Session, author: User) -> int:
    if db.execute(select(PolicyVersion.id).where(PolicyVersion.note == DRAFT_NOTE)).first():
        return 0
    try:
        current = versions.policy_in_force(db)
        text = current.intact_text()
    except Exception:  # noqa: BLE001 - no policy in force (a lender removed it): nothing to show
        return 0
    changed = text.replace("automatic: {max_amount: 1000000, min_grade: B}", "automatic: {max_amount: 800000, min_grade: B}", 1)
    if changed == text:
        return 0
    versions.draft(db, kind=versions.POLICY, user=author, text=changed, note=DRAFT_NOTE)
    return 1


def seed_demo(db: Session) -> int:
    """Create the stage-4 demo unless offers were answered already; returns how many things it made."""
    applicant, officer, reviewer = _user(db, "applicant"), _user(db, "officer"), _user(db, "reviewer")
    approver, approver2, risk, risk2 = (_user(db, n) for n in ("approver", "approver2", "risk", "risk2"))
    made = _policy_draft(db, risk) if risk is not None else 0
    if None in (applicant, officer, reviewer, approver, risk2):
        log.info("demo users missing; skipping the stage 4 demo")
        return made
    if db.execute(select(func.count()).select_from(Offer).where(Offer.status != "open")).scalar_one():
        return made
    own = applications_demo.own_enterprise(db, applicant)
    others = applications_demo.officers_enterprises(db, officer)
    if own is not None:
        accepted = applications_demo.new_application(db, applicant, own, "tax_loan", "500000",
                                                     "缴纳货款（演示） / pay for goods (demo)")
        if accepted is not None and accepted.status == "approved":
            reviews.accept_offer(db, user=applicant, application=accepted)
            made += 1
        declined = applications_demo.new_application(db, applicant, own, "tax_loan", "200000",
                                                     "短期周转（演示） / short-term cash (demo)")
        if declined is not None and declined.status == "approved":
            reviews.decline_offer(db, user=applicant, application=declined,
                                  reason="已从其他渠道解决（演示） / found it elsewhere (demo)")
            made += 1
    if others:
        enterprise = others[0]
        if _referred(db, applications_demo.new_application(db, officer, enterprise, "working_capital_loan", "1200000",
                                                           "旺季备货（演示） / stock for the season (demo)"), reviewer):
            made += 1  # awaiting approval
        overridden = _referred(db, applications_demo.new_application(
            db, officer, enterprise, "working_capital_loan", "1300000", "新开门店（演示） / a new shop (demo)"), reviewer)
        if overridden is not None:
            reviews.review(db, user=approver, application=overridden, action="decline",
                           comment="所在商圈客流下滑，暂不支持新开门店（演示） / footfall falling in that district (demo)")
            made += 1
        committee = _referred(db, applications_demo.new_application(
            db, officer, enterprise, "fixed_asset_loan", "6000000", "新建冷链仓库（演示） / a cold-chain warehouse (demo)"),
            reviewer)
        if committee is not None:
            reviews.review(db, user=approver, application=committee, action="approve",
                           comment="金额超出审批权限，提请贷审会审议（演示） / above my authority (demo)")
            if committee.status == "committee":
                reviews.review(db, user=risk2, application=committee, action="approve",
                               comment="抵押物充足，同意（演示） / well secured (demo)")
            made += 1
    return made


__all__ = ["seed_demo"]
