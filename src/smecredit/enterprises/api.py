"""JSON API for stage 1: `/api/v1/enterprises` and `/api/v1/bank-mappings`.

Errors are the platform's JSON errors (`{"error": {"code", "field", "message": {"zh", "en"}}}`);
a rejected file answers 422 with `details.errors` listing line, field and reasons.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from sqlalchemy.orm import Session

from smecredit.enterprises import profile as profiles
from smecredit.enterprises import schemas, service
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text
from smecredit.identity import permissions as perms
from smecredit.web.deps import Allow, REQUEST_DB
from smecredit.web.openapi import API_ERRORS, errors
from smecredit.web.params import EntityId

router = APIRouter(prefix="/api/v1/enterprises", tags=["enterprises"], responses=errors(*API_ERRORS))
mappings_router = APIRouter(prefix="/api/v1/bank-mappings", tags=["enterprises"], responses=errors(*API_ERRORS))

VIEW = Allow(perms.ENTERPRISE_VIEW, api=True)
EDIT = Allow(perms.ENTERPRISE_EDIT, api=True)
REGISTER = Allow(perms.ENTERPRISE_REGISTER, api=True)
REVEAL = Allow(perms.PERSONAL_INFO_REVEAL, api=True)
COMPUTE = Allow(perms.PROFILE_COMPUTE, api=True)
MAPPINGS = Allow(perms.BANK_MAPPINGS_EDIT, api=True)


def _data_result(outcome: service.DataOutcome) -> schemas.DataResult:
    return schemas.DataResult(
        snapshots=[service.snapshot_out(s) for s in outcome.snapshots],
        skipped=[schemas.SkippedSource(kind=e.details.get("kind", ""), code=e.code, message_zh=e.message_zh,
                                       message_en=e.message_en) for e in outcome.skipped],
        profile_version=outcome.profile.version if outcome.profile is not None else None,
    )


@router.get("", response_model=schemas.EnterpriseList, summary="List or search enterprises (applicants: their own)")
def list_enterprises(q: str = "", limit: int = 50, offset: int = 0, user: User = Depends(VIEW),
                     db: Session = REQUEST_DB):
    total, rows = service.list_enterprises(db, user=user, q=q, limit=max(1, min(limit, 200)), offset=max(0, offset))
    return schemas.EnterpriseList(total=total, items=[schemas.EnterpriseListItem(
        id=e.id, uscc=e.uscc, name=e.name, industry=e.industry, size_class=e.size_class, region_name=e.region_name,
        created_at=e.created_at) for e in rows])


@router.post("", response_model=schemas.EnterpriseOut, status_code=201,
             summary="Register an enterprise (applicant: its own; loan officer: on an applicant's behalf)")
def register(body: schemas.EnterpriseCreate, user: User = Depends(REGISTER), db: Session = REQUEST_DB):
    enterprise = service.register_enterprise(db, user=user, data=body)
    return service.enterprise_out(db, enterprise)


@router.get("/check-uscc", response_model=schemas.UsccCheck, summary="Check a 统一社会信用代码 and say which check failed")
def check_uscc(code: str = "", user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return service.check_code(db, code)


@router.get("/authorisation-text", response_model=schemas.AuthorisationText,
            summary="The current 征信查询授权 text, its version and SHA-256")
def authorisation_text(version: str = service.CURRENT_AUTHORISATION_VERSION, user: User = Depends(VIEW)):
    return service.authorisation_text(version)


@router.get("/{enterprise_id}", response_model=schemas.EnterpriseOut)
def get_enterprise(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return service.enterprise_out(db, service.get_enterprise(db, enterprise_id=enterprise_id, user=user))


@router.patch("/{enterprise_id}", response_model=schemas.EnterpriseOut,
              summary="Update facts; the size class is re-derived")
def update_enterprise(enterprise_id: EntityId, body: schemas.EnterpriseUpdate, user: User = Depends(EDIT),
                      db: Session = REQUEST_DB):
    enterprise = service.update_enterprise(db, user=user, enterprise_id=enterprise_id, data=body)
    return service.enterprise_out(db, enterprise)


@router.get("/{enterprise_id}/authorisations", response_model=list[schemas.AuthorisationOut])
def list_authorisations(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return [service.authorisation_out(a) for a in service.authorisations_of(db, enterprise_id=enterprise.id)]


@router.post("/{enterprise_id}/authorisations", response_model=schemas.AuthorisationOut, status_code=201,
             summary="Record the 征信查询授权 (the version and SHA-256 of the text shown)")
def authorise(enterprise_id: EntityId, body: schemas.AuthoriseRequest, user: User = Depends(EDIT),
              db: Session = REQUEST_DB):
    auth = service.authorise_queries(db, user=user, enterprise_id=enterprise_id, text_version=body.text_version,
                                     text_sha256=body.text_sha256, lang=body.lang)
    return service.authorisation_out(auth)


# --- people ---------------------------------------------------------------------------------------


@router.get("/{enterprise_id}/persons", response_model=list[schemas.PersonOut],
            summary="Legal representative, controller, shareholders, guarantors, contact (masked)")
def list_persons(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return [service.masked_person(p) for p in service.persons_of(db, user=user, enterprise_id=enterprise_id)]


@router.post("/{enterprise_id}/persons", response_model=schemas.PersonOut, status_code=201)
def add_person(enterprise_id: EntityId, body: schemas.PersonIn, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    return service.masked_person(service.add_person(db, user=user, enterprise_id=enterprise_id, data=body))


@router.put("/{enterprise_id}/persons/{person_id}", response_model=schemas.PersonOut)
def update_person(enterprise_id: EntityId, person_id: EntityId, body: schemas.PersonIn, user: User = Depends(EDIT),
                  db: Session = REQUEST_DB):
    return service.masked_person(service.update_person(db, user=user, enterprise_id=enterprise_id,
                                                       person_id=person_id, data=body))


@router.delete("/{enterprise_id}/persons/{person_id}", status_code=204, response_class=Response)
def remove_person(enterprise_id: EntityId, person_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    service.remove_person(db, user=user, enterprise_id=enterprise_id, person_id=person_id)
    return Response(status_code=204)


@router.post("/{enterprise_id}/persons/{person_id}/reveal", response_model=schemas.RevealOut,
             summary="Full personal information of one person (audited: who, which person, which fields)")
def reveal(enterprise_id: EntityId, person_id: EntityId, body: schemas.RevealRequest | None = None,
           user: User = Depends(REVEAL), db: Session = REQUEST_DB):
    fields = body.fields if body is not None else None
    values = service.reveal(db, user=user, enterprise_id=enterprise_id, person_id=person_id, fields=fields)
    return schemas.RevealOut(person_id=person_id, values=values)


# --- counterparties -------------------------------------------------------------------------------


@router.get("/{enterprise_id}/counterparties", response_model=list[schemas.CounterpartyOut],
            summary="Upstream suppliers and downstream customers")
def list_counterparties(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return [service.counterparty_out(c) for c in service.counterparties_of(db, user=user, enterprise_id=enterprise_id)]


@router.post("/{enterprise_id}/counterparties", response_model=schemas.CounterpartyOut, status_code=201)
def add_counterparty(enterprise_id: EntityId, body: schemas.CounterpartyIn, user: User = Depends(EDIT),
                     db: Session = REQUEST_DB):
    return service.counterparty_out(service.add_counterparty(db, user=user, enterprise_id=enterprise_id, data=body))


@router.put("/{enterprise_id}/counterparties/{counterparty_id}", response_model=schemas.CounterpartyOut)
def update_counterparty(enterprise_id: EntityId, counterparty_id: EntityId, body: schemas.CounterpartyIn,
                        user: User = Depends(EDIT), db: Session = REQUEST_DB):
    return service.counterparty_out(service.update_counterparty(
        db, user=user, enterprise_id=enterprise_id, counterparty_id=counterparty_id, data=body))


@router.delete("/{enterprise_id}/counterparties/{counterparty_id}", status_code=204, response_class=Response)
def remove_counterparty(enterprise_id: EntityId, counterparty_id: EntityId, user: User = Depends(EDIT),
                        db: Session = REQUEST_DB):
    service.remove_counterparty(db, user=user, enterprise_id=enterprise_id, counterparty_id=counterparty_id)
    return Response(status_code=204)


# --- data -----------------------------------------------------------------------------------------


@router.post("/{enterprise_id}/data/pull-all", response_model=schemas.DataResult,
             summary="Pull every source from the provider (sandbox); credit bureau needs the authorisation")
def pull_all(enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    return _data_result(service.pull_all(db, user=user, enterprise_id=enterprise_id))


@router.post("/{enterprise_id}/data/{kind}/pull", response_model=schemas.DataResult,
             summary="Pull one source (registry, tax, bank_statement, financial_statements, credit_bureau, judicial)")
def pull(enterprise_id: EntityId, kind: str, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    return _data_result(service.pull(db, user=user, enterprise_id=enterprise_id, kind=kind))


@router.post("/{enterprise_id}/data/{kind}/upload", response_model=schemas.DataResult, status_code=201,
             summary="Import a file (≤ 20 MiB); bank statements take mapping_id or a built-in mapping name")
async def upload(enterprise_id: EntityId, kind: str, file: UploadFile = File(...), mapping_id: int | None = Form(None),
                 mapping: str | None = Form(None), amount_unit: str | None = Form(None),
                 user: User = Depends(EDIT), db: Session = REQUEST_DB):
    data = await file.read(service.MAX_UPLOAD_BYTES + 1)
    if len(data) > service.MAX_UPLOAD_BYTES:
        raise service.too_large_error()
    outcome = service.upload(db, user=user, enterprise_id=enterprise_id, kind=kind, data=data, filename=file.filename,
                             mapping_id=mapping_id, mapping=mapping, amount_unit=amount_unit)
    return _data_result(outcome)


@router.get("/{enterprise_id}/snapshots", response_model=list[schemas.SnapshotOut])
def list_snapshots(enterprise_id: EntityId, kind: str | None = None, user: User = Depends(VIEW),
                   db: Session = REQUEST_DB):
    return [service.snapshot_out(s) for s in service.list_snapshots(db, user=user, enterprise_id=enterprise_id, kind=kind)]


@router.get("/{enterprise_id}/snapshots/{snapshot_id}", response_model=schemas.SnapshotDetail)
def get_snapshot(enterprise_id: EntityId, snapshot_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    snap = service.get_snapshot(db, user=user, enterprise_id=enterprise_id, snapshot_id=snapshot_id)
    return service.snapshot_out(snap, with_content=True)


# --- profile --------------------------------------------------------------------------------------


@router.get("/{enterprise_id}/profile", response_model=schemas.ProfileOut, summary="The latest credit profile")
def latest_profile(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    row = profiles.latest_profile(db, enterprise_id=enterprise.id)
    if row is None:
        raise not_found(Text("信用画像", "Credit profile"))
    return profiles.profile_out(db, row)


@router.get("/{enterprise_id}/profiles", response_model=list[schemas.ProfileSummary], summary="Profile history")
def profile_history(enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return [profiles.summary_out(p) for p in profiles.profiles_of(db, enterprise_id=enterprise.id)]


@router.get("/{enterprise_id}/profiles/{version}", response_model=schemas.ProfileOut)
def profile_version(enterprise_id: EntityId, version: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return profiles.profile_out(db, profiles.get_profile(db, enterprise_id=enterprise.id, version=version))


@router.post("/{enterprise_id}/profile/compute", response_model=schemas.ProfileOut, status_code=201,
             summary="Recompute the profile (optionally as of a past business date)")
def compute(enterprise_id: EntityId, body: schemas.ComputeProfileRequest | None = None, user: User = Depends(COMPUTE),
            db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    row = profiles.compute_profile(db, enterprise_id=enterprise.id, actor=actor_of(user),
                                   as_of=body.as_of if body else None, trigger="manual")
    return profiles.profile_out(db, row)


# --- bank mappings --------------------------------------------------------------------------------


@mappings_router.get("", response_model=list[schemas.BankMappingOut],
                     summary="Built-in and saved bank-statement column mappings")
def list_mappings(user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return service.mapping_options(db)


@mappings_router.post("", response_model=schemas.BankMappingOut, status_code=201)
def create_mapping(body: schemas.BankMappingIn, user: User = Depends(MAPPINGS), db: Session = REQUEST_DB):
    return service.bank_mapping_out(service.save_bank_mapping(db, user=user, data=body))


@mappings_router.get("/{mapping_id}", response_model=schemas.BankMappingOut)
def get_mapping(mapping_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return service.bank_mapping_out(service.get_bank_mapping(db, mapping_id=mapping_id))


@mappings_router.put("/{mapping_id}", response_model=schemas.BankMappingOut)
def update_mapping(mapping_id: EntityId, body: schemas.BankMappingIn, user: User = Depends(MAPPINGS),
                   db: Session = REQUEST_DB):
    return service.bank_mapping_out(service.save_bank_mapping(db, user=user, data=body, mapping_id=mapping_id))


@mappings_router.delete("/{mapping_id}", status_code=204, response_class=Response)
def delete_mapping(mapping_id: EntityId, user: User = Depends(MAPPINGS), db: Session = REQUEST_DB):
    service.delete_bank_mapping(db, user=user, mapping_id=mapping_id)
    return Response(status_code=204)
