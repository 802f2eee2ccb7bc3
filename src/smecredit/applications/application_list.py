"""The staff queue as people see it: columns, filters (status, product, age, assignee) and sorts,
one `web.lists.ListSpec`. Rows come from `listing.py`, the one query for the page and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications import products_port, views
from smecredit.applications.listing import StatusCode
from smecredit.applications.models import Application
from smecredit.applications.states import STATE_LABELS
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import to_local
from smecredit.kernel.text import Text
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

UNASSIGNED = Text("未认领", "Unclaimed")


@dataclass(frozen=True)
class Decided:
    """The latest automatic decision, as the queue shows it: outcome, route and its reasons."""

    outcome: str
    route: str
    reasons: tuple[Text, ...]


@dataclass(frozen=True)
class Row:
    a: Application
    enterprise: str
    product: Text
    assignee: str | None
    mine: bool
    may_claim: bool
    decision: Decided | None = None

    @property
    def status(self) -> Text:
        return views.status_label(self.a)

    @property
    def age(self) -> int | None:
        return views.age_days(self.a)


def rows_of(db: Session, applications: list[Application], *, user: User) -> list[Row]:
    enterprise_ids = {a.enterprise_id for a in applications}
    names = dict(db.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(enterprise_ids))).all()) \
        if enterprise_ids else {}
    user_ids = {a.assignee_id for a in applications if a.assignee_id}
    people = dict(db.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    handler = bool(user.roles & {Role.LOAN_OFFICER, Role.CREDIT_REVIEWER})
    products = products_port.names_by_version(db, (a.product_version_id for a in applications))
    decided = decisions_of(db, [a.id for a in applications])
    return [Row(a, names.get(a.enterprise_id, ""), products.get(a.product_version_id, Text(a.product_code, a.product_code)),
                people.get(a.assignee_id) if a.assignee_id else None,
                a.assignee_id == user.id,
                handler and a.assignee_id is None and a.status in ("submitted", "resubmitted"),
                decided.get(a.id))
            for a in applications]


def decisions_of(db: Session, application_ids: list[int]) -> dict[int, Decided]:
    """The latest decision of each application (stage 4), for the page's rows in one query."""
    import json

    from smecredit.decisioning.models import Decision

    if not application_ids:
        return {}
    found: dict[int, Decided] = {}
    rows = db.execute(select(Decision.application_id, Decision.outcome, Decision.route, Decision.result_json)
                      .where(Decision.application_id.in_(application_ids)).order_by(Decision.sequence)).all()
    for application_id, outcome, route, result_json in rows:
        try:
            reasons = json.loads(result_json).get("reasons") or []
        except ValueError:  # a hand-damaged record: the queue still shows the outcome
            reasons = []
        found[application_id] = Decided(outcome, route, tuple(
            Text(r["message"]["zh"], r["message"]["en"]) for r in reasons
            if isinstance(r, dict) and r.get("kind") not in ("authority", "approval") and "message" in r))
    return found


OUTCOME_LABELS = {"approved": (Text("自动批准", "Approved automatically"), "success"),
                  "declined": (Text("自动拒绝", "Declined automatically"), "secondary"),
                  "referred": (Text("转人工", "Referred"), "warning")}
ROUTE_LABELS = {"automatic": Text("自动审批", "automatic"), "review": Text("审查后审批", "review, then approval"),
                "committee": Text("贷审会", "credit committee")}


def _decision_cell(r: Row, lang: str) -> Cell:
    if r.decision is None:
        return Cell("—")
    label, tone = OUTCOME_LABELS.get(r.decision.outcome, (Text(r.decision.outcome, r.decision.outcome), "light"))
    route = ROUTE_LABELS.get(r.decision.route, Text(r.decision.route, r.decision.route)).pick(lang)
    reasons = "；".join(t.pick(lang) for t in r.decision.reasons[:3]) if lang != "en" else \
        "; ".join(t.pick(lang) for t in r.decision.reasons[:3])
    return Cell(route if r.decision.outcome == "referred" else "", badges=((label.pick(lang), tone),),
                note=reasons or None, testid="decision")


def _decision_value(r: Row) -> Text | str:
    if r.decision is None:
        return ""
    label = OUTCOME_LABELS.get(r.decision.outcome, (Text(r.decision.outcome, r.decision.outcome), ""))[0]
    return Text.join([label, *r.decision.reasons[:3]], sep_zh="：", sep_en=": ") if r.decision.reasons else label


def _no_cell(r: Row, lang: str) -> Cell:
    return Cell(r.a.no, href=f"/applications/{r.a.id}", mono=True, testid="application-link")


