"""Stage 3, apply: online applications with their documents, 补件 and progress."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="applications",
    order=30,
    label=Text("申请材料准备与提交", "Apply online"),
    models="smecredit.applications.models",
    events="smecredit.applications.events",
    routers=("smecredit.applications.pages:router", "smecredit.applications.api:router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("my_applications", "/my/applications", Text("我的申请", "My applications"), perms.MY_APPLICATIONS,
                 "file-earmark-text",
                 ((perms.MY_APPLICATIONS, Text("准备材料、提交贷款申请、补件、查询进度",
                                               "Prepare documents, apply, answer requests, follow progress")),)),
        MenuItem("applications", "/applications", Text("申请队列", "Applications"), perms.APPLICATION_QUEUE, "inboxes",
                 ((perms.APPLICATION_HANDLE, Text("认领、审查贷款申请，要求补件", "Claim and review applications, request documents")),
                  (perms.DECISIONS_REVIEW, Text("审查、审批转人工的贷款申请，贷审会表决",
                                                "Review and approve referred applications, vote in the committee")),
                  (perms.APPLICATION_QUEUE, Text("查阅贷款申请及其材料与进度", "Read applications, their documents and progress")))),
    ),
    notices={
        "draft_created": Text("已创建申请草稿：请确认申请条件并上传材料", "Draft created: check the terms and upload the documents"),
        "terms_saved": Text("申请条件已保存", "Terms saved"),
        "document_attached": Text("材料已上传", "Document uploaded"),
        "document_removed": Text("材料已删除", "Document removed"),
        "submitted": Text("申请已提交", "Application submitted"),
        "resubmitted": Text("补充材料已提交", "Documents resubmitted"),
        "withdrawn_application": Text("申请已撤回", "Application withdrawn"),
        "application_claimed": Text("已认领该申请", "Application claimed"),
        "application_released": Text("已放回队列，其他客户经理或审查员可以认领", "Handed back to the queue: another officer or reviewer may claim it"),
        "review_started": Text("已开始审查", "Review started"),
        "documents_requested": Text("补件要求已发送，申请人会收到通知", "Request sent; the applicant is notified"),
        "review_recorded": Text("意见已记录", "Recorded"),
        "offer_accepted": Text("您已接受授信方案", "You accepted the offer"),
        "offer_declined": Text("您已放弃授信方案", "You declined the offer"),
    },
    demo="smecredit.applications.demo:seed_demo",
    commands=(("applications", "smecredit.applications.cli:app"),),
)
