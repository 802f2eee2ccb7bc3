"""Stage 1 use cases: register an enterprise, keep its people and counterparties, record the
征信查询授权, pull or import data as immutable snapshots, and bank-statement mappings.

Each public function is one use case: its rows and audit event are flushed in the caller's
transaction, which the request or command commits. Who may do what:

* view: staff roles, and applicants who are members of the enterprise;
* change data, pull or import: the owning applicant and loan officers;
* reveal personal information: the owner and loan officers, credit reviewers, approvers and risk
  managers — every reveal is audited (who, which person, which fields). Audit payloads never
  carry personal information itself.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from smecredit.audit.log import record
from smecredit.enterprises import events, schemas
from smecredit.enterprises.connectors import ParsedSource, SourceKind, parse_source
from smecredit.enterprises.models import (
    BankMapping,
    Counterparty,
    DataSnapshot,
    Enterprise,
    EnterpriseMember,
    EnterprisePerson,
    QueryAuthorisation,
)
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.db import on_rollback
from smecredit.kernel.errors import Conflict, DomainError, Invalid, NotFound, TooLarge, forbidden, not_found
from smecredit.kernel.text import Text
from smecredit.kernel.money import to_money
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.standards import sme_size
from smecredit.standards.resident_id import mask_name, mask_phone, mask_resident_id, require_valid_resident_id
from smecredit.standards.uscc import require_valid_uscc, validate_uscc

EDIT_ROLES = frozenset({Role.APPLICANT, Role.LOAN_OFFICER})
REVEAL_ROLES = frozenset({Role.APPLICANT, Role.LOAN_OFFICER, Role.CREDIT_REVIEWER, Role.APPROVER, Role.RISK_MANAGER})
STAFF_VIEW_ROLES = frozenset(Role) - {Role.APPLICANT}

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PII_FIELDS = ("name", "id_number", "phone", "address")
SINGLE_ROLES = ("legal_rep", "controller", "contact")
ROLE_LABELS = {
    "legal_rep": ("法定代表人", "Legal representative"),
    "controller": ("实际控制人", "Actual controller"),
    "shareholder": ("股东", "Shareholder"),
    "guarantor": ("担保人", "Guarantor"),
    "contact": ("联系人", "Contact"),
}
RELATION_LABELS = {"supplier": ("上游供应商", "Supplier"), "customer": ("下游客户", "Customer")}

# --- 征信查询授权: the text is versioned data; what the user agreed to is its version + SHA-256 --

AUTHORISATION_TEXTS: dict[str, tuple[str, str]] = {
    "2026-01": (
        "征信查询授权书\n"
        "本企业（及其法定代表人、实际控制人）不可撤销地授权贷款人，在办理本企业授信申请、贷后管理、"
        "担保资格审查期间，向中国人民银行征信中心金融信用信息基础数据库及经批准设立的征信机构查询、"
        "打印、保存本企业的信用报告，并向工商登记、税务、司法及本企业提供的银行账户来源采集本企业的"
        "经营数据，用于信用评估。贷款人应依法保护所获信息，不得用于上述以外的用途。"
        "本授权自确认之日起至上述业务终结之日止有效。",
        "Credit enquiry authorisation\n"
        "The enterprise (and its legal representative and actual controller) irrevocably authorises "
        "the lender, while handling its credit application, post-loan management and guarantor "
        "review, to query, print and keep its credit report from the PBOC Credit Reference Center "
        "and licensed credit bureaus, and to collect its business data from the business registry, "
        "tax, judicial and the bank-account sources it provides, for credit assessment. The lender "
        "shall protect the information as the law requires and use it for no other purpose. The "
        "authorisation is valid from confirmation until the business above ends.",
    ),
}
CURRENT_AUTHORISATION_VERSION = "2026-01"


def authorisation_text(version: str = CURRENT_AUTHORISATION_VERSION) -> schemas.AuthorisationText:
    try:
        zh, en = AUTHORISATION_TEXTS[version]
    except KeyError:
        raise Invalid("unknown_text_version", Text(f"授权书版本 {version} 不存在", f"No authorisation text version {version}"), "text_version") from None
    digest = hashlib.sha256(f"{zh}\n\n{en}".encode("utf-8")).hexdigest()
    return schemas.AuthorisationText(version=version, text_zh=zh, text_en=en, sha256=digest)


# --- access ------------------------------------------------------------------------------------


def is_member(enterprise: Enterprise, user: User) -> bool:
    return any(m.user_id == user.id for m in enterprise.members)


def _load(db: Session, enterprise_id: int) -> Enterprise:
    enterprise = db.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise not_found(Text("企业", "Enterprise"), "enterprise_id")
    return enterprise


def can_view(enterprise: Enterprise, user: User) -> bool:
    return user.has_any(STAFF_VIEW_ROLES) or (Role.APPLICANT in user.roles and is_member(enterprise, user))


def can_edit(enterprise: Enterprise, user: User) -> bool:
    return Role.LOAN_OFFICER in user.roles or (Role.APPLICANT in user.roles and is_member(enterprise, user))


def can_reveal(enterprise: Enterprise, user: User) -> bool:
    staff = user.has_any(REVEAL_ROLES - {Role.APPLICANT})
    return staff or (Role.APPLICANT in user.roles and is_member(enterprise, user))


NOT_YOURS = forbidden(Text("这不是您登记的企业，无权查看或修改", "This is not your enterprise; you may not see or change it"))


def get_enterprise(db: Session, *, enterprise_id: int, user: User) -> Enterprise:
    """The enterprise if the user may see it: 404 when it does not exist, 403 when not theirs."""
    enterprise = _load(db, enterprise_id)
    if not can_view(enterprise, user):
        raise NOT_YOURS
    return enterprise


def _editable(db: Session, enterprise_id: int, user: User) -> Enterprise:
    enterprise = _load(db, enterprise_id)
    if not can_edit(enterprise, user):
        if can_view(enterprise, user):
            raise forbidden(Text("您的岗位只能查看此企业，不能修改或采集数据", "Your role may view this enterprise but not change it or pull data"))
        raise NOT_YOURS
    return enterprise


def list_enterprises(db: Session, *, user: User, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list[Enterprise]]:
    query = select(Enterprise)
    if not user.has_any(STAFF_VIEW_ROLES):
        query = query.join(EnterpriseMember).where(EnterpriseMember.user_id == user.id)
    needle = (q or "").strip()
    if needle:
        query = query.where(or_(Enterprise.name.contains(needle, autoescape=True),
                                Enterprise.uscc.startswith(needle.upper(), autoescape=True)))
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.execute(query.order_by(Enterprise.id.desc()).limit(limit).offset(offset)).scalars()
    return total, list(rows)


def enterprises_of(db: Session, *, user: User) -> list[Enterprise]:
    return list(db.execute(select(Enterprise).join(EnterpriseMember)
                           .where(EnterpriseMember.user_id == user.id).order_by(Enterprise.id)).scalars())


# --- validation helpers -----------------------------------------------------------------------


@contextmanager
def unprocessable():
    yield

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_SIZE_FIELDS = {sme_size.EMPLOYEES: "employees", sme_size.REVENUE: "revenue_wan", sme_size.ASSETS: "assets_wan"}


def _text(value: str | None, field: str, *, required: bool = False, max_len: int = 200) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("required", Text("必填", "Required"), field)
        return None
    if len(text) > max_len:
        raise Invalid("too_long", Text(f"不能超过 {max_len} 个字符", f"At most {max_len} characters"), field)
    return text


def _phone(value: str | None, field: str, *, required: bool = False) -> str | None:
    text = _text(value, field, required=required, max_len=30)
    if text is not None and not _PHONE.match(text):
        raise Invalid("invalid_phone", Text("电话号码格式不正确（手机号 11 位，或区号-号码）", "Not a phone number (11-digit mobile, or area code-number)"), field)
    return text


def _code_taken(db: Session, code: str) -> bool:
    return db.execute(select(Enterprise.id).where(Enterprise.uscc == code)).first() is not None


def _uscc_taken(code: str) -> Conflict:
    return Conflict("uscc_taken", Text(f"统一社会信用代码 {code} 的企业已登记", f"An enterprise with code {code} is already registered"), "uscc")


def check_code(db: Session, code: str) -> schemas.UsccCheck:
    """Which check of the code failed, or, for a valid code, whether it is already registered."""
    result = validate_uscc(code or "")
    return schemas.UsccCheck(code=result.code, valid=result.valid, reason=result.reason, reason_zh=result.reason_zh,
                             reason_en=result.reason_en, region=result.region.as_dict() if result.region else None,
                             taken=result.valid and _code_taken(db, result.code))


def _money(value: Decimal | None, field: str) -> Decimal | None:
    """Amounts are quantised to the fen on input, so what is checked, stored and answered agree."""
    if value is None:
        return None
    with unprocessable():
        return to_money(value, field=field)


def _size(industry: str, employees, revenue_wan, assets_wan) -> sme_size.SizeResult:
    ind = sme_size.Industry.parse(industry)
    try:
        return sme_size.classify(ind, employees=employees, revenue_wan=revenue_wan, assets_wan=assets_wan)
    except DomainError as error:
        error.field = _SIZE_FIELDS.get(error.field, error.field)
        raise


def _past_date(value: date | None, field: str) -> date | None:
    if value is not None and value > business_date():
        raise Invalid("future_date", Text("日期不能晚于今天", "The date cannot be in the future"), field)
    return value


def _apply_size(enterprise: Enterprise) -> sme_size.SizeResult:
    result = _size(enterprise.industry, enterprise.employees, enterprise.revenue_wan, enterprise.assets_wan)
    enterprise.industry = result.industry.value
    enterprise.size_class = result.size.value
    enterprise.size_rule_zh = result.rule_zh
    enterprise.size_rule_en = result.rule_en
    return result


# --- registration and facts ---------------------------------------------------------------------


def register_enterprise(db: Session, *, user: User, data: schemas.EnterpriseCreate) -> Enterprise:
    """An applicant registers its own enterprise, or a loan officer registers one on an applicant's
    behalf (optionally linking the applicant user). One enterprise per code."""
    if not user.has_any(EDIT_ROLES):
        raise forbidden()
    with unprocessable():
        uscc_result = require_valid_uscc(data.uscc)
        industry = sme_size.Industry.parse(data.industry)
    name = _text(data.name, "name", required=True)
    linked: User | None = None
    if Role.APPLICANT in user.roles and not user.has_any(STAFF_VIEW_ROLES):
        linked = user
    elif data.applicant_username and data.applicant_username.strip():
        linked = db.execute(select(User).where(User.username == data.applicant_username.strip().lower())).scalar_one_or_none()
        if linked is None or Role.APPLICANT not in linked.roles:
            raise Invalid("unknown_applicant", Text(f"没有名为 {data.applicant_username} 的申请企业用户", f"No applicant user named {data.applicant_username}"), "applicant_username")
    if data.employees is None:
        raise Invalid("required", Text("必填", "Required"), "employees")
    if data.revenue_wan is None:
        raise Invalid("required", Text("必填", "Required"), "revenue_wan")
    legal = _party(data.legal_rep, "legal_rep", "legal_rep")
    controller = _party(data.controller or data.legal_rep, "controller", "controller")
    contact = None
    if data.contact is not None:
        contact = schemas.PersonIn(role="contact", name=data.contact.name, phone=data.contact.phone,
                                   address=data.contact.address)
        _check_person(contact, "contact.")
    now = utcnow()
    if _code_taken(db, uscc_result.code):
        raise _uscc_taken(uscc_result.code)
    enterprise = Enterprise(
        uscc=uscc_result.code, name=name, industry=industry.value,
        region_code=uscc_result.region.code if uscc_result.region else uscc_result.code[2:8],
        region_name=uscc_result.region.province_zh if uscc_result.region else None,
        address=_text(data.address, "address", max_len=300),
        founded_on=_past_date(data.founded_on, "founded_on"),
        employees=data.employees, revenue_wan=_money(data.revenue_wan, "revenue_wan"),
        assets_wan=_money(data.assets_wan, "assets_wan"),
        created_at=now, updated_at=now, created_by_id=user.id,
    )
    size = _apply_size(enterprise)
    db.add(enterprise)
    try:
        db.flush()
    except IntegrityError:
        raise _uscc_taken(uscc_result.code) from None
    for person in (legal, controller, contact):
        if person is not None:
            db.add(_new_person(enterprise.id, person, now))
    if linked is not None:
        db.add(EnterpriseMember(enterprise_id=enterprise.id, user_id=linked.id, created_at=now))
    db.flush()
    record(db, actor_of(user), events.EnterpriseRegistered(
        entity_id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name, industry=enterprise.industry,
        size_class=size.size.value, size_rule_zh=size.rule_zh, linked_applicant=linked.username if linked else None,
        on_behalf=linked is not None and linked.id != user.id))
    db.refresh(enterprise)
    return enterprise


def _party(party: schemas.PartyIn, role: str, prefix: str) -> schemas.PersonIn:
    person = schemas.PersonIn(role=role, party_type="person", name=party.name, id_number=party.id_number,
                              phone=party.phone, address=party.address)
    _check_person(person, prefix + ".")
    return person


def update_enterprise(db: Session, *, user: User, enterprise_id: int, data: schemas.EnterpriseUpdate) -> Enterprise:
    changes = data.model_dump(exclude_unset=True)
    enterprise = _editable(db, enterprise_id, user)
    before = {k: getattr(enterprise, k) for k in changes}
    for key, value in changes.items():
        if key == "name":
            value = _text(value, "name", required=True)
        elif key == "address":
            value = _text(value, "address", max_len=300)
        elif key == "industry":
            with unprocessable():
                value = sme_size.Industry.parse(value or "").value
        elif key == "founded_on":
            value = _past_date(value, "founded_on")
        elif key in ("employees", "revenue_wan") and value is None:
            raise Invalid("required", Text("必填", "Required"), key)
        elif key in ("revenue_wan", "assets_wan"):
            value = _money(value, key)
        setattr(enterprise, key, value)
    size_before = enterprise.size_class
    if {"industry", "employees", "revenue_wan", "assets_wan"} & set(changes):
        _apply_size(enterprise)
    enterprise.updated_at = utcnow()
    changed = {k: {"before": _plain(before[k]), "after": _plain(getattr(enterprise, k))}
               for k in changes if before[k] != getattr(enterprise, k)}
    if changed:
        record(db, actor_of(user), events.EnterpriseUpdated(
            entity_id=enterprise.id, changes=changed, size_class_before=size_before,
            size_class=enterprise.size_class, size_rule_zh=enterprise.size_rule_zh))
    return enterprise


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


# --- 征信查询授权 ---------------------------------------------------------------------------------


def authorise_queries(db: Session, *, user: User, enterprise_id: int, text_version: str, text_sha256: str,
                      lang: str = "zh") -> QueryAuthorisation:
    text = authorisation_text(text_version)
    if text_sha256 != text.sha256:
        raise Invalid("text_mismatch", Text("授权书内容与所示版本不一致，请刷新后重新阅读并确认", "The authorisation text does not match the version shown; reload, read and confirm again"), "text_sha256")
    enterprise = _editable(db, enterprise_id, user)
    auth = QueryAuthorisation(enterprise_id=enterprise.id, user_id=user.id, username=user.username,
                              text_version=text.version, text_sha256=text.sha256,
                              lang="en" if lang == "en" else "zh", authorised_at=utcnow())
    db.add(auth)
    db.flush()
    record(db, actor_of(user), events.QueriesAuthorised(
        entity_id=enterprise.id, authorisation_id=auth.id, text_version=text.version, text_sha256=text.sha256,
        lang=auth.lang))
    return auth


def authorisations_of(db: Session, *, enterprise_id: int) -> list[QueryAuthorisation]:
    return list(db.execute(select(QueryAuthorisation).where(QueryAuthorisation.enterprise_id == enterprise_id)
                           .order_by(QueryAuthorisation.id.desc())).scalars())


def latest_authorisation(db: Session, *, enterprise_id: int) -> QueryAuthorisation | None:
    return db.execute(select(QueryAuthorisation).where(QueryAuthorisation.enterprise_id == enterprise_id)
                      .order_by(QueryAuthorisation.authorised_at.desc(), QueryAuthorisation.id.desc())
                      .limit(1)).scalar_one_or_none()


# --- people -------------------------------------------------------------------------------------


def _check_person(data: schemas.PersonIn, prefix: str = "") -> None:
    _text(data.name, prefix + "name", required=True, max_len=200)
    if data.party_type == "enterprise":
        if data.role in ("legal_rep", "contact"):
            raise Invalid("person_required", Text("法定代表人和联系人须为自然人", "The legal representative and the contact must be natural persons"), prefix + "party_type")
        if data.id_number and data.id_number.strip():
            try:
                require_valid_uscc(data.id_number)
            except DomainError as error:
                error.field = prefix + "id_number"
                raise
    else:
        needs_id = data.role in ("legal_rep", "controller", "shareholder", "guarantor")
        if needs_id and not (data.id_number or "").strip():
            raise Invalid("required", Text("须填写公民身份号码", "The resident identity number is required"), prefix + "id_number")
        if (data.id_number or "").strip():
            with unprocessable():
                require_valid_resident_id(data.id_number, field=prefix + "id_number")
    _phone(data.phone, prefix + "phone", required=data.role == "contact")
    _text(data.address, prefix + "address", max_len=300)
    if data.role == "shareholder":
        if data.share_pct is None or not (Decimal(0) < data.share_pct <= Decimal(100)):
            raise Invalid("invalid_share", Text("持股比例须大于 0 且不超过 100", "Share must be above 0 and at most 100"), prefix + "share_pct")
    elif data.share_pct is not None:
        raise Invalid("share_not_applicable", Text("只有股东填写持股比例", "Only shareholders have a share"), prefix + "share_pct")


def _normalised_id(data: schemas.PersonIn) -> str | None:
    text = (data.id_number or "").strip().upper()
    return text or None


def _new_person(enterprise_id: int, data: schemas.PersonIn, now) -> EnterprisePerson:
    id_number = _normalised_id(data)
    return EnterprisePerson(
        enterprise_id=enterprise_id, role=data.role, party_type=data.party_type, name=data.name.strip(),
        id_number=id_number, id_index=blind_index(id_number), phone=(data.phone or "").strip() or None,
        address=(data.address or "").strip() or None, share_pct=data.share_pct,
        guarantee_amount=_money(data.guarantee_amount, "guarantee_amount"), created_at=now, updated_at=now,
    )


def _check_roles_and_shares(db: Session, enterprise: Enterprise, data: schemas.PersonIn, replacing: int | None) -> None:
    rows = db.execute(select(EnterprisePerson).where(EnterprisePerson.enterprise_id == enterprise.id)).scalars()
    others = [p for p in rows if p.id != replacing]
    if data.role in SINGLE_ROLES and any(p.role == data.role for p in others):
        zh, en = ROLE_LABELS[data.role]
        raise Conflict("role_taken", Text(f"已登记{zh}，请修改现有记录", f"A {en.lower()} is already recorded; edit it instead"), "role")
    if data.role == "shareholder":
        total = sum((p.share_pct or Decimal(0)) for p in others if p.role == "shareholder") + (data.share_pct or 0)
        if total > Decimal(100):
            raise Invalid("shares_over_100", Text(f"股东持股比例合计 {total}% 超过 100%", f"Shares add up to {total}%, more than 100%"), "share_pct")


def add_person(db: Session, *, user: User, enterprise_id: int, data: schemas.PersonIn) -> EnterprisePerson:
    enterprise = _editable(db, enterprise_id, user)
    _check_person(data)
    _check_roles_and_shares(db, enterprise, data, None)
    person = _new_person(enterprise.id, data, utcnow())
    enterprise.persons.append(person)
    db.flush()
    record(db, actor_of(user), events.PersonAdded(
        entity_id=enterprise.id, person_id=person.id, role=person.role, party_type=person.party_type,
        share_pct=_plain(person.share_pct)))
    return person


def person_of(db: Session, enterprise: Enterprise, person_id: int) -> EnterprisePerson:
    person = db.get(EnterprisePerson, person_id)
    if person is None or person.enterprise_id != enterprise.id:
        raise not_found(Text("人员", "Person"), "person_id")
    return person


def update_person(db: Session, *, user: User, enterprise_id: int, person_id: int, data: schemas.PersonIn) -> EnterprisePerson:
    enterprise = _editable(db, enterprise_id, user)
    _check_person(data)
    person = person_of(db, enterprise, person_id)
    _check_roles_and_shares(db, enterprise, data, person.id)
    fresh = _new_person(enterprise.id, data, utcnow())
    changed = [f for f in ("role", "party_type", "name", "id_number", "phone", "address", "share_pct",
                           "guarantee_amount") if getattr(person, f) != getattr(fresh, f)]
    for field in changed:
        setattr(person, field, getattr(fresh, field))
    person.id_index = fresh.id_index
    person.updated_at = fresh.updated_at
    record(db, actor_of(user), events.PersonUpdated(entity_id=enterprise.id, person_id=person.id, role=person.role,
                                                    fields_changed=changed))
    return person


def remove_person(db: Session, *, user: User, enterprise_id: int, person_id: int) -> None:
    enterprise = _editable(db, enterprise_id, user)
    person = person_of(db, enterprise, person_id)
    if person.role == "legal_rep":
        raise Invalid("legal_rep_required", Text("法定代表人不能删除，只能修改", "The legal representative can be edited, not removed"), "role")
    removed = events.PersonRemoved(entity_id=enterprise.id, person_id=person.id, role=person.role,
                                   party_type=person.party_type)
    enterprise.persons.remove(person)
    db.delete(person)
    record(db, actor_of(user), removed)


def mask_address(address: str | None) -> str | None:
    if not address:
        return address
    keep = min(6, max(len(address) // 3, 1))
    return address[:keep] + "****"


def masked_person(person: EnterprisePerson) -> schemas.PersonOut:
    """Masked by default for everyone. Enterprises (a party_type) are not personal information."""
    if person.party_type == "enterprise":
        name, id_number, address, masked = person.name, person.id_number, person.address, False
    else:
        name = mask_name(person.name)
        id_number = mask_resident_id(person.id_number) if person.id_number else None
        address = mask_address(person.address)
        masked = True
    phone = mask_phone(person.phone) if person.phone else None
    return schemas.PersonOut(id=person.id, role=person.role, party_type=person.party_type, name=name,
                             id_number=id_number, phone=phone, address=address, share_pct=person.share_pct,
                             guarantee_amount=person.guarantee_amount, masked=masked)


def reveal(db: Session, *, user: User, enterprise_id: int, person_id: int, fields: list[str] | None = None) -> dict[str, str | None]:
    """Full values of a person's personal information; an audit event names who saw which fields."""
    wanted = [f for f in PII_FIELDS if f in set(fields or PII_FIELDS)]
    if not wanted:
        raise Invalid("no_fields", Text("请选择要显示的字段", "Choose the fields to reveal"), "fields")
    enterprise = _load(db, enterprise_id)
    if not can_reveal(enterprise, user):
        raise NOT_YOURS if not can_view(enterprise, user) else forbidden(Text("您的岗位不能查看完整个人信息", "Your role may not see full personal information"))
    person = person_of(db, enterprise, person_id)
    values = {f: getattr(person, f) for f in wanted}
    record(db, actor_of(user), events.PersonalInformationRevealed(
        entity_id=person.id, enterprise_id=enterprise.id, person_id=person.id, person_role=person.role, fields=wanted))
    return values


