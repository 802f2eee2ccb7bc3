"""Sandbox data provider (演示沙箱): deterministic demo data for any valid 统一社会信用代码.

Nothing here is real. Every answer carries ``"sandbox": true`` and the note
"演示沙箱数据，非真实数据 / Sandbox demo data, not real" in its content, and its summary starts
with 【沙箱】 / [Sandbox].

Profiles are derived from SHA-256 of the code (the enterprise's "character": size, growth,
risk tier, founding date, people) and of (code, kind, as_of) for the details, so the same
request always gives the same answer, and different codes give different but plausible
profiles — roughly 60 % clean, 25 % with warning signs (an abnormal-operation record, a past
overdue, an open lawsuit), 15 % risky (current overdue, enforcement, sometimes 失信).

Data is generated as the same bytes a user would upload (JSON or CSV) and goes through the
same importer, so sandbox data is always valid by construction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

from .dispatch import parse_source
from .fields import check_uscc, month_bounds, month_index, month_label
from .vocabulary import CENT, ParsedSource, SourceKind, make_parsed

SANDBOX_NOTE = Text("演示沙箱数据，非真实数据", "Sandbox demo data, not real")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉健俊帅宇浩凯峰"
_WORDS = ("恒信", "瑞丰", "嘉禾", "鼎盛", "华通", "宏达", "联创", "启明", "汇智", "安泰", "永昌", "新源", "众诚", "德润", "佳和", "远航")
_INDUSTRIES = (
    ("贸易", "批发零售"),
    ("机械制造", "通用设备制造"),
    ("食品", "食品加工"),
    ("物流", "道路货运与仓储"),
    ("信息技术", "软件和信息技术服务"),
    ("餐饮管理", "餐饮服务"),
    ("建材", "建材批发"),
    ("服饰", "服装制造与销售"),
)
_CUSTOMERS = ("华东", "南方", "中原", "西部", "北方", "海峡", "滨江", "长城", "东海", "天府", "珠江", "黄河")
_CUSTOMER_SUFFIX = ("商贸有限公司", "实业有限公司", "科技有限公司", "供应链管理有限公司", "超市连锁有限公司")
_SUPPLIERS = ("原料", "包装", "设备", "电子", "化工", "运输")
_LENDERS = ("中国工商银行", "中国建设银行", "中国农业银行", "招商银行", "兴业银行", "浙江网商银行", "深圳前海微众银行", "某农村商业银行")
_CAUSES = ("买卖合同纠纷", "借款合同纠纷", "劳动争议", "租赁合同纠纷", "承揽合同纠纷", "服务合同纠纷")
_COURTS = ("人民法院",)
_QUERY_REASONS = ("贷款审批", "贷后管理", "担保资格审查", "融资审批")

_YUAN = Decimal(1)


def _h(*parts: Any) -> bytes:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).digest()


def _rng(*parts: Any) -> random.Random:
    return random.Random(int.from_bytes(_h(*parts)[:16], "big"))


def _yuan(n: int | Decimal) -> Decimal:
    return Decimal(n).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(value: Decimal | int, pct: int) -> Decimal:
    """value × pct / 100, to the cent."""
    return (Decimal(value) * pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SandboxProfile:
    """The stable character of one sandbox enterprise (from the code alone)."""

    uscc: str
    tier: str  # "clean" | "watch" | "risky"
    name: str
    legal_rep: str
    industry: str
    industry_desc: str
    founding_date: date
    annual_revenue: int  # yuan, for the latest full year
    growth_pct: int  # year-on-year revenue growth, −20 … +40
    tax_rate_permille: int  # tax paid per 1000 yuan of revenue
    customer_count: int
    top_customer_pct: int  # share of inflow from the biggest customer
    leverage_pct: int  # liabilities / assets

    @classmethod
    def from_code(cls, uscc: str) -> SandboxProfile:
        h = _h("smecredit-sandbox", uscc)
        t = h[0] % 20
        tier = "clean" if t < 12 else ("watch" if t < 17 else "risky")
        rng = random.Random(int.from_bytes(h[1:17], "big"))
        province = ""
        try:
            from smecredit.standards.regions import region

            province = region(uscc[2:8], allow_central=True).province_zh or ""
        except Exception:  # pragma: no cover - name decoration only
            province = ""
        industry, desc = rng.choice(_INDUSTRIES)
        word = rng.choice(_WORDS)
        name = f"{province}{word}{industry}有限公司（演示）"
        legal_rep = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        founding = date(2006, 1, 1) + timedelta(days=rng.randrange(0, 6200))
        revenue = rng.randrange(600_000, 30_000_000, 1000)
        growth = rng.randrange(-20, 41)
        if tier == "risky":
            growth = rng.randrange(-30, 10)
        return cls(
            uscc=uscc,
            tier=tier,
            name=name,
            legal_rep=legal_rep,
            industry=industry,
            industry_desc=desc,
            founding_date=founding,
            annual_revenue=revenue,
            growth_pct=growth,
            tax_rate_permille=rng.randrange(12, 55),
            customer_count=rng.randrange(3, 13),
            top_customer_pct=rng.randrange(15, 75),
            leverage_pct={"clean": rng.randrange(25, 60), "watch": rng.randrange(45, 75), "risky": rng.randrange(65, 92)}[tier],
        )

    def founded_by(self, as_of: date) -> date:
        """Founding date, kept at least 200 days before ``as_of``."""
        latest = as_of - timedelta(days=200)
        if self.founding_date <= latest:
            return self.founding_date
        return latest - timedelta(days=int.from_bytes(_h(self.uscc, "young")[:2], "big") % 400)

    def monthly_revenue(self, month_idx: int, as_of: date) -> Decimal:
        """Revenue of one month: the annual figure spread with seasonality and trend."""
        last_full = month_index(as_of) - 1
        years_back = Decimal(last_full - month_idx) / 12
        trend = (Decimal(1) + Decimal(self.growth_pct) / 100) ** -1 if years_back >= 1 else Decimal(1)
        if years_back >= 2:
            trend = trend * trend
        season = (90, 80, 100, 100, 105, 100, 95, 100, 105, 110, 105, 110)[month_idx % 12]
        jitter = 92 + _h(self.uscc, "rev", month_idx)[0] % 17  # 92 … 108
        v = Decimal(self.annual_revenue) / 12 * trend * season / 100 * jitter / 100
        return v.quantize(_YUAN, rounding=ROUND_HALF_UP)


# -- builders: (profile, as_of) -> (bytes, filename, parser options) -------------------------------


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode(encoding)


def _build_registry(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "registry", as_of)
    founded = p.founded_by(as_of)
    status = "存续"
    if p.tier == "risky" and rng.random() < 0.15:
        status = "吊销"
    n = rng.choice((1, 2, 2, 3))
    shares = [60, 40] if n == 2 else ([100] if n == 1 else [51, 30, 19])
    holders = [p.legal_rep] + [rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN) for _ in range(n - 1)]
    capital = rng.choice((500_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000))
    changes = []
    change_date = founded + timedelta(days=rng.randrange(200, 2000))
    if change_date <= as_of:
        changes.append({"date": change_date.isoformat(), "item": "经营范围变更", "before": p.industry_desc, "after": p.industry_desc + "；技术服务"})
    abnormal = []
    if p.tier in ("watch", "risky"):
        listed = max(founded, as_of - timedelta(days=rng.randrange(60, 900)))
        removed = listed + timedelta(days=rng.randrange(20, 200))
        abnormal.append(
            {
                "listed_date": listed.isoformat(),
                "reason": "未按照规定的期限公示年度报告",
                "authority": "市场监督管理局",
                "removed_date": removed.isoformat() if (p.tier == "watch" and removed <= as_of) else None,
                "removal_reason": "补报未报年份的年度报告并公示" if (p.tier == "watch" and removed <= as_of) else None,
            }
        )
    penalties = []
    if p.tier == "risky" or rng.random() < 0.1:
        d = max(founded, as_of - timedelta(days=rng.randrange(30, 700)))
        penalties.append(
            {
                "decision_no": f"{d.year}市监罚字〔{rng.randrange(100, 999)}〕号",
                "date": d.isoformat(),
                "authority": "市场监督管理局",
                "reason": "未按规定明码标价",
                "amount": f"{rng.choice((2000, 5000, 10000, 20000))}.00",
            }
        )
    doc = {
        "format": "smecredit.registry/1",
        "name": p.name,
        "uscc": p.uscc,
        "status": status,
        "enterprise_type": "有限责任公司（自然人投资或控股）",
        "registered_capital": f"{capital}.00",
        "founding_date": founded.isoformat(),
        "legal_representative": p.legal_rep,
        "address": "演示地址（非真实）",
        "business_scope": p.industry_desc,
        "registration_authority": "市场监督管理局",
        "shareholders": [
            {"name": name, "type": "自然人", "share_pct": str(pct)} for name, pct in zip(holders, shares)
        ],
        "changes": changes,
        "abnormal_operations": abnormal,
        "administrative_penalties": penalties,
    }
    return _json_bytes(doc), "sandbox_registry.json", {}


def _months_back(p: SandboxProfile, as_of: date, n: int) -> list[int]:
    """The last ``n`` complete months before as_of's month, not before the founding month."""
    last = month_index(as_of) - 1
    first = max(last - n + 1, month_index(p.founded_by(as_of)) + 1)
    return list(range(first, last + 1))


