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
    # the risk report and the overrides report (owner: report)
    routers=("smecredit.decisioning.report_pages:router",),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("overrides", "/decisions/overrides", Text("推翻自动结果", "Overrides"), perms.APPLICATION_QUEUE,
                 "arrow-left-right",
                 ((perms.APPLICATION_QUEUE, Text("查看人工推翻授信政策自动结果的申请及理由",
                                                 "See where people overrode the credit policy's automatic result, and why")),)),
    ),
)
