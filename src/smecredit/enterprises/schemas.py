"""API shapes for stage 1 (enterprises, people, counterparties, data, profiles, bank mappings).

Input models are lenient about form-shaped values; the domain rules (USCC, 身份证号, 划型, shares)
are checked in the service, which raises DomainError with the field, so API and pages report
the same reasons.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PersonRole = Literal["legal_rep", "controller", "shareholder", "guarantor", "contact"]
PartyType = Literal["person", "enterprise"]
Relation = Literal["supplier", "customer"]
PiiField = Literal["name", "id_number", "phone", "address"]


class PartyIn(BaseModel):
    """A person named at registration (legal representative, actual controller)."""

    name: str = Field(max_length=100)
    id_number: str = Field(max_length=30, description="公民身份号码 (GB 11643, check digit verified)")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)


class ContactIn(BaseModel):
    name: str = Field(max_length=100)
    phone: str = Field(max_length=30)
    address: str | None = Field(default=None, max_length=300)


class EnterpriseCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {
        "uscc": "91350100M000100Y43", "name": "福州示例贸易有限公司", "industry": "wholesale",
        "address": "福州市鼓楼区示例路 1 号", "founded_on": "2018-05-01", "employees": 12,
        "revenue_wan": "1500", "assets_wan": "800",
        "legal_rep": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "controller": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "contact": {"name": "李四", "phone": "13900001111", "address": "福州市鼓楼区示例路 1 号"},
    }})

    uscc: str = Field(max_length=40, description="统一社会信用代码 (GB 32100-2015)")
    name: str = Field(min_length=2, max_length=200)
    industry: str = Field(max_length=60, description="industry key, e.g. wholesale, or the Chinese name")
    address: str | None = Field(default=None, max_length=300, description="detail address")
    founded_on: date | None = None
    employees: int | None = Field(default=None, ge=0)
    revenue_wan: Decimal | None = Field(default=None, ge=0, description="营业收入, 万元")
    assets_wan: Decimal | None = Field(default=None, ge=0, description="资产总额, 万元")
    legal_rep: PartyIn
    controller: PartyIn | None = Field(default=None, description="实际控制人; default: the legal representative")
    contact: ContactIn | None = None
    applicant_username: str | None = Field(default=None, description="officers: link this applicant user")


class EnterpriseUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    industry: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=300)
    founded_on: date | None = None
    employees: int | None = Field(default=None, ge=0)
    revenue_wan: Decimal | None = Field(default=None, ge=0)
    assets_wan: Decimal | None = Field(default=None, ge=0)


class AuthorisationOut(BaseModel):
    id: int
    username: str
    text_version: str
    text_sha256: str
    lang: str
    authorised_at: datetime


class EnterpriseOut(BaseModel):
    id: int
    uscc: str
    name: str
    industry: str
    industry_zh: str
    industry_en: str
    region_code: str
    region_name: str | None
    address: str | None
    founded_on: date | None
    employees: int
    revenue_wan: Decimal
    assets_wan: Decimal | None
    size_class: str
    size_class_zh: str
    size_rule_zh: str
    size_rule_en: str
    members: list[str]
    query_authorised: bool
    latest_authorisation: AuthorisationOut | None
    created_at: datetime
    updated_at: datetime


class EnterpriseListItem(BaseModel):
    id: int
    uscc: str
    name: str
    industry: str
    size_class: str
    region_name: str | None
    created_at: datetime


class EnterpriseList(BaseModel):
    total: int
    items: list[EnterpriseListItem]


class PersonIn(BaseModel):
    role: PersonRole
    party_type: PartyType = "person"
    name: str = Field(max_length=200)
    id_number: str | None = Field(default=None, max_length=40, description="身份证号 for persons, USCC for enterprises")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)
    share_pct: Decimal | None = Field(default=None, description="shareholders: 持股比例 %")
    guarantee_amount: Decimal | None = Field(default=None, ge=0, description="guarantors: amount guaranteed, yuan")


class PersonOut(BaseModel):
    """Names, ID numbers, phones and addresses of people are masked; reveal is audited."""

    id: int
    role: str
    party_type: str
    name: str
    id_number: str | None
    phone: str | None
    address: str | None
    share_pct: Decimal | None
    guarantee_amount: Decimal | None
    masked: bool


class RevealRequest(BaseModel):
    fields: list[PiiField] = Field(default_factory=lambda: ["name", "id_number", "phone", "address"])


class RevealOut(BaseModel):
    person_id: int
    values: dict[str, str | None]


class CounterpartyIn(BaseModel):
    relation: Relation
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, max_length=40)
    annual_amount: Decimal | None = Field(default=None, ge=0, description="yuan per year")
    is_core_enterprise: bool = False


class CounterpartyOut(BaseModel):
    id: int
    relation: str
    name: str
    uscc: str | None
    annual_amount: Decimal | None
    is_core_enterprise: bool


class AuthorisationText(BaseModel):
    version: str
    text_zh: str
    text_en: str
    sha256: str


class AuthoriseRequest(BaseModel):
    text_version: str = Field(max_length=20)
    text_sha256: str = Field(max_length=64, description="SHA-256 of the text that was shown")
    lang: Literal["zh", "en"] = "zh"


class SnapshotOut(BaseModel):
    id: int
    enterprise_id: int
    kind: str
    kind_zh: str
    kind_en: str
    provider: str
    is_sandbox: bool
    filename: str | None
    file_sha256: str | None
    file_size: int | None
    mapping_name: str | None
    content_sha256: str
    summary_zh: str
    summary_en: str
    warnings: list[str]
    business_date: date
    captured_at: datetime
    captured_by: str


class SnapshotDetail(SnapshotOut):
    content: dict[str, Any]


class SkippedSource(BaseModel):
    kind: str
    code: str
    message_zh: str
    message_en: str


class DataResult(BaseModel):
    snapshots: list[SnapshotOut]
    skipped: list[SkippedSource] = []
    profile_version: int | None


class FeatureOut(BaseModel):
    key: str
    label_zh: str
    label_en: str
    value: str | None
    value_type: str
    unit: str | None
    source_kind: str | None
    snapshot_id: int | None
    rule: str | None
    missing_reason: str | None


class ProfileSummary(BaseModel):
    id: int
    version: int
    as_of: date
    computed_at: datetime
    computed_by: str
    trigger: str
    snapshot_ids: list[int]
    feature_count: int
    missing_count: int


class ProfileOut(ProfileSummary):
    features: list[FeatureOut]
    snapshots: list[SnapshotOut]


class ComputeProfileRequest(BaseModel):
    as_of: date | None = None


class BankMappingIn(BaseModel):
    bank_name: str = Field(min_length=1, max_length=100)
    mapping: dict[str, Any] = Field(description="a ColumnMapping as JSON (name, bank_name, date_column, …)")


class BankMappingOut(BaseModel):
    id: int | None
    builtin: bool
    bank_name: str
    name: str
    mapping: dict[str, Any]
    updated_at: datetime | None
    updated_by: str | None


class UsccCheck(BaseModel):
    code: str
    valid: bool
    reason: str | None
    reason_zh: str | None
    reason_en: str | None
    region: dict | None
    taken: bool = False
