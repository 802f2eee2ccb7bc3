"""JSON API for stage 4.

* `GET /api/v1/applications/{id}/decision` — the automatic decision (the issue's shape);
  `POST /api/v1/applications/{id}/reviews` — a reviewer's, approver's or committee member's act
  (403 with the reason outside their authority; 409 in the wrong state);
  `GET …/offer`, `POST …/offer/accept`, `POST …/offer/decline` — the applicant and the offer;
* `/api/v1/policies…` and `/api/v1/scorecards…` — versions: list, one, draft, approve, reject (four eyes);
* `GET /api/v1/decisions/{id}` (the whole record) and `POST /api/v1/decisions/{id}/replay`.
"""

# No `from __future__ import annotations`: the version routes are made in a function, and FastAPI
# reads their body types from the annotations themselves.
from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from smecredit.applications import views as application_views
from smecredit.applications.models import Application
from smecredit.applications.records import load_for
from smecredit.applications.schemas import ApplicationOut
from smecredit.decisioning import offers, replaying, reviews, schemas, service, versions, views
from smecredit.decisioning.deps import API
from smecredit.identity.models import User
from smecredit.kernel.errors import NotFound, not_found
from smecredit.kernel.text import Text
from smecredit.web.deps import REQUEST_DB
from smecredit.web.openapi import API_ERRORS, errors
from smecredit.web.pagination import Page, Paging
from smecredit.web.params import EntityId

router = APIRouter(prefix="/api/v1", tags=["decisioning"], responses=errors(*API_ERRORS))


# --- an application's decision, reviews and offer --------------------------------------------------------

@router.get("/applications/{application_id}/decision", response_model=schemas.DecisionOut,
            summary="The automatic decision: outcome, score, grade, PD, limit, price, reasons, versions, time taken")
