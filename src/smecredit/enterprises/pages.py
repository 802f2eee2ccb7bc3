"""Stage 1 pages: applicants register their enterprise, authorise credit enquiries and see the
data held about them; staff search enterprises, register on behalf, and work on one enterprise
(facts and size class, people with audited reveal, counterparties, data sources, profile)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request

from smecredit.enterprises import profile as profiles
from smecredit.enterprises import schemas, service
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError, Forbidden, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.web import menu
from smecredit.web.deps import ANY_ROLE, ANY_STAFF, Allow, REQUEST_DB
from smecredit.web.i18n import pick, request_lang
from smecredit.web.errors import status_of
from smecredit.web.security import csrf_protect
from smecredit.web.params import EntityId
from smecredit.web.templating import add_template_dir, register_notices, render

add_template_dir(Path(__file__).resolve().parent / "templates")
router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

VIEW = Allow(*ANY_ROLE)
STAFF = Allow(*ANY_STAFF)
APPLICANT = Allow(Role.APPLICANT)
EDIT = Allow(*service.EDIT_ROLES)
REVEAL = Allow(*service.REVEAL_ROLES)
OFFICER = Allow(Role.LOAN_OFFICER)

menu.register(menu.MenuItem("my_enterprise", "/my/enterprises", "我的企业", "My enterprise", frozenset({Role.APPLICANT}),
                            "building", "登记企业、征信查询授权、查看我们持有的数据",
                            "Register your enterprise, authorise enquiries, see the data we hold"))
menu.register(menu.MenuItem("enterprises", "/enterprises", "企业客户", "Enterprises", frozenset(ANY_STAFF), "buildings",
                            "检索企业、代客登记、采集数据与信用画像",
                            "Search enterprises, register on behalf, data and credit profiles"))
menu.register(menu.MenuItem("bank_mappings", "/bank-mappings", "流水列映射", "Statement mappings",
                            frozenset({Role.LOAN_OFFICER}), "table", "各银行流水导出的列映射",
                            "Column mappings of each bank's statement export"))

KIND_LABELS = {k.value: (k.label_zh, k.label_en) for k in SourceKind}
# Required registration fields checked before the model, so the form names them in the user's words.
REQUIRED_LABELS = {
    "uscc": ("统一社会信用代码", "Unified social credit code"), "name": ("名称", "Name"), "industry": ("行业", "Industry"),
}


def _form_error(error: ValidationError) -> DomainError:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ()))
    return Invalid("validation_error", Text(f"输入有误：{field}", f"Invalid input: {field} — {first.get('msg')}"), field)


def _build(model: type[BaseModel], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _form_error(error) from None


def _clean(form, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            value = value.strip()
            out[name] = value if value != "" else None
    return out


def _party(form, prefix: str) -> dict[str, Any] | None:
    values = {k: form.get(f"{prefix}.{k}") for k in ("name", "id_number", "phone", "address")}
    values = {k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in values.items()}
    return values if any(values.values()) else None


def _error_ctx(request: Request, error: DomainError) -> dict[str, Any]:
    errors = error.details.get("errors") if isinstance(error.details, dict) else None
    return {"message": error.text(request_lang(request)), "error_field": error.field, "error_code": error.code,
            "line_errors": errors if isinstance(errors, list) else None}


# --- applicant home and staff search ---------------------------------------------------------------


@router.get("/my/enterprises")
def my_enterprises(request: Request, user: User = Depends(APPLICANT), db: Session = REQUEST_DB):
    rows = service.enterprises_of(db, user=user)
    return render(request, "enterprises/mine.html", {"enterprises": rows})


@router.get("/enterprises")
def search(request: Request, q: str = "", user: User = Depends(STAFF), db: Session = REQUEST_DB):
    total, rows = service.list_enterprises(db, user=user, q=q, limit=100)
    return render(request, "enterprises/list.html", {"enterprises": rows, "total": total, "q": q,
                                                     "size_classes": sme_size.SizeClass,
                                                     "can_register": Role.LOAN_OFFICER in user.roles})


# --- registration -------------------------------------------------------------------------------------


def _form_ctx(user: User, form: dict | None = None) -> dict[str, Any]:
    return {"form": form or {}, "industries": list(sme_size.Industry), "on_behalf": Role.LOAN_OFFICER in user.roles}


@router.get("/enterprises/new")
def new_form(request: Request, user: User = Depends(EDIT)):
    return render(request, "enterprises/form.html", _form_ctx(user))


@router.get("/enterprises/check-uscc")
def check_uscc(request: Request, uscc: str = "", user: User = Depends(VIEW), db: Session = REQUEST_DB):
    """htmx: says which check of the code failed, or where it was registered."""
    result = service.check_code(db, uscc) if uscc.strip() else None
    return render(request, "enterprises/_uscc_check.html", {"check": result})


@router.post("/enterprises")
async def register(request: Request, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    form = await request.form()
    flat = {k: v for k, v in form.items() if isinstance(v, str)}
    values = _clean(form, "uscc", "name", "industry", "address", "founded_on", "employees", "revenue_wan",
                    "assets_wan", "applicant_username")
    values["legal_rep"] = _party(form, "legal_rep") or {}
    controller = _party(form, "controller")
    if controller and form.get("controller_same") != "on":
        values["controller"] = controller
    contact = _party(form, "contact")
    if contact:
        values["contact"] = {k: v for k, v in contact.items() if k != "id_number"}
    try:
        for key, (zh, en) in REQUIRED_LABELS.items():
            if not values.get(key):
                raise Invalid("required", Text(f"请填写{zh}", f"{en} is required"), key)
        data = _build(schemas.EnterpriseCreate, values)
        enterprise = service.register_enterprise(db, user=user, data=data)
    except DomainError as error:
        settle(db, error)
        return render(request, "enterprises/form.html", {**_form_ctx(user, flat), **_error_ctx(request, error)},
                      status_code=status_of(error))
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=registered", status_code=303)


# --- one enterprise ---------------------------------------------------------------------------------------


def _detail_ctx(db: Session, user: User, enterprise: Enterprise, lang: str) -> dict[str, Any]:
    history = profiles.profiles_of(db, enterprise_id=enterprise.id)  # newest version first
    snapshots = service.snapshots_of(db, enterprise_id=enterprise.id)
    return {
        "e": enterprise,
        "industry": sme_size.Industry(enterprise.industry),
        "size": sme_size.SizeClass(enterprise.size_class),
        "persons": [(p, service.masked_person(p)) for p in enterprise.persons],
        "counterparties": list(enterprise.counterparties),
        "snapshots": snapshots,
        "snap_by_id": {s.id: s for s in snapshots},
        "kinds": list(SourceKind),
        "kind_labels": KIND_LABELS,
        "profile": history[0] if history else None,
        "history": history,
        "format_value": lambda f: profiles.format_value(f, lang),
        "missing_reason": profiles.missing_reason,
        "authorisation": service.latest_authorisation(db, enterprise_id=enterprise.id),
        "can_edit": service.can_edit(enterprise, user),
        "can_reveal": service.can_reveal(enterprise, user),
        "is_officer": Role.LOAN_OFFICER in user.roles,
        "mappings": service.mapping_options(db),
        "role_labels": service.ROLE_LABELS,
        "relation_labels": service.RELATION_LABELS,
        "industries": list(sme_size.Industry),
        "revealed": {},
        "members": service.member_usernames(db, enterprise),
    }


NOTICES = {
    "registered": ("企业已登记", "Enterprise registered"),
    "authorised": ("已记录征信查询授权", "Credit enquiry authorisation recorded"),
    "pulled": ("数据已采集，信用画像已更新", "Data pulled; the credit profile was updated"),
    "uploaded": ("文件已导入，信用画像已更新", "File imported; the credit profile was updated"),
    "computed": ("信用画像已重新计算", "Credit profile recomputed"),
}
register_notices(NOTICES)


def _detail(request: Request, db: Session, user: User, enterprise_id: EntityId, *, extra: dict | None = None,
            status_code: int = 200):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    ctx = _detail_ctx(db, user, enterprise, request_lang(request))
    ctx.update(extra or {})
    return render(request, "enterprises/detail.html", ctx, status_code=status_code)


def _failed(request: Request, db: Session, user: User, enterprise_id: EntityId, error: DomainError, section: str):
    if isinstance(error, (Forbidden, NotFound)):
        raise error
    settle(db, error)
    extra = {**_error_ctx(request, error), "error_section": section}
    return _detail(request, db, user, enterprise_id, extra=extra, status_code=status_of(error))


def _back(enterprise_id: EntityId, notice: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/enterprises/{enterprise_id}?notice={notice}{anchor}", status_code=303)


def _act(request: Request, db: Session, user: User, enterprise_id: EntityId, section: str, notice: str,
         action: Callable[[], object]):
    """Run one use case from a form on the detail page: back to its section with a notice, or the
    page again with the error shown in that section."""
    try:
        action()
    except DomainError as error:
        return _failed(request, db, user, enterprise_id, error, section)
    return _back(enterprise_id, notice, f"#{section}")


@router.get("/enterprises/{enterprise_id}")
def detail(request: Request, enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    return _detail(request, db, user, enterprise_id)


@router.post("/enterprises/{enterprise_id}/facts")
async def update_facts(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    form = await request.form()
    values = _clean(form, "name", "industry", "address", "founded_on", "employees", "revenue_wan", "assets_wan")
    return _act(request, db, user, enterprise_id, "facts", "saved", lambda: service.update_enterprise(
        db, user=user, enterprise_id=enterprise_id, data=_build(schemas.EnterpriseUpdate, values)))


# --- authorisation -----------------------------------------------------------------------------------


@router.get("/enterprises/{enterprise_id}/authorise")
def authorise_form(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    history = service.authorisations_of(db, enterprise_id=enterprise.id)
    return render(request, "enterprises/authorise.html", {"e": enterprise, "text": service.authorisation_text(),
                                                           "history": history})


@router.post("/enterprises/{enterprise_id}/authorise")
async def authorise(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    form = await request.form()
    try:
        if form.get("agree") != "on":
            raise Invalid("not_agreed", Text("请勾选“我已阅读并同意”", "Tick 'I have read and agree'"), "agree")
        service.authorise_queries(db, user=user, enterprise_id=enterprise_id,
                                  text_version=str(form.get("text_version", "")),
                                  text_sha256=str(form.get("text_sha256", "")), lang=request_lang(request))
    except DomainError as error:
        if isinstance(error, (Forbidden, NotFound)):
            raise
        settle(db, error)
        enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
        return render(request, "enterprises/authorise.html",
                      {"e": enterprise, "text": service.authorisation_text(), "history": [],
                       **_error_ctx(request, error)}, status_code=status_of(error))
    return _back(enterprise_id, "authorised", "#data")


# --- people -------------------------------------------------------------------------------------------------


def _person_values(form) -> dict[str, Any]:
    values = _clean(form, "role", "party_type", "name", "id_number", "phone", "address", "share_pct", "guarantee_amount")
    values["party_type"] = values.get("party_type") or "person"
    return values


@router.post("/enterprises/{enterprise_id}/persons")
async def add_person(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise_id, "persons", "saved", lambda: service.add_person(
        db, user=user, enterprise_id=enterprise_id, data=_build(schemas.PersonIn, _person_values(form))))


def _person_page(request: Request, db: Session, user: User, enterprise_id: EntityId, person_id: EntityId,
                 error: DomainError | None = None):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    person = service.person_of(db, enterprise, person_id)
    ctx = {"e": enterprise, "person": person, "masked": service.masked_person(person), "role_labels": service.ROLE_LABELS}
    if error is not None:
        ctx.update(_error_ctx(request, error))
    return render(request, "enterprises/person_form.html", ctx, status_code=status_of(error) if error else 200)


@router.get("/enterprises/{enterprise_id}/persons/{person_id}/edit")
def edit_person(request: Request, enterprise_id: EntityId, person_id: EntityId, user: User = Depends(EDIT),
                db: Session = REQUEST_DB):
    return _person_page(request, db, user, enterprise_id, person_id)


@router.post("/enterprises/{enterprise_id}/persons/{person_id}")
async def update_person(request: Request, enterprise_id: EntityId, person_id: EntityId, user: User = Depends(EDIT),
                        db: Session = REQUEST_DB):
    form = await request.form()
    try:
        enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
        person = service.person_of(db, enterprise, person_id)
        values = _person_values(form)
        # Masked fields left untouched keep their stored value (the form never shows full values).
        for key in service.PII_FIELDS:
            if values.get(key) is None or "*" in values[key]:
                values[key] = getattr(person, key)
        service.update_person(db, user=user, enterprise_id=enterprise_id, person_id=person_id,
                              data=_build(schemas.PersonIn, values))
    except DomainError as error:
        if isinstance(error, (Forbidden, NotFound)):
            raise
        settle(db, error)
        return _person_page(request, db, user, enterprise_id, person_id, error)
    return _back(enterprise_id, "saved", "#persons")


@router.post("/enterprises/{enterprise_id}/persons/{person_id}/delete")
def delete_person(request: Request, enterprise_id: EntityId, person_id: EntityId, user: User = Depends(EDIT),
                  db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise_id, "persons", "removed", lambda: service.remove_person(
        db, user=user, enterprise_id=enterprise_id, person_id=person_id))


@router.post("/enterprises/{enterprise_id}/persons/{person_id}/reveal")
def reveal(request: Request, enterprise_id: EntityId, person_id: EntityId, user: User = Depends(REVEAL),
           db: Session = REQUEST_DB):
    values = service.reveal(db, user=user, enterprise_id=enterprise_id, person_id=person_id)
    if request.headers.get("hx-request"):
        return render(request, "enterprises/_revealed.html", {"values": values, "person_id": person_id})
    return _detail(request, db, user, enterprise_id, extra={"revealed": {person_id: values}})


# --- counterparties ------------------------------------------------------------------------------------------


def _counterparty_values(form) -> dict[str, Any]:
    values = _clean(form, "relation", "name", "uscc", "annual_amount")
    values["is_core_enterprise"] = form.get("is_core_enterprise") == "on"
    return values


@router.post("/enterprises/{enterprise_id}/counterparties")
async def add_counterparty(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT),
                           db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise_id, "counterparties", "saved", lambda: service.add_counterparty(
        db, user=user, enterprise_id=enterprise_id, data=_build(schemas.CounterpartyIn, _counterparty_values(form))))


@router.get("/enterprises/{enterprise_id}/counterparties/{counterparty_id}/edit")
def edit_counterparty(request: Request, enterprise_id: EntityId, counterparty_id: EntityId, user: User = Depends(EDIT),
                      db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    row = service.counterparty_of(db, enterprise, counterparty_id)
    return render(request, "enterprises/counterparty_form.html", {"e": enterprise, "c": row,
                                                                  "relation_labels": service.RELATION_LABELS})


@router.post("/enterprises/{enterprise_id}/counterparties/{counterparty_id}")
async def update_counterparty(request: Request, enterprise_id: EntityId, counterparty_id: EntityId, user: User = Depends(EDIT),
                              db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise_id, "counterparties", "saved", lambda: service.update_counterparty(
        db, user=user, enterprise_id=enterprise_id, counterparty_id=counterparty_id,
        data=_build(schemas.CounterpartyIn, _counterparty_values(form))))


@router.post("/enterprises/{enterprise_id}/counterparties/{counterparty_id}/delete")
def delete_counterparty(request: Request, enterprise_id: EntityId, counterparty_id: EntityId, user: User = Depends(EDIT),
                        db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise_id, "counterparties", "removed", lambda: service.remove_counterparty(
        db, user=user, enterprise_id=enterprise_id, counterparty_id=counterparty_id))


# --- data ------------------------------------------------------------------------------------------------------


@router.post("/enterprises/{enterprise_id}/data/pull-all")
def pull_all(request: Request, enterprise_id: EntityId, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    try:
        outcome = service.pull_all(db, user=user, enterprise_id=enterprise_id)
    except DomainError as error:
        return _failed(request, db, user, enterprise_id, error, "data")
    if outcome.skipped:
        first = outcome.skipped[0]
        return _detail(request, db, user, enterprise_id, extra={
            "notice": pick(request_lang(request), *NOTICES["pulled"]),
            "message": first.text(request_lang(request)), "error_section": "data"})
    return _back(enterprise_id, "pulled", "#data")


@router.post("/enterprises/{enterprise_id}/data/{kind}/pull")
def pull(request: Request, enterprise_id: EntityId, kind: str, user: User = Depends(EDIT), db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise_id, "data", "pulled",
                lambda: service.pull(db, user=user, enterprise_id=enterprise_id, kind=kind))


@router.post("/enterprises/{enterprise_id}/data/{kind}/upload")
async def upload(request: Request, enterprise_id: EntityId, kind: str, user: User = Depends(EDIT),
                 db: Session = REQUEST_DB):
    form = await request.form()
    try:
        service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            raise Invalid("file_required", Text("请选择要上传的文件", "Choose a file to upload"), "file")
        data = await file.read(service.MAX_UPLOAD_BYTES + 1)
        if len(data) > service.MAX_UPLOAD_BYTES:
            raise service.too_large_error()
        choice = str(form.get("mapping") or "")
        # isascii: str.isdigit() also accepts digits such as '²' that int() refuses.
        digits = choice[3:] if choice.startswith("id:") else ""
        mapping_id = int(digits) if digits.isascii() and digits.isdigit() else None
        mapping = choice if choice and mapping_id is None else None
        service.upload(db, user=user, enterprise_id=enterprise_id, kind=kind, data=data, filename=file.filename,
                       mapping_id=mapping_id, mapping=mapping, amount_unit=str(form.get("amount_unit") or "") or None)
    except DomainError as error:
        return _failed(request, db, user, enterprise_id, error, f"upload-{kind}")
    return _back(enterprise_id, "uploaded", "#data")


@router.get("/enterprises/{enterprise_id}/snapshots/{snapshot_id}")
def snapshot(request: Request, enterprise_id: EntityId, snapshot_id: EntityId, user: User = Depends(VIEW),
             db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    snap = service.snapshot_of(db, enterprise, snapshot_id)
    content = json.dumps(json.loads(snap.content), ensure_ascii=False, indent=2)
    truncated = len(content) > 200_000
    return render(request, "enterprises/snapshot.html", {
        "e": enterprise, "s": snap, "kind": SourceKind(snap.kind), "content": content[:200_000],
        "truncated": truncated, "warnings": json.loads(snap.warnings or "[]"),
    })


# --- profile -------------------------------------------------------------------------------------------------------


@router.get("/enterprises/{enterprise_id}/profiles/{version}")
def profile_version(request: Request, enterprise_id: EntityId, version: EntityId, user: User = Depends(VIEW),
                    db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    row = profiles.get_profile(db, enterprise_id=enterprise.id, version=version)
    snaps = {s.id: s for s in service.snapshots_of(db, enterprise_id=enterprise.id)}
    lang = request_lang(request)
    return render(request, "enterprises/profile.html", {
        "e": enterprise, "profile": row, "snap_by_id": snaps, "format_value": lambda f: profiles.format_value(f, lang),
        "missing_reason": profiles.missing_reason, "history": profiles.profiles_of(db, enterprise_id=enterprise.id),
        "kind_labels": KIND_LABELS,
    })


@router.post("/enterprises/{enterprise_id}/profile/compute")
def compute(request: Request, enterprise_id: EntityId, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    profiles.compute_profile(db, enterprise_id=enterprise.id, actor=actor_of(user), trigger="manual")
    return _back(enterprise_id, "computed", "#profile")


@router.get("/enterprises/{enterprise_id}/data-held")
def data_held(request: Request, enterprise_id: EntityId, user: User = Depends(VIEW), db: Session = REQUEST_DB):
    enterprise = service.get_enterprise(db, enterprise_id=enterprise_id, user=user)
    held = profiles.data_held(db, enterprise_id=enterprise.id)
    lang = request_lang(request)
    return render(request, "enterprises/data_held.html", {
        "e": enterprise, "held": held, "format_value": lambda f: profiles.format_value(f, lang),
        "authorisation": service.latest_authorisation(db, enterprise_id=enterprise.id),
        "persons": [service.masked_person(p) for p in enterprise.persons], "role_labels": service.ROLE_LABELS,
        "kind_labels": KIND_LABELS,
    })


# --- bank mappings -------------------------------------------------------------------------------------------------


def _mapping_page(request: Request, db: Session, *, editing=None, form: dict | None = None, error: DomainError | None = None):
    ctx = {"options": service.mapping_options(db), "editing": editing, "form": form or {}}
    if error is not None:
        ctx.update(_error_ctx(request, error))
    return render(request, "enterprises/bank_mappings.html", ctx, status_code=status_of(error) if error else 200)


@router.get("/bank-mappings")
def mappings(request: Request, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    return _mapping_page(request, db, form={"mapping": json.dumps(
        {"date_column": "交易日期", "amount_column": "交易金额", "direction_column": "借贷标志", "balance_column": "余额",
         "counterparty_column": "对方户名", "memo_column": "摘要"}, ensure_ascii=False, indent=2)})


def _mapping_input(form) -> schemas.BankMappingIn:
    bank = str(form.get("bank_name") or "").strip()
    raw = str(form.get("mapping") or "").strip()
    try:
        mapping = json.loads(raw) if raw else {}
    except json.JSONDecodeError as exc:
        raise Invalid("invalid_json", Text(f"映射须为 JSON：{exc.msg}（第 {exc.lineno} 行）", f"The mapping must be JSON: {exc.msg} (line {exc.lineno})"), "mapping") from None
    if not isinstance(mapping, dict):
        raise Invalid("invalid_json", Text("映射须为 JSON 对象", "The mapping must be a JSON object"), "mapping")
    return _build(schemas.BankMappingIn, {"bank_name": bank, "mapping": mapping})


@router.post("/bank-mappings")
async def create_mapping(request: Request, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    form = await request.form()
    try:
        service.save_bank_mapping(db, user=user, data=_mapping_input(form))
    except DomainError as error:
        settle(db, error)
        return _mapping_page(request, db, form=dict(form), error=error)
    return RedirectResponse("/bank-mappings?notice=saved", status_code=303)


@router.get("/bank-mappings/{mapping_id}")
def edit_mapping(request: Request, mapping_id: EntityId, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    row = service.get_bank_mapping(db, mapping_id=mapping_id)
    form = {"bank_name": row.bank_name, "mapping": json.dumps(json.loads(row.mapping), ensure_ascii=False, indent=2)}
    return _mapping_page(request, db, editing=row, form=form)


@router.post("/bank-mappings/{mapping_id}")
async def update_mapping(request: Request, mapping_id: EntityId, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    form = await request.form()
    row = service.get_bank_mapping(db, mapping_id=mapping_id)
    try:
        service.save_bank_mapping(db, user=user, data=_mapping_input(form), mapping_id=mapping_id)
    except DomainError as error:
        settle(db, error)
        return _mapping_page(request, db, editing=row, form=dict(form), error=error)
    return RedirectResponse("/bank-mappings?notice=saved", status_code=303)


@router.post("/bank-mappings/{mapping_id}/delete")
def delete_mapping(request: Request, mapping_id: EntityId, user: User = Depends(OFFICER), db: Session = REQUEST_DB):
    service.delete_bank_mapping(db, user=user, mapping_id=mapping_id)
    return RedirectResponse("/bank-mappings?notice=removed", status_code=303)

