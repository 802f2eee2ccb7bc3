"""Stage 4, decide: the credit policy and scorecards as versioned data, automatic decisions on
submission (knock-outs, score, grade, PD, limit, price, route), referrals to reviewers, approvers
and the credit committee, offers, replay and simulation."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="decisioning",
    order=40,
    label=Text("自动化资质审核与风险控制", "Decide: policy, scorecards, authority"),
    models="smecredit.decisioning.models",
    events="smecredit.decisioning.events",
    routers=("smecredit.decisioning.pages:router", "smecredit.decisioning.api:router",
             "smecredit.decisioning.report_pages:router"),  # the risk report and the overrides report
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("credit_policy", "/policies", Text("授信政策", "Credit policy"), perms.POLICIES_READ, "sliders",
                 ((perms.POLICIES_EDIT, Text("维护授信政策与评分卡、审批新版本（四眼原则）、模拟政策变更的影响",
                                             "Maintain the credit policy and scorecards, approve versions (four eyes), "
                                             "simulate a change")),
                  (perms.POLICIES_READ, Text("查阅生效的授信政策、评分卡与审批权限",
                                             "Read the credit policy, scorecards and approval authority in force")))),
        MenuItem("overrides", "/decisions/overrides", Text("推翻自动结果", "Overrides"), perms.APPLICATION_QUEUE,
                 "arrow-left-right",
                 ((perms.APPLICATION_QUEUE, Text("查看人工推翻授信政策自动结果的申请及理由",
                                                 "See where people overrode the credit policy's automatic result, and why")),)),
    ),
    notices={
        "policy_drafted": Text("已保存为待审批版本，请另一位风险经理审批", "Saved as a draft; another risk manager approves it"),
        "policy_approved": Text("已批准，将于生效日起执行", "Approved; it takes effect on its date"),
        "policy_rejected": Text("已驳回", "Rejected"),
    },
    setup="smecredit.decisioning.setup:load_defaults",
    demo="smecredit.decisioning.demo:seed_demo",
    commands=(("decisions", "smecredit.decisioning.cli:app"), ("policy", "smecredit.decisioning.cli:policy_app"),
              ("scorecard", "smecredit.decisioning.scorecard_cli:app")),
)