# --- counterparties ---------------------------------------------------------------------------


def _check_counterparty(data: schemas.CounterpartyIn) -> str | None:
    _text(data.name, "name", required=True)
    code = (data.uscc or "").strip().upper() or None
    if code:
        with unprocessable():
            require_valid_uscc(code)
    return code


def add_counterparty(db: Session, *, user: User, enterprise_id: int, data: schemas.CounterpartyIn) -> Counterparty:
    enterprise = _editable(db, enterprise_id, user)
    code = _check_counterparty(data)
    now = utcnow()
    row = Counterparty(enterprise_id=enterprise.id, relation=data.relation, name=data.name.strip(), uscc=code,
                       annual_amount=_money(data.annual_amount, "annual_amount"),
                       is_core_enterprise=data.is_core_enterprise, created_at=now, updated_at=now)
    enterprise.counterparties.append(row)
    db.flush()
    record(db, actor_of(user), _counterparty_event(events.CounterpartyAdded, row))
    return row


def _counterparty_event(kind: type[events.CounterpartyAdded], row: Counterparty) -> events.CounterpartyAdded:
    return kind(entity_id=row.enterprise_id, counterparty_id=row.id, relation=row.relation, name=row.name,
                uscc=row.uscc, annual_amount=_plain(row.annual_amount), is_core_enterprise=row.is_core_enterprise)


