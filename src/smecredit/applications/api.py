"""JSON API for stage 3: `/api/v1/applications`.

An action the state machine does not allow answers 409 with ``details.status`` and
``details.allowed_actions``; an incomplete checklist 422 with ``details.missing``; another
applicant's application 404, exactly like a missing one.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from sqlalchemy.orm import Session

from smecredit.applications import listing, schemas, service, views
from smecredit.applications.deps import API
from smecredit.applications.models import Application
from smecredit.identity.models import User
from smecredit.web.deps import REQUEST_DB
from smecredit.web.openapi import API_ERRORS, errors
from smecredit.web.pagination import Page, Paging
from smecredit.web.params import EntityId

router = APIRouter(prefix="/api/v1/applications", tags=["applications"], responses=errors(*API_ERRORS))


def _need(body: schemas.ApplicationCreate | schemas.TermsUpdate) -> service.Need:
    return service.Need(amount=body.amount, term_months=body.term_months, purpose=body.purpose,
                        repayment_method=body.repayment_method, guarantee_mode=body.guarantee_mode)


@router.get("", response_model=Page[schemas.ApplicationListItem],
            summary="The application queue (applicants: their own), filtered by status, product, age and assignee")
def list_applications(paging: Paging, filters: listing.Filters = Depends(listing.filters_from_query),
                      user: User = Depends(API.view), db: Session = REQUEST_DB):
    found = listing.search(db, user=user, filters=filters, limit=paging.limit, offset=paging.offset)
    return Page(total=found.total, items=[views.list_item(db, a) for a in found.items])


@router.post("", response_model=schemas.ApplicationOut, status_code=201,
             summary="Create a draft under the product's current version (a member of the enterprise or its officer)")
def create_application(body: schemas.ApplicationCreate, user: User = Depends(API.apply), db: Session = REQUEST_DB):
    application = service.create_draft(db, user=user, enterprise_id=body.enterprise_id,
                                       product_code=body.product_code, need=_need(body))
    return views.application_out(db, application, user=user)


@router.get("/{application_id}", response_model=schemas.ApplicationOut,
            summary="One application: status, the actions the caller may take now, checklist and timeline")
def get_application(application: Application = API.viewing, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return views.application_out(db, application, user=user)


@router.patch("/{application_id}", response_model=schemas.ApplicationOut, summary="Change the terms (draft only)")
def update_terms(body: schemas.TermsUpdate, application: Application = API.applying, user: User = Depends(API.apply),
                 db: Session = REQUEST_DB):
    return views.application_out(db, service.update_terms(db, user=user, application=application, need=_need(body)),
                                 user=user)


@router.post("/{application_id}/documents", response_model=schemas.DocumentOut, status_code=201,
             summary="Upload a document for a checklist item (type decided by content; size limited)")
def attach_document(kind: str = Form(..., max_length=60), file: UploadFile = File(...),
                    application: Application = API.applying, user: User = Depends(API.apply), db: Session = REQUEST_DB):
    document = service.attach_document(db, user=user, application=application, kind=kind, upload=file,
                                       filename=file.filename)
    return schemas.DocumentOut.model_validate(document)


@router.delete("/{application_id}/documents/{document_id}", status_code=204,
               summary="Remove a document (draft, or one uploaded for the open 补件 request)")
def remove_document(document_id: EntityId, application: Application = API.applying, user: User = Depends(API.apply),
                    db: Session = REQUEST_DB):
    service.remove_document(db, user=user, application=application, document_id=document_id)
    return Response(status_code=204)


@router.get("/{application_id}/documents/{document_id}", summary="Download a document (audited)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def download_document(document_id: EntityId, application: Application = API.viewing, user: User = Depends(API.view),
                      db: Session = REQUEST_DB):
    return service.download(db, user=user, application=application, document_id=document_id)


@router.post("/{application_id}/submit", response_model=schemas.ApplicationOut,
             summary="Submit (422 naming every missing required document)")
def submit(application: Application = API.applying, user: User = Depends(API.apply), db: Session = REQUEST_DB):
    return views.application_out(db, service.submit(db, user=user, application=application), user=user)


@router.post("/{application_id}/withdraw", response_model=schemas.ApplicationOut, summary="Withdraw before the decision")
def withdraw(body: schemas.WithdrawIn | None = None, application: Application = API.applying,
             user: User = Depends(API.apply), db: Session = REQUEST_DB):
    done = service.withdraw(db, user=user, application=application, reason=body.reason if body else None)
    return views.application_out(db, done, user=user)


@router.post("/{application_id}/resubmit", response_model=schemas.ApplicationOut,
             summary="Resubmit after answering every requested item (补件)")
def resubmit(application: Application = API.applying, user: User = Depends(API.apply), db: Session = REQUEST_DB):
    return views.application_out(db, service.resubmit(db, user=user, application=application), user=user)


@router.post("/{application_id}/release", response_model=schemas.ApplicationOut,
             summary="Hand the application back to the queue (the assignee only); another handler may claim it")
def release(application: Application = API.handling, user: User = Depends(API.handle), db: Session = REQUEST_DB):
    return views.application_out(db, service.release(db, user=user, application=application), user=user)


@router.post("/{application_id}/claim", response_model=schemas.ApplicationOut,
             summary="Claim (officer or reviewer); of two at once, one gets it")
def claim(application: Application = API.handling, user: User = Depends(API.handle), db: Session = REQUEST_DB):
    return views.application_out(db, service.claim(db, user=user, application=application), user=user)


@router.post("/{application_id}/review", response_model=schemas.ApplicationOut,
             summary="Start the review (the assignee)")
def start_review(application: Application = API.handling, user: User = Depends(API.handle), db: Session = REQUEST_DB):
    return views.application_out(db, service.start_review(db, user=user, application=application), user=user)


@router.post("/{application_id}/document-requests", response_model=schemas.ApplicationOut, status_code=201,
             summary="Request more documents (补件), a reason per item; the applicant is told")
def request_documents(body: schemas.DocumentRequestIn, application: Application = API.handling,
                      user: User = Depends(API.handle), db: Session = REQUEST_DB):
    service.request_documents(db, user=user, application=application,
                              items=[(i.kind, i.reason) for i in body.items])
    return views.application_out(db, application, user=user)
