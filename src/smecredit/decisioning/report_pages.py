"""The risk report (风险评估报告) pages: the HTML page and the PDF download of one application's
report for the staff who may see the application, and the overrides report (推翻自动结果报告).

The report's content is the pure view model (`report.build`); this module only reads what it
needs: the latest decision with its stored inputs and result, the policy and scorecard versions it
used, the profile version it used (every feature with its snapshot), the officer's red flags
(`enterprises/summary.py`), the documents, the timeline and what people did.

Access: the application is loaded by stage 3's access dependency (NotFound for anyone who may not
know it exists); the report is for staff only, so an applicant — even of the same application —
gets NotFound as well: for them there is no such page. A PDF download is audited
(`decision.report_downloaded`, with the file's SHA-256): the report carries the actual
controller's credit facts, which are personal information.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.applications import products_port, records, states, views
from smecredit.applications.deps import PAGES as APPLICATION_PAGES
from smecredit.applications.models import Application
from smecredit.audit.log import record
from smecredit.decisioning import override_list, report, versions
from smecredit.decisioning.events import RiskReportDownloaded
from smecredit.decisioning.models import (
    CommitteeVote,
    Decision,
    DecisionOverride,
    DecisionReview,
    PolicyVersion,
    ScorecardVersion,
)
from smecredit.decisioning.views import staff_names
from smecredit.enterprises import summary
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import CreditProfile, DataSnapshot, Enterprise
from smecredit.enterprises.profile import discrepancies_of, latest_profile, missing_reason
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel import pdf
from smecredit.kernel.clock import to_local, utcnow
from smecredit.kernel.errors import DomainError, not_found
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.web import lists
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.i18n import pick, request_lang
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# Who reads the overrides report: the staff who read decisions (each sees the applications they may see).
OVERRIDES = Allow(perms.DECISIONS_READ)
PROVIDERS = {"sandbox": Text("演示沙箱", "Sandbox"), "file": Text("文件导入", "File import")}
REPORT_NOUN = Text("风险评估报告", "Risk report")


def _is_staff(user: User) -> bool:
    return bool(user.roles - {Role.APPLICANT})


def staff_application(application: Application = APPLICATION_PAGES.viewing,
                      user: User = Depends(APPLICATION_PAGES.view)) -> Application:
    """The application, for staff who may see it; NotFound for everyone else (applicants included)."""
    if not _is_staff(user):
        raise not_found(REPORT_NOUN)
    return application


# --- reading what the report shows -------------------------------------------------------------------


def latest_decision(db: Session, application_id: int) -> Decision | None:
    return db.execute(select(Decision).where(Decision.application_id == application_id)
                      .order_by(Decision.sequence.desc()).limit(1)).scalar_one_or_none()


def _loads(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _version_name(row: PolicyVersion | ScorecardVersion | None) -> Text | None:
    """A policy's or scorecard's name and version for people (第 2 版), not its code."""
    if row is None:
        return None
    try:
        name = versions.parsed(row).name
    except DomainError:  # damaged: still name the version
        name = Text(row.code, row.code)
    return Text(f"{name.zh}（第 {row.version} 版）", f"{name.en} (version {row.version})")


def _decision_record(db: Session, decision: Decision) -> report.DecisionRecord:
    policy_row = db.get(PolicyVersion, decision.policy_version_id)
    card_row = db.get(ScorecardVersion, decision.scorecard_version_id) if decision.scorecard_version_id else None
    return report.DecisionRecord(
        id=decision.id, sequence=decision.sequence, created_at=decision.created_at, decision_date=decision.decision_date,
        elapsed_ms=decision.elapsed_ms, policy=_version_name(policy_row) or "—",
        policy_sha256=policy_row.sha256 if policy_row else None, scorecard=_version_name(card_row),
        scorecard_sha256=card_row.sha256 if card_row else None, inputs=_loads(decision.inputs_json),
        result=_loads(decision.result_json))


def _profile_used(db: Session, enterprise: Enterprise, decision: report.DecisionRecord | None) -> CreditProfile | None:
    """The profile version the decision used (its inputs name it), else the latest one."""
    profile_id = decision.inputs.get("profile_id") if decision else None
    if isinstance(profile_id, int):
        found = db.get(CreditProfile, profile_id)
        if found is not None and found.enterprise_id == enterprise.id:
            return found
    return latest_profile(db, enterprise_id=enterprise.id)


def _kind_label(kind: str | None) -> Text | None:
    try:
        found = SourceKind(kind) if kind else None
    except ValueError:
        return None
    return Text(found.label_zh, found.label_en) if found else None


def _features(db: Session, profile: CreditProfile | None) -> list[report.FeatureSource]:
    if profile is None:
        return []
    ids = {f.snapshot_id for f in profile.features if f.snapshot_id}
    snapshots = {s.id: s for s in db.execute(select(DataSnapshot).where(DataSnapshot.id.in_(ids))).scalars()} if ids else {}
    out = []
    for f in profile.features:
        snap = snapshots.get(f.snapshot_id) if f.snapshot_id else None
        why = missing_reason(f)
        out.append(report.FeatureSource(
            key=f.key, label=Text(f.label_zh, f.label_en), value=f.value_text, value_type=f.value_type, unit=f.unit,
            source=_kind_label(f.source_kind), provider=PROVIDERS.get(snap.provider) if snap else None,
            snapshot_id=f.snapshot_id, captured_at=snap.captured_at if snap else None,
            sandbox=bool(snap and snap.is_sandbox),
            missing_reason=Text(str(why.get("zh", "")), str(why.get("en", ""))) if isinstance(why, dict) else None))
    return out


def _size_and_industry(enterprise: Enterprise) -> tuple[Text | None, Text | None]:
    try:
        size = sme_size.SizeClass(enterprise.size_class)
        size_text = Text(size.zh, size.en.capitalize())
    except ValueError:
        size_text = None
    try:
        industry = sme_size.Industry(enterprise.industry)
        industry_text = Text(industry.zh, industry.en)
    except ValueError:
        industry_text = None
    return size_text, industry_text


def _people(db: Session, application: Application) -> tuple[list, list, list]:
    reviews = db.execute(select(DecisionReview).where(DecisionReview.application_id == application.id)
                         .order_by(DecisionReview.at, DecisionReview.id)).scalars().all()
    resolutions = {r.round: r.action for r in reviews if r.stage == "committee" and r.user_id is None}
    votes = db.execute(select(CommitteeVote).where(CommitteeVote.application_id == application.id)
                       .order_by(CommitteeVote.round, CommitteeVote.at)).scalars().all()
    overrides = db.execute(select(DecisionOverride).where(DecisionOverride.application_id == application.id)
                           .order_by(DecisionOverride.at)).scalars().all()
    names = staff_names(db, [r.user_id for r in reviews] + [v.user_id for v in votes] + [o.user_id for o in overrides])
    return (
        [report.ReviewLine(r.stage, names.get(r.user_id, r.username), views.role_label(r.role), r.action, r.comment,
                           r.at, r.round)
         for r in reviews if r.user_id is not None or r.stage != "committee"],
        [report.VoteLine(v.round, names.get(v.user_id, v.username), views.role_label(v.role), v.vote, v.comment, v.at,
                         dissent=v.round in resolutions and v.vote != resolutions[v.round]) for v in votes],
        [report.OverrideLine(o.automatic, o.human, o.stage, override_list.decider(o, names.get(o.user_id)), o.reason,
                             o.at) for o in overrides],
    )


def _timeline(db: Session, application: Application) -> list[report.TimelineLine]:
    """The application's steps; staff by their names (the applicant's person stays masked), the
    system once (系统, not 系统 系统)."""
    staff = [s.actor_id for s in application.steps if s.actor_role not in ("applicant", "system")]
    names = staff_names(db, staff)
    lines = []
    for s in application.steps:
        if s.actor_role == "system" or s.actor_id is None and s.actor_name == "系统":
            name = ""
        elif s.actor_role != "applicant" and s.actor_id in names:
            name = names[s.actor_id]
        else:
            name = s.actor_name
        lines.append(report.TimelineLine(s.at, views.role_label(s.actor_role), name, views.step_label(s.action),
                                         states.state_label(s.to_status), s.note))
    return lines


def build_report(db: Session, application: Application) -> tuple[report.RiskReport, Enterprise, Decision | None]:
    """Everything the report shows for one application, read once."""
    enterprise = db.get(Enterprise, application.enterprise_id)
    assert enterprise is not None
    decision_row = latest_decision(db, application.id)
    decision = _decision_record(db, decision_row) if decision_row else None
    profile = _profile_used(db, enterprise, decision)
    known = products_port.known_kinds(db, application)
    size, industry = _size_and_industry(enterprise)
    facts = report.ApplicationFacts(
        id=application.id, no=application.no, enterprise_name=enterprise.name, uscc=enterprise.uscc,
        product_name=views.product_name(db, application), amount=application.amount, term_months=application.term_months,
        repayment_method=application.repayment_method, guarantee_mode=application.guarantee_mode,
        purpose=application.purpose, status=views.status_label(application), submitted_at=application.submitted_at,
        size_class=size, industry=industry)
    profile_facts = []
    flags: list[summary.Flag] = []
    unchecked: list[Text] = []
    if profile is not None:
        profile_facts.append(report.Fact("profile_version", Text("信用画像版本", "Credit profile version"),
                                         Text(f"第 {profile.version} 版（数据截至 {profile.as_of}）",
                                              f"Version {profile.version} (data as of {profile.as_of})"),
                                         Text(f"计算于 {to_local(profile.computed_at):%Y-%m-%d %H:%M}",
                                              f"computed {to_local(profile.computed_at):%Y-%m-%d %H:%M}")))
        flags = summary.red_flags(profile.features, discrepancies_of(profile))
        unchecked = [Text(k.label_zh, k.label_en) for k in summary.unchecked(profile.features)]
    reviews, votes, overrides = _people(db, application)
    documents = [report.DocumentLine(known[d.kind].label if d.kind in known else Text("其他材料", "Other document"),
                                     d.filename, d.sha256, d.size, d.uploaded_at,
                                     d.content_type, f"/applications/{application.id}/documents/{d.id}")
                 for d in application.documents]
    timeline = _timeline(db, application)
    built = report.build(application=facts, decision=decision, features=_features(db, profile), profile_facts=profile_facts,
                         flags=flags, unchecked=unchecked, documents=documents, timeline=timeline, reviews=reviews,
                         votes=votes, overrides=overrides, generated_at=utcnow())
    return built, enterprise, decision_row


def _context(r: report.RiskReport, application: Application, enterprise: Enterprise) -> dict[str, Any]:
    return {"r": r, "application_id": application.id, "enterprise_id": enterprise.id,
            "section_titles": report.SECTION_TITLES, "labels": report.COLUMN_LABELS}


# --- routes ------------------------------------------------------------------------------------------


@router.get("/applications/{application_id}/risk-report")
def risk_report(request: Request, application: Application = Depends(staff_application), db: Session = REQUEST_DB):
    r, enterprise, _ = build_report(db, application)
    return render(request, "decisioning/risk_report.html", _context(r, application, enterprise))


@router.get("/applications/{application_id}/risk-report.pdf")
def risk_report_pdf(request: Request, application: Application = Depends(staff_application),
                    user: User = Depends(APPLICATION_PAGES.view), db: Session = REQUEST_DB):
    """The report as a PDF with the Chinese fonts embedded: rendered first (it takes a moment), then
    the download recorded briefly under the application's row lock."""
    lang = request_lang(request)
    r, enterprise, decision = build_report(db, application)
    html = templates.get_template("decisioning/risk_report_pdf.html").render({
        **_context(r, application, enterprise), "lang": lang, "tr": lambda zh, en: pick(lang, zh, en),
        "t": lambda text: text.pick(lang) if text is not None else ""})
    body = pdf.render_pdf(html, str(request.base_url))
    locked = records.lock(db, application)
    record(db, actor_of(user), RiskReportDownloaded(entity_id=locked.id, no=locked.no,
                                                      decision_id=decision.id if decision else None, format="pdf",
                                                      sha256=hashlib.sha256(body).hexdigest(), size=len(body)))
    db.flush()
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
    ascii_name = f"risk-report-{application.no}-{stamp}.pdf"
    local_name = f"{REPORT_NOUN.pick(lang)}-{application.no}-{stamp}.pdf"
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(local_name)}",
        "Cache-Control": "no-store"})


@router.get("/decisions/overrides")
def overrides(request: Request, user: User = Depends(OVERRIDES), db: Session = REQUEST_DB):
    view = lists.page_of(request, db, user, override_list, "/decisions/overrides")
    return render(request, "decisioning/overrides.html", {"view": view})


@router.get("/decisions/overrides/export.{fmt}")
def overrides_export(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(OVERRIDES),
                     db: Session = REQUEST_DB):
    """The overrides as filtered and sorted, streamed. Not audited (see `override_list`)."""
    return lists.export_of(request, db, user, override_list, fmt, when=utcnow())
