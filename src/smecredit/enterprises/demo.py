"""Demo data for stage 1 (first start only; idempotent). Every fact comes from the labelled sandbox:
the declared name, legal representative, founding date and registered capital are the sandbox
registry's (as the registration form prefills them), so the demo shows no false discrepancy; the
last enterprise declares a revenue far from its tax returns, to show what a discrepancy looks like.

* the demo `applicant` registered its enterprise, which an officer confirmed after checking the
  licence; it authorised data enquiries online;
* it also claimed a second code that waits in the unassigned queue for an officer;
* the demo `officer` (branch 福州鼓楼支行) registered three more on behalf, with signed paper
  authorisations, and pulled every source.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.kernel import clock
from smecredit.enterprises import consent, counterparties, data, registration, schemas
from smecredit.enterprises.connectors.sandbox import SandboxProfile
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import Branch, User, UserRole
from smecredit.identity.roles import Role
from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc

log = logging.getLogger("smecredit.demo")

BRANCHES = [("FZ-GL", "福州鼓楼支行", "350102"), ("FZ-TJ", "福州台江支行", "350103")]
# (org body, industry, employees, ID region, birth, seq, declared revenue factor)
DEMO = [
    ("MA0DEMA1", "wholesale", 18, "350102", date(1982, 6, 20), 135, Decimal("1")),
    ("MA0DEMB2", "industry", 65, "350203", date(1976, 11, 2), 271, Decimal("1")),
    ("MA0DEMC3", "catering", 24, "350502", date(1988, 3, 9), 348, Decimal("1")),
    ("MA0DEMD4", "software_it", 9, "350104", date(1991, 8, 15), 413, Decimal("2.5")),
]
QUEUED = ("MA0DEMQ5", "retail", 6, "350105", date(1990, 1, 12), 517, Decimal("1"))


# A tiny, valid PDF stands in for the scan of a signed paper authorisation (labelled as a demo).
def _demo_scan() -> bytes:
    """A tiny, valid PDF (catalog, one empty page, its cross-reference table) labelled as a demo."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>"]
    out = bytearray(b"%PDF-1.4\n% smecredit demo scan\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


DEMO_SCAN = _demo_scan()


def _user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _any_officer(db: Session) -> User | None:
    return db.execute(select(User).join(UserRole).where(UserRole.role == Role.LOAN_OFFICER.value)
                      .order_by(User.id).limit(1)).scalar_one_or_none()


def _registration(row, *, applicant: str | None = None) -> schemas.EnterpriseCreate:
    body, industry, staff, region, birth, seq, revenue_factor = row
    uscc = make_uscc("9", "1", "350100", body)
    found = registration.prefill(uscc)
    sandbox = SandboxProfile.from_code(uscc)
    revenue_wan = (Decimal(sandbox.annual_revenue) * revenue_factor / 10000).quantize(Decimal("0.01"))
    rep = found.legal_representative or "演示联系人"
    return schemas.EnterpriseCreate(
        uscc=uscc, name=found.name or "演示企业", industry=industry, address=found.address, founded_on=found.founded_on,
        employees=staff, revenue_wan=revenue_wan, assets_wan=(revenue_wan * Decimal("0.6")).quantize(Decimal("0.01")),
        registered_capital_wan=found.registered_capital_wan,
        legal_rep=schemas.PartyIn(name=rep, id_number=make_resident_id(region, birth, seq), phone=f"1380000{seq:04d}"),
        contact=schemas.ContactIn(name=rep, phone=f"1380000{seq:04d}"), applicant_username=applicant)


def _branches(db: Session, officer: User | None) -> None:
    for code, name, region in BRANCHES:
        if db.get(Branch, code) is None:
            db.add(Branch(code=code, name=name, region_code=region))
    db.flush()
    if officer is not None and officer.branch_code is None:
        officer.branch_code = BRANCHES[0][0]


def seed_demo(db: Session) -> int:
    """Create the demo enterprises that do not exist yet; returns how many were created."""
    applicant = _user(db, "applicant")
    officer = _any_officer(db)
    if officer is None:
        log.info("no loan officer user; skipping the stage 1 demo")
        return 0
    _branches(db, officer)
    created = 0
    for i, row in enumerate(DEMO):
        uscc = make_uscc("9", "1", "350100", row[0])
        if db.execute(select(Enterprise.id).where(Enterprise.uscc == uscc)).first():
            continue
        if i == 0 and applicant is not None:
            enterprise = registration.register(db, user=applicant, data=_registration(row)).enterprise
            registration.take(db, user=officer, enterprise=enterprise)
            registration.decide_claim(db, user=officer, enterprise=enterprise, confirm=True,
                                      checked="演示：核验营业执照原件与法定代表人身份证 / demo: checked the licence and the "
                                              "legal representative's ID")
            text = consent.authorisation_text()
            consent.authorise_online(db, user=applicant, enterprise=enterprise, text_version=text.version,
                                     text_sha256=text.sha256)
            counterparties.add(db, user=officer, enterprise=enterprise, data=schemas.CounterpartyIn(
                relation="customer", name="福建示范核心制造有限公司", uscc=make_uscc("9", "1", "350100", "MA0CARE1"),
                annual_amount=Decimal("3600000"), is_core_enterprise=True))
        else:
            enterprise = registration.register(db, user=officer, data=_registration(row)).enterprise
            consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=clock.business_date(), scan=DEMO_SCAN,
                                 scan_filename="演示授权书扫描件-demo.pdf")
        data.pull_all(db, user=officer, enterprise=enterprise)
        created += 1
    queued = make_uscc("9", "1", "350100", QUEUED[0])
    if applicant is not None and not db.execute(select(Enterprise.id).where(Enterprise.uscc == queued)).first():
        registration.register(db, user=applicant, data=_registration(QUEUED))
        created += 1
    return created


__all__ = ["seed_demo"]