def counterparty_of(db: Session, enterprise: Enterprise, counterparty_id: int) -> Counterparty:
    row = db.get(Counterparty, counterparty_id)
    if row is None or row.enterprise_id != enterprise.id:
        raise not_found(Text("交易对手", "Counterparty"), "counterparty_id")
    return row


def update_counterparty(db: Session, *, user: User, enterprise_id: int, counterparty_id: int,
                        data: schemas.CounterpartyIn) -> Counterparty:
    enterprise = _editable(db, enterprise_id, user)
    code = _check_counterparty(data)
    row = counterparty_of(db, enterprise, counterparty_id)
    row.relation, row.name, row.uscc = data.relation, data.name.strip(), code
    row.annual_amount = _money(data.annual_amount, "annual_amount")
    row.is_core_enterprise = data.is_core_enterprise
    row.updated_at = utcnow()
    record(db, actor_of(user), _counterparty_event(events.CounterpartyUpdated, row))
    return row


def remove_counterparty(db: Session, *, user: User, enterprise_id: int, counterparty_id: int) -> None:
    enterprise = _editable(db, enterprise_id, user)
    row = counterparty_of(db, enterprise, counterparty_id)
    removed = _counterparty_event(events.CounterpartyRemoved, row)
    enterprise.counterparties.remove(row)
    db.delete(row)
    record(db, actor_of(user), removed)


