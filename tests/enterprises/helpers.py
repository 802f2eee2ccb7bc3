"""Shared builders for the stage-1 tests (valid codes and ID numbers, a registration payload)."""

from __future__ import annotations

from datetime import date

from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc
from tests.documents import samples

ID_ZHANG = make_resident_id("110105", date(1980, 5, 17), 123)
ID_LI = make_resident_id("350102", date(1975, 2, 3), 246)
#: The scan of a signed paper authorisation: a real (tiny) PDF, as the document store checks content.
SIGNED_SCAN = samples.pdf("signed")


def code(n: int = 1) -> str:
    """A valid 统一社会信用代码 (Fuzhou, enterprise), different for each n."""
    return make_uscc("9", "1", "350100", f"MA{n:06d}")


def registration(n: int = 1, **overrides) -> dict:
    body = {
        "uscc": code(n), "name": f"福州示例贸易有限公司{n}", "industry": "wholesale",
        "address": "福州市鼓楼区示例路 1 号", "founded_on": "2018-05-01", "employees": 12,
        "revenue_wan": "1500", "assets_wan": "800",
        "legal_rep": {"name": "张三丰", "id_number": ID_ZHANG, "phone": "13812345678"},
        "controller": {"name": "张三丰", "id_number": ID_ZHANG, "phone": "13812345678"},
        "contact": {"name": "李四", "phone": "13900001111", "address": "福州市鼓楼区示例路 1 号 302 室"},
    }
    body.update(overrides)
    return body


def register(db, user, n: int = 1, **overrides):
    """Register through the use case (in the caller's session, not committed); the enterprise."""
    from smecredit.enterprises import registration, schemas

    return registration.register(db, user=user, data=schemas.EnterpriseCreate(**registration_body(n, **overrides))).enterprise


registration_body = registration


def confirm(db, officer, enterprise, checked: str = "核验营业执照原件 / checked the licence"):
    """An officer takes the enterprise (if queued) and confirms its pending claim."""
    from smecredit.enterprises import registration as reg
    from smecredit.enterprises.access import in_queue
    from smecredit.enterprises.records import facts_of

    if in_queue(facts_of(enterprise)):
        reg.take(db, user=officer, enterprise=enterprise)
    reg.decide_claim(db, user=officer, enterprise=enterprise, confirm=True, checked=checked)
    return enterprise


def authorise(db, member, enterprise):
    """The member gives the current data enquiry authorisation online."""
    from smecredit.enterprises import consent

    text = consent.authorisation_text()
    return consent.authorise_online(db, user=member, enterprise=enterprise, text_version=text.version,
                                    text_sha256=text.sha256)


def ready(db, make_user, n: int = 1, *, owner: str | None = None, officer: str | None = None, **overrides):
    """An applicant's enterprise, confirmed by an officer and authorised: (enterprise, applicant, officer)."""
    from smecredit.identity.roles import Role

    applicant = make_user(Role.APPLICANT, owner or f"owner-{n}")
    staff = make_user(Role.LOAN_OFFICER, officer or f"officer-{n}")
    enterprise = register(db, applicant, n, **overrides)
    confirm(db, staff, enterprise)
    authorise(db, applicant, enterprise)
    return enterprise, applicant, staff
