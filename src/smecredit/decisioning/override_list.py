"""推翻自动结果报告 (the overrides report): every application where people decided otherwise than the
credit policy recommended, with who, at which stage and why, as one `web.lists.ListSpec` for the
page and both exports, and its one query (visibility as SQL: the applications the user may see).

Exporting it is not an audited act: the rows hold application numbers, enterprise names, the
names of the staff who decided and their reasons — no natural person's personal information
about the applicant (as the enterprise list, see `enterprises.enterprise_list`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from smecredit.applications.listing import visible_to
from smecredit.applications.models import Application
from smecredit.decisioning import report
from smecredit.decisioning.models import Decision, DecisionOverride
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.text import Text
from smecredit.products.vocabulary import label_of
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option


@dataclass(frozen=True)
class Row:
    o: DecisionOverride
    application_id: int
    no: str
    enterprise: str
    amount: Decimal
    score: int | None
    grade: str | None
    decider_name: str | None = None

    @property
    def change(self) -> Text:
        automatic, human = _label(report.HUMAN_RESULTS, self.o.automatic), _label(report.HUMAN_RESULTS, self.o.human)
        return Text(f"{automatic.zh} → {human.zh}", f"{automatic.en} → {human.en}")


def _label(table: Mapping[str, Text], code: str) -> Text:
    return label_of(dict(table), code)


COMMITTEE = Text("贷审会", "Credit committee")


def decider(o: DecisionOverride, name: str | None = None) -> Text:
    """Who made the human result final: a person (their display name when known, else their user
    name), or the credit committee."""
    if o.user_id is None and o.stage == "committee":
        return COMMITTEE
    shown = name or o.username
    return Text(shown, shown)


HUMAN_OPTIONS = (Option("approved", Text("人工批准（系统建议拒绝）", "Approved by people (the policy said decline)")),
                 Option("declined", Text("人工拒绝（系统建议批准）", "Declined by people (the policy said approve)")))
STAGE_OPTIONS = tuple(Option(code, label) for code, label in report.STAGES.items())
SORTS = {"newest": "desc", "no": "desc", "amount": "desc"}


def _no_cell(r: Row, lang: str) -> Cell:
    return Cell(r.no, href=f"/applications/{r.application_id}/risk-report", mono=True, testid="override-report-link")


def _change_cell(r: Row, lang: str) -> Cell:
    tone = "success" if r.o.human == "approved" else "secondary"
    return Cell("", badges=((r.change.pick(lang), tone),))


SPEC = ListSpec(
    name="overrides",
    title=Text("推翻自动结果报告", "Overrides of the automatic result"),
    columns=(
        Column("no", Text("申请编号", "Application no."), lambda r: r.no, sort="no", primary=True, cell=_no_cell, nowrap=True),
        Column("enterprise", Text("企业", "Enterprise"), lambda r: r.enterprise),
        Column("change", Text("自动结果 → 人工结果", "Automatic → human"), lambda r: r.change, cell=_change_cell),
        Column("automatic", Text("自动结果", "Automatic result"), lambda r: _label(report.HUMAN_RESULTS, r.o.automatic), page=False),
        Column("human", Text("人工结果", "Human result"), lambda r: _label(report.HUMAN_RESULTS, r.o.human), page=False),
        Column("amount", Text("申请金额", "Amount asked for"), lambda r: r.amount, sort="amount", numeric=True, wide=True,
               unit=Text("元", "CNY"), number_format="#,##0.00"),
        Column("grade", Text("评分 / 等级", "Score / grade"), lambda r: f"{r.score if r.score is not None else '—'} / {r.grade or '—'}",
               wide=True, nowrap=True),
        Column("stage", Text("环节", "Stage"), lambda r: _label(report.STAGES, r.o.stage), nowrap=True),
        Column("by", Text("决定人", "Decided by"), lambda r: decider(r.o, r.decider_name)),
        Column("reason", Text("理由", "Reason"), lambda r: r.o.reason, card_wide=True, css="text-break"),
        Column("at", Text("时间", "When"), lambda r: r.o.at, sort="newest", nowrap=True),
    ),
    sorts=SORTS,
    default_sort="newest",
    filters=(
        Filter("q", Text("编号或企业", "No. or enterprise"), kind="search", wide=True,
               placeholder=Text("申请编号或企业名称", "Application no. or enterprise name")),
        Filter("human", Text("人工结果", "Human result"), options=HUMAN_OPTIONS),
        Filter("stage", Text("环节", "Stage"), options=STAGE_OPTIONS),
    ),
    page_size=50,
    export_path="/decisions/overrides/export",
    empty=Text("没有推翻自动结果的申请", "No automatic result has been overridden"),
)

_ORDER = {
    "newest": (DecisionOverride.at.desc(), DecisionOverride.id.desc()),
    "-newest": (DecisionOverride.at.asc(), DecisionOverride.id.asc()),
    "no": (Application.no.desc(), DecisionOverride.id.desc()),
    "-no": (Application.no.asc(), DecisionOverride.id.asc()),
    "amount": (Application.amount.desc(), DecisionOverride.id.desc()),
    "-amount": (Application.amount.asc(), DecisionOverride.id.asc()),
}


def _query(user: User, filters: Mapping[str, str]) -> Select:
    visible = visible_to(user).with_only_columns(Application.id)
    query = (select(DecisionOverride, Application.id, Application.no, Enterprise.name, Application.amount,
                    Decision.score, Decision.grade, User.display_name)
             .join(Application, Application.id == DecisionOverride.application_id)
             .join(Enterprise, Enterprise.id == Application.enterprise_id)
             .join(Decision, Decision.id == DecisionOverride.decision_id)
             .outerjoin(User, User.id == DecisionOverride.user_id)
             .where(Application.id.in_(visible)))
    if filters.get("human") in ("approved", "declined"):
        query = query.where(DecisionOverride.human == filters["human"])
    if filters.get("stage") in report.STAGES:
        query = query.where(DecisionOverride.stage == filters["stage"])
    text = (filters.get("q") or "").strip()
    if text:
        like = contains_pattern(text)
        query = query.where(or_(Application.no.ilike(like, escape="\\"), Enterprise.name.ilike(like, escape="\\")))
    return query


def _row(found) -> Row:
    o, application_id, no, name, amount, score, grade, decider_name = found
    return Row(o, application_id, no, name, amount, score, grade, decider_name)


def count(db: Session, *, user: User, filters: Mapping[str, str]) -> int:
    return db.execute(select(func.count()).select_from(_query(user, filters).subquery())).scalar_one()


def search(db: Session, *, user: User, filters: Mapping[str, str], sort: str, limit: int, offset: int) -> list[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["newest"])).limit(limit).offset(offset)
    return [_row(found) for found in db.execute(query)]


def iterate(db: Session, *, user: User, filters: Mapping[str, str], sort: str, cap: int) -> Iterator[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["newest"])).limit(cap)
    for found in db.execute(query.execution_options(yield_per=500)):
        yield _row(found)
