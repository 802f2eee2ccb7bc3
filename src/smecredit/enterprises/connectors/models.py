"""Typed source content: one frozen record per source kind, read from the normalised content.

``ParsedSource.content`` stays the normalised JSON dict that is hashed and stored. :func:`load`
reads such a dict — fresh from an importer or years old from the database — into the record of
its kind, with ``Decimal`` amounts, ``date`` s and :class:`~.fields.Period` s, so rules never
read dictionaries. It is tolerant of what older snapshots lack (a missing optional field is
``None`` or empty; unknown fields are ignored) and strict about what is there: a value of the
wrong type, or a field every snapshot of the kind has always had, raises
:class:`MalformedContent` naming the path. Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from .fields import Period, month_label, parse_period
from .financials import REQUIRED_ITEMS, STATEMENTS
from .vocabulary import SourceKind

__all__ = [
    "AbnormalOperation",
    "AdministrativePenalty",
    "BankAccount",
    "BankMonth",
    "BankStatement",
    "BankTransaction",
    "CreditLoan",
    "CreditQuery",
    "CreditReport",
    "CreditSubject",
    "DishonestEntry",
    "Enforcement",
    "FinancialStatements",
    "Guarantee",
    "JudicialRecord",
    "Lawsuit",
    "MalformedContent",
    "OverdueMonth",
    "RegistryChange",
    "RegistryRecord",
    "Shareholder",
    "SourceRecord",
    "StatementEntry",
    "TaxPeriod",
    "TaxRecord",
    "load",
]


class MalformedContent(ValueError):
    """Stored content that does not have the shape its kind needs (``path`` says where)."""

    def __init__(self, kind: SourceKind, path: str, problem: str) -> None:
        super().__init__(f"{kind.value} content {path or '(top)'}: {problem}")
        self.kind = kind
        self.path = path
        self.problem = problem


# -- reading helpers ------------------------------------------------------------------------------


class _Reader:
    """Typed reads from one JSON object, raising :class:`MalformedContent` with its path."""

    __slots__ = ("kind", "obj", "path")

    def __init__(self, kind: SourceKind, obj: Any, path: str) -> None:
        if not isinstance(obj, Mapping):
            raise MalformedContent(kind, path, "not an object")
        self.kind, self.obj, self.path = kind, obj, path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _bad(self, key: str, problem: str) -> MalformedContent:
        return MalformedContent(self.kind, self._at(key), problem)

    def _get(self, key: str, required: bool) -> Any:
        value = self.obj.get(key)
        if value is None and required:
            raise self._bad(key, "missing")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, str):
            raise self._bad(key, "not a string")
        return value

    def amount(self, key: str, *, required: bool = False) -> Decimal | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise self._bad(key, "not an amount")
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise self._bad(key, f"not an amount: {value!r}") from None
        if not d.is_finite():
            raise self._bad(key, "not finite")
        return d

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self._bad(key, "not a whole number")
        try:
            return int(value)
        except ValueError:
            raise self._bad(key, f"not a whole number: {value!r}") from None

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._bad(key, "not a date")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self._bad(key, f"not an ISO date: {value!r}") from None

    def period(self, key: str, *, allow_range: bool = False) -> Period:
        value = self._get(key, True)
        try:
            return parse_period(value, allow_range=allow_range)
        except ValueError:
            raise self._bad(key, f"not a period: {value!r}") from None

    def flag(self, key: str) -> bool:
        return self.obj.get(key) is True

    def items(self, key: str) -> list[_Reader]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._bad(key, "not a list")
        return [_Reader(self.kind, v, f"{self._at(key)}[{i}]") for i, v in enumerate(value)]

    def child(self, key: str, *, required: bool = False) -> _Reader | None:
        value = self._get(key, required)
        if value is None:
            return None
        return _Reader(self.kind, value, self._at(key))


# -- registry -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shareholder:
    name: str | None
    type: str | None  # natural_person | enterprise | other
    share_pct: Decimal | None
    subscribed_capital: Decimal | None


@dataclass(frozen=True, slots=True)
class RegistryChange:
    date: date | None
    item: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class AbnormalOperation:
    listed_date: date | None
    reason: str | None
    authority: str | None
    removed_date: date | None
    removal_reason: str | None

    def in_force_on(self, as_of: date) -> bool:
        return self.listed_date is not None and self.listed_date <= as_of and (
            self.removed_date is None or self.removed_date > as_of
        )


@dataclass(frozen=True, slots=True)
class AdministrativePenalty:
    decision_no: str | None
    date: date | None
    authority: str | None
    reason: str | None
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class RegistryRecord:
    """工商登记. The fields a "declared vs verified" check compares are the first six."""

    name: str | None
    founding_date: date | None
    registered_capital: Decimal | None
    legal_representative: str | None
    status: str | None  # active | revoked | cancelled | moved_out | suspended | liquidation
    address: str | None
    uscc: str | None
    enterprise_type: str | None
    registered_capital_currency: str
    business_scope: str | None
    registration_authority: str | None
    shareholders: tuple[Shareholder, ...]
    changes: tuple[RegistryChange, ...]
    abnormal_operations: tuple[AbnormalOperation, ...]
    administrative_penalties: tuple[AdministrativePenalty, ...]
    sandbox: bool = False


def _registry(r: _Reader) -> RegistryRecord:
    rep = r.obj.get("legal_representative")
    legal_rep = _Reader(r.kind, rep, "legal_representative").text("name") if isinstance(rep, Mapping) else r.text("legal_representative")
    return RegistryRecord(
        name=r.text("name"),
        founding_date=r.day("founding_date"),
        registered_capital=r.amount("registered_capital"),
        legal_representative=legal_rep,
        status=r.text("status"),
        address=r.text("address"),
        uscc=r.text("uscc"),
        enterprise_type=r.text("enterprise_type"),
        registered_capital_currency=r.text("registered_capital_currency") or "CNY",
        business_scope=r.text("business_scope"),
        registration_authority=r.text("registration_authority"),
        shareholders=tuple(
            Shareholder(s.text("name"), s.text("type"), s.amount("share_pct"), s.amount("subscribed_capital"))
            for s in r.items("shareholders")
        ),
        changes=tuple(RegistryChange(c.day("date"), c.text("item"), c.text("before"), c.text("after")) for c in r.items("changes")),
        abnormal_operations=tuple(
            AbnormalOperation(a.day("listed_date"), a.text("reason"), a.text("authority"), a.day("removed_date"), a.text("removal_reason"))
            for a in r.items("abnormal_operations")
        ),
        administrative_penalties=tuple(
            AdministrativePenalty(p.text("decision_no"), p.day("date"), p.text("authority"), p.text("reason"), p.amount("amount"))
            for p in r.items("administrative_penalties")
        ),
        sandbox=r.flag("sandbox"),
    )


# -- tax ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxPeriod:
    period: Period
    tax_paid: Decimal
    revenue_declared: Decimal


@dataclass(frozen=True, slots=True)
class TaxRecord:
    """税务: the credit grade and, per declared period, tax paid and revenue declared."""

    uscc: str | None
    credit_grade: str | None
    evaluation_year: int | None
    periods: tuple[TaxPeriod, ...]  # sorted, not overlapping
    sandbox: bool = False

    def revenue_declared_by_period(self) -> dict[str, Decimal]:
        """Declared revenue per period label (``"2024-Q1"``, ``"2024-03"``, ``"2024"``)."""
        return {p.period.label: p.revenue_declared for p in self.periods}


def _tax(r: _Reader) -> TaxRecord:
    periods = tuple(
        TaxPeriod(p.period("period"), p.amount("tax_paid", required=True), p.amount("revenue_declared", required=True))  # type: ignore[arg-type]
        for p in r.items("periods")
    )
    return TaxRecord(
        uscc=r.text("uscc"),
        credit_grade=r.text("credit_grade"),
        evaluation_year=r.integer("evaluation_year"),
        periods=tuple(sorted(periods, key=lambda p: p.period.first_month)),
        sandbox=r.flag("sandbox"),
    )


# -- bank statements ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankAccount:
    account_number: str | None = None
    account_name: str | None = None
    bank: str | None = None
    currency: str | None = None
    uscc: str | None = None


@dataclass(frozen=True, slots=True)
class BankMonth:
    month: int  # month index (year × 12 + month − 1)
    inflow: Decimal
    outflow: Decimal
    inflow_count: int
    outflow_count: int

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True, slots=True)
class BankTransaction:
    date: date
    amount: Decimal  # > 0
    direction: str  # in | out
    balance: Decimal | None
    counterparty: str
    memo: str


@dataclass(frozen=True, slots=True)
class BankStatement:
    """银行流水: the account, monthly aggregates and every transaction in file order."""

    bank_name: str | None
    mapping: str | None
    account: BankAccount
    currency: str
    first_date: date
    last_date: date
    monthly: tuple[BankMonth, ...]
    rows: tuple[BankTransaction, ...]
    sandbox: bool = False


def _bank(r: _Reader) -> BankStatement:
    acc = r.child("account")
    account = (
        BankAccount(acc.text("account_number"), acc.text("account_name"), acc.text("bank"), acc.text("currency"), acc.text("uscc"))
        if acc is not None
        else BankAccount()
    )
    monthly = []
    for m in r.items("monthly"):
        per = m.period("month")
        if per.granularity != "month":
            raise MalformedContent(r.kind, f"{m.path}.month", "not a month")
        monthly.append(
            BankMonth(per.first_month, m.amount("inflow", required=True), m.amount("outflow", required=True),  # type: ignore[arg-type]
                      m.integer("inflow_count") or 0, m.integer("outflow_count") or 0)
        )
    rows = []
    for x in r.items("rows"):
        direction = x.text("direction", required=True)
        if direction not in ("in", "out"):
            raise MalformedContent(r.kind, f"{x.path}.direction", f"not in/out: {direction!r}")
        rows.append(
            BankTransaction(
                x.day("date", required=True),  # type: ignore[arg-type]
                x.amount("amount", required=True),  # type: ignore[arg-type]
                direction,  # type: ignore[arg-type]
                x.amount("balance"),
                (x.text("counterparty") or "").strip(),
                x.text("memo") or "",
            )
        )
    return BankStatement(
        bank_name=r.text("bank_name"),
        mapping=r.text("mapping"),
        account=account,
        currency=r.text("currency") or "CNY",
        first_date=r.day("first_date", required=True),  # type: ignore[arg-type]
        last_date=r.day("last_date", required=True),  # type: ignore[arg-type]
        monthly=tuple(monthly),
        rows=tuple(rows),
        sandbox=r.flag("sandbox"),
    )


# -- financial statements -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One statement for one period; a balance sheet is as at ``end``."""

    statement: str  # balance_sheet | income_statement | cash_flow
    period: Period
    items: Mapping[str, Decimal]  # item code → amount (every required item is there)

    @property
    def end(self) -> date:
        return self.period.end

    @property
    def months(self) -> int:
        return self.period.months


