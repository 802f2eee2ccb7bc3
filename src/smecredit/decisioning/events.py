"""Audit events of stage 4: versions of the credit policy and the scorecards (drafted, approved,
rejected, loaded with the defaults), each decision (linking the decision record by id and the
SHA-256 of its stored inputs and result), what people did with a referred application (review,
approval, committee votes and resolution, overrides) and the offer (made, accepted, declined).
Payloads carry codes, amounts as decimal strings and hashes, never personal information."""

from __future__ import annotations

import dataclasses

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("policy", Text("授信政策", "Credit policy"))
entity_type("scorecard", Text("评分卡", "Scorecard"))
entity_type("decision", Text("授信决策", "Credit decision"))
entity_type("offer", Text("授信方案", "Offer"))


# --- versions of the policy and the scorecards ----------------------------------------------------------

@dataclasses.dataclass(frozen=True, kw_only=True)
class _Version(Event):
    code: str
    version: int
    version_id: int
    sha256: str


@event("policy.loaded", "policy", Text("载入默认授信政策", "Default credit policy loaded"))
class PolicyLoaded(_Version):
    effective_from: str
    source: str


@event("policy.version_drafted", "policy", Text("提交授信政策新版本", "Credit policy version drafted"))
class PolicyDrafted(_Version):
    based_on_version: int | None
    note: str | None


@event("policy.version_approved", "policy", Text("批准授信政策版本", "Credit policy version approved"))
class PolicyApproved(_Version):
    effective_from: str
    author: str
    note: str | None


@event("policy.version_rejected", "policy", Text("驳回授信政策版本", "Credit policy version rejected"))
class PolicyRejected(_Version):
    author: str
    note: str | None


@event("scorecard.loaded", "scorecard", Text("载入默认评分卡", "Default scorecard loaded"))
class ScorecardLoaded(_Version):
    effective_from: str
    source: str


@event("scorecard.version_drafted", "scorecard", Text("提交评分卡新版本", "Scorecard version drafted"))
class ScorecardDrafted(_Version):
    based_on_version: int | None
    note: str | None


@event("scorecard.version_approved", "scorecard", Text("批准评分卡版本", "Scorecard version approved"))
class ScorecardApproved(_Version):
    effective_from: str
    author: str
    note: str | None


@event("scorecard.version_rejected", "scorecard", Text("驳回评分卡版本", "Scorecard version rejected"))
class ScorecardRejected(_Version):
    author: str
    note: str | None


# --- decisions -------------------------------------------------------------------------------------------

@event("decision.made", "decision", Text("自动授信决策", "Credit decision made"))
class DecisionMade(Event):
    """``entity_id`` is the decision's id; the record holds the whole input snapshot and result."""

    application_id: int
    no: str
    sequence: int
    outcome: str
    route: str
    score: int | None
    grade: str | None
    limit: str | None
    approved_amount: str | None
    annual_rate: str | None
    apr: str | None
    policy_version_id: int
    policy_sha256: str
    scorecard_version_id: int | None
    scorecard_sha256: str | None
    inputs_sha256: str
    result_sha256: str
    elapsed_ms: str
    reason_codes: list[str]


@event("decision.reviewed", "application", Text("授信审查/审批意见", "Credit review recorded"))
class DecisionReviewed(Event):
    """A reviewer's or approver's act on a referred application (``entity_id``: the application)."""

    no: str
    decision_id: int
    stage: str  # review | approval
    review_action: str  # approve | decline | return
    comment: str | None
    from_status: str
    to_status: str


@event("decision.vote_cast", "application", Text("贷审会委员表决", "Committee vote cast"))
class VoteCast(Event):
    no: str
    decision_id: int
    round: int
    vote: str  # approve | decline
    comment: str


@event("decision.committee_resolved", "application", Text("贷审会决议", "Committee resolution"))
class CommitteeResolved(Event):
    no: str
    decision_id: int
    round: int
    result: str  # approve | decline
    approve: int
    decline: int
    quorum: int
    dissent: list[str]  # usernames of the members who voted against the result
    to_status: str


@event("decision.overridden", "application", Text("人工推翻自动结果", "Automatic result overridden"))
class DecisionOverridden(Event):
    no: str
    decision_id: int
    automatic: str
    human: str
    stage: str
    reason: str


# --- offers ----------------------------------------------------------------------------------------------

@event("offer.made", "offer", Text("发出授信方案", "Offer made"))
class OfferMade(Event):
    application_id: int
    no: str
    decision_id: int
    amount: str
    annual_rate: str
    apr: str
    repayment_method: str
    term_months: int
    expires_on: str


@event("offer.accepted", "offer", Text("申请人接受授信方案", "Offer accepted"))
class OfferAccepted(Event):
    application_id: int
    no: str
    amount: str


@event("offer.declined", "offer", Text("申请人放弃授信方案", "Offer declined"))
class OfferDeclined(Event):
    application_id: int
    no: str
    reason: str | None


# --- the risk report (owner: report; added here at the end so the merge with `service` is trivial) ---------

@event("decision.report_downloaded", "application", Text("下载风险评估报告", "Risk report downloaded"))
class RiskReportDownloaded(Event):
    """A staff member downloaded an application's risk report (风险评估报告) as a PDF (``entity_id``:
    the application). Audited because the report carries personal information (the actual
    controller's credit facts and age)."""

    no: str
    decision_id: int | None
    format: str  # pdf
    sha256: str  # of the file served
    size: int