def _build_tax(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "tax", as_of)
    months = _months_back(p, as_of, 24)
    grades = {"clean": ("A", "A", "B"), "watch": ("B", "B", "M", "C"), "risky": ("C", "C", "D", "B")}[p.tier]
    grade = rng.choice(grades)
    year = as_of.year - 1 if as_of.month >= 5 else as_of.year - 2
    founded = p.founded_by(as_of)
    if founded > date(year, 12, 31):
        grade = ""  # not evaluated yet
    elif founded > date(year, 1, 1):
        grade = "M"  # 新设立企业
    rows: list[list[Any]] = [["所属期", "申报收入", "实缴税额", "纳税信用等级", "评价年度", "统一社会信用代码"]]
    for i, m in enumerate(months):
        revenue = p.monthly_revenue(m, as_of)
        tax = _yuan(revenue * p.tax_rate_permille / 1000 * (90 + _h(p.uscc, "taxj", m)[0] % 21) / 100)
        g, y = ("", "")
        if i == 0 and grade:
            g, y = grade, year
        rows.append([month_label(m), f"{revenue:.2f}", f"{tax:.2f}", g, y, p.uscc if i == 0 else ""])
    return _csv_bytes(rows), "sandbox_tax.csv", {}


def _build_bank(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "bank", as_of)
    months = _months_back(p, as_of, 12)
    customers = [
        rng.choice(_CUSTOMERS) + rng.choice(("", "新", "恒", "联")) + rng.choice(_CUSTOMER_SUFFIX) for _ in range(p.customer_count)
    ]
    customers = list(dict.fromkeys(customers))
    suppliers = [f"{rng.choice(_CUSTOMERS)}{s}有限公司" for s in rng.sample(_SUPPLIERS, 3)]
    balance = _yuan(p.annual_revenue // 10 + rng.randrange(10_000, 200_000))
    account_no = "6" + "".join(str(b % 10) for b in _h(p.uscc, "account")[:18])
    rows: list[list[Any]] = [
        [f"账号：{account_no}"],
        [f"户名：{p.name}"],
        [f"统一社会信用代码：{p.uscc}"],
        ["开户行：演示银行（沙箱）"],
        ["交易日期", "交易金额", "借贷标志", "余额", "对方户名", "摘要"],
    ]
    for m in months:
        start, end = month_bounds(m)
        inflow_total = p.monthly_revenue(m, as_of) * (100 + rng.randrange(0, 9)) / 100
        n_in = rng.randrange(6, 18)
        n_out = rng.randrange(6, 16)
        txns: list[tuple[int, str, Decimal, str, str]] = []
        # inflows: the top customer takes its share, the rest spread over the others
        top = customers[0]
        n_top = max(1, n_in // 4) if len(customers) > 1 else n_in
        for k in range(n_in):
            if k < n_top:
                cp = top
                share = p.top_customer_pct if len(customers) > 1 else 100
                amt = inflow_total * share / 100 / n_top * (90 + rng.randrange(0, 21)) / 100
            else:
                cp = rng.choice(customers[1:])
                amt = inflow_total * (100 - p.top_customer_pct) / 100 / (n_in - n_top) * (80 + rng.randrange(0, 41)) / 100
            txns.append((rng.randrange(1, end.day + 1), "贷", _yuan(amt), cp, "货款"))
        outflow_total = inflow_total * (88 + rng.randrange(0, 12)) / 100
        for k in range(n_out):
            if k == 0:
                txns.append((10, "借", _yuan(outflow_total * 12 / 100), "代发工资专户", "工资"))
            elif k == 1:
                txns.append((15, "借", _yuan(p.monthly_revenue(m, as_of) * p.tax_rate_permille / 1000), "国家金库", "税款"))
            else:
                amt = outflow_total * 80 / 100 / (n_out - 2) * (70 + rng.randrange(0, 61)) / 100
                txns.append((rng.randrange(1, end.day + 1), "借", _yuan(amt), rng.choice(suppliers), "采购款"))
        txns.sort(key=lambda t: (t[0], t[1] == "借"))
        for day, flag, amt, cp, memo in txns:
            if amt <= 0:
                continue
            if flag == "借" and amt > balance:
                amt = _yuan(balance * 50 / 100)
                if amt <= 0:
                    continue
            balance = balance + amt if flag == "贷" else balance - amt
            rows.append([date(start.year, start.month, day).isoformat(), f"{amt:,.2f}", flag, f"{balance:.2f}", cp, memo])
    return _csv_bytes(rows), "sandbox_bank_statement.csv", {"mapping": "generic_zh"}


def _build_financials(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "financials", as_of)
    founded = p.founded_by(as_of)
    last_month = month_index(as_of) - 1
    years = [y for y in (as_of.year - 2, as_of.year - 1) if y > founded.year]
    periods: list[tuple[str, int, int]] = [(str(y), y * 12, y * 12 + 11) for y in years]
    if not periods:  # young firm: year to date
        first = max(month_index(founded) + 1, as_of.year * 12)
        if first > last_month:
            first = last_month
        label = month_label(first) if first == last_month else f"{month_label(first)}..{month_label(last_month)}"
        periods = [(label, first, last_month)]
    rows: list[list[Any]] = [["statement", "item_code", "item_name", "period", "amount"]]
    for label, a, b in periods:
        revenue = sum((p.monthly_revenue(m, as_of) for m in range(a, b + 1)), Decimal(0))
        cost = _pct(revenue, rng.randrange(62, 86))
        op = _pct(revenue, rng.randrange(2, 12) if p.tier != "risky" else rng.randrange(-6, 5))
        net = _pct(op, 75)
        assets = _pct(revenue, rng.randrange(45, 120))
        liabilities = _pct(assets, p.leverage_pct)
        equity = assets - liabilities
        current_assets = _pct(assets, rng.randrange(55, 85))
        cash = _pct(current_assets, rng.randrange(10, 25))
        ar = _pct(current_assets, rng.randrange(20, 35))
        inv = _pct(current_assets, rng.randrange(10, 25))
        pre = _pct(current_assets, rng.randrange(1, 6))
        current_liabilities = _pct(liabilities, rng.randrange(55, 95))
        ap = _pct(current_liabilities, rng.randrange(25, 55))
        adv = _pct(current_liabilities, rng.randrange(2, 12))
        stb = _pct(current_liabilities, rng.randrange(10, 30))
        ocf = _pct(net if net > 0 else revenue / 100, rng.randrange(60, 140))
        items = [
            ("balance_sheet", "cash", cash),
            ("balance_sheet", "accounts_receivable", ar),
            ("balance_sheet", "prepayments", pre),
            ("balance_sheet", "inventory", inv),
            ("balance_sheet", "current_assets", current_assets),
            ("balance_sheet", "total_assets", assets),
            ("balance_sheet", "short_term_borrowings", stb),
            ("balance_sheet", "accounts_payable", ap),
            ("balance_sheet", "advances_from_customers", adv),
            ("balance_sheet", "current_liabilities", current_liabilities),
            ("balance_sheet", "total_liabilities", liabilities),
            ("balance_sheet", "total_equity", equity),
            ("income_statement", "revenue", revenue),
            ("income_statement", "cost_of_sales", cost),
            ("income_statement", "operating_profit", op),
            ("income_statement", "net_profit", net),
            ("cash_flow", "operating_cash_flow", ocf),
        ]
        for st, code, amount in items:
            rows.append([st, code, "", label, f"{amount:.2f}"])
    return _csv_bytes(rows), "sandbox_financials.csv", {}


def _credit_subject(p: SandboxProfile, as_of: date, rng: random.Random, *, enterprise: bool) -> dict[str, Any]:
    last = month_index(as_of) - 1
    history = []
    overdue_months: set[int] = set()
    if p.tier == "watch":
        overdue_months = {last - rng.randrange(3, 23)}
    elif p.tier == "risky":
        overdue_months = {last - k for k in rng.sample(range(0, 24), rng.randrange(2, 6))} | {last}
    if not enterprise and p.tier == "clean" and rng.random() < 0.2:
        overdue_months = {last - rng.randrange(6, 23)}
    for m in range(last - 23, last + 1):
        dpd = 0
        if m in overdue_months:
            dpd = rng.randrange(1, 31) if p.tier != "risky" else rng.choice((15, 35, 62, 95))
        history.append({"month": month_label(m), "max_dpd": dpd})
    current = p.tier == "risky" and (enterprise or rng.random() < 0.5)
    loans = []
    for _ in range(rng.randrange(0, 4) if enterprise else rng.randrange(0, 2)):
        start = as_of - timedelta(days=rng.randrange(30, 330))
        cls = "正常"
        if p.tier == "watch" and rng.random() < 0.3:
            cls = "关注"
        if p.tier == "risky":
            cls = rng.choice(("关注", "次级"))
        loans.append(
            {
                "lender": rng.choice(_LENDERS),
                "type": "流动资金贷款" if enterprise else "个人经营性贷款",
                "balance": f"{rng.randrange(50, 300) * 10_000}.00",
                "classification": cls,
                "start_date": start.isoformat(),
                "maturity_date": (start + timedelta(days=rng.choice((365, 730, 1095)))).isoformat(),
            }
        )
    overdue_amount = Decimal(0)
    if current and loans:
        overdue_amount = _yuan(Decimal(loans[0]["balance"]) * rng.randrange(5, 30) / 100)
        loans[0]["overdue_amount"] = f"{overdue_amount:.2f}"
    elif current:
        overdue_amount = _yuan(rng.randrange(5_000, 80_000))
    guarantees = []
    for _ in range(rng.randrange(0, 3) if enterprise else 0):
        guarantees.append(
            {
                "debtor": rng.choice(_CUSTOMERS) + rng.choice(_CUSTOMER_SUFFIX),
                "creditor": rng.choice(_LENDERS),
                "amount": f"{rng.randrange(20, 200) * 10_000}.00",
                "maturity_date": (as_of + timedelta(days=rng.randrange(30, 700))).isoformat(),
            }
        )
    queries = []
    for _ in range(rng.randrange(0, 4 if p.tier == "clean" else 8)):
        queries.append({"date": (as_of - timedelta(days=rng.randrange(3, 180))).isoformat(), "reason": rng.choice(_QUERY_REASONS), "institution": rng.choice(_LENDERS)})
    subject: dict[str, Any] = {
        "name": p.name if enterprise else p.legal_rep,
        "current_overdue": {"count": 1 if current else 0, "amount": f"{overdue_amount:.2f}"},
        "overdue_history": history,
        "loans": loans,
        "guarantees": guarantees,
        "queries": queries,
    }
    if enterprise:
        subject["uscc"] = p.uscc
    return subject


def _build_credit(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "credit", as_of)
    report_date = as_of - timedelta(days=rng.randrange(0, 3))
    doc = {
        "format": "smecredit.credit_bureau/1",
        "report_date": report_date.isoformat(),
        "report_no": "SANDBOX-" + _h(p.uscc, as_of).hex()[:12].upper(),
        "enterprise": _credit_subject(p, report_date, rng, enterprise=True),
        "controller": _credit_subject(p, report_date, rng, enterprise=False),
    }
    return _json_bytes(doc), "sandbox_credit_bureau.json", {}


def _build_judicial(p: SandboxProfile, as_of: date) -> tuple[bytes, str, dict]:
    rng = _rng(p.uscc, "judicial", as_of)
    founded = p.founded_by(as_of)
    lawsuits: list[dict[str, Any]] = []
    enforcements: list[dict[str, Any]] = []
    dishonest: list[dict[str, Any]] = []
    seq = iter(range(1000, 100000, 7))

    def case_no(d: date, kind: str) -> str:
        return f"（{d.year}）演{rng.randrange(1, 99):02d}民{kind}{next(seq)}号"

    def when(min_days: int, max_days: int) -> date:
        return max(founded, as_of - timedelta(days=rng.randrange(min_days, max_days)))

    if rng.random() < 0.3:  # a closed case as plaintiff: ordinary business
        filed = when(200, 1500)
        closed = min(as_of, filed + timedelta(days=rng.randrange(60, 180)))
        lawsuits.append(
            {"case_no": case_no(filed, "初"), "role": "原告", "cause": "买卖合同纠纷", "amount": f"{rng.randrange(2, 50) * 10_000}.00",
             "status": "已结案", "filed_date": filed.isoformat(), "closed_date": closed.isoformat(), "court": "演示区人民法院"}
        )
    if p.tier in ("watch", "risky"):
        filed = when(20, 400)
        lawsuits.append(
            {"case_no": case_no(filed, "初"), "role": "被告", "cause": rng.choice(_CAUSES), "amount": f"{rng.randrange(3, 80) * 10_000}.00",
             "status": "审理中", "filed_date": filed.isoformat(), "court": "演示区人民法院"}
        )
    if p.tier == "risky":
        filed = when(30, 300)
        enforcements.append(
            {"case_no": case_no(filed, "执"), "court": "演示区人民法院", "amount": f"{rng.randrange(5, 120) * 10_000}.00",
             "status": "执行中", "filed_date": filed.isoformat()}
        )
        if rng.random() < 0.4:
            published = min(as_of, filed + timedelta(days=rng.randrange(10, 60)))
            dishonest.append(
                {"case_no": enforcements[0]["case_no"], "court": "演示区人民法院", "published_date": published.isoformat(),
                 "obligation": "支付货款及利息", "performance": "全部未履行"}
            )
    doc = {"format": "smecredit.judicial/1", "uscc": p.uscc, "name": p.name, "lawsuits": lawsuits, "enforcements": enforcements, "dishonest_debtor": dishonest}
    return _json_bytes(doc), "sandbox_judicial.json", {}


_BUILDERS: dict[SourceKind, Callable[[SandboxProfile, date], tuple[bytes, str, dict]]] = {
    SourceKind.REGISTRY: _build_registry,
    SourceKind.TAX: _build_tax,
    SourceKind.BANK_STATEMENT: _build_bank,
    SourceKind.FINANCIAL_STATEMENTS: _build_financials,
    SourceKind.CREDIT_BUREAU: _build_credit,
    SourceKind.JUDICIAL: _build_judicial,
}


def _valid_code(uscc: str) -> str:
    code, reason = check_uscc(uscc)
    if reason is not None or code is None:
        reason = reason or Text("无效", "invalid")
        raise Invalid("invalid_uscc", Text(f"统一社会信用代码无效：{reason.zh}", f"invalid unified social credit code: {reason.en}"), "uscc")
    return code


def sandbox_file(kind: SourceKind | str, uscc: str, *, as_of: date) -> tuple[bytes, str, dict[str, Any]]:
    """The raw file the sandbox would 'upload' for ``kind``: ``(bytes, filename, parser options)``.

    Handy for demos of the upload path; the bytes carry no sandbox label (content does, once
    fetched through :class:`SandboxProvider`), so do not present them as real data.
    """
    code = _valid_code(uscc)
    return _BUILDERS[SourceKind(kind)](SandboxProfile.from_code(code), as_of)


class SandboxProvider:
    """A :class:`~smecredit.enterprises.connectors.vocabulary.DataProvider` of demo data."""

    name = "sandbox"
    is_sandbox = True

    def fetch(self, kind: SourceKind, uscc: str, *, as_of: date) -> ParsedSource:
        kind = SourceKind(kind)
        data, filename, options = sandbox_file(kind, uscc, as_of=as_of)
        parsed = parse_source(kind, data, filename=filename, **options)
        content = {**parsed.content, "sandbox": True, "sandbox_note": SANDBOX_NOTE.as_dict()}
        summary = Text(f"【沙箱】{parsed.summary.zh}", f"[Sandbox] {parsed.summary.en}")
        return make_parsed(
            kind,
            content,
            summary,
            parsed.warning_details,
            subject_uscc=parsed.subject_uscc,
            subject_note=parsed.subject_note,
        )


__all__ = ["SANDBOX_NOTE", "SandboxProfile", "SandboxProvider", "sandbox_file"]