@dataclass(frozen=True, slots=True)
class FinancialStatements:
    """财务报表: entries per statement, sorted by end date (then by length)."""

    statements: Mapping[str, tuple[StatementEntry, ...]]
    sandbox: bool = False

    def of(self, statement: str) -> tuple[StatementEntry, ...]:
        return self.statements.get(statement, ())


def _financials(r: _Reader) -> FinancialStatements:
    holder = r.child("statements", required=True)
    assert holder is not None
    out: dict[str, tuple[StatementEntry, ...]] = {}
    for st in STATEMENTS:
        entries = []
        for e in holder.items(st):
            raw = e.child("items", required=True)
            assert raw is not None
            items = {}
            for code in raw.obj:
                items[str(code)] = raw.amount(str(code), required=True)
            missing = [c for c in REQUIRED_ITEMS[st] if c not in items]
            if missing:
                raise MalformedContent(r.kind, raw.path, f"required item(s) missing: {', '.join(missing)}")
            entries.append(StatementEntry(st, e.period("period", allow_range=True), MappingProxyType(items)))
        entries.sort(key=lambda x: (x.end, x.months))
        out[st] = tuple(entries)
    return FinancialStatements(MappingProxyType(out), sandbox=r.flag("sandbox"))


# -- credit bureau --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverdueMonth:
    month: int  # month index
    max_dpd: int


