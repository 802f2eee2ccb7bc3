"""What each role may do: one catalogue of permissions, each defined once for pages and API.

A route declares `Depends(Allow(ENTERPRISE_EDIT))` (pages) or `Allow(ENTERPRISE_EDIT, api=True)`;
the route-permission test reads the roles from here. Object-level rules (which enterprise) are pure
predicates in the stage's `access.py`, on top of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.identity.roles import Role
from smecredit.kernel.text import Text

STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}


@dataclass(frozen=True)
class Permission:
    code: str
    label: Text
    roles: frozenset[Role]

    def held_by(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


def _p(code: str, zh: str, en: str, *roles: Role) -> Permission:
    return Permission(code, Text(zh, en), frozenset(roles))


A, O, R, P, M, U, D = (Role.APPLICANT, Role.LOAN_OFFICER, Role.CREDIT_REVIEWER, Role.APPROVER,
                       Role.RISK_MANAGER, Role.AUDITOR, Role.ADMIN)

# --- platform --------------------------------------------------------------------------------------
SIGNED_IN = _p("signed_in", "登录用户", "Any signed-in user", *Role)
USERS_ADMIN = _p("users.admin", "管理用户与岗位", "Administer users and roles", D)
AUDIT_READ = _p("audit.read", "查阅审计日志", "Read the audit log", U, D)
AUDIT_CHECKPOINT = _p("audit.checkpoint", "生成签名检查点", "Make a signed checkpoint", U, D)
API_DOCS = _p("api.docs", "查看接口文档", "Read the API documentation", D, U, M)
SMS_SANDBOX_READ = _p("sms_sandbox.read", "查看短信沙箱", "Read the SMS sandbox", D)

# --- stage 1: enterprises ------------------------------------------------------------------------------
MY_ENTERPRISES = _p("enterprise.mine", "我的企业", "My enterprises", A)
ENTERPRISE_VIEW = _p("enterprise.view", "查看企业", "View enterprises", *Role)
ENTERPRISE_LIST = _p("enterprise.list", "检索企业", "Search enterprises", O, R, P, M, U, D)
ENTERPRISE_REGISTER = _p("enterprise.register", "登记企业", "Register an enterprise", A, O)
ENTERPRISE_EDIT = _p("enterprise.edit", "修改企业资料、采集数据", "Change an enterprise's data, pull and import", A, O)
ENTERPRISE_READ_ALL = _p("enterprise.read_all", "查阅全部企业", "Read every enterprise", R, P, M, U, D)
ENTERPRISE_ASSIGN = _p("enterprise.assign", "认领、分派企业", "Take or assign enterprises", O, D)
ENTERPRISE_CONFIRM_OWNERSHIP = _p("enterprise.confirm_ownership", "核实企业归属", "Confirm who owns an enterprise", O)
PERSONAL_INFO_REVEAL = _p("pii.reveal", "查看完整个人信息", "Reveal full personal information", A, O, R, P, M)
PROFILE_COMPUTE = _p("profile.compute", "重算信用画像", "Recompute a credit profile", O)
BANK_MAPPINGS_EDIT = _p("bank_mappings.edit", "维护流水列映射", "Maintain statement column mappings", O)
ASSIGNMENT_RULES = _p("assignment_rules.edit", "维护分派规则", "Maintain assignment rules", D)

# --- stage 2: products ---------------------------------------------------------------------------------
PRODUCTS_VIEW = _p("products.view", "查看贷款产品", "View loan products", *Role)
PRODUCTS_MATCH = _p("products.match", "为企业匹配产品", "Match products for an enterprise", *Role)
PRODUCTS_EDIT = _p("products.edit", "编辑贷款产品（提交新版本）", "Edit loan products (draft versions)", M)
PRODUCTS_APPROVE = _p("products.approve", "审批产品版本", "Approve product versions", M)
RATES_EDIT = _p("rates.edit", "维护基准利率（LPR）表", "Maintain the reference-rate (LPR) table", M)

# --- stage 3: applications -------------------------------------------------------------------------------
MY_APPLICATIONS = _p("application.mine", "我的申请", "My applications", A)
APPLICATION_VIEW = _p("application.view", "查看贷款申请", "View applications", *Role)
APPLICATION_APPLY = _p("application.apply", "提交贷款申请与材料", "Apply and give documents", A, O)
APPLICATION_QUEUE = _p("application.queue", "申请队列", "The application queue", O, R, P, M, U, D)
APPLICATION_HANDLE = _p("application.handle", "受理、审查、要求补件", "Claim, review, request documents", O, R)

# --- stage 4: decisioning ----------------------------------------------------------------------------------
# Reviewers (审查), approvers (审批) and committee members (贷审会: approvers and risk managers) act
# on referred applications through one endpoint; which of them may act on which application, and
# within which authority, is the policy's authority matrix, enforced by the use case.
DECISIONS_READ = _p("decisions.read", "查阅授信决策与风险评估报告", "Read credit decisions and risk reports", O, R, P, M, U, D)
DECISIONS_REVIEW = _p("decisions.review", "审查、审批、贷审会表决", "Review, approve, vote in the credit committee", R, P, M)
DECISIONS_VOTE = _p("decisions.vote", "贷审会委员表决", "Vote in the credit committee", P, M)
DECISIONS_SIMULATE = _p("decisions.simulate", "政策模拟（冠军/挑战者）", "Simulate a draft policy (champion / challenger)", M)
OFFERS_ANSWER = _p("offers.answer", "接受或放弃授信方案", "Accept or decline an offer", A)
POLICIES_READ = _p("policies.read", "查阅授信政策与评分卡", "Read the credit policy and scorecards", O, R, P, M, U, D)
POLICIES_EDIT = _p("policies.edit", "编辑授信政策（提交新版本）", "Edit the credit policy (draft versions)", M)
POLICIES_APPROVE = _p("policies.approve", "审批授信政策版本", "Approve credit policy versions", M)
SCORECARDS_EDIT = _p("scorecards.edit", "编辑评分卡（提交新版本）", "Edit scorecards (draft versions)", M)
SCORECARDS_APPROVE = _p("scorecards.approve", "审批评分卡版本", "Approve scorecard versions", M)

# --- stage 5a: loans (owner: loans) -----------------------------------------------------------------
OPS = Role.OPERATIONS
MY_LOANS = _p("loans.mine", "我的贷款", "My loans", A)
LOANS_VIEW = _p("loans.view", "查看贷款", "View loans", *Role)
LOANS_LIST = _p("loans.list", "贷款台账", "The loan book", O, R, P, M, U, D, OPS)
LOANS_REPAY = _p("loans.repay", "还款、提前还款", "Repay, prepay", A, OPS)
LOANS_DISBURSE = _p("loans.disburse", "放款", "Disburse loans", OPS)
LOANS_DRAW = _p("loans.draw", "额度提款（随借随还）", "Draw on a revolving line", A, OPS)
LOANS_OPERATE = _p("loans.operate", "登记还款、冲正、退款、日终处理", "Record payments, reversals, refunds; run the end of day", OPS)
LOANS_REQUEST_CHANGES = _p("loans.request_changes", "申请冲正、展期/重组、核销", "Request reversals, extensions, restructurings and write-offs", O, OPS)
LOANS_GUARANTEES = _p("loans.guarantees", "重发保证合同链接、补充生成保证合同",
                      "Send a guarantee contract's link again, make the missing guarantee contracts", O, OPS)
LOANS_DUES = _p("loans.dues", "到期还款跟进（菜单）", "Follow up dues by date (menu)", O, OPS)
LOANS_APPROVE_CHANGES = _p("loans.approve_changes", "审批冲正、展期/重组、核销", "Approve reversals, reschedules and write-offs", P, M)
ACCOUNTING_READ = _p("accounting.read", "会计核算：科目余额表、分户账", "Accounting: trial balance, loan statements", OPS, M, U, D)

ALL: tuple[Permission, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Permission))