def get_decision(application: Application = API.viewing, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return views.decision_out(db, service.decision_of(db, application))


@router.post("/applications/{application_id}/reviews", response_model=ApplicationOut,
             summary="Review (审查), approve (审批) or vote (贷审会) on a referred application, within your authority")
def post_review(body: schemas.ReviewIn, application: Application = API.reviewing, user: User = Depends(API.review),
                db: Session = REQUEST_DB):
    done = reviews.review(db, user=user, application=application, action=body.action, comment=body.comment)
    return application_views.application_out(db, done, user=user)


def _offer(db: Session, application: Application):
    found = offers.offer_of(db, application.id)
    if found is None:
        raise NotFound("not_found", Text("该申请没有授信方案", "This application has no offer"), "application_id")
    return found


@router.get("/applications/{application_id}/offer", response_model=schemas.OfferOut,
            summary="The offer made to the applicant (amount, rate, 年化利率, method, term, until when)")
def get_offer(application: Application = API.viewing, user: User = Depends(API.view), db: Session = REQUEST_DB):
    offer = _offer(db, application)
    out = schemas.OfferOut.model_validate(offer)
    preview = service.intact_result(service.decision_by_id(db, offer.decision_id)).get("schedule_preview")
    return out.model_copy(update={"status": offers.status_of(offer), "schedule_preview": preview and
                                  schemas.SchedulePreviewOut.model_validate(preview)})


class OfferAcceptedOut(ApplicationOut):
    loan_id: int  # the loan the accepted offer made (stage 5a: `/api/v1/loans/{loan_id}`)


@router.post("/applications/{application_id}/offer/accept", response_model=OfferAcceptedOut,
             summary="The applicant accepts the offer (a member of the enterprise); answers with the new loan's id")
def accept_offer(application: Application = API.answering, user: User = Depends(API.answer), db: Session = REQUEST_DB):
    from smecredit.loans.offers import loan_for_application

    accepted = reviews.accept_offer(db, user=user, application=application)
    out = application_views.application_out(db, accepted, user=user)
    return OfferAcceptedOut(**out.model_dump(), loan_id=loan_for_application(db, accepted.id).id)


@router.post("/applications/{application_id}/offer/decline", response_model=ApplicationOut,
             summary="The applicant declines the offer")
def decline_offer(body: schemas.OfferDeclineIn | None = None, application: Application = API.answering,
                  user: User = Depends(API.answer), db: Session = REQUEST_DB):
    done = reviews.decline_offer(db, user=user, application=application, reason=body.reason if body else None)
    return application_views.application_out(db, done, user=user)


# --- decisions ---------------------------------------------------------------------------------------------

def _visible_decision(db: Session, user: User, decision_id: int):
    """The decision, when the user may see its application (a loan officer sees their portfolio's);
    otherwise NotFound exactly like a decision that does not exist."""
    decision = service.decision_by_id(db, decision_id)
    try:
        load_for(db, user=user, application_id=decision.application_id)
    except NotFound:
        raise not_found(service.DECISION, "decision_id") from None
    return decision


@router.get("/decisions/{decision_id}", response_model=schemas.DecisionRecordOut,
            summary="One decision record: the inputs snapshot and the result as stored")
def get_decision_record(decision_id: EntityId, user: User = Depends(API.read), db: Session = REQUEST_DB):
    return views.decision_record_out(db, _visible_decision(db, user, decision_id))


@router.post("/decisions/{decision_id}/replay", response_model=schemas.ReplayOut,
             summary="Recompute the decision from its stored inputs and versions: identical, or the differences")
def replay(decision_id: EntityId, user: User = Depends(API.read), db: Session = REQUEST_DB):
    found = replaying.replay(db, _visible_decision(db, user, decision_id))
    return schemas.ReplayOut(decision_id=decision_id, identical=found.identical,
                             differences=[schemas.DifferenceOut(path=d.path, stored=d.stored, now=d.now)
                                          for d in found.differences])


# --- versions of the policy and the scorecards ---------------------------------------------------------------

def _version_routes(kind: versions.Kind, prefix: str, draft_body, text_of, read, edit, approve) -> None:
    @router.get(f"/{prefix}", response_model=Page[schemas.VersionOut], name=f"list_{kind.name}_versions",
                summary=f"Every {kind.label.en.lower()} version, by code, newest first")
    def list_versions(paging: Paging, code: str | None = Query(default=None, max_length=40),
                      status: str | None = Query(default=None, pattern="^(draft|approved|rejected)$"),
                      user: User = Depends(read), db: Session = REQUEST_DB):
        total, rows = versions.versions(db, kind, code=code, status=status, limit=paging.limit, offset=paging.offset)
        return Page(total=total, items=[schemas.VersionOut.model_validate(r) for r in rows])

    @router.get(f"/{prefix}/versions/{{version_id}}", response_model=schemas.VersionDetail,
                name=f"get_{kind.name}_version", summary=f"One {kind.label.en.lower()} version with its text")
    def get_version(version_id: EntityId, user: User = Depends(read), db: Session = REQUEST_DB):
        row = versions.version_by_id(db, kind, version_id)
        return schemas.VersionDetail(**schemas.VersionOut.model_validate(row).model_dump(), text=row.intact_text())

    @router.post(f"/{prefix}/versions", response_model=schemas.VersionOut, status_code=201,
                 name=f"draft_{kind.name}_version",
                 summary=f"Draft a new {kind.label.en.lower()} version; a second risk manager approves it")
    def draft_version(body: draft_body, user: User = Depends(edit), db: Session = REQUEST_DB):
        return schemas.VersionOut.model_validate(versions.draft(db, kind=kind, user=user, text=text_of(body),
                                                                note=body.note))

    @router.post(f"/{prefix}/versions/{{version_id}}/approve", response_model=schemas.VersionOut,
                 name=f"approve_{kind.name}_version",
                 summary="Approve a draft to take effect on a date (not by its author: four eyes)")
    def approve_version(version_id: EntityId, body: schemas.ApproveIn, user: User = Depends(approve),
                        db: Session = REQUEST_DB):
        return schemas.VersionOut.model_validate(versions.approve(db, kind=kind, user=user, version_id=version_id,
                                                                  effective_from=body.effective_from, note=body.note))

    @router.post(f"/{prefix}/versions/{{version_id}}/reject", response_model=schemas.VersionOut,
                 name=f"reject_{kind.name}_version", summary="Reject a draft, saying why")
    def reject_version(version_id: EntityId, body: schemas.RejectIn, user: User = Depends(approve),
                       db: Session = REQUEST_DB):
        return schemas.VersionOut.model_validate(versions.reject(db, kind=kind, user=user, version_id=version_id,
                                                                 note=body.note))


def _scorecard_text(body: schemas.ScorecardDraftIn) -> str:
    import json

    return json.dumps(body.scorecard, ensure_ascii=False)


_version_routes(versions.POLICY, "policies", schemas.PolicyDraftIn, lambda body: body.text, API.policies,
                API.policy_edit, API.policy_approve)
_version_routes(versions.SCORECARD, "scorecards", schemas.ScorecardDraftIn, _scorecard_text, API.policies,
                API.scorecard_edit, API.scorecard_approve)
