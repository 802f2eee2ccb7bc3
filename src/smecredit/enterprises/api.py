"""JSON API for stage 1: `/api/v1/enterprises`, `/api/v1/bank-mappings`, `/api/v1/assignment-rules`.

Errors are the platform's JSON errors (`{"error": {"code", "field", "message": {"zh", "en"}}}`);
a rejected file answers 422 with `details.errors` listing line, field and reasons. Lists answer
`{"total", "items"}` with `limit`/`offset`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from sqlalchemy.orm import Session

from smecredit.enterprises import (
    consent,
    counterparties,
    data,
    listing,
    mappings,
    people,
    profile,
    registration,
    schemas,
    views,
)
from smecredit.enterprises.deps import API
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.snapshots import snapshot_of, snapshot_out, snapshots_of
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text
from smecredit.web.deps import REQUEST_DB
from smecredit.web.pagination import Page, Paging, page_of
from smecredit.web.params import EntityId

router = APIRouter(prefix="/api/v1/enterprises", tags=["enterprises"])
mappings_router = APIRouter(prefix="/api/v1/bank-mappings", tags=["enterprises"])
rules_router = APIRouter(prefix="/api/v1/assignment-rules", tags=["enterprises"])


def _data_result(outcome: data.DataOutcome) -> schemas.DataResult:
    return schemas.DataResult(
        snapshots=[snapshot_out(s) for s in outcome.snapshots],
        skipped=[schemas.SkippedSource(kind=e.details.get("kind", ""), code=e.code, message_zh=e.message_zh,
                                       message_en=e.message_en) for e in outcome.skipped],
        profile_version=outcome.profile.version if outcome.profile is not None else None,
    )


@router.get("", response_model=Page[schemas.EnterpriseListItem],
            summary="List, filter and sort enterprises (applicants: their own; officers: their portfolio and the queue)")
def list_enterprises(paging: Paging, filters: listing.Filters = Depends(listing.filters_from_query),
                     user: User = Depends(API.view), db: Session = REQUEST_DB):
    found = listing.search(db, user=user, filters=filters, limit=paging.limit, offset=paging.offset)
    return Page(total=found.total, items=[schemas.EnterpriseListItem.model_validate(e) for e in found.items])


@router.post("", response_model=schemas.RegistrationOut, status_code=201,
             summary="Register an enterprise (applicant: a claim confirmed by an officer or the registry; officer: on behalf)",
             responses={202: {"model": schemas.RegistrationOut,
                              "description": "the code was registered by someone else: your claim goes to an officer"}})
def register(body: schemas.EnterpriseCreate, response: Response, user: User = Depends(API.register),
             db: Session = REQUEST_DB):
    done = registration.register(db, user=user, data=body)
    if done.enterprise is None:
        response.status_code = 202
        message = Text("该统一社会信用代码已有人登记：您的认领已提交，客户经理核实后会联系您",
                       "Someone registered this code already: your claim was filed and an officer will check it and contact you")
    elif done.ownership == "pending":
        message = Text("已登记。企业归属待客户经理核实（核实前可填写资料、授权，但不会向外部数据源查询）",
                       "Registered. Ownership awaits an officer's confirmation (until then you may fill in data and authorise, "
                       "but no provider is queried)")
    else:
        message = Text("已登记", "Registered")
    return schemas.RegistrationOut(
        ownership=done.ownership, enterprise=views.enterprise_out(db, done.enterprise) if done.enterprise else None,
        claim=schemas.ClaimOut.model_validate(done.claim) if done.claim else None, message=message.as_dict())


@router.get("/check-uscc", response_model=schemas.UsccCheck, summary="Check a 统一社会信用代码 and say which check failed")
def check_uscc(code: str = Query("", max_length=40), user: User = Depends(API.view), db: Session = REQUEST_DB):
    return registration.check_code(db, code, user=user)


@router.get("/prefill", response_model=schemas.RegistryPrefill,
            summary="The registry's public facts for a code, to prefill registration (nothing is stored)")
def prefill(uscc: str = Query(..., max_length=40), user: User = Depends(API.register)):
    return registration.prefill(uscc)


@router.get("/authorisation-text", response_model=schemas.AuthorisationText,
            summary="The current 数据查询授权 text (covers every source), its version and SHA-256")
def authorisation_text(version: str = Query(consent.CURRENT_VERSION, max_length=20), user: User = Depends(API.view)):
    return consent.authorisation_text(version)


@router.get("/{enterprise_id}", response_model=schemas.EnterpriseOut)
def get_enterprise(enterprise: Enterprise = API.viewing, db: Session = REQUEST_DB):
    return views.enterprise_out(db, enterprise)


@router.patch("/{enterprise_id}", response_model=schemas.EnterpriseOut, summary="Update declared facts; the size class is re-derived")
def update_enterprise(body: schemas.EnterpriseUpdate, enterprise: Enterprise = API.editing,
                      user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return views.enterprise_out(db, registration.update(db, user=user, enterprise=enterprise, data=body))


# --- ownership and portfolio -----------------------------------------------------------------------


@router.get("/{enterprise_id}/claims", response_model=Page[schemas.ClaimOut], summary="Ownership claims (loan officers)")
def list_claims(paging: Paging, enterprise: Enterprise = API.confirming):
    return page_of([schemas.ClaimOut.model_validate(c) for c in enterprise.claims], paging)


@router.post("/{enterprise_id}/ownership/confirm", response_model=schemas.EnterpriseOut,
             summary="Confirm an applicant's claim, saying what was checked (loan officer)")
def confirm_ownership(body: schemas.OwnershipDecision, enterprise: Enterprise = API.confirming,
                      user: User = Depends(API.confirm), db: Session = REQUEST_DB):
    registration.decide_claim(db, user=user, enterprise=enterprise, confirm=True, checked=body.checked, claim_id=body.claim_id)
    return views.enterprise_out(db, enterprise)


@router.post("/{enterprise_id}/ownership/reject", response_model=schemas.EnterpriseOut,
             summary="Reject an applicant's claim, saying why (loan officer)")
def reject_ownership(body: schemas.OwnershipDecision, enterprise: Enterprise = API.confirming,
                     user: User = Depends(API.confirm), db: Session = REQUEST_DB):
    registration.decide_claim(db, user=user, enterprise=enterprise, confirm=False, checked=body.checked, claim_id=body.claim_id)
    return views.enterprise_out(db, enterprise)


@router.post("/{enterprise_id}/take", response_model=schemas.EnterpriseOut,
             summary="Take an enterprise from the unassigned queue into your portfolio (loan officer)")
def take(enterprise: Enterprise = API.assigning, user: User = Depends(API.assign), db: Session = REQUEST_DB):
    return views.enterprise_out(db, registration.take(db, user=user, enterprise=enterprise))


@router.post("/{enterprise_id}/assign", response_model=schemas.EnterpriseOut,
             summary="Hand over to another officer or branch (the responsible officer, or an administrator)")
def assign(body: schemas.AssignRequest, enterprise: Enterprise = API.assigning, user: User = Depends(API.assign),
           db: Session = REQUEST_DB):
    return views.enterprise_out(db, registration.reassign(db, user=user, enterprise=enterprise,
                                                          officer_username=body.officer, branch_code=body.branch_code))


# --- authorisations -------------------------------------------------------------------------------


@router.get("/{enterprise_id}/authorisations", response_model=Page[schemas.AuthorisationOut])
def list_authorisations(paging: Paging, enterprise: Enterprise = API.viewing, db: Session = REQUEST_DB):
    return page_of([views.authorisation_out(a) for a in consent.authorisations_of(db, enterprise_id=enterprise.id)], paging)


@router.post("/{enterprise_id}/authorisations", response_model=schemas.AuthorisationOut, status_code=201,
             summary="Give the 数据查询授权 online (members of the enterprise): the version and SHA-256 of the text shown")
def authorise(body: schemas.AuthoriseRequest, enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
              db: Session = REQUEST_DB):
    return views.authorisation_out(consent.authorise_online(
        db, user=user, enterprise=enterprise, text_version=body.text_version, text_sha256=body.text_sha256, lang=body.lang))


@router.post("/{enterprise_id}/authorisations/paper", response_model=schemas.AuthorisationOut, status_code=201,
             summary="Record a signed paper authorisation with its scan (loan officers)")
async def authorise_on_paper(signed_on: str = Form(..., max_length=10), scan: UploadFile = File(...),
                             enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
                             db: Session = REQUEST_DB):
    from datetime import date

    from smecredit.kernel.errors import Invalid

    try:
        signed = date.fromisoformat(signed_on)
    except ValueError:
        raise Invalid("invalid_date", Text("日期格式须为 YYYY-MM-DD", "Dates must be YYYY-MM-DD"), "signed_on") from None
    content = await scan.read(data.max_upload_bytes() + 1)
    if len(content) > data.max_upload_bytes():
        raise data.too_large()
    return views.authorisation_out(consent.record_paper(db, user=user, enterprise=enterprise, signed_on=signed,
                                                        scan=content, scan_filename=scan.filename))


@router.post("/{enterprise_id}/authorisations/{authorisation_id}/withdraw", response_model=schemas.AuthorisationOut,
             summary="Withdraw an authorisation: no provider is queried after it")
def withdraw(authorisation_id: EntityId, body: schemas.WithdrawRequest, enterprise: Enterprise = API.editing,
             user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return views.authorisation_out(consent.withdraw(db, user=user, enterprise=enterprise,
                                                    authorisation_id=authorisation_id, reason=body.reason))


# --- people ---------------------------------------------------------------------------------------


@router.get("/{enterprise_id}/persons", response_model=Page[schemas.PersonOut],
            summary="Legal representative, controller, shareholders, guarantors, contact (masked)")
def list_persons(paging: Paging, enterprise: Enterprise = API.viewing):
    return page_of([people.masked(p) for p in enterprise.persons], paging)


@router.post("/{enterprise_id}/persons", response_model=schemas.PersonOut, status_code=201)
def add_person(body: schemas.PersonIn, enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
               db: Session = REQUEST_DB):
    return people.masked(people.add(db, user=user, enterprise=enterprise, data=body))


@router.put("/{enterprise_id}/persons/{person_id}", response_model=schemas.PersonOut)
def update_person(person_id: EntityId, body: schemas.PersonIn, enterprise: Enterprise = API.editing,
                  user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return people.masked(people.update(db, user=user, enterprise=enterprise, person_id=person_id, data=body))


@router.delete("/{enterprise_id}/persons/{person_id}", status_code=204, response_class=Response)
def remove_person(person_id: EntityId, enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
                  db: Session = REQUEST_DB):
    people.remove(db, user=user, enterprise=enterprise, person_id=person_id)
    return Response(status_code=204)


@router.post("/{enterprise_id}/persons/{person_id}/reveal", response_model=schemas.RevealOut,
             summary="Full personal information of one person, the fields named (audited: who, which person, which fields)")
def reveal(person_id: EntityId, body: schemas.RevealRequest, enterprise: Enterprise = API.revealing,
           user: User = Depends(API.reveal), db: Session = REQUEST_DB):
    values = people.reveal(db, user=user, enterprise=enterprise, person_id=person_id, fields=list(body.fields))
    return schemas.RevealOut(person_id=person_id, values=values)


# --- counterparties -------------------------------------------------------------------------------


@router.get("/{enterprise_id}/counterparties", response_model=Page[schemas.CounterpartyOut],
            summary="Upstream suppliers and downstream customers")
def list_counterparties(paging: Paging, enterprise: Enterprise = API.viewing):
    return page_of([schemas.CounterpartyOut.model_validate(c) for c in enterprise.counterparties], paging)


@router.post("/{enterprise_id}/counterparties", response_model=schemas.CounterpartyOut, status_code=201)
def add_counterparty(body: schemas.CounterpartyIn, enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
                     db: Session = REQUEST_DB):
    return schemas.CounterpartyOut.model_validate(counterparties.add(db, user=user, enterprise=enterprise, data=body))


@router.put("/{enterprise_id}/counterparties/{counterparty_id}", response_model=schemas.CounterpartyOut)
def update_counterparty(counterparty_id: EntityId, body: schemas.CounterpartyIn, enterprise: Enterprise = API.editing,
                        user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return schemas.CounterpartyOut.model_validate(counterparties.update(
        db, user=user, enterprise=enterprise, counterparty_id=counterparty_id, data=body))


@router.delete("/{enterprise_id}/counterparties/{counterparty_id}", status_code=204, response_class=Response)
def remove_counterparty(counterparty_id: EntityId, enterprise: Enterprise = API.editing, user: User = Depends(API.edit),
                        db: Session = REQUEST_DB):
    counterparties.remove(db, user=user, enterprise=enterprise, counterparty_id=counterparty_id)
    return Response(status_code=204)


# --- data -----------------------------------------------------------------------------------------


@router.post("/{enterprise_id}/data/pull-all", response_model=schemas.DataResult,
             summary="Pull every source the authorisation covers from the provider (sandbox by default)")
def pull_all(enterprise: Enterprise = API.editing, user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return _data_result(data.pull_all(db, user=user, enterprise=enterprise))


@router.post("/{enterprise_id}/data/{kind}/pull", response_model=schemas.DataResult,
             summary="Pull one source (registry, tax, bank_statement, financial_statements, credit_bureau, judicial)")
def pull(kind: str, enterprise: Enterprise = API.editing, user: User = Depends(API.edit), db: Session = REQUEST_DB):
    return _data_result(data.pull(db, user=user, enterprise=enterprise, kind=kind))


@router.post("/{enterprise_id}/data/{kind}/upload", response_model=schemas.DataResult, status_code=201,
             summary="Import a file (≤ SMECREDIT_MAX_UPLOAD_MB, 20 MiB); bank statements take mapping_id or a built-in mapping name")
async def upload(kind: str, file: UploadFile = File(...), mapping_id: int | None = Form(None, ge=1, le=2_147_483_647),
                 mapping: str | None = Form(None, max_length=100), amount_unit: str | None = Form(None, max_length=10),
                 enterprise: Enterprise = API.editing, user: User = Depends(API.edit), db: Session = REQUEST_DB):
    content = await file.read(data.max_upload_bytes() + 1)
    if len(content) > data.max_upload_bytes():
        raise data.too_large()
    return _data_result(data.upload(db, user=user, enterprise=enterprise, kind=kind, data=content, filename=file.filename,
                                    mapping_id=mapping_id, mapping=mapping, amount_unit=amount_unit))


@router.get("/{enterprise_id}/snapshots", response_model=Page[schemas.SnapshotOut], summary="Data snapshots, newest first")
def list_snapshots(paging: Paging, kind: str | None = Query(None, max_length=30), enterprise: Enterprise = API.viewing,
                   db: Session = REQUEST_DB):
    found = snapshots_of(db, enterprise_id=enterprise.id, kind=data.parse_kind(kind) if kind else None)
    return Page(total=len(found), items=[snapshot_out(s) for s in found[paging.offset: paging.offset + paging.limit]])


@router.get("/{enterprise_id}/snapshots/{snapshot_id}", response_model=schemas.SnapshotDetail,
            summary="One snapshot; personal information in its content is masked (reveal it with …/reveal)")
def get_snapshot(snapshot_id: EntityId, enterprise: Enterprise = API.viewing, user: User = Depends(API.view),
                 db: Session = REQUEST_DB):
    snap = snapshot_of(db, enterprise, snapshot_id)
    return snapshot_out(snap, data.content_for(user, enterprise, snap))


@router.post("/{enterprise_id}/snapshots/{snapshot_id}/reveal", response_model=schemas.SnapshotDetail,
             summary="One snapshot with its personal information in full (audited)")
def reveal_snapshot(snapshot_id: EntityId, enterprise: Enterprise = API.revealing, user: User = Depends(API.reveal),
                    db: Session = REQUEST_DB):
    content = data.reveal_content(db, user=user, enterprise=enterprise, snapshot_id=snapshot_id)
    return snapshot_out(snapshot_of(db, enterprise, snapshot_id), content)


@router.get("/{enterprise_id}/snapshots/{snapshot_id}/original", response_class=Response,
            summary="The uploaded file as received (audited)")
def original_file(snapshot_id: EntityId, enterprise: Enterprise = API.revealing, user: User = Depends(API.reveal),
                  db: Session = REQUEST_DB):
    return download(*data.original(db, user=user, enterprise=enterprise, snapshot_id=snapshot_id))


def download(filename: str, content: bytes) -> Response:
    from urllib.parse import quote

    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


# --- profile --------------------------------------------------------------------------------------


@router.get("/{enterprise_id}/profile", response_model=schemas.ProfileOut, summary="The latest credit profile")
def latest_profile(enterprise: Enterprise = API.viewing, db: Session = REQUEST_DB):
    row = profile.latest_profile(db, enterprise_id=enterprise.id)
    if row is None:
        raise not_found(Text("信用画像", "Credit profile"))
    return profile.profile_out(db, row)


@router.get("/{enterprise_id}/profiles", response_model=Page[schemas.ProfileSummary], summary="Profile history, newest first")
def profile_history(paging: Paging, enterprise: Enterprise = API.viewing, db: Session = REQUEST_DB):
    found = profile.profiles_of(db, enterprise_id=enterprise.id)
    return Page(total=len(found), items=[profile.summary_out(p) for p in found[paging.offset: paging.offset + paging.limit]])


@router.get("/{enterprise_id}/profiles/{version}", response_model=schemas.ProfileOut)
def profile_version(version: EntityId, enterprise: Enterprise = API.viewing, db: Session = REQUEST_DB):
    return profile.profile_out(db, profile.get_profile(db, enterprise_id=enterprise.id, version=version))


@router.post("/{enterprise_id}/profile/compute", response_model=schemas.ProfileOut, status_code=201,
             summary="Recompute the profile (optionally as of a past business date)")
def compute(body: schemas.ComputeProfileRequest | None = None, enterprise: Enterprise = API.computing,
            user: User = Depends(API.compute), db: Session = REQUEST_DB):
    row = profile.compute(db, enterprise=enterprise, actor=actor_of(user), as_of=body.as_of if body else None)
    return profile.profile_out(db, row)


# --- bank mappings --------------------------------------------------------------------------------


@mappings_router.get("", response_model=Page[schemas.BankMappingOut], summary="Built-in and saved bank-statement column mappings")
def list_mappings(paging: Paging, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return page_of(mappings.options(db), paging)


@mappings_router.post("", response_model=schemas.BankMappingOut, status_code=201)
def create_mapping(body: schemas.BankMappingIn, user: User = Depends(API.mappings), db: Session = REQUEST_DB):
    return mappings.out(mappings.save(db, user=user, data=body))


@mappings_router.get("/{mapping_id}", response_model=schemas.BankMappingOut)
def get_mapping(mapping_id: EntityId, user: User = Depends(API.view), db: Session = REQUEST_DB):
    return mappings.out(mappings.get(db, mapping_id=mapping_id))


@mappings_router.put("/{mapping_id}", response_model=schemas.BankMappingOut)
def update_mapping(mapping_id: EntityId, body: schemas.BankMappingIn, user: User = Depends(API.mappings),
                   db: Session = REQUEST_DB):
    return mappings.out(mappings.save(db, user=user, data=body, mapping_id=mapping_id))


@mappings_router.delete("/{mapping_id}", status_code=204, response_class=Response)
def delete_mapping(mapping_id: EntityId, user: User = Depends(API.mappings), db: Session = REQUEST_DB):
    mappings.delete(db, user=user, mapping_id=mapping_id)
    return Response(status_code=204)


# --- assignment rules -----------------------------------------------------------------------------


@rules_router.get("", response_model=Page[schemas.AssignmentRuleOut],
                  summary="Where self-registered enterprises go (administrators)")
def list_rules(paging: Paging, user: User = Depends(API.rules), db: Session = REQUEST_DB):
    return page_of([schemas.AssignmentRuleOut.model_validate(r) for r in registration.list_rules(db)], paging)


@rules_router.post("", response_model=schemas.AssignmentRuleOut, status_code=201)
def add_rule(body: schemas.AssignmentRuleIn, user: User = Depends(API.rules), db: Session = REQUEST_DB):
    return schemas.AssignmentRuleOut.model_validate(registration.add_rule(db, user=user, data=body))


@rules_router.delete("/{rule_id}", status_code=204, response_class=Response)
def remove_rule(rule_id: EntityId, user: User = Depends(API.rules), db: Session = REQUEST_DB):
    registration.remove_rule(db, user=user, rule_id=rule_id)
    return Response(status_code=204)
