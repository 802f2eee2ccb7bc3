"""Separation of duties (岗位分离 / 不相容岗位): which roles one person may not hold together.
Pure data and one check; the user service applies it to every way roles are set (pages, API,
command line), so no door skips it.

The table (decision 0006):

* an **applicant** is a customer: no staff role at all (a bank employee who borrows uses a separate
  applicant account);
* **loan officer** (前台调查), **credit reviewer** (审查) and **approver** (审批) are the three
  steps of 审贷分离: no two of them in one person;
* the **administrator** manages accounts and roles, so holds no business role — otherwise they could
  grant themselves any duty — and is not the **auditor** who checks what administrators did;
* the **auditor** is the third line of defence and holds no business role either.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from smecredit.identity.roles import Role
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

A, O, R, P, M, U, D = (Role.APPLICANT, Role.LOAN_OFFICER, Role.CREDIT_REVIEWER, Role.APPROVER,
                       Role.RISK_MANAGER, Role.AUDITOR, Role.ADMIN)
OPS = Role.OPERATIONS
STAFF = frozenset(Role) - {A}
BUSINESS = frozenset({A, O, R, P, M, OPS})

# Each entry: (role, the roles it is incompatible with, why). Read symmetrically.
RULES: tuple[tuple[Role, frozenset[Role], Text], ...] = (
    (A, STAFF, Text("申请企业是客户，不能兼任任何员工岗位", "an applicant is a customer and holds no staff role")),
    (O, frozenset({R, P}), Text("审贷分离：调查、审查、审批须由不同人员担任",
                                "loan officer, reviewer and approver are separate duties")),
    (R, frozenset({P}), Text("审贷分离：审查与审批须由不同人员担任", "reviewer and approver are separate duties")),
    (OPS, frozenset({O, R, P}), Text("放款与调查、审查、审批须由不同人员担任",
                                     "operations (disbursement) is separate from the officer, reviewer and approver")),
    (D, BUSINESS, Text("系统管理员不能兼任业务岗位", "an administrator holds no business role")),
    (D, frozenset({U}), Text("系统管理员不能兼任审计岗位", "an administrator is not also the auditor")),
    (U, BUSINESS - {A}, Text("审计岗位独立于业务岗位", "the auditor is independent of business roles")),
)


def incompatible_pairs() -> dict[frozenset[Role], Text]:
    """Every incompatible pair of roles with the reason (the table, spelled out)."""
    pairs: dict[frozenset[Role], Text] = {}
    for role, others, why in RULES:
        for other in others:
            if other != role:
                pairs.setdefault(frozenset({role, other}), why)
    return pairs


INCOMPATIBLE = incompatible_pairs()


def conflicts(roles: Iterable[Role]) -> list[tuple[Role, Role, Text]]:
    """The incompatible pairs among these roles, in the canonical role order."""
    order = list(Role)
    held = sorted(set(roles), key=order.index)
    return [(a, b, INCOMPATIBLE[frozenset({a, b})]) for a, b in combinations(held, 2) if frozenset({a, b}) in INCOMPATIBLE]


def check_compatible(roles: Iterable[Role]) -> None:
    found = conflicts(roles)
    if not found:
        return
    zh = "；".join(f"{a.label_zh}与{b.label_zh}不相容（{why.zh}）" for a, b, why in found)
    en = "; ".join(f"{a.label_en} and {b.label_en} are incompatible ({why.en})" for a, b, why in found)
    raise Invalid("incompatible_roles", Text(f"岗位不相容：{zh}", f"Incompatible roles: {en}"), "roles",
                  {"pairs": [[a.value, b.value] for a, b, _ in found]})