@dataclass(frozen=True, slots=True)
class CreditLoan:
    lender: str | None
    type: str | None
    balance: Decimal
    classification: str | None  # 五级分类 code
    start_date: date | None
    maturity_date: date | None
    overdue_amount: Decimal | None


@dataclass(frozen=True, slots=True)
class Guarantee:
    debtor: str | None
    creditor: str | None
    amount: Decimal
    balance: Decimal | None
    maturity_date: date | None

    @property
    def exposure(self) -> Decimal:
        """The balance, or the guaranteed amount where no balance is reported."""
        return self.balance if self.balance is not None else self.amount


@dataclass(frozen=True, slots=True)
class CreditQuery:
    date: date | None
    reason: str | None
    institution: str | None


@dataclass(frozen=True, slots=True)
class CreditSubject:
    name: str | None
    uscc: str | None
    current_overdue_count: int
    current_overdue_amount: Decimal
    overdue_history: tuple[OverdueMonth, ...]
    loans: tuple[CreditLoan, ...]
    guarantees: tuple[Guarantee, ...]
    queries: tuple[CreditQuery, ...]


@dataclass(frozen=True, slots=True)
class CreditReport:
    """征信: the enterprise's report and, optionally, its actual controller's (personal)."""

    report_date: date
    report_no: str | None
    enterprise: CreditSubject
    controller: CreditSubject | None
    sandbox: bool = False


