"""Audit events of stage 1: enterprises, their people and counterparties, authorisations, data and
profiles. Payloads never carry personal information itself (names, ID numbers, phones, addresses),
only which person and which fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("enterprise", Text("企业", "Enterprise"))
entity_type("enterprise_person", Text("企业关系人", "Person of an enterprise"))
entity_type("bank_mapping", Text("流水列映射", "Statement mapping"))
entity_type("assignment_rule", Text("分派规则", "Assignment rule"))


@event("enterprise.registered", "enterprise", Text("登记企业", "Enterprise registered"))
class EnterpriseRegistered(Event):
    uscc: str
    name: str
    industry: str
    size_class: str
    size_rule_zh: str
    linked_applicant: str | None
    on_behalf: bool
    ownership: str
    officer_id: int | None
    branch_code: str | None


@event("enterprise.updated", "enterprise", Text("修改企业信息", "Enterprise facts changed"))
class EnterpriseUpdated(Event):
    changes: dict[str, Any]
    size_class_before: str
    size_class: str
    size_rule_zh: str


@event("enterprise.query_authorised", "enterprise", Text("数据查询授权", "Data enquiries authorised"))
class QueriesAuthorised(Event):
    authorisation_id: int
    text_version: str
    text_sha256: str
    lang: str
    channel: str
    scope: list[str]
    expires_at: datetime | None
    scan_sha256: str | None


@event("enterprise.authorisation_withdrawn", "enterprise", Text("撤回数据查询授权", "Data enquiry authorisation withdrawn"))
class AuthorisationWithdrawn(Event):
    authorisation_id: int
    reason: str | None


@event("enterprise.ownership_claimed", "enterprise", Text("认领企业", "Ownership claimed"))
class OwnershipClaimed(Event):
    claim_id: int
    user: str
    ownership_before: str
    ownership: str


@event("enterprise.ownership_confirmed", "enterprise", Text("核实企业归属", "Ownership confirmed"))
class OwnershipConfirmed(Event):
    claim_id: int
    claimant_id: int
    method: str
    evidence: str
    ownership_before: str
    ownership: str


@event("enterprise.ownership_rejected", "enterprise", Text("驳回企业认领", "Ownership claim rejected"))
class OwnershipClaimRejected(OwnershipConfirmed):
    pass


@event("enterprise.assigned", "enterprise", Text("分派客户经理", "Officer assigned"))
class EnterpriseAssigned(Event):
    how: str  # taken | reassigned
    officer_before: int | None
    branch_before: str | None
    officer_id: int | None
    officer: str | None
    branch_code: str | None


@event("assignment_rule.added", "assignment_rule", Text("新增分派规则", "Assignment rule added"))
class AssignmentRuleAdded(Event):
    priority: int
    region_prefix: str
    industry: str | None
    officer: str | None
    branch_code: str | None


@event("assignment_rule.removed", "assignment_rule", Text("删除分派规则", "Assignment rule removed"))
class AssignmentRuleRemoved(Event):
    region_prefix: str
    industry: str | None


@event("enterprise.person_added", "enterprise", Text("新增关系人", "Person added"))
class PersonAdded(Event):
    person_id: int
    role: str
    party_type: str
    share_pct: str | None


@event("enterprise.person_updated", "enterprise", Text("修改关系人", "Person changed"))
class PersonUpdated(Event):
    person_id: int
    role: str
    fields_changed: list[str]


@event("enterprise.person_removed", "enterprise", Text("删除关系人", "Person removed"))
class PersonRemoved(Event):
    person_id: int
    role: str
    party_type: str


@event("enterprise.pii_revealed", "enterprise_person", Text("查看完整个人信息", "Personal information revealed"))
class PersonalInformationRevealed(Event):
    enterprise_id: int
    person_id: int
    person_role: str
    fields: list[str]


@event("enterprise.counterparty_added", "enterprise", Text("新增交易对手", "Counterparty added"))
class CounterpartyAdded(Event):
    counterparty_id: int
    relation: str
    name: str
    uscc: str | None
    annual_amount: str | None
    is_core_enterprise: bool


@event("enterprise.counterparty_updated", "enterprise", Text("修改交易对手", "Counterparty changed"))
class CounterpartyUpdated(CounterpartyAdded):
    pass


@event("enterprise.counterparty_removed", "enterprise", Text("删除交易对手", "Counterparty removed"))
class CounterpartyRemoved(CounterpartyAdded):
    pass


@event("enterprise.data_pulled", "enterprise", Text("采集数据", "Data pulled from a provider"))
class DataPulled(Event):
    snapshot_id: int
    kind: str
    provider: str
    is_sandbox: bool
    content_sha256: str
    origin: str


@event("enterprise.data_imported", "enterprise", Text("导入数据文件", "Data file imported"))
class DataImported(DataPulled):
    filename: str | None
    file_sha256: str | None
    file_size: int | None
    mapping: str | None


@event("enterprise.profile_computed", "enterprise", Text("计算信用画像", "Credit profile computed"))
class ProfileComputed(Event):
    profile_id: int
    version: int
    as_of: str
    trigger: str
    snapshot_ids: list[int]
    feature_count: int
    missing: list[str]
    discrepancies: list[str]


@event("enterprise.snapshot_pii_revealed", "enterprise", Text("查看数据中的个人信息", "Personal information in data revealed"))
class SnapshotPersonalInformationRevealed(Event):
    snapshot_id: int
    kind: str


@event("enterprise.original_downloaded", "enterprise", Text("下载原始文件", "Original file downloaded"))
class OriginalFileDownloaded(Event):
    snapshot_id: int
    file_sha256: str | None


@event("bank_mapping.created", "bank_mapping", Text("新增流水列映射", "Statement mapping created"))
class BankMappingCreated(Event):
    bank_name: str
    mapping: dict[str, Any]


@event("bank_mapping.updated", "bank_mapping", Text("修改流水列映射", "Statement mapping changed"))
class BankMappingUpdated(BankMappingCreated):
    pass


@event("bank_mapping.deleted", "bank_mapping", Text("删除流水列映射", "Statement mapping deleted"))
class BankMappingDeleted(Event):
    bank_name: str