# --- data snapshots -----------------------------------------------------------------------------


def parse_kind(kind: str) -> SourceKind:
    try:
        return SourceKind(kind)
    except ValueError:
        raise NotFound("unknown_source_kind", Text(f"未知数据类型 {kind}（可选：{', '.join(k.value for k in SourceKind)}）", f"Unknown data kind {kind} (one of: {', '.join(k.value for k in SourceKind)})"), "kind") from None


def default_provider():
    from smecredit.enterprises.connectors.sandbox import SandboxProvider

    return SandboxProvider()


def _require_authorisation(db: Session, enterprise: Enterprise, kind: SourceKind) -> None:
    if kind is SourceKind.CREDIT_BUREAU and latest_authorisation(db, enterprise_id=enterprise.id) is None:
        raise Conflict("authorisation_required", Text("查询征信须先取得企业的征信查询授权（请企业在“征信查询授权”中确认）", "A credit-bureau query needs the enterprise's credit enquiry authorisation first "
                          "(confirm it under 'Authorise credit enquiries')"), "kind")


def _snapshot(enterprise: Enterprise, parsed: ParsedSource, *, provider: str, is_sandbox: bool, user: User,
              filename: str | None = None, stored_name: str | None = None, file_sha256: str | None = None,
              file_size: int | None = None, mapping_name: str | None = None) -> DataSnapshot:
    return DataSnapshot(
        enterprise_id=enterprise.id, kind=parsed.kind.value, provider=provider, is_sandbox=is_sandbox,
        filename=filename, stored_name=stored_name, file_sha256=file_sha256, file_size=file_size,
        mapping_name=mapping_name, content=json.dumps(parsed.content, ensure_ascii=False, sort_keys=True),
        content_sha256=parsed.content_sha256, summary_zh=parsed.summary.zh, summary_en=parsed.summary.en,
        warnings=json.dumps(list(parsed.warnings), ensure_ascii=False), business_date=business_date(),
        captured_at=utcnow(), captured_by_id=user.id, captured_by=user.username,
    )


