"""API shapes for stage 4. Amounts, rates and probabilities are decimal strings (Pydantic writes
Decimal as text). `DecisionOut` is the issue's shape exactly (plus a few fields that say more)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smecredit.web.inputs import ApiInput


class TextOut(BaseModel):
    zh: str
    en: str


class ReasonOut(BaseModel):
    code: str
    message: TextOut


class VersionRef(BaseModel):
    """The policy or scorecard version a decision used."""

    id: int
    code: str
    version: int
    sha256: str


class DecisionOut(BaseModel):
    id: int
    application_id: int
    outcome: Literal["approved", "declined", "referred"] = Field(description="the automatic decision's outcome")
    final_outcome: Literal["approved", "declined", "pending", "withdrawn"] = Field(
        description="where the application stands now: approved (automatically or by people; its offer made, "
                    "accepted or declined), declined, pending (referred and still with reviewers, approvers or "
                    "the committee, or returned to the applicant), withdrawn")
    route: str
    score: int | None
    grade: str | None
    pd: Decimal | None = Field(description="probability of default of the grade, 0..1")
    limit: Decimal | None
    approved_amount: Decimal | None
    annual_rate: Decimal | None = Field(description="percent a year")
    apr: Decimal | None = Field(description="年化利率 of all borrowing costs on the principal received, percent")
    repayment_method: str
    term_months: int
    reasons: list[ReasonOut]
    policy_version: VersionRef
    scorecard_version: VersionRef | None
    elapsed_ms: Decimal
    decision_date: date
    created_at: datetime


class DecisionRecordOut(DecisionOut):
    """The whole record, for staff: the inputs snapshot and the result as stored."""

    inputs: dict[str, Any]
    result: dict[str, Any]
    inputs_sha256: str
    result_sha256: str


class DifferenceOut(BaseModel):
    path: str
    stored: Any
    now: Any


class ReplayOut(BaseModel):
    decision_id: int
    identical: bool
    differences: list[DifferenceOut] = []


class ReviewIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "action": "approve", "comment": "经营稳定，同意 / stable business, approve"}})

    action: Literal["approve", "decline", "return"]
    comment: str | None = Field(default=None, max_length=1000,
                                description="required to decline or return, to vote, and to override the policy's result")


class OfferDeclineIn(ApiInput):
    reason: str | None = Field(default=None, max_length=500)


class InstalmentOut(BaseModel):
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal


class SchedulePreviewOut(BaseModel):
    """The offer's repayment schedule as decided: the first instalments and the totals."""

    method: str
    instalments: list[InstalmentOut] = Field(description="the first instalments (at most 3)")
    count: int = Field(description="how many instalments in all")
    total_principal: Decimal
    total_interest: Decimal
    total_payment: Decimal
    total_fees: Decimal
    last_due_date: date


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    decision_id: int
    amount: Decimal
    annual_rate: Decimal
    apr: Decimal
    repayment_method: str
    term_months: int
    payment_mode: str | None
    status: str
    expires_on: date
    created_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    schedule_preview: SchedulePreviewOut | None = None


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    version: int
    status: str
    effective_from: date | None
    sha256: str
    author: str
    approver: str | None
    note: str | None
    decision_note: str | None
    created_at: datetime
    decided_at: datetime | None


class VersionDetail(VersionOut):
    text: str


class PolicyDraftIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "text": "format: smecredit-policy/1\ncode: sme-default\n…", "note": "提高 A 级自动审批额度"}})

    text: str = Field(min_length=1, max_length=200_000, description="the policy, YAML (format smecredit-policy/1)")
    note: str | None = Field(default=None, max_length=500)


class ScorecardDraftIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid")

    scorecard: dict[str, Any] = Field(description="the scorecard, JSON (format smecredit-scorecard/1)")
    note: str | None = Field(default=None, max_length=500)


class ApproveIn(ApiInput):
    effective_from: date
    note: str | None = Field(default=None, max_length=500)


class RejectIn(ApiInput):
    note: str = Field(max_length=500)