def _subject(r: _Reader) -> CreditSubject:
    co = r.child("current_overdue", required=True)
    assert co is not None
    history = []
    for h in r.items("overdue_history"):
        per = h.period("month")
        history.append(OverdueMonth(per.first_month, h.integer("max_dpd", required=True)))  # type: ignore[arg-type]
    return CreditSubject(
        name=r.text("name"),
        uscc=r.text("uscc"),
        current_overdue_count=co.integer("count", required=True),  # type: ignore[arg-type]
        current_overdue_amount=co.amount("amount", required=True),  # type: ignore[arg-type]
        overdue_history=tuple(history),
        loans=tuple(
            CreditLoan(x.text("lender"), x.text("type"), x.amount("balance", required=True), x.text("classification"),  # type: ignore[arg-type]
                       x.day("start_date"), x.day("maturity_date"), x.amount("overdue_amount"))
            for x in r.items("loans")
        ),
        guarantees=tuple(
            Guarantee(g.text("debtor"), g.text("creditor"), g.amount("amount", required=True), g.amount("balance"), g.day("maturity_date"))  # type: ignore[arg-type]
            for g in r.items("guarantees")
        ),
        queries=tuple(CreditQuery(q.day("date"), q.text("reason"), q.text("institution")) for q in r.items("queries")),
    )


def _credit(r: _Reader) -> CreditReport:
    enterprise = r.child("enterprise", required=True)
    assert enterprise is not None
    controller = r.child("controller")
    return CreditReport(
        report_date=r.day("report_date", required=True),  # type: ignore[arg-type]
        report_no=r.text("report_no"),
        enterprise=_subject(enterprise),
        controller=_subject(controller) if controller is not None and controller.obj else None,
        sandbox=r.flag("sandbox"),
    )


