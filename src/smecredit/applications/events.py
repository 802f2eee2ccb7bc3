"""Audit events of stage 3, one class per action on an application. Payloads carry codes, amounts
(as decimal strings), states and file hashes, never personal information."""

from __future__ import annotations

import dataclasses

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("application", Text("贷款申请", "Loan application"))


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Transition(Event):
    """What every event of a change carries: the number people quote, the state before and after."""

    no: str
    from_status: str | None
    to_status: str


@event("application.created", "application", Text("创建贷款申请", "Application created"))
class ApplicationCreated(_Transition):
    enterprise_id: int
    product_code: str
    product_version: int
    amount: str
    term_months: int
    repayment_method: str
    guarantee_mode: str
    on_behalf: bool


@event("application.terms_updated", "application", Text("修改申请条件", "Application terms changed"))
class ApplicationTermsUpdated(_Transition):
    changes: dict[str, list]  # field -> [before, after]


@event("application.document_attached", "application", Text("上传申请材料", "Document attached"))
class DocumentAttached(_Transition):
    document_id: int
    kind: str
    stored_file_id: int
    sha256: str
    size: int
    content_type: str
    request_id: int | None


@event("application.document_removed", "application", Text("删除申请材料", "Document removed"))
class DocumentRemoved(_Transition):
    document_id: int
    kind: str
    sha256: str


@event("application.submitted", "application", Text("提交贷款申请", "Application submitted"))
class ApplicationSubmitted(_Transition):
    document_sha256: list[str]


@event("application.withdrawn", "application", Text("撤回贷款申请", "Application withdrawn"))
class ApplicationWithdrawn(_Transition):
    reason: str | None


@event("application.claimed", "application", Text("认领贷款申请", "Application claimed"))
class ApplicationClaimed(_Transition):
    assignee_id: int


@event("application.released", "application", Text("贷款申请放回队列", "Application handed back to the queue"))
class ApplicationReleased(_Transition):
    previous_assignee_id: int


@event("application.review_started", "application", Text("开始审查贷款申请", "Review started"))
class ReviewStarted(_Transition):
    pass


@event("application.documents_requested", "application", Text("要求补件", "Documents requested"))
class DocumentsRequested(_Transition):
    request_id: int
    items: list[dict[str, str]]  # {kind, reason}


@event("application.resubmitted", "application", Text("补件后重新提交", "Application resubmitted"))
class ApplicationResubmitted(_Transition):
    request_id: int
    document_sha256: list[str]


@event("application.decided", "application", Text("贷款申请决定", "Application decided"))
class ApplicationDecided(_Transition):
    outcome: str
    reason: str


@event("application.document_downloaded", "application", Text("下载申请材料", "Document downloaded"))
class DocumentDownloaded(Event):
    no: str
    document_id: int
    kind: str
    sha256: str