def _audit_snapshot(db: Session, user: User, snap: DataSnapshot) -> None:
    common = dict(entity_id=snap.enterprise_id, snapshot_id=snap.id, kind=snap.kind, provider=snap.provider,
                  is_sandbox=snap.is_sandbox, content_sha256=snap.content_sha256)
    if snap.file_sha256:
        event = events.DataImported(**common, filename=snap.filename, file_sha256=snap.file_sha256,
                                    file_size=snap.file_size, mapping=snap.mapping_name)
    else:
        event = events.DataPulled(**common)
    record(db, actor_of(user), event)


@dataclass
class DataOutcome:
    snapshots: list[DataSnapshot]
    skipped: list[DomainError]
    profile: Any | None


def pull(db: Session, *, user: User, enterprise_id: int, kind: str, provider=None, recompute: bool = True) -> DataOutcome:
    """Fetch one source from a provider (the sandbox by default) as a new snapshot."""
    source = parse_kind(kind)
    provider = provider or default_provider()
    enterprise = _editable(db, enterprise_id, user)
    _require_authorisation(db, enterprise, source)
    parsed = provider.fetch(source, enterprise.uscc, as_of=business_date())
    snap = _snapshot(enterprise, parsed, provider=provider.name, is_sandbox=bool(provider.is_sandbox), user=user)
    db.add(snap)
    db.flush()
    _audit_snapshot(db, user, snap)
    profile = _recompute(db, user, enterprise.id, f"pull:{source.value}") if recompute else None
    return DataOutcome([snap], [], profile)


