"""A decision as the engine stores it (inputs and result dicts, interfaces.md), built by hand, for
the risk report's tests until every test can make real decisions through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from smecredit.decisioning import report
from smecredit.kernel.text import Text

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def inputs() -> dict:
    return {
        "application": {"no": "SQ2026030200001", "amount": "800000.00", "term_months": 12,
                        "repayment_method": "equal_installment", "guarantee_mode": "credit",
                        "purpose": "采购原材料", "product_code": "tax-loan", "product_kind": "tax_loan"},
        "enterprise": {"id": 7, "uscc": "91350100M000100Y43", "size_class": "small", "industry": "wholesale"},
        "features": {"years_in_operation": "6", "tax_credit_grade": "B", "annual_revenue": "12500000.00",
                     "current_overdue_count": "0", "leverage": "0.62", "queries_last_3m": "7",
                     "controller_age": "47"},
        "profile_id": 3,
        "exposure": {"enterprise": "1500000.00", "bureau_outstanding": "2300000.00",
                     "group": [{"name": "福州青禾贸易有限公司", "relation": {"zh": "同一实际控制人", "en": "Same controller"},
                                "exposure": "2000000.00"}],
                     "group_total": "3500000.00"},
        "reference_rates": {"1y": "3.0000", "5y+": "3.5000", "on": "2026-02-20"},
        "decision_date": "2026-03-02",
    }


def result() -> dict:
    return {
        "outcome": "referred", "route": "review", "segment": "small-trade",
        "rule_results": [
            {"code": "KO_OVERDUE", "kind": "knockout", "result": "passed",
             "message": {"zh": "企业当前无逾期（0 笔）", "en": "No overdue now (0)"}, "values": {"current_overdue_count": "0"}},
            {"code": "REF_QUERIES", "kind": "referral", "result": "failed",
             "message": {"zh": "近 3 个月征信查询 7 次，超过 6 次", "en": "7 credit enquiries in 3 months, more than 6"},
             "values": {"queries_last_3m": "7"}},
            {"code": "KO_DISHONEST", "kind": "knockout", "result": "not_evaluated",
             "message": {"zh": "缺少司法数据，未能核查失信被执行人", "en": "No judicial data: the dishonest-debtor list was not checked"},
             "values": {}},
        ],
        "reasons": [{"code": "REF_QUERIES", "message": {"zh": "近 3 个月征信查询 7 次，超过 6 次",
                                                        "en": "7 credit enquiries in 3 months, more than 6"}}],
        "score": 612, "grade": "B", "pd": "0.021500", "scorecard_code": "sme-expert",
        "contributions": [
            {"feature": "years_in_operation", "label": {"zh": "经营年限", "en": "Years in operation"}, "value": "6",
             "bin": {"zh": "3年及以上", "en": "3 years or more"}, "points": 55, "max_points": 55,
             "reason": {"zh": "经营 3 年以上", "en": "In business 3 years or more"}},
            {"feature": "tax_credit_grade", "label": {"zh": "纳税信用等级", "en": "Tax credit grade"}, "value": "B",
             "bin": {"zh": "B 级", "en": "Grade B"}, "points": 40, "max_points": 60,
             "reason": {"zh": "纳税信用等级为 B", "en": "Tax credit grade B"}},
            {"feature": "leverage", "label": {"zh": "资产负债率", "en": "Leverage"}, "value": "0.62",
             "bin": {"zh": "60%–70%", "en": "60%–70%"}, "points": 20, "max_points": 50,
             "reason": {"zh": "资产负债率偏高", "en": "Leverage is high"}},
        ],
        "reason_codes": ["leverage", "tax_credit_grade"],
        "limit": "900000.00", "approved_amount": "800000.00",
        "limit_steps": [
            {"code": "product", "label": {"zh": "产品额度测算（税贷：近 12 个月纳税额 × 倍数）",
                                          "en": "Product limit (tax paid in 12 months × multiple)"}, "amount": "1200000.00"},
            {"code": "grade_cap", "label": {"zh": "B 级额度上限", "en": "Cap for grade B"}, "amount": "900000.00",
             "note": {"zh": "取较低者", "en": "the lower applies"}},
            {"code": "single_cap", "label": {"zh": "普惠型小微单户授信上限（1000万元，含现有敞口）",
                                             "en": "Inclusive SME cap per enterprise (CNY 10m, with exposure)"},
             "amount": "8500000.00"},
        ],
        "annual_rate": "4.1500", "apr": "4.24", "apr_method": "irr", "penalty_rate": "6.2250",
        "rate_steps": [
            {"code": "lpr", "label": {"zh": "1年期 LPR", "en": "1-year LPR"}, "rate": "3.0000"},
            {"code": "grade_spread", "label": {"zh": "B 级加点", "en": "Spread for grade B"}, "delta": "1.0000"},
            {"code": "guarantee", "label": {"zh": "信用方式调整", "en": "Unsecured adjustment"}, "delta": "0.1500"},
            {"code": "floor", "label": {"zh": "利率下限 3.45%", "en": "Floor 3.45%"}, "rate": "4.1500",
             "note": {"zh": "未触及", "en": "not reached"}},
        ],
        "fees": [{"label": {"zh": "账户管理费", "en": "Account fee"}, "amount": "400.00"}],
        "repayment_method": "equal_installment", "term_months": 12, "payment_mode": "entrusted",
        "schedule_preview": [
            {"number": 1, "due_date": "2026-04-02", "principal": "65432.10", "interest": "2766.67", "payment": "68198.77",
             "balance": "734567.90"},
            {"number": 2, "due_date": "2026-05-02", "principal": "65658.39", "interest": "2540.38", "payment": "68198.77",
             "balance": "668909.51"},
        ],
    }


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
        overrides=[report.OverrideLine("declined", "approved", "committee", "committee", "贷审会多数同意", AT)],
        generated_at=AT,
    )
    values.update(changes)
    return report.build(**values)