# -- judicial -------------------------------------------------------------------------------------


def _open_on(filed: date | None, closed: date | None, status: str | None, as_of: date) -> bool:
    """Filed on or before ``as_of`` and not closed on it (a case closed later was open then)."""
    if filed is None or filed > as_of:
        return False
    if closed is not None:
        return closed > as_of
    return status == "open"


@dataclass(frozen=True, slots=True)
class Lawsuit:
    case_no: str | None
    role: str | None  # plaintiff | defendant | third_party
    cause: str | None
    amount: Decimal | None
    status: str | None  # open | closed
    filed_date: date | None
    closed_date: date | None
    court: str | None

    def open_on(self, as_of: date) -> bool:
        return _open_on(self.filed_date, self.closed_date, self.status, as_of)


@dataclass(frozen=True, slots=True)
class Enforcement:
    case_no: str | None
    court: str | None
    amount: Decimal | None
    status: str | None
    filed_date: date | None
    closed_date: date | None

    def open_on(self, as_of: date) -> bool:
        return _open_on(self.filed_date, self.closed_date, self.status, as_of)


@dataclass(frozen=True, slots=True)
class DishonestEntry:
    case_no: str | None
    court: str | None
    published_date: date | None
    obligation: str | None
    performance: str | None
    removed_date: date | None

    def listed_on(self, as_of: date) -> bool:
        return self.published_date is not None and self.published_date <= as_of and (
            self.removed_date is None or self.removed_date > as_of
        )


@dataclass(frozen=True, slots=True)
class JudicialRecord:
    """司法: lawsuits, enforcement records and dishonest-debtor entries."""

    uscc: str | None
    name: str | None
    lawsuits: tuple[Lawsuit, ...]
    enforcements: tuple[Enforcement, ...]
    dishonest_debtor: tuple[DishonestEntry, ...]
    sandbox: bool = False


def _judicial(r: _Reader) -> JudicialRecord:
    return JudicialRecord(
        uscc=r.text("uscc"),
        name=r.text("name"),
        lawsuits=tuple(
            Lawsuit(x.text("case_no"), x.text("role"), x.text("cause"), x.amount("amount"), x.text("status"),
                    x.day("filed_date"), x.day("closed_date"), x.text("court"))
            for x in r.items("lawsuits")
        ),
        enforcements=tuple(
            Enforcement(x.text("case_no"), x.text("court"), x.amount("amount"), x.text("status"), x.day("filed_date"), x.day("closed_date"))
            for x in r.items("enforcements")
        ),
        dishonest_debtor=tuple(
            DishonestEntry(x.text("case_no"), x.text("court"), x.day("published_date"), x.text("obligation"),
                           x.text("performance"), x.day("removed_date"))
            for x in r.items("dishonest_debtor")
        ),
        sandbox=r.flag("sandbox"),
    )


# -- entry point ----------------------------------------------------------------------------------

SourceRecord = RegistryRecord | TaxRecord | BankStatement | FinancialStatements | CreditReport | JudicialRecord

_LOADERS: dict[SourceKind, Callable[[_Reader], Any]] = {
    SourceKind.REGISTRY: _registry,
    SourceKind.TAX: _tax,
    SourceKind.BANK_STATEMENT: _bank,
    SourceKind.FINANCIAL_STATEMENTS: _financials,
    SourceKind.CREDIT_BUREAU: _credit,
    SourceKind.JUDICIAL: _judicial,
}


def load(kind: SourceKind | str, content: Mapping[str, Any]) -> SourceRecord:
    """The typed record of ``content`` (a normalised content dict of ``kind``).

    Raises :class:`MalformedContent` when the content does not have the shape the kind needs.
    """
    kind = SourceKind(kind)
    return _LOADERS[kind](_Reader(kind, content, ""))
