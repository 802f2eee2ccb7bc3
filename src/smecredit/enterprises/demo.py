"""Demo data for stage 1 (first start only; idempotent): the demo `applicant` user's enterprise
with a valid code, its 征信查询授权, every sandbox source pulled and its profile computed, plus a
few more enterprises for loan officers to browse. All data comes from the sandbox provider."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.enterprises import schemas, service
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User, UserRole
from smecredit.identity.roles import Role
from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc

log = logging.getLogger("smecredit.demo")

DEMO = [
    # (org body, name, industry, employees, revenue 万元, assets 万元, legal rep, ID region, birth, seq)
    ("MA0DEMA1", "福州闽江示范贸易有限公司", "wholesale", 18, "2600", "900", "林晓明", "350102", date(1982, 6, 20), 135),
    ("MA0DEMB2", "厦门鹭岛精密机械有限公司", "industry", 65, "5200", "4100", "陈建国", "350203", date(1976, 11, 2), 271),
    ("MA0DEMC3", "泉州刺桐餐饮管理有限公司", "catering", 24, "480", "210", "黄丽华", "350502", date(1988, 3, 9), 348),
    ("MA0DEMD4", "福州榕城软件科技有限公司", "software_it", 9, "160", "120", "郑宇", "350104", date(1991, 8, 15), 413),
]


def _user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _any_officer(db: Session) -> User | None:
    return db.execute(select(User).join(UserRole).where(UserRole.role == Role.LOAN_OFFICER.value)
                      .order_by(User.id).limit(1)).scalar_one_or_none()


def seed_demo(db: Session) -> int:
    """Create the demo enterprises that do not exist yet; returns how many were created."""
    applicant = _user(db, "applicant")
    officer = _any_officer(db)
    created = 0
    for i, (body, name, industry, staff, revenue, assets, rep, region, birth, seq) in enumerate(DEMO):
        uscc = make_uscc("9", "1", "350100", body)
        if db.execute(select(Enterprise.id).where(Enterprise.uscc == uscc)).first():
            continue
        owner = applicant if (i == 0 and applicant is not None) else officer
        if owner is None:
            log.info("no applicant or loan officer user; skipping demo enterprise %s", name)
            continue
        id_number = make_resident_id(region, birth, seq)
        data = schemas.EnterpriseCreate(
            uscc=uscc, name=name, industry=industry, address="演示地址（非真实）", founded_on=date(2016 + i, 4, 1),
            employees=staff, revenue_wan=Decimal(revenue), assets_wan=Decimal(assets),
            legal_rep=schemas.PartyIn(name=rep, id_number=id_number, phone=f"1380000{1000 + i:04d}"),
            contact=schemas.ContactIn(name=rep, phone=f"1380000{1000 + i:04d}"),
        )
        enterprise = service.register_enterprise(db, user=owner, data=data)
        if i == 0:
            service.add_counterparty(db, user=owner, enterprise_id=enterprise.id, data=schemas.CounterpartyIn(
                relation="customer", name="福建示范核心制造有限公司", uscc=make_uscc("9", "1", "350100", "MA0CARE1"),
                annual_amount=Decimal("3600000"), is_core_enterprise=True))
        if i < 3:
            text = service.authorisation_text()
            service.authorise_queries(db, user=owner, enterprise_id=enterprise.id, text_version=text.version,
                                      text_sha256=text.sha256)
        service.pull_all(db, user=owner, enterprise_id=enterprise.id)
        created += 1
    return created


__all__ = ["seed_demo"]
