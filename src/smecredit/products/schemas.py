"""API shapes for stage 2. Amounts and rates are decimal strings (Pydantic writes Decimal as text)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from smecredit.products.definition import ProductDefinition
from smecredit.products.fit import MatchResult
from smecredit.products.models import ProductVersion
from smecredit.web.inputs import ApiInput


class TextOut(BaseModel):
    zh: str
    en: str


class ChecklistItemOut(BaseModel):
    kind: str
    label: TextOut
    required: bool
    accepted: list[str]
    note: TextOut


class ProductOut(BaseModel):
    code: str
    version: int
    version_id: int
    status: str
    effective_from: date | None
    name: TextOut
    kind: str
    summary: TextOut
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    repayment_methods: list[str]
    guarantee_modes: list[str]
    spread_min: Decimal = Field(description="percentage points over the LPR")
    spread_max: Decimal
    entrusted_payment_above: Decimal = Field(description="受托支付 above this amount, else 自主支付")
    checklist: dict[str, list[ChecklistItemOut]]


def product_out(row: ProductVersion) -> ProductOut:
    d: ProductDefinition = row.definition
    return ProductOut(
        code=row.product_code, version=row.version, version_id=row.id, status=row.status, effective_from=row.effective_from,
        name=TextOut(**d.name.as_dict()), kind=d.kind, summary=TextOut(**d.summary.as_dict()),
        min_amount=d.min_amount, max_amount=d.max_amount, min_term_months=d.min_term_months,
        max_term_months=d.max_term_months, repayment_methods=list(d.repayment_methods),
        guarantee_modes=list(d.guarantee_modes), spread_min=d.pricing.spread_min, spread_max=d.pricing.spread_max,
        entrusted_payment_above=d.entrusted_payment_above,
        checklist={mode: [ChecklistItemOut(kind=i.kind, label=TextOut(**i.label.as_dict()), required=i.required,
                                           accepted=list(i.accepted), note=TextOut(**i.note.as_dict())) for i in items]
                   for mode, items in d.checklist.items()})


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_code: str
    version: int
    status: str
    effective_from: date | None
    definition_sha256: str
    author: str
    approver: str | None
    note: str | None
    decision_note: str | None


class VersionDetail(VersionOut):
    definition: dict[str, Any]


class MatchIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "amount": "500000", "term_months": 12, "purpose": "采购原材料", "inputs": {"order_value": "800000"}}})

    amount: Decimal = Field(description="yuan, as text")
    term_months: int = Field(ge=1, le=360)
    purpose: str = Field(max_length=200)
    inputs: dict[str, Decimal] = Field(default_factory=dict, description="figures some limit methods need "
                                       "(order_value, project_cost, invoiced_sales_12m, confirmed_receivables, "
                                       "appraised_value, turnover days …), as text")


class ReasonOut(BaseModel):
    code: str
    kind: str
    message: TextOut


class LimitInputOut(BaseModel):
    key: str
    label: TextOut
    value: str | None
    source: str


class MatchOut(BaseModel):
    product_code: str
    product_version: int
    version_id: int
    eligible: bool
    reasons: list[ReasonOut]
    indicative_limit: Decimal | None
    rate_min: Decimal | None
    rate_max: Decimal | None
    rank: int | None
    payment_mode: Literal["entrusted", "self"]
    limit_inputs: list[LimitInputOut]


class MatchesOut(BaseModel):
    matches: list[MatchOut]


def match_out(r: MatchResult) -> MatchOut:
    return MatchOut(
        product_code=r.product_code, product_version=r.product_version, version_id=r.version_id, eligible=r.eligible,
        reasons=[ReasonOut(code=x.code, kind=x.kind, message=TextOut(**x.message.as_dict())) for x in r.reasons],
        indicative_limit=r.indicative_limit, rate_min=r.rate_min, rate_max=r.rate_max, rank=r.rank,
        payment_mode=r.payment_mode,
        limit_inputs=[LimitInputOut(key=i.key, label=TextOut(**i.label.as_dict()),
                                    value=None if i.value is None else (f"{i.value:f}" if isinstance(i.value, Decimal) else str(i.value)),
                                    source=i.source) for i in r.limit_inputs])


class DraftIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid")

    definition: dict[str, Any] = Field(description="the whole product definition (numbers as text)")
    note: str | None = Field(default=None, max_length=500, description="what changed and why")


class ApproveIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid")

    effective_from: date
    note: str | None = Field(default=None, max_length=500)


class RejectIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid")

    note: str = Field(max_length=500)


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tenor: str
    effective_from: date
    rate: Decimal
    published_on: date
    changed_by: str


class RateIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid")

    tenor: Literal["1y", "5y+"]
    effective_from: date
    published_on: date
    rate: Decimal = Field(description="percent a year, two places, as text: \"3.00\"")
