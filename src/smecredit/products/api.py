"""JSON API for stage 2: `/api/v1/products` (the catalogue, versions, drafting and four-eyes
approval), `/api/v1/enterprises/{id}/matches`, `/api/v1/reference-rates`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.clock import business_date
from smecredit.products import catalogue, matching, rates, schemas
from smecredit.products.deps import API, ProductCode
from smecredit.web.deps import REQUEST_DB
from smecredit.web.openapi import API_ERRORS, errors
from smecredit.web.pagination import Page, Paging, page_of
from smecredit.web.params import EntityId

router = APIRouter(prefix="/api/v1/products", tags=["products"], responses=errors(*API_ERRORS))
matches_router = APIRouter(prefix="/api/v1/enterprises", tags=["products"], responses=errors(*API_ERRORS))
rates_router = APIRouter(prefix="/api/v1/reference-rates", tags=["products"], responses=errors(*API_ERRORS))


@router.get("", response_model=Page[schemas.ProductOut], summary="The products in force today (their current versions)")
def list_products(paging: Paging, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return page_of([schemas.product_out(v) for v in catalogue.current_versions(db, business_date())], paging)


@router.get("/versions/pending", response_model=Page[schemas.VersionOut], summary="Drafts awaiting a second risk manager")
def pending_versions(paging: Paging, user: User = Depends(API.approve), db: Session = REQUEST_DB):
    return page_of([schemas.VersionOut.model_validate(v) for v in catalogue.pending(db)], paging)


@router.get("/versions/{version_id}", response_model=schemas.VersionDetail, summary="One version with its whole definition")
def version_detail(version_id: EntityId, user: User = Depends(API.view), db: Session = REQUEST_DB):
    row = catalogue.version_by_id(db, version_id)
    return schemas.VersionDetail(**schemas.VersionOut.model_validate(row).model_dump(), definition=row.definition.to_dict())


@router.get("/{code}", response_model=schemas.ProductOut, summary="One product's version in force today")
def product_detail(code: ProductCode, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return schemas.product_out(catalogue.current_version(db, code, business_date()))


@router.get("/{code}/versions", response_model=Page[schemas.VersionOut], summary="Every version of a product, newest first")
def product_versions(code: ProductCode, paging: Paging, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return page_of([schemas.VersionOut.model_validate(v) for v in catalogue.versions_of(db, code)], paging)


@router.post("/{code}/versions", response_model=schemas.VersionOut, status_code=201,
             summary="Draft a new version (a new product when the code is new); a second risk manager approves it")
def draft_version(code: ProductCode, body: schemas.DraftIn, user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return schemas.VersionOut.model_validate(catalogue.draft(db, user=user, code=code, data=body.definition, note=body.note))


@router.post("/versions/{version_id}/approve", response_model=schemas.VersionOut,
             summary="Approve a draft to take effect on a date (not by its author: four eyes)")
def approve_version(version_id: EntityId, body: schemas.ApproveIn, user: User = Depends(API.approve), db: Session = REQUEST_DB):
    return schemas.VersionOut.model_validate(catalogue.approve(db, user=user, version_id=version_id,
                                                               effective_from=body.effective_from, note=body.note))


@router.post("/versions/{version_id}/reject", response_model=schemas.VersionOut, summary="Reject a draft, saying why")
def reject_version(version_id: EntityId, body: schemas.RejectIn, user: User = Depends(API.approve), db: Session = REQUEST_DB):
    return schemas.VersionOut.model_validate(catalogue.reject(db, user=user, version_id=version_id, note=body.note))


@matches_router.post("/{enterprise_id}/matches", response_model=schemas.MatchesOut,
                     summary="Every product in force for this enterprise and need: eligible or not, why, limit, rate range, rank")
def match(body: schemas.MatchIn, enterprise: Enterprise = API.matching, user: User = Depends(API.match),
          db: Session = REQUEST_DB):
    need = matching.need_of(body.amount, body.term_months, body.purpose, body.inputs)
    return schemas.MatchesOut(matches=[schemas.match_out(r) for r in matching.match(db, enterprise=enterprise, need=need)])


@rates_router.get("", response_model=Page[schemas.RateOut], summary="The LPR table, newest first")
def rate_table(paging: Paging, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return page_of([schemas.RateOut.model_validate(r) for r in rates.table(db)], paging)


@rates_router.post("", response_model=schemas.RateOut, status_code=201, summary="Add or correct the LPR of a date (audited)")
def set_rate(body: schemas.RateIn, user: User = Depends(API.rates), db: Session = REQUEST_DB):
    return schemas.RateOut.model_validate(rates.set_rate(db, user=user, tenor=body.tenor, effective_from=body.effective_from,
                                                         published_on=body.published_on, rate=body.rate))
