"""Demo users for `make run` on first start: one per role, all with the same printed password."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import create_user

DEMO_PASSWORD = "Demo-2026-smecredit"
DEMO_USERS: list[tuple[str, str, Role]] = [
    ("applicant", "演示企业财务 Demo applicant", Role.APPLICANT),
    ("officer", "客户经理 王敏 Officer Wang", Role.LOAN_OFFICER),
    ("reviewer", "审查员 李强 Reviewer Li", Role.CREDIT_REVIEWER),
    ("approver", "审批人 陈静 Approver Chen", Role.APPROVER),
    # a second approver: the credit committee (贷审会) needs a quorum of three members (approvers and
    # risk managers) who did not prepare or review the application
    ("approver2", "审批人 吴刚 Approver Wu", Role.APPROVER),
    ("risk", "风险经理 赵磊 Risk manager Zhao", Role.RISK_MANAGER),
    # a second risk manager: a product version is approved by someone other than its author (四眼)
    ("risk2", "风险经理 周涛 Risk manager Zhou", Role.RISK_MANAGER),
    ("operations", "放款/运营岗 吴芳 Operations Wu", Role.OPERATIONS),
    ("auditor", "审计 孙悦 Auditor Sun", Role.AUDITOR),
    ("admin", "系统管理员 Administrator", Role.ADMIN),
]


def seed_demo(db: Session) -> list[tuple[str, str, Role]]:
    """Create one demo user per role when the database has no users yet. Returns what it made
    (empty when users already existed), so the caller prints the logins exactly once."""
    if db.execute(select(func.count()).select_from(User)).scalar():
        return []
    actor = Actor(username="system:demo-seed", role="system")
    for username, name, role in DEMO_USERS:
        create_user(db, actor=actor, username=username, display_name=name, password=DEMO_PASSWORD, roles=[role])
    return DEMO_USERS
