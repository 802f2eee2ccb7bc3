"""The lender's words for the codes products are made of: product kinds, repayment methods,
guarantee modes (and their combinations), checklist document kinds, payment modes and file types.

Pure data. Pages show these labels, never the codes (`label_of`).
"""

from __future__ import annotations

from smecredit.kernel.text import Text

KINDS: dict[str, Text] = {
    "working_capital": Text("流动资金贷款", "Working-capital loan"),
    "fixed_asset": Text("固定资产贷款", "Fixed-asset loan"),
    "order_financing": Text("订单融资", "Order financing"),
    "tax_loan": Text("税贷（银税互动）", "Tax-data loan"),
    "invoice_loan": Text("发票贷", "Invoice loan"),
    "supply_chain": Text("应收账款质押/供应链融资", "Receivables pledge / supply-chain finance"),
    "ip_pledge": Text("知识产权质押贷款", "IP-pledge loan"),
}

REPAYMENT_METHODS: dict[str, Text] = {
    "equal_installment": Text("等额本息", "Equal instalments"),
    "equal_principal": Text("等额本金", "Equal principal"),
    "interest_only": Text("按月付息到期还本", "Monthly interest, principal at maturity"),
    "bullet": Text("到期一次还本付息", "Principal and interest at maturity"),
    "revolving": Text("随借随还", "Revolving (draw and repay any time)"),
}

#: The single guarantee modes; a product may offer combinations of them joined by "+"
#: ("credit+guarantee": 信用+保证), always written in this order.
GUARANTEE_BASE: dict[str, Text] = {
    "credit": Text("信用", "Unsecured"),
    "guarantee": Text("保证", "Guarantee"),
    "mortgage": Text("抵押", "Mortgage"),
    "receivables_pledge": Text("应收账款质押", "Receivables pledge"),
    "ip_pledge": Text("知识产权质押", "IP pledge"),
}

PAYMENT_MODES: dict[str, Text] = {
    "entrusted": Text("受托支付", "Entrusted payment (paid to the counterparty)"),
    "self": Text("自主支付", "Self-payment (paid to the borrower)"),
}

FILE_TYPES: dict[str, Text] = {
    "pdf": Text("PDF", "PDF"),
    "jpeg": Text("JPEG 图片", "JPEG image"),
    "png": Text("PNG 图片", "PNG image"),
    "xlsx": Text("Excel 表格", "Excel workbook"),
}

#: Document kinds a checklist may ask for (the lender's published SME list, standards §7).
DOCUMENT_KINDS: dict[str, Text] = {
    "business_licence": Text("营业执照", "Business licence"),
    "account_permit": Text("开户许可证", "Account opening permit"),
    "legal_rep_id": Text("法定代表人身份证明", "Legal representative's ID"),
    "articles": Text("公司章程", "Articles of association"),
    "audited_statements": Text("近两年审计报告", "Audited statements, last two years"),
    "latest_statements": Text("最近一期财务报表", "Latest financial statements"),
    "debt_schedule": Text("负债明细及对外担保", "Debts and guarantees given"),
    "credit_application": Text("授信申请书", "Credit application form"),
    "credit_enquiry_consent": Text("征信查询授权书", "Credit enquiry authorisation"),
    "bank_statements": Text("近6个月对公及实控人银行流水", "Bank statements, company and controller, last 6 months"),
    "contracts": Text("购销合同（3—5份）", "Purchase and sale contracts (3 to 5)"),
    "tax_returns": Text("纳税申报表", "Tax returns"),
    "purpose_proof": Text("资金用途证明", "Proof of the purpose of funds"),
    "project_approval": Text("项目立项/审批/备案文件", "Project approval or filing"),
    "project_budget": Text("项目投资预算", "Project budget"),
    "equity_proof": Text("项目资本金到位证明", "Proof of the project's own capital"),
    "order_contract": Text("订单/采购合同", "Order or purchase contract"),
    "invoices": Text("增值税发票清单", "VAT invoice list"),
    "receivables_confirmation": Text("核心企业应收账款确认书", "Receivables confirmation by the core enterprise"),
    "receivables_contract": Text("形成应收账款的基础合同", "Contract the receivable arises from"),
    "ip_certificate": Text("专利/商标权属证书", "Patent or trademark certificate"),
    "ip_valuation": Text("知识产权评估报告", "IP valuation report"),
    "guarantor_documents": Text("保证人资料", "Guarantor's documents"),
    "collateral_ownership": Text("抵押物权属证明", "Proof of ownership of the collateral"),
    "collateral_valuation": Text("抵押物评估报告", "Collateral valuation"),
    "other": Text("其他材料", "Other documents"),
}

VERSION_STATUSES: dict[str, Text] = {
    "draft": Text("待审批", "Awaiting approval"),
    "approved": Text("已批准", "Approved"),
    "rejected": Text("已驳回", "Rejected"),
}

TENORS: dict[str, Text] = {
    "1y": Text("1年期", "1-year"),
    "5y+": Text("5年期以上", "Over 5 years"),
}


def guarantee_label(mode: str) -> Text:
    """信用+保证 / Unsecured + guarantee for a (combined) guarantee mode."""
    parts = [GUARANTEE_BASE.get(part, Text(part, part)) for part in mode.split("+")]
    return Text("+".join(p.zh for p in parts), " + ".join(p.en for p in parts))


def label_of(table: dict[str, Text], code: str) -> Text:
    """A code's label, or a plain "unknown" that never shows the raw code as if it were a word."""
    return table.get(code) or Text("（未知）", "(unknown)")
