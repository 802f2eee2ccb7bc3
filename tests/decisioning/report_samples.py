"""A decision as the engine stores it (its inputs and result dicts, made by the engine itself with the
default policy and scorecards), with the application, profile sources, documents and people's acts
around it, for the risk report's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from smecredit.decisioning import engine, report
from smecredit.kernel.text import Text
from tests.decisioning import engine_helpers as helpers

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _case():
    """A referred application: too many credit enquiries (a referral fails), no judicial data (a
    knock-out not evaluated), and a related enterprise with exposure."""
    exposure = engine.Exposure(existing=Decimal("1500000.00"), bureau_outstanding=Decimal("2300000.00"), group_members=(
        engine.GroupMember(8, "福州青禾贸易有限公司", Text("同一实际控制人", "Same controller"), Decimal("2000000.00")),))
    return helpers.inputs(features={"queries_last_3m": 9}, drop=("dishonest_debtor_flag",), exposure=exposure,
                          application__amount=Decimal("800000.00"))


def inputs() -> dict:
    """The decision's inputs exactly as the engine stores them (`engine.inputs_to_dict`)."""
    return engine.inputs_to_dict(_case())


def result() -> dict:
    """The decision's result exactly as the engine stores it (`engine.result_to_dict`)."""
    return engine.result_to_dict(helpers.decide(_case()))


def application_facts(**changes) -> report.ApplicationFacts:
    values = dict(id=11, no="SQ2026030200001", enterprise_name="杭州青禾食品有限公司", uscc="91350100M000100Y43",
                  product_name=Text("税易贷", "Tax-data loan"), amount=Decimal("800000.00"), term_months=12,
                  repayment_method="equal_installment", guarantee_mode="credit", purpose="采购原材料",
                  status=Text("审查中", "Under review"), submitted_at=AT,
                  size_class=Text("小型", "Small"), industry=Text("批发业", "Wholesale"))
    values.update(changes)
    return report.ApplicationFacts(**values)


def decision_record(**changes) -> report.DecisionRecord:
    values = dict(id=5, sequence=1, created_at=AT, decision_date=date(2026, 3, 2), elapsed_ms=Decimal("12.345"),
                  policy="sme-default v1", policy_sha256="ab" * 32, scorecard="sme-expert v1",
                  scorecard_sha256="cd" * 32, inputs=inputs(), result=result())
    values.update(changes)
    return report.DecisionRecord(**values)


def feature_sources() -> list[report.FeatureSource]:
    tax = Text("税务数据", "Tax data")
    bureau = Text("企业征信报告", "Credit bureau report")
    return [
        report.FeatureSource("years_in_operation", Text("经营年限", "Years in operation"), "6", "int", "years",
                             Text("工商登记", "Business registry"), Text("演示沙箱", "Sandbox"), 21, AT, True),
        report.FeatureSource("tax_credit_grade", Text("纳税信用等级", "Tax credit grade"), "B", "str", "grade", tax,
                             Text("演示沙箱", "Sandbox"), 22, AT, True),
        report.FeatureSource("annual_revenue", Text("年营业收入", "Annual revenue"), "12500000.00", "decimal", "CNY", tax,
                             None, 22, AT),
        report.FeatureSource("current_overdue_count", Text("当前逾期笔数", "Overdue now"), "0", "int", "count", bureau,
                             None, 23, AT),
        report.FeatureSource("leverage", Text("资产负债率", "Leverage"), "0.62", "decimal", "ratio",
                             Text("财务报表", "Financial statements"), None, 24, AT),
        report.FeatureSource("queries_last_3m", Text("近3个月查询次数", "Enquiries in 3 months"), "7", "int", "count", bureau,
                             None, 23, AT),
        report.FeatureSource("net_margin", Text("销售净利率", "Net margin"), None, "decimal", "ratio",
                             Text("财务报表", "Financial statements"), None, None, None,
                             missing_reason=Text("缺少利润表", "No income statement")),
    ]


def full_report(**changes) -> report.RiskReport:
    values = dict(
        application=application_facts(), decision=decision_record(), features=feature_sources(),
        profile_facts=(report.Fact("version", Text("画像版本", "Profile version"), Text("第 3 版（2026-03-01）", "v3 (2026-03-01)")),),
        documents=[report.DocumentLine(Text("营业执照", "Business licence"), "营业执照.pdf", "ef" * 32, 120_000, AT)],
        timeline=[report.TimelineLine(AT, Text("申请企业", "Applicant"), "张*", Text("提交申请", "Submitted"),
                                      Text("已提交", "Submitted"))],
        reviews=[report.ReviewLine("review", "reviewer", Text("审查员", "Credit reviewer"), "approve", "同意，查询次数系新开户所致", AT)],
        votes=[report.VoteLine(1, "approver", Text("审批人", "Approver"), "approve", "同意", AT),
               report.VoteLine(1, "risk", Text("风险经理", "Risk manager"), "decline", "负债率偏高，不同意", AT, dissent=True)],
        overrides=[report.OverrideLine("declined", "approved", "committee", Text("贷审会", "Credit committee"), "贷审会多数同意", AT)],
        generated_at=AT,
    )
    values.update(changes)
    return report.build(**values)
