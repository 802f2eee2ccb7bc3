"""Audit events of stage 2: product versions (drafted, approved, rejected, loaded with the default
catalogue) and the reference-rate table. Each carries the definition's SHA-256, so the log proves
which terms were in force."""

from __future__ import annotations

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("product", Text("贷款产品", "Loan product"))
entity_type("reference_rate", Text("基准利率（LPR）", "Reference rate (LPR)"))


@event("product.loaded", "product", Text("载入默认产品", "Default product loaded"))
class ProductLoaded(Event):
    code: str
    version: int
    version_id: int
    definition_sha256: str
    effective_from: str
    source: str  # the data file


@event("product.version_drafted", "product", Text("提交产品新版本", "Product version drafted"))
class VersionDrafted(Event):
    code: str
    version: int
    version_id: int
    definition_sha256: str
    based_on_version: int | None
    note: str | None


@event("product.version_approved", "product", Text("批准产品版本", "Product version approved"))
class VersionApproved(Event):
    code: str
    version: int
    version_id: int
    definition_sha256: str
    effective_from: str
    author: str
    note: str | None


@event("product.version_rejected", "product", Text("驳回产品版本", "Product version rejected"))
class VersionRejected(Event):
    code: str
    version: int
    version_id: int
    definition_sha256: str
    author: str
    note: str | None


@event("reference_rate.loaded", "reference_rate", Text("载入 LPR 表", "LPR table loaded"))
class RatesLoaded(Event):
    count: int
    source: str
    file_sha256: str


@event("reference_rate.set", "reference_rate", Text("设置 LPR", "LPR value set"))
class RateSet(Event):
    tenor: str
    effective_from: str
    published_on: str
    rate: str
    previous_rate: str | None  # None: a new date; else the value it replaced
