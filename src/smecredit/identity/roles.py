"""Roles (岗位) and what each may open. Pure data."""

from __future__ import annotations

from enum import StrEnum

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text


class Role(StrEnum):
    APPLICANT = "applicant"
    LOAN_OFFICER = "loan_officer"
    CREDIT_REVIEWER = "credit_reviewer"
    APPROVER = "approver"
    RISK_MANAGER = "risk_manager"
    OPERATIONS = "operations"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label_zh(self) -> str:
        return ROLE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return ROLE_LABELS[self][1]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    @classmethod
    def parse(cls, text: str) -> "Role":
        text = text.strip()
        for role in cls:
            if text in (role.value, role.label_zh, role.label_en):
                return role
        raise Invalid("unknown_role", Text(f"未知岗位: {text}（可选: {', '.join(r.value for r in cls)}）", f"Unknown role: {text} (one of: {', '.join(r.value for r in cls)})"), "roles")


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.APPLICANT: ("申请企业", "Applicant"),
    Role.LOAN_OFFICER: ("客户经理", "Loan officer"),
    Role.CREDIT_REVIEWER: ("审查员", "Credit reviewer"),
    Role.APPROVER: ("审批人", "Approver"),
    Role.RISK_MANAGER: ("风险经理", "Risk manager"),
    Role.OPERATIONS: ("放款/运营岗", "Operations"),
    Role.AUDITOR: ("审计/合规", "Auditor"),
    Role.ADMIN: ("系统管理员", "Administrator"),
}