def pull_all(db: Session, *, user: User, enterprise_id: int, provider=None) -> DataOutcome:
    """Every source kind in one transaction; credit bureau is skipped (with the reason) without
    an authorisation."""
    provider = provider or default_provider()
    snaps: list[DataSnapshot] = []
    skipped: list[DomainError] = []
    enterprise = _editable(db, enterprise_id, user)
    for source in SourceKind:
        try:
            _require_authorisation(db, enterprise, source)
        except DomainError as error:
            error.details = {"kind": source.value}
            skipped.append(error)
            continue
        parsed = provider.fetch(source, enterprise.uscc, as_of=business_date())
        snap = _snapshot(enterprise, parsed, provider=provider.name, is_sandbox=bool(provider.is_sandbox), user=user)
        db.add(snap)
        db.flush()
        _audit_snapshot(db, user, snap)
        snaps.append(snap)
    profile = _recompute(db, user, enterprise.id, "pull_all") if snaps else None
    return DataOutcome(snaps, skipped, profile)


_SAFE_NAME = re.compile(r"[^\w.\-()（）]+", re.UNICODE)
ALLOWED_EXTENSIONS = (".json", ".csv", ".xlsx", ".txt")


def sanitise_filename(filename: str | None) -> str:
    """Keep only the base name and harmless characters; never a path."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _SAFE_NAME.sub("_", name).strip("._ ")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:8]) if dot else name[:120]
    return name or "upload"


def resolve_mapping(db: Session, *, mapping_id: int | None = None, mapping: str | None = None):
    """The saved mapping by id, a built-in by name, or the default built-in."""
    from smecredit.enterprises.connectors.bank_statement import BUILTIN_MAPPINGS, ColumnMapping, get_mapping

    if mapping_id is not None:
        row = db.get(BankMapping, mapping_id)
        if row is None:
            raise not_found(Text("列映射", "Column mapping"), "mapping_id")
        return ColumnMapping.from_json(row.mapping), f"{row.bank_name} (#{row.id})"
    name = (mapping or "").strip() or next(iter(BUILTIN_MAPPINGS))
    return get_mapping(name), name


def too_large_error() -> DomainError:
    return TooLarge("file_too_large", Text(f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB 上限", f"The file is larger than the {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB limit"), "file")


def upload(db: Session, *, user: User, enterprise_id: int, kind: str, data: bytes, filename: str | None,
           mapping_id: int | None = None, mapping: str | None = None, amount_unit: str | None = None) -> DataOutcome:
    """Import one file: parsed in full first (a bad file writes nothing, not even the file);
    then the original is saved under a generated name and one snapshot + audit event commit together."""
    source = parse_kind(kind)
    enterprise = _editable(db, enterprise_id, user)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large_error()
    if not data:
        raise Invalid("empty_file", Text("文件为空", "The file is empty"), "file")
    safe = sanitise_filename(filename)
    options: dict[str, Any] = {}
    mapping_label = None
    if source is SourceKind.BANK_STATEMENT:
        options["mapping"], mapping_label = resolve_mapping(db, mapping_id=mapping_id, mapping=mapping)
    if source is SourceKind.FINANCIAL_STATEMENTS and amount_unit:
        options["amount_unit"] = amount_unit
    parsed = parse_source(source, data, filename=safe, **options)  # ImportRejected → 422, nothing written
    found = parsed.subject_uscc  # every kind names its subject the same way (None: the file carries no code)
    if found is not None and found != enterprise.uscc:
        raise Invalid("uscc_mismatch", Text(f"文件属于另一家企业（统一社会信用代码 {found}），不是 {enterprise.uscc}", f"The file is about another enterprise (code {found}), not {enterprise.uscc}"), "file")
    file_sha = hashlib.sha256(data).hexdigest()
    ext = Path(safe).suffix.lower()
    stored_name = f"{source.value}-{uuid.uuid4().hex}{ext if ext in ALLOWED_EXTENSIONS else '.bin'}"
    folder = get_settings().uploads_dir / "enterprises" / str(enterprise.id)
    target = folder / stored_name
    enterprise = _editable(db, enterprise_id, user)
    snap = _snapshot(enterprise, parsed, provider="file", is_sandbox=False, user=user, filename=safe,
                     stored_name=f"enterprises/{enterprise.id}/{stored_name}", file_sha256=file_sha,
                     file_size=len(data), mapping_name=mapping_label)
    db.add(snap)
    db.flush()
    _audit_snapshot(db, user, snap)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(0o600)
    on_rollback(db, lambda: target.unlink(missing_ok=True))
    profile = _recompute(db, user, enterprise.id, f"upload:{source.value}")
    return DataOutcome([snap], [], profile)


def _recompute(db: Session, user: User, enterprise_id: int, trigger: str):
    from smecredit.enterprises import profile

    return profile.compute_profile(db, enterprise_id=enterprise_id, actor=actor_of(user), trigger=trigger)


def snapshots_of(db: Session, *, enterprise_id: int, kind: SourceKind | None = None) -> list[DataSnapshot]:
    """Newest first, without the (encrypted, possibly large) content: lists never show it."""
    query = select(DataSnapshot).options(defer(DataSnapshot.content)).where(DataSnapshot.enterprise_id == enterprise_id)
    if kind is not None:
        query = query.where(DataSnapshot.kind == kind.value)
    return list(db.execute(query.order_by(DataSnapshot.captured_at.desc(), DataSnapshot.id.desc())).scalars())


def list_snapshots(db: Session, *, user: User, enterprise_id: int, kind: str | None = None) -> list[DataSnapshot]:
    enterprise = get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return snapshots_of(db, enterprise_id=enterprise.id, kind=parse_kind(kind) if kind else None)


def snapshot_of(db: Session, enterprise: Enterprise, snapshot_id: int) -> DataSnapshot:
    snap = db.get(DataSnapshot, snapshot_id)
    if snap is None or snap.enterprise_id != enterprise.id:
        raise not_found(Text("数据快照", "Snapshot"), "snapshot_id")
    return snap


def get_snapshot(db: Session, *, user: User, enterprise_id: int, snapshot_id: int) -> DataSnapshot:
    return snapshot_of(db, get_enterprise(db, enterprise_id=enterprise_id, user=user), snapshot_id)


def snapshot_out(snap: DataSnapshot, *, with_content: bool = False):
    kind = SourceKind(snap.kind)
    fields = dict(id=snap.id, enterprise_id=snap.enterprise_id, kind=snap.kind, kind_zh=kind.label_zh,
                  kind_en=kind.label_en, provider=snap.provider, is_sandbox=snap.is_sandbox, filename=snap.filename,
                  file_sha256=snap.file_sha256, file_size=snap.file_size, mapping_name=snap.mapping_name,
                  content_sha256=snap.content_sha256, summary_zh=snap.summary_zh, summary_en=snap.summary_en,
                  warnings=json.loads(snap.warnings or "[]"), business_date=snap.business_date,
                  captured_at=snap.captured_at, captured_by=snap.captured_by)
    if with_content:
        return schemas.SnapshotDetail(**fields, content=json.loads(snap.content))
    return schemas.SnapshotOut(**fields)


# --- bank mappings ------------------------------------------------------------------------------


def _parse_mapping(data: schemas.BankMappingIn):
    from smecredit.enterprises.connectors.bank_statement import ColumnMapping

    bank = _text(data.bank_name, "bank_name", required=True, max_len=100)
    mapping = dict(data.mapping)
    mapping.setdefault("bank_name", bank)
    mapping.setdefault("name", bank)
    return bank, ColumnMapping.from_dict(mapping)  # its errors are already 422


def list_bank_mappings(db: Session) -> list[BankMapping]:
    return list(db.execute(select(BankMapping).order_by(BankMapping.bank_name)).scalars())


def get_bank_mapping(db: Session, *, mapping_id: int) -> BankMapping:
    row = db.get(BankMapping, mapping_id)
    if row is None:
        raise not_found(Text("列映射", "Column mapping"), "mapping_id")
    return row


def save_bank_mapping(db: Session, *, user: User, data: schemas.BankMappingIn, mapping_id: int | None = None) -> BankMapping:
    if Role.LOAN_OFFICER not in user.roles:
        raise forbidden()
    bank, parsed = _parse_mapping(data)
    row = get_bank_mapping(db, mapping_id=mapping_id) if mapping_id is not None else None
    clash = db.execute(select(BankMapping).where(BankMapping.bank_name == bank)).scalar_one_or_none()
    if clash is not None and (row is None or clash.id != row.id):
        raise Conflict("bank_mapping_exists", Text(f"{bank} 已有列映射，请修改它", f"{bank} already has a mapping; edit it"), "bank_name")
    now = utcnow()
    if row is None:
        row = BankMapping(bank_name=bank, mapping=parsed.to_json(), created_at=now, created_by=user.username,
                          updated_at=now, updated_by=user.username)
        db.add(row)
        kind = events.BankMappingCreated
    else:
        row.bank_name, row.mapping, row.updated_at, row.updated_by = bank, parsed.to_json(), now, user.username
        kind = events.BankMappingUpdated
    db.flush()
    record(db, actor_of(user), kind(entity_id=row.id, bank_name=bank, mapping=parsed.to_dict()))
    return row


def delete_bank_mapping(db: Session, *, user: User, mapping_id: int) -> None:
    if Role.LOAN_OFFICER not in user.roles:
        raise forbidden()
    row = get_bank_mapping(db, mapping_id=mapping_id)
    removed = events.BankMappingDeleted(entity_id=mapping_id, bank_name=row.bank_name)
    db.delete(row)
    record(db, actor_of(user), removed)


def mapping_options(db: Session) -> list[schemas.BankMappingOut]:
    from smecredit.enterprises.connectors.bank_statement import BUILTIN_MAPPINGS

    out = [schemas.BankMappingOut(id=None, builtin=True, bank_name=m.bank_name, name=m.name, mapping=m.to_dict(),
                                  updated_at=None, updated_by=None) for m in BUILTIN_MAPPINGS.values()]
    return out + [bank_mapping_out(row) for row in list_bank_mappings(db)]


def bank_mapping_out(row: BankMapping) -> schemas.BankMappingOut:
    data = json.loads(row.mapping)
    return schemas.BankMappingOut(id=row.id, builtin=False, bank_name=row.bank_name, name=data.get("name", row.bank_name),
                                  mapping=data, updated_at=row.updated_at, updated_by=row.updated_by)


# --- output helpers -----------------------------------------------------------------------------


def enterprise_out(db: Session, enterprise: Enterprise) -> schemas.EnterpriseOut:
    industry = sme_size.Industry(enterprise.industry)
    auth = latest_authorisation(db, enterprise_id=enterprise.id)
    members = member_usernames(db, enterprise)
    return schemas.EnterpriseOut(
        id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name, industry=industry.value, industry_zh=industry.zh,
        industry_en=industry.en, region_code=enterprise.region_code, region_name=enterprise.region_name,
        address=enterprise.address, founded_on=enterprise.founded_on, employees=enterprise.employees,
        revenue_wan=enterprise.revenue_wan, assets_wan=enterprise.assets_wan, size_class=enterprise.size_class,
        size_class_zh=sme_size.SizeClass(enterprise.size_class).zh, size_rule_zh=enterprise.size_rule_zh,
        size_rule_en=enterprise.size_rule_en, members=members, query_authorised=auth is not None,
        latest_authorisation=authorisation_out(auth) if auth else None,
        created_at=enterprise.created_at, updated_at=enterprise.updated_at,
    )


def member_usernames(db: Session, enterprise: Enterprise) -> list[str]:
    ids = [m.user_id for m in enterprise.members]
    return sorted(db.execute(select(User.username).where(User.id.in_(ids))).scalars()) if ids else []


def authorisation_out(auth: QueryAuthorisation) -> schemas.AuthorisationOut:
    return schemas.AuthorisationOut(id=auth.id, username=auth.username, text_version=auth.text_version,
                                    text_sha256=auth.text_sha256, lang=auth.lang, authorised_at=auth.authorised_at)


def counterparty_out(row: Counterparty) -> schemas.CounterpartyOut:
    return schemas.CounterpartyOut(id=row.id, relation=row.relation, name=row.name, uscc=row.uscc,
                                   annual_amount=row.annual_amount, is_core_enterprise=row.is_core_enterprise)


def persons_of(db: Session, *, user: User, enterprise_id: int) -> list[EnterprisePerson]:
    enterprise = get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return list(enterprise.persons)


def counterparties_of(db: Session, *, user: User, enterprise_id: int) -> list[Counterparty]:
    enterprise = get_enterprise(db, enterprise_id=enterprise_id, user=user)
    return list(enterprise.counterparties)
