"""API shapes for stage 1 (enterprises, people, counterparties, authorisations, data, profiles,
bank mappings, portfolios).

Inputs are checked by the services (`enterprises/rules.py`), which raise `Invalid` naming the field,
so API and pages report the same reasons. Outputs are built from the models (`model_validate`,
``from_attributes``); derived fields (labels, counts) are computed here, not copied by hand.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from smecredit.standards import sme_size
from smecredit.web.inputs import ApiInput

PersonRole = Literal["legal_rep", "controller", "shareholder", "guarantor", "contact"]
PartyType = Literal["person", "enterprise"]
Relation = Literal["supplier", "customer"]
PiiField = Literal["name", "id_number", "phone", "address"]
Ownership = Literal["confirmed", "pending", "disputed"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _json_list(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class PartyIn(ApiInput):
    """A person named at registration (legal representative, actual controller)."""

    name: str = Field(max_length=100)
    id_number: str = Field(max_length=30, description="公民身份号码 (GB 11643, check digit verified)")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)


class ContactIn(ApiInput):
    name: str = Field(max_length=100)
    phone: str = Field(max_length=30)
    address: str | None = Field(default=None, max_length=300)


class EnterpriseCreate(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "uscc": "91350100M000100Y43", "name": "福州示例贸易有限公司", "industry": "wholesale",
        "address": "福州市鼓楼区示例路 1 号", "founded_on": "2018-05-01", "employees": 12,
        "revenue_wan": "1500", "assets_wan": "800", "registered_capital_wan": "500",
        "legal_rep": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "controller": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "contact": {"name": "李四", "phone": "13900001111", "address": "福州市鼓楼区示例路 1 号"},
    }})

    uscc: str = Field(max_length=40, description="统一社会信用代码 (GB 32100-2015)")
    name: str = Field(min_length=2, max_length=200)
    industry: str = Field(max_length=60, description="industry key, e.g. wholesale, or the Chinese name")
    address: str | None = Field(default=None, max_length=300, description="detail address")
    founded_on: date | None = None
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    revenue_wan: Decimal | None = Field(default=None, ge=0, description="营业收入, 万元")
    assets_wan: Decimal | None = Field(default=None, ge=0, description="资产总额, 万元")
    registered_capital_wan: Decimal | None = Field(default=None, ge=0, description="注册资本, 万元")
    legal_rep: PartyIn
    controller: PartyIn | None = Field(default=None, description="实际控制人; default: the legal representative")
    contact: ContactIn | None = None
    applicant_username: str | None = Field(default=None, max_length=64,
                                           description="loan officers: link this applicant user (its owner)")


class EnterpriseUpdate(ApiInput):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    industry: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=300)
    founded_on: date | None = None
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    revenue_wan: Decimal | None = Field(default=None, ge=0)
    assets_wan: Decimal | None = Field(default=None, ge=0)
    registered_capital_wan: Decimal | None = Field(default=None, ge=0)


class AuthorisationOut(_Out):
    id: int
    username: str
    text_version: str
    text_sha256: str
    lang: str
    channel: Literal["online", "paper"]
    scope: list[str]
    authorised_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    scan_sha256: str | None
    status: Literal["valid", "expired", "withdrawn"] = "valid"

    _scope = field_validator("scope", mode="before")(_json_list)


class ClaimOut(_Out):
    id: int
    status: Literal["pending", "confirmed", "rejected"]
    method: str | None
    evidence: str | None
    created_at: datetime
    decided_at: datetime | None


class EnterpriseOut(_Out):
    id: int
    uscc: str
    name: str
    industry: str
    region_code: str
    region_name: str | None
    address: str | None
    founded_on: date | None
    employees: int
    revenue_wan: Decimal
    assets_wan: Decimal | None
    registered_capital_wan: Decimal | None
    size_class: str
    size_rule_zh: str
    size_rule_en: str
    ownership: Ownership
    officer_id: int | None
    branch_code: str | None
    members: list[str] = Field(default=[], validation_alias="member_usernames")
    query_authorised: bool = False
    latest_authorisation: AuthorisationOut | None = None
    created_at: datetime
    updated_at: datetime

    @computed_field
    @property
    def industry_zh(self) -> str:
        return sme_size.Industry(self.industry).zh

    @computed_field
    @property
    def industry_en(self) -> str:
        return sme_size.Industry(self.industry).en

    @computed_field
    @property
    def size_class_zh(self) -> str:
        return sme_size.SizeClass(self.size_class).zh


class RegistrationOut(BaseModel):
    """An applicant registering a code someone else registered gets their claim, not the data."""

    ownership: Ownership
    enterprise: EnterpriseOut | None
    claim: ClaimOut | None
    message: dict[str, str]


class EnterpriseListItem(_Out):
    id: int
    uscc: str
    name: str
    industry: str
    size_class: str
    region_code: str
    region_name: str | None
    ownership: Ownership
    officer_id: int | None
    branch_code: str | None
    created_at: datetime


class PersonIn(ApiInput):
    role: PersonRole
    party_type: PartyType = "person"
    name: str = Field(max_length=200)
    id_number: str | None = Field(default=None, max_length=40, description="身份证号 for persons, USCC for enterprises")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=300)
    share_pct: Decimal | None = Field(default=None, ge=0, le=100, description="shareholders: 持股比例 %")
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


class RevealRequest(ApiInput):
    fields: list[PiiField] = Field(min_length=1, description="which fields to reveal; at least one")


class RevealOut(BaseModel):
    person_id: int
    values: dict[str, str | None]


class CounterpartyIn(ApiInput):
    relation: Relation
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, max_length=40)
    annual_amount: Decimal | None = Field(default=None, ge=0, description="yuan per year")
    is_core_enterprise: bool = False


class CounterpartyOut(_Out):
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
    covers: list[str]


class AuthoriseRequest(ApiInput):
    text_version: str = Field(max_length=20)
    text_sha256: str = Field(max_length=64, description="SHA-256 of the text that was shown")
    lang: Literal["zh", "en"] = "zh"


class WithdrawRequest(ApiInput):
    reason: str | None = Field(default=None, max_length=500)


class OwnershipDecision(ApiInput):
    checked: str = Field(min_length=1, max_length=500, description="what the officer checked, e.g. the licence")
    claim_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="needed when several claims are pending")


class AssignRequest(ApiInput):
    officer: str | None = Field(default=None, max_length=64, description="user name of the loan officer")
    branch_code: str | None = Field(default=None, max_length=20)


class AssignmentRuleIn(ApiInput):
    priority: int = Field(default=100, ge=0, le=10_000)
    region_prefix: str = Field(max_length=6, description="GB/T 2260 prefix: 2, 4 or 6 digits")
    industry: str | None = Field(default=None, max_length=40)
    officer: str | None = Field(default=None, max_length=64)
    branch_code: str | None = Field(default=None, max_length=20)


class AssignmentRuleOut(_Out):
    id: int
    priority: int
    region_prefix: str
    industry: str | None
    officer_id: int | None
    branch_code: str | None
    created_at: datetime
    created_by: str


class RegistryPrefill(BaseModel):
    uscc: str
    name: str | None
    legal_representative: str | None
    founded_on: date | None
    address: str | None
    registered_capital_wan: Decimal | None
    status: str | None
    provider: str
    is_sandbox: bool


class SnapshotOut(_Out):
    id: int
    enterprise_id: int
    kind: str
    kind_zh: str = ""
    kind_en: str = ""
    provider: str
    is_sandbox: bool
    origin: Literal["provider", "applicant_upload", "staff_upload"]
    filename: str | None
    file_sha256: str | None
    file_size: int | None
    mapping_name: str | None
    content_sha256: str
    summary_zh: str
    summary_en: str
    warnings: list[str] = []
    business_date: date
    captured_at: datetime
    captured_by: str

    _warnings = field_validator("warnings", mode="before")(_json_list)


class SnapshotDetail(SnapshotOut):
    content: dict[str, Any] = Field(description="personal information masked unless revealed")


class SkippedSource(BaseModel):
    kind: str
    code: str
    message_zh: str
    message_en: str


class DataResult(BaseModel):
    snapshots: list[SnapshotOut]
    skipped: list[SkippedSource] = []
    profile_version: int | None


class FeatureOut(_Out):
    key: str
    label_zh: str
    label_en: str
    value: str | None = Field(validation_alias="value_text")
    value_type: str
    unit: str | None
    source_kind: str | None
    snapshot_id: int | None
    rule: str | None
    rule_zh: str | None = None  # None for profiles computed before revision 0006
    missing_reason: dict[str, str] | None

    _reason = field_validator("missing_reason", mode="before")(lambda v: json.loads(v) if isinstance(v, str) else v)


class DiscrepancyOut(BaseModel):
    field: str
    label: dict[str, str]
    declared: str
    verified: str
    source_kind: str
    snapshot_id: int | None
    note: dict[str, str]


class ProfileSummary(_Out):
    id: int
    version: int
    as_of: date
    computed_at: datetime
    computed_by: str
    trigger: str
    snapshot_ids: list[int]
    features: list[FeatureOut] = Field(exclude=True)
    discrepancies: list[DiscrepancyOut] = []

    _ids = field_validator("snapshot_ids", "discrepancies", mode="before")(_json_list)

    @computed_field
    @property
    def feature_count(self) -> int:
        return len(self.features)

    @computed_field
    @property
    def missing_count(self) -> int:
        return sum(1 for f in self.features if f.value is None)


class ProfileOut(ProfileSummary):
    features: list[FeatureOut]
    snapshots: list[SnapshotOut] = []


class ComputeProfileRequest(ApiInput):
    as_of: date | None = None


class BankMappingIn(ApiInput):
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
