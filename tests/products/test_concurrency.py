"""Decisions on a version hold under parallel requests: several risk managers approving (or one
approving while another rejects) the same draft end in exactly one decision and Conflicts, and
parallel drafts of one product take consecutive version numbers. Proven on PostgreSQL (row
locks); SQLite runs it too (one writer at a time)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from smecredit.kernel.clock import business_date
from smecredit.audit.models import AuditEvent
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.products import catalogue
from smecredit.products.models import ProductVersion
from tests.enterprises.test_concurrency import _parallel
from tests.products.helpers import default_dict, load_defaults

WORKERS = 6


def _user(db, name: str) -> User:
    return db.execute(select(User).where(User.username == name)).scalar_one()


def test_parallel_decisions_on_one_draft_end_in_one(db, make_user):
    load_defaults(db)
    make_user(Role.RISK_MANAGER, "rm-author")
    for i in range(WORKERS):
        make_user(Role.RISK_MANAGER, f"rm-{i}")
    with unit_of_work(db):
        draft = catalogue.draft(db, user=_user(db, "rm-author"), code="tax_loan", data=default_dict("tax_loan"))
    version_id = draft.id
    db.commit()

    def decide(i: int) -> None:
        with new_session() as session, unit_of_work(session):
            user = _user(session, f"rm-{i}")
            if i % 3 == 2:
                catalogue.reject(session, user=user, version_id=version_id, note="no")
            else:
                catalogue.approve(session, user=user, version_id=version_id, effective_from=business_date())

    outcomes = _parallel(WORKERS, decide)
    assert Counter(outcomes) == Counter({"ok": 1, "not_a_draft": WORKERS - 1}), outcomes
    db.expire_all()
    row = db.get(ProductVersion, version_id)
    decisions = db.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("product.version_approved", "product.version_rejected")))).scalar()
    assert row.status in ("approved", "rejected") and decisions == 1


def test_parallel_drafts_take_consecutive_versions(db, make_user):
    load_defaults(db)
    for i in range(WORKERS):
        make_user(Role.RISK_MANAGER, f"rm-{i}")
    db.commit()

    def write(i: int) -> None:
        with new_session() as session, unit_of_work(session):
            catalogue.draft(session, user=_user(session, f"rm-{i}"), code="invoice_loan", data=default_dict("invoice_loan"))

    assert _parallel(WORKERS, write) == ["ok"] * WORKERS
    numbers = sorted(db.execute(select(ProductVersion.version).where(ProductVersion.product_code == "invoice_loan")).scalars())
    assert numbers == list(range(1, WORKERS + 2))


def test_parallel_first_drafts_of_a_new_product_share_one_product(db, make_user):
    for i in range(WORKERS):
        make_user(Role.RISK_MANAGER, f"rm-{i}")
    db.commit()
    data = default_dict("invoice_loan")
    data["code"] = "new_invoice_loan"

    def write(i: int) -> None:
        with new_session() as session, unit_of_work(session):
            catalogue.draft(session, user=_user(session, f"rm-{i}"), code="new_invoice_loan", data=data)

    assert _parallel(WORKERS, write) == ["ok"] * WORKERS
    numbers = sorted(db.execute(select(ProductVersion.version).where(ProductVersion.product_code == "new_invoice_loan")).scalars())
    assert numbers == list(range(1, WORKERS + 1))
