"""API shapes for stage 3. Inputs are checked by the use cases (`applications/rules.py`), which raise
`Invalid` naming the field, so API and pages give the same reasons; outputs are built in
`applications/views.py` from the rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smecredit.web.inputs import ApiInput


class TextOut(BaseModel):
    zh: str
    en: str

    def pick(self, lang: str) -> str:  # read like a Text in templates
        return self.en if lang == "en" else self.zh


class ApplicationCreate(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "enterprise_id": 1, "product_code": "WCL", "amount": "500000", "term_months": 12,
        "repayment_method": "equal_installment", "guarantee_mode": "credit", "purpose": "采购原材料"}})

    enterprise_id: int = Field(ge=1, le=2_147_483_647)
    product_code: str = Field(min_length=1, max_length=40)
    amount: Decimal = Field(description="申请金额, 元 (decimal string)")
    term_months: int = Field(ge=1, le=600)
    repayment_method: str | None = Field(default=None, max_length=30, description="the product's first when absent")
    guarantee_mode: str | None = Field(default=None, max_length=60, description="the product's first when absent")
    purpose: str = Field(max_length=500)


class TermsUpdate(ApiInput):
    amount: Decimal
    term_months: int = Field(ge=1, le=600)
    repayment_method: str | None = Field(default=None, max_length=30)
    guarantee_mode: str | None = Field(default=None, max_length=60)
    purpose: str = Field(max_length=500)


class WithdrawIn(ApiInput):
    reason: str | None = Field(default=None, max_length=500)


class RequestedItemIn(ApiInput):
    kind: str = Field(max_length=60)
    reason: str = Field(max_length=500)


class DocumentRequestIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "items": [{"kind": "bank_statement", "reason": "请补充最近 6 个月的对公流水"}]}})

    items: list[RequestedItemIn] = Field(min_length=1, max_length=20)


class DecisionIn(ApiInput):
    outcome: Literal["approved", "declined"]
    reason: str = Field(max_length=500)


class ChecklistItemOut(BaseModel):
    kind: str
    label: TextOut
    required: bool
    accepted: list[str]
    note: TextOut | None
    provided: bool


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    filename: str
    sha256: str
    size: int
    content_type: str
    request_id: int | None
    uploaded_at: datetime


class RequestItemOut(BaseModel):
    kind: str
    label: TextOut
    reason: str
    answered: bool


class DocumentRequestOut(BaseModel):
    id: int
    created_at: datetime
    answered_at: datetime | None
    items: list[RequestItemOut]


class StepOut(BaseModel):
    at: datetime
    actor_role: str
    actor_role_label: TextOut
    actor_name: str
    action: str
    action_label: TextOut
    from_status: str | None
    to_status: str
    to_status_label: TextOut
    note: str | None


class ApplicationOut(BaseModel):
    id: int
    no: str
    status: str
    status_label: TextOut
    outcome: str | None
    decision_reason: str | None
    enterprise_id: int
    enterprise_name: str
    product_code: str
    product_version: int
    product_name: TextOut
    amount: Decimal
    term_months: int
    repayment_method: str
    guarantee_mode: str
    purpose: str
    assignee_id: int | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    version: int
    checklist: list[ChecklistItemOut]
    missing: list[str]
    documents: list[DocumentOut]
    document_requests: list[DocumentRequestOut]
    allowed_actions: list[str]
    timeline: list[StepOut]


class ApplicationListItem(BaseModel):
    id: int
    no: str
    status: str
    status_label: TextOut
    outcome: str | None
    enterprise_id: int
    enterprise_name: str
    product_code: str
    amount: Decimal
    term_months: int
    submitted_at: datetime | None
    age_days: int | None
    assignee_id: int | None