def _status_cell(r: Row, lang: str) -> Cell:
    tone = {"documents_requested": "warning", "approved": "success", "offer_accepted": "success", "declined": "secondary",
            "offer_declined": "secondary", "withdrawn": "secondary", "under_review": "info", "awaiting_approval": "info",
            "committee": "info"}.get(r.a.status, "primary")
    return Cell("", badges=((r.status.pick(lang), tone),))


def _assignee_cell(r: Row, lang: str) -> Cell:
    if r.assignee:
        return Cell(r.assignee, badges=((Text("我", "Me").pick(lang), "info"),) if r.mine else ())
    return Cell("", badges=((UNASSIGNED.pick(lang), "light"),))


def _actions_cell(r: Row, lang: str):
    cells = [Cell(Text("查看", "Open").pick(lang), href=f"/applications/{r.a.id}", button=True)]
    if r.may_claim:
        cells.append(Cell(Text("去认领", "Claim").pick(lang), href=f"/applications/{r.a.id}#actions", button=True,
                          testid="claim-link"))
    return cells


STATUS_OPTIONS = tuple(Option(code, STATE_LABELS[code]) for code in StatusCode.__args__)
AGE_OPTIONS = (Option("1", Text("提交超过 1 天", "Submitted over 1 day ago")),
               Option("3", Text("提交超过 3 天", "Over 3 days")),
               Option("7", Text("提交超过 7 天", "Over 7 days")),
               Option("14", Text("提交超过 14 天", "Over 14 days")))


def product_options(db: Session) -> list[Option]:
    codes = list(db.execute(select(Application.product_code).distinct().order_by(Application.product_code)).scalars())
    return [Option(code, name) for code, name in products_port.product_names(db, codes).items()]


def assignee_options(db: Session, user: User) -> list[Option]:
    handlers = [Option("me", Text("我认领的", "Claimed by me"))] if user.roles & {Role.LOAN_OFFICER, Role.CREDIT_REVIEWER} else []
    ids = db.execute(select(Application.assignee_id).where(Application.assignee_id.is_not(None)).distinct()).scalars()
    people = db.execute(select(User.id, User.display_name).where(User.id.in_(list(ids))).order_by(User.display_name)).all()
    return handlers + [Option("unassigned", UNASSIGNED)] + [Option(str(i), Text(n, n)) for i, n in people]


SPEC = ListSpec(
    name="applications",
    title=Text("贷款申请", "Applications"),
    columns=(
        Column("no", Text("申请编号", "No."), lambda r: r.a.no, sort="no", primary=True, cell=_no_cell, nowrap=True),
        Column("enterprise", Text("企业", "Enterprise"), lambda r: r.enterprise, card_wide=True),
        Column("product", Text("产品", "Product"), lambda r: r.product, nowrap=True),
        Column("product_code", Text("产品代码", "Product code"), lambda r: r.a.product_code, page=False),
        Column("amount", Text("申请金额", "Amount"), lambda r: r.a.amount, sort="amount", numeric=True,
               unit=Text("元", "CNY"), number_format="#,##0.00", cell=lambda r, lang: f"{r.a.amount:,.2f}"),
        Column("term", Text("期限", "Term"), lambda r: r.a.term_months, numeric=True, unit=Text("月", "months"),
               cell=lambda r, lang: f"{r.a.term_months}"),
        Column("status", Text("状态", "Status"), lambda r: r.status, cell=_status_cell),
        Column("decision", Text("自动决策", "Decision"), _decision_value, cell=_decision_cell, card_wide=True),
        Column("submitted", Text("提交时间", "Submitted"), lambda r: r.a.submitted_at, sort="oldest", nowrap=True, wide=True,
               cell=lambda r, lang: to_local(r.a.submitted_at).strftime("%Y-%m-%d %H:%M") if r.a.submitted_at else "—"),
        Column("age", Text("已等待", "Waiting"), lambda r: r.age, numeric=True, unit=Text("天", "days"),
               cell=lambda r, lang: "—" if r.age is None else f"{r.age}"),  # the header says 天
        Column("assignee", Text("经办人", "Assignee"), lambda r: r.assignee or UNASSIGNED, cell=_assignee_cell),
        Column("actions", Text("操作", "Actions"), lambda r: "", cell=_actions_cell, actions=True, export=False),
    ),
    sorts={"newest": "desc", "oldest": "asc", "amount": "desc", "no": "desc"},
    default_sort="newest",
    filters=(
        Filter("status", Text("状态", "Status"), options=STATUS_OPTIONS),
        Filter("product", Text("产品", "Product")),
        Filter("age", Text("等待时间", "Age"), options=AGE_OPTIONS),
        Filter("assignee", Text("经办人", "Assignee"), any_label=Text("全部", "Anyone")),
    ),
    page_size=50,
    empty=Text("没有符合条件的申请", "No applications match"),
)
