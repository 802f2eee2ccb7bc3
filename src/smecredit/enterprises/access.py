"""Who may do what with one enterprise: pure predicates over plain facts (no database, no web).

`enterprises/deps.py` turns them into route dependencies (one per action, used by pages and API
alike) and `enterprises/records.load_for` applies them to a loaded enterprise. The rules:

* applicants see and change only the enterprises they are confirmed members of, or the one they
  claimed while the claim is pending and undisputed; anything else answers exactly like a missing
  enterprise (no existence oracle);
* a loan officer sees and changes the enterprises assigned to them or to their branch; the
  unassigned queue (no officer, no branch) is visible to every officer, who takes one to work on it;
* credit reviewers, approvers, risk managers, auditors and administrators read every enterprise;
* pulling from a provider also needs confirmed ownership (a pending claim may fill in data and give
  the authorisation, but no provider is queried on it);
* revealing personal information needs the reveal permission on top of seeing the enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from smecredit.identity import permissions as perms
from smecredit.identity.roles import Role
from smecredit.kernel.text import Text


class Action(str, Enum):
    VIEW = "view"
    EDIT = "edit"
    PULL = "pull"
    REVEAL = "reveal"
    TAKE = "take"  # an officer takes an enterprise from the unassigned queue
    REASSIGN = "reassign"  # hand over to another officer or branch
    CONFIRM = "confirm"  # confirm or reject an ownership claim


@dataclass(frozen=True)
class Viewer:
    user_id: int
    roles: frozenset[Role]
    branch_code: str | None = None


@dataclass(frozen=True)
class EnterpriseFacts:
    member_ids: frozenset[int]  # confirmed: may act for the enterprise
    pending_claimant_ids: frozenset[int]
    ownership: str  # confirmed | pending | disputed
    officer_id: int | None
    branch_code: str | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    hidden: bool = False  # answer as if the enterprise did not exist
    reason: Text | None = None


ALLOW = Decision(True)
HIDDEN = Decision(False, hidden=True)


def _deny(zh: str, en: str) -> Decision:
    return Decision(False, reason=Text(zh, en))


def in_queue(facts: EnterpriseFacts) -> bool:
    return facts.officer_id is None and facts.branch_code is None


def in_portfolio(viewer: Viewer, facts: EnterpriseFacts) -> bool:
    if Role.LOAN_OFFICER not in viewer.roles:
        return False
    if facts.officer_id == viewer.user_id:
        return True
    return facts.branch_code is not None and facts.branch_code == viewer.branch_code


def acts_for(viewer: Viewer, facts: EnterpriseFacts) -> bool:
    """The applicant is a confirmed member, or holds the one undisputed pending claim."""
    if Role.APPLICANT not in viewer.roles:
        return False
    if viewer.user_id in facts.member_ids:
        return True
    return facts.ownership == "pending" and viewer.user_id in facts.pending_claimant_ids


def decide(viewer: Viewer, facts: EnterpriseFacts, action: Action) -> Decision:
    reads_all = perms.ENTERPRISE_READ_ALL.held_by(viewer.roles)
    applicant = acts_for(viewer, facts)
    officer = Role.LOAN_OFFICER in viewer.roles
    mine = in_portfolio(viewer, facts)
    visible = reads_all or applicant or mine or (officer and in_queue(facts))
    if not visible:
        if officer:
            return _deny("该企业不在您或您所在网点的客户范围内", "This enterprise is not in your or your branch's portfolio")
        return HIDDEN
    if action is Action.VIEW:
        return ALLOW
    if action is Action.REVEAL:
        if perms.PERSONAL_INFO_REVEAL.held_by(viewer.roles):
            return ALLOW
        return _deny("您的岗位不能查看完整个人信息", "Your role may not see full personal information")
    if action in (Action.EDIT, Action.PULL):
        if not (applicant or mine):
            if officer and in_queue(facts):
                return _deny("请先认领该企业（待分派队列），再修改或采集数据",
                             "Take the enterprise from the unassigned queue before changing it or pulling data")
            return _deny("您的岗位只能查看此企业，不能修改或采集数据",
                         "Your role may view this enterprise but not change it or pull data")
        if action is Action.PULL and facts.ownership != "confirmed":
            return _deny("企业归属尚待客户经理核实，核实前不向外部数据源查询",
                         "Ownership awaits an officer's confirmation; no provider is queried until then")
        return ALLOW
    if action is Action.TAKE:
        if officer and in_queue(facts):
            return ALLOW
        return _deny("只有待分派的企业可以认领", "Only enterprises in the unassigned queue can be taken")
    if action is Action.REASSIGN:
        if mine or (Role.ADMIN in viewer.roles and perms.ENTERPRISE_ASSIGN.held_by(viewer.roles)):
            return ALLOW
        return _deny("只有负责的客户经理或管理员可以转交企业", "Only the responsible officer or an administrator can reassign")
    if action is Action.CONFIRM:
        if perms.ENTERPRISE_CONFIRM_OWNERSHIP.held_by(viewer.roles) and (mine or in_queue(facts)):
            return ALLOW
        return _deny("只有负责的客户经理可以核实企业归属", "Only the responsible loan officer can confirm ownership")
    raise ValueError(f"unknown action {action!r}")  # pragma: no cover - the enum is closed
