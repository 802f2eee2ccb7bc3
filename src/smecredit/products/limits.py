"""How a product estimates its indicative limit (额度测算): one method per kind of product, each
with its parameters (set in the product's definition) and its inputs (profile features, the
enterprise's record, or figures the applicant types), and the result with every input shown.

Methods (rates and shares are ratios: 0.70 is 70 %):

* ``working_capital`` — 流动资金贷款: the 营运资金量 formula of the working-capital annex
  (`standards.working_capital`): sales, margin and growth from the profile, turnover days and
  funds typed by the applicant; the new loan limit.
* ``project_cost`` — 固定资产贷款: project cost × (1 − required equity share).
* ``order_value`` — 订单融资: confirmed order value × advance rate.
* ``tax_multiple`` — 税贷（银税互动）: tax paid in the last 12 months × multiple, capped by the
  纳税信用等级's cap (a grade without a cap gets no limit).
* ``invoice_sales`` — 发票贷: invoiced sales of the last 12 months × rate. The stage-1 tax data
  carries declared revenue and tax paid but no invoice totals, so the applicant types the figure
  (and uploads the invoice list as evidence).
* ``confirmed_receivables`` — 应收账款质押/供应链融资: receivables confirmed by a core enterprise
  × advance rate; the core enterprise must be listed among the enterprise's customers (a rule of
  the product checks ``core_customer_count``; the method shows the count).
* ``appraised_value`` — 知识产权质押: appraised value × pledge rate.

A limit is rounded *down* to the fen (an indicative figure never overstates). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from smecredit.kernel.money import FEN
from smecredit.kernel.text import Text

PROFILE, RECORD, TYPED = "profile", "record", "typed"
SOURCE_LABELS: dict[str, Text] = {
    PROFILE: Text("信用画像", "Credit profile"),
    RECORD: Text("企业资料", "Enterprise record"),
    TYPED: Text("申请人填写", "Typed by the applicant"),
    "parameter": Text("产品参数", "Product parameter"),
}
GRADES = ("A", "B", "M", "C", "D")


@dataclass(frozen=True)
class Param:
    name: str
    label: Text
    low: Decimal
    high: Decimal
    unit: str = "ratio"  # ratio | times | CNY


@dataclass(frozen=True)
class Input:
    key: str
    label: Text
    source: str  # profile | record | typed
    unit: str = "CNY"  # CNY | ratio | days | grade | count | percent
    optional: bool = False  # typed inputs that default to zero (own funds …)


@dataclass(frozen=True)
class Method:
    code: str
    label: Text
    formula: Text
    params: tuple[Param, ...]
    inputs: tuple[Input, ...]
    caps_by_grade: bool = False  # tax_multiple: params carry "caps": {grade: amount}

    @property
    def typed_inputs(self) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if i.source == TYPED)


_RATE = (Decimal("0.01"), Decimal("1.00"))

METHODS: dict[str, Method] = {m.code: m for m in (
    Method("working_capital", Text("营运资金量测算", "Working-capital need"),
           Text("新增流动资金贷款额度 = 营运资金量 − 自有资金 − 现有流动资金贷款 − 其他渠道营运资金；"
                "营运资金量 = 上年度销售收入 × (1 − 销售利润率) × (1 + 预计增长率) ÷ 营运资金周转次数",
                "new loan limit = working capital needed − own funds − existing working-capital loans − other funding; "
                "working capital needed = sales × (1 − margin) × (1 + growth) ÷ turnover"),
           (),
           (Input("annual_revenue", Text("上年度销售收入", "Last year's sales"), PROFILE),
            Input("net_margin", Text("销售利润率", "Profit margin on sales"), PROFILE, "ratio"),
            Input("revenue_growth", Text("预计销售收入年增长率（取近一年增长率）", "Expected sales growth (last year's growth)"),
                  PROFILE, "ratio"),
            Input("inventory_days", Text("存货周转天数", "Inventory days"), TYPED, "days"),
            Input("receivable_days", Text("应收账款周转天数", "Receivable days"), TYPED, "days"),
            Input("payable_days", Text("应付账款周转天数", "Payable days"), TYPED, "days"),
            Input("prepaid_days", Text("预付账款周转天数", "Prepayment days"), TYPED, "days", optional=True),
            Input("advance_days", Text("预收账款周转天数", "Customer-advance days"), TYPED, "days", optional=True),
            Input("own_funds", Text("借款人自有资金", "Own funds"), TYPED, optional=True),
            Input("existing_loans", Text("现有流动资金贷款", "Existing working-capital loans"), TYPED, optional=True),
            Input("other_funding", Text("其他渠道提供的营运资金", "Working capital from other sources"), TYPED, optional=True))),
    Method("project_cost", Text("项目总投资扣除资本金", "Project cost less own capital"),
           Text("额度 = 项目总投资 × (1 − 资本金比例)", "limit = project cost × (1 − equity share)"),
           (Param("equity_share", Text("项目资本金比例", "Required equity share"), Decimal("0.20"), Decimal("0.90")),),
           (Input("project_cost", Text("项目总投资", "Project cost"), TYPED),)),
    Method("order_value", Text("订单金额乘以融资比例", "Order value × advance rate"),
           Text("额度 = 已确认订单金额 × 融资比例", "limit = confirmed order value × advance rate"),
           (Param("advance_rate", Text("融资比例", "Advance rate"), *_RATE),),
           (Input("order_value", Text("已确认订单金额", "Confirmed order value"), TYPED),)),
    Method("tax_multiple", Text("纳税额倍数（按纳税信用等级封顶）", "Multiple of tax paid, capped by tax credit grade"),
           Text("额度 = min(近12个月纳税额 × 倍数, 纳税信用等级对应上限)",
                "limit = min(tax paid in the last 12 months × multiple, the cap of the tax credit grade)"),
           (Param("multiple", Text("纳税额倍数", "Multiple of tax paid"), Decimal("1"), Decimal("50"), "times"),),
           (Input("tax_paid_last12m", Text("近12个月纳税额", "Tax paid, last 12 months"), PROFILE),
            Input("tax_credit_grade", Text("纳税信用等级", "Tax credit grade"), PROFILE, "grade")),
           caps_by_grade=True),
    Method("invoice_sales", Text("开票销售额乘以比例", "Invoiced sales × rate"),
           Text("额度 = 近12个月开票销售额 × 比例", "limit = invoiced sales of the last 12 months × rate"),
           (Param("rate", Text("开票额折算比例", "Share of invoiced sales"), *_RATE),),
           (Input("invoiced_sales_12m", Text("近12个月开票销售额（申请人填写，附发票清单）",
                                             "Invoiced sales, last 12 months (typed; attach the invoice list)"), TYPED),)),
    Method("confirmed_receivables", Text("核心企业确认的应收账款乘以质押率", "Confirmed receivables × advance rate"),
           Text("额度 = 核心企业确认的应收账款 × 质押率", "limit = receivables confirmed by the core enterprise × advance rate"),
           (Param("advance_rate", Text("质押率", "Advance rate"), *_RATE),),
           (Input("confirmed_receivables", Text("核心企业确认的应收账款", "Receivables confirmed by the core enterprise"), TYPED),
            Input("core_customer_count", Text("列为下游客户的核心企业数", "Core enterprises listed as customers"), RECORD, "count"))),
    Method("appraised_value", Text("评估价值乘以质押率", "Appraised value × pledge rate"),
           Text("额度 = 知识产权评估价值 × 质押率", "limit = appraised value of the IP × pledge rate"),
           (Param("pledge_rate", Text("质押率", "Pledge rate"), *_RATE),),
           (Input("appraised_value", Text("知识产权评估价值", "Appraised value of the IP"), TYPED),)),
)}


@dataclass(frozen=True)
class InputValue:
    key: str
    label: Text
    value: Any  # Decimal | int | str | None
    unit: str
    source: str  # profile | record | typed | parameter


@dataclass(frozen=True)
class LimitResult:
    amount: Decimal | None  # None: an input is missing (see ``missing``) or the computation refused
    formula: Text
    inputs: tuple[InputValue, ...]
    missing: tuple[Input, ...] = ()
    note: Text | None = None  # why the amount is what it is (a cap applied, a refusal)
    steps: tuple[InputValue, ...] = ()  # intermediate figures (working capital)


def down(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_DOWN)


def _gather(method: Method, features: Mapping[str, Any], typed: Mapping[str, Decimal]):
    values: list[InputValue] = []
    missing: list[Input] = []
    for spec in method.inputs:
        value = typed.get(spec.key) if spec.source == TYPED else features.get(spec.key)
        if value is None and spec.optional:
            value = Decimal("0")
        if value is None:
            missing.append(spec)
        values.append(InputValue(spec.key, spec.label, value, spec.unit, spec.source))
    return values, missing


def compute(method_code: str, params: Mapping[str, Any], features: Mapping[str, Any],
            typed: Mapping[str, Decimal], *, working_capital=None) -> LimitResult:
    """The method's limit from its parameters, the features and the typed inputs.

    ``working_capital``: the callable doing the working-capital arithmetic (the standards module),
    passed in so this module stays importable where that one is not yet available."""
    method = METHODS[method_code]
    values, missing = _gather(method, features, typed)
    shown = tuple(values) + tuple(InputValue(p.name, p.label, params[p.name], p.unit, "parameter") for p in method.params)
    if missing:
        return LimitResult(None, method.formula, shown, tuple(missing))
    got = {v.key: v.value for v in values}
    if method_code == "working_capital":
        if working_capital is None:
            return LimitResult(None, method.formula, shown,
                               note=Text("营运资金量测算尚未接入，额度由客户经理测算",
                                         "The working-capital computation is not wired yet; an officer sizes the limit"))
        return working_capital(got, shown, method)
    if method_code == "project_cost":
        amount = got["project_cost"] * (1 - params["equity_share"])
    elif method_code == "order_value":
        amount = got["order_value"] * params["advance_rate"]
    elif method_code == "invoice_sales":
        amount = got["invoiced_sales_12m"] * params["rate"]
    elif method_code == "confirmed_receivables":
        amount = got["confirmed_receivables"] * params["advance_rate"]
    elif method_code == "appraised_value":
        amount = got["appraised_value"] * params["pledge_rate"]
    elif method_code == "tax_multiple":
        return _tax_multiple(method, params, got, shown)
    else:  # pragma: no cover - METHODS and this function are kept together
        raise KeyError(method_code)
    return LimitResult(down(max(amount, Decimal("0"))), method.formula, shown)


def _tax_multiple(method: Method, params: Mapping[str, Any], got: Mapping[str, Any], shown) -> LimitResult:
    grade = str(got["tax_credit_grade"])
    caps: Mapping[str, Decimal] = params.get("caps", {})
    by_multiple = down(max(got["tax_paid_last12m"], Decimal("0")) * params["multiple"])
    cap = caps.get(grade)
    shown = tuple(shown) + (InputValue("cap", Text(f"纳税信用等级 {grade} 的上限", f"Cap for tax credit grade {grade}"),
                                       cap, "CNY", "parameter"),)
    if cap is None:
        return LimitResult(Decimal("0.00"), method.formula, shown,
                           note=Text(f"纳税信用等级为 {grade}，本产品对该等级不授信",
                                     f"Tax credit grade {grade}: the product lends nothing at this grade"))
    if by_multiple > cap:
        return LimitResult(cap, method.formula, shown,
                           note=Text(f"按倍数测算 {by_multiple:,.2f} 元，超过等级上限，取上限 {cap:,.2f} 元",
                                     f"{by_multiple:,.2f} by the multiple exceeds the grade's cap; the cap {cap:,.2f} applies"))
    return LimitResult(by_multiple, method.formula, shown)
