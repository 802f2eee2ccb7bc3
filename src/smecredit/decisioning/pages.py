"""Stage 4 pages: the credit policy and the scorecards — what is in force (segments, scorecards,
the approval authority), every version with its text, the editor (YAML for a policy, JSON for a
scorecard) that saves a draft, approval or rejection by a second risk manager (four eyes), and the
simulation of a draft over past applications (risk managers) before it is approved.

What people do with an application (review, approval, committee votes, the applicant's answer to
the offer) is on the application's page (`applications/pages.py`, with
`decisioning/_application.html`); the risk report and the overrides report are `report_pages.py`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.decisioning import reviews, simulation, versions
from smecredit.decisioning.deps import PAGES
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.kernel.clock import business_date
from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.text import Text
from smecredit.web import forms
from smecredit.web.deps import REQUEST_DB
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

def _simulated(field: str, value: Any) -> Any:
    """A compared value as people read it (outcomes and routes by name)."""
    from smecredit.decisioning.views import OUTCOME_TEXTS, route_label

    if value is None:
        return "—"
    if field == "outcome":
        return OUTCOME_TEXTS.get(value, value)
    if field == "route":
        return route_label(value)
    return value


templates.env.globals.update(decision_version_status=versions.status_label, stage_labels=reviews.STAGE_LABELS,
                             review_action_labels=reviews.ACTION_LABELS, simulated_value=_simulated)

KIND_PATHS = {"policy": "policies", "scorecard": "scorecards"}


def _permissions(kind: versions.Kind) -> tuple[perms.Permission, perms.Permission]:
    if kind is versions.POLICY:
        return perms.POLICIES_EDIT, perms.POLICIES_APPROVE
    return perms.SCORECARDS_EDIT, perms.SCORECARDS_APPROVE


def _pretty(kind: versions.Kind, row) -> str:
    """The version's text as the editor shows it (a scorecard's canonical JSON, indented)."""
    text = row.intact_text()
    if kind is versions.SCORECARD:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    return text


# --- the overview -----------------------------------------------------------------------------------------

def _segments(policy) -> list[dict[str, Any]]:
    out = []
    for s in policy.segments:
        m = s.authority
        out.append({"code": s.code, "name": s.name, "scorecard": s.scorecard, "grades": s.grades.bands,
                    "automatic_max": m.automatic_max_amount, "automatic_grade": m.automatic_min_grade,
                    "approval_max": m.approval_max_amount, "approval_grade": m.approval_min_grade,
                    "quorum": m.committee_quorum, "share": m.committee_approve_share,
                    "review_roles": sorted(m.review_roles), "approval_roles": sorted(m.approval_roles),
                    "committee_roles": sorted(m.committee_roles)})
    return out


@router.get("/policies")
def overview(request: Request, user: User = Depends(PAGES.policies), db: Session = REQUEST_DB):
    on = business_date()
    current = policy = None
    problem = None
    try:
        current = versions.policy_in_force(db, on)
        policy = versions.parsed(current)
    except DomainError as error:  # none in force, or damaged: say so on the page
        problem = error.message
    cards = versions.scorecards_in_force(db, on)
    _, policies = versions.versions(db, versions.POLICY, limit=200)
    _, scorecards = versions.versions(db, versions.SCORECARD, limit=200)
    pending = []
    if perms.POLICIES_APPROVE.held_by(user.roles):
        pending += [("policy", v) for v in versions.pending(db, versions.POLICY)]
    if perms.SCORECARDS_APPROVE.held_by(user.roles):
        pending += [("scorecard", v) for v in versions.pending(db, versions.SCORECARD)]
    return render(request, "decisioning/policies.html", {
        "current": current, "policy": policy, "problem": problem, "segments": _segments(policy) if policy else [],
        "rules": policy.rules if policy else (), "cards": cards, "policies": policies, "scorecards": scorecards,
        "pending": pending, "today": on, "paths": KIND_PATHS,
        "can_edit_policy": perms.POLICIES_EDIT.held_by(user.roles),
        "can_edit_scorecard": perms.SCORECARDS_EDIT.held_by(user.roles)})


# --- one version ------------------------------------------------------------------------------------------

def _version_page(request: Request, db: Session, user: User, kind: versions.Kind, row, extra: dict | None = None,
                  status_code: int = 200):
    _, approve = _permissions(kind)
    problem = None
    try:
        text = _pretty(kind, row)
    except DomainError as error:  # a text changed by hand: shown as such, never approved
        text, problem = row.text, error.message
    return render(request, "decisioning/version.html", {
        "kind": kind, "path": KIND_PATHS[kind.name], "v": row, "text": text, "problem": problem, "today": business_date(),
        "can_decide": approve.held_by(user.roles) and row.status == "draft" and row.author_id != user.id and not problem,
        "own": row.author_id == user.id, "can_simulate": perms.DECISIONS_SIMULATE.held_by(user.roles),
        **(extra or {})}, status_code=status_code)


@router.get("/policies/versions/{version_id}")
def policy_version(request: Request, version_id: EntityId, user: User = Depends(PAGES.policies), db: Session = REQUEST_DB):
    return _version_page(request, db, user, versions.POLICY, versions.version_by_id(db, versions.POLICY, version_id))


@router.get("/scorecards/versions/{version_id}")
def scorecard_version(request: Request, version_id: EntityId, user: User = Depends(PAGES.policies),
                      db: Session = REQUEST_DB):
    return _version_page(request, db, user, versions.SCORECARD, versions.version_by_id(db, versions.SCORECARD, version_id))


# --- the editor -------------------------------------------------------------------------------------------

def _editor(request: Request, kind: versions.Kind, *, text: str, note: str | None, base=None,
            error: DomainError | None = None, db: Session | None = None):
    ctx: dict[str, Any] = {"kind": kind, "path": KIND_PATHS[kind.name], "text": text, "note": note or "", "base": base,
                           "field_list": []}
    status = 200
    if error is not None:
        found, status = forms.failed(request, db, error)
        ctx.update(found)
        ctx["field_list"] = error.details.get("errors", []) if isinstance(error.details, dict) else []
    return render(request, "decisioning/edit.html", ctx, status_code=status)


def _base(db: Session, kind: versions.Kind, request: Request):
    """The version an edit starts from: ``?from=ID``, else the one in force (the policy) or the newest."""
    raw = request.query_params.get("from") or ""
    if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10:
        return versions.version_by_id(db, kind, int(raw))
    if kind is versions.POLICY:
        try:
            return versions.policy_in_force(db)
        except DomainError:
            pass
    _, rows = versions.versions(db, kind, limit=1)
    return rows[0] if rows else None


@router.get("/policies/edit")
def edit_policy(request: Request, user: User = Depends(PAGES.policy_edit), db: Session = REQUEST_DB):
    base = _base(db, versions.POLICY, request)
    return _editor(request, versions.POLICY, text=_pretty(versions.POLICY, base) if base else "", note=None, base=base)


@router.get("/scorecards/edit")
def edit_scorecard(request: Request, user: User = Depends(PAGES.scorecard_edit), db: Session = REQUEST_DB):
    base = _base(db, versions.SCORECARD, request)
    return _editor(request, versions.SCORECARD, text=_pretty(versions.SCORECARD, base) if base else "", note=None,
                   base=base)


async def _save(request: Request, db: Session, user: User, kind: versions.Kind):
    form = await request.form()
    text = form.get("text") if isinstance(form.get("text"), str) else ""
    note = form.get("note") if isinstance(form.get("note"), str) else None
    try:
        row = versions.draft(db, kind=kind, user=user, text=text, note=note)
    except DomainError as error:
        return _editor(request, kind, text=text, note=note, error=error, db=db)
    return RedirectResponse(f"/{KIND_PATHS[kind.name]}/versions/{row.id}?notice=policy_drafted", status_code=303)


@router.post("/policies/versions")
async def save_policy(request: Request, user: User = Depends(PAGES.policy_edit), db: Session = REQUEST_DB):
    return await _save(request, db, user, versions.POLICY)


@router.post("/scorecards/versions")
async def save_scorecard(request: Request, user: User = Depends(PAGES.scorecard_edit), db: Session = REQUEST_DB):
    return await _save(request, db, user, versions.SCORECARD)


# --- approve or reject (four eyes) ------------------------------------------------------------------------

class _ApproveForm(BaseModel):
    effective_from: date
    note: str | None = Field(default=None, max_length=500)


async def _decide(request: Request, db: Session, user: User, kind: versions.Kind, version_id: int, approve: bool):
    form = await request.form()
    found = forms.values(form, "effective_from", "note")
    try:
        if approve:
            data = forms.build(_ApproveForm, found)
            versions.approve(db, kind=kind, user=user, version_id=version_id, effective_from=data.effective_from,
                             note=data.note)
        else:
            versions.reject(db, kind=kind, user=user, version_id=version_id, note=found.get("note"))
    except DomainError as error:
        ctx, status = forms.failed(request, db, error)
        row = versions.version_by_id(db, kind, version_id)
        return _version_page(request, db, user, kind, row, extra=ctx, status_code=status)
    notice = "policy_approved" if approve else "policy_rejected"
    return RedirectResponse(f"/{KIND_PATHS[kind.name]}/versions/{version_id}?notice={notice}", status_code=303)


@router.post("/policies/versions/{version_id}/approve")
async def approve_policy(request: Request, version_id: EntityId, user: User = Depends(PAGES.policy_approve),
                         db: Session = REQUEST_DB):
    return await _decide(request, db, user, versions.POLICY, version_id, True)


@router.post("/policies/versions/{version_id}/reject")
async def reject_policy(request: Request, version_id: EntityId, user: User = Depends(PAGES.policy_approve),
                        db: Session = REQUEST_DB):
    return await _decide(request, db, user, versions.POLICY, version_id, False)


@router.post("/scorecards/versions/{version_id}/approve")
async def approve_scorecard(request: Request, version_id: EntityId, user: User = Depends(PAGES.scorecard_approve),
                            db: Session = REQUEST_DB):
    return await _decide(request, db, user, versions.SCORECARD, version_id, True)


@router.post("/scorecards/versions/{version_id}/reject")
async def reject_scorecard(request: Request, version_id: EntityId, user: User = Depends(PAGES.scorecard_approve),
                           db: Session = REQUEST_DB):
    return await _decide(request, db, user, versions.SCORECARD, version_id, False)


# --- simulation (champion / challenger) ----------------------------------------------------------------------

def _since(request: Request) -> date | None:
    raw = (request.query_params.get("since") or "").strip()[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("invalid_date", Text("日期格式应为 YYYY-MM-DD", "Write the date as YYYY-MM-DD"), "since") from None


def _simulation_page(request: Request, db: Session, kind: versions.Kind, row):
    ctx: dict[str, Any] = {"kind": kind, "path": KIND_PATHS[kind.name], "v": row, "result": None,
                           "since": request.query_params.get("since", "")[:10], "labels": simulation.LABELS}
    status = 200
    try:
        since = _since(request)
        value = versions.parsed(row)
        if kind is versions.POLICY:
            ctx["result"] = simulation.simulate_db(db, policy=value, label=row.label, since=since)
        else:
            ctx["result"] = simulation.simulate_db(db, scorecards=[value], label=row.label, since=since)
    except DomainError as error:
        found, status = forms.failed(request, db, error)
        ctx.update(found)
    return render(request, "decisioning/simulation.html", ctx, status_code=status)


@router.get("/policies/versions/{version_id}/simulation")
def simulate_policy(request: Request, version_id: EntityId, user: User = Depends(PAGES.simulate),
                    db: Session = REQUEST_DB):
    return _simulation_page(request, db, versions.POLICY, versions.version_by_id(db, versions.POLICY, version_id))


@router.get("/scorecards/versions/{version_id}/simulation")
def simulate_scorecard(request: Request, version_id: EntityId, user: User = Depends(PAGES.simulate),
                       db: Session = REQUEST_DB):
    return _simulation_page(request, db, versions.SCORECARD, versions.version_by_id(db, versions.SCORECARD, version_id))
