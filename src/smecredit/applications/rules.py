"""Pure rules of an application: its terms within the product's ranges, the checklist for the
chosen guarantee mode, what is missing, what a 补件 request may ask for. No database, no web;
the product definition comes in as the frozen `ProductDefinition` of the products stage (only its
attributes are read here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from smecredit.kernel.errors import Collector, Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import to_money
from smecredit.kernel.text import Text

OTHER_KIND = "other"
ALL_TYPES = ("pdf", "jpeg", "png", "xlsx")
TYPE_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "xlsx": "XLSX"}
PURPOSE_MAX = 500
REASON_MAX = 500
MAX_REQUEST_ITEMS = 20


@dataclass(frozen=True)
class Item:
    """One line of an application's checklist (the product's item, or one a 补件 request added)."""

    kind: str
    label: Text
    required: bool
    accepted: tuple[str, ...]
    note: Text | None = None


OTHER = Item(OTHER_KIND, Text("其他材料", "Other document"), False, ALL_TYPES, None)


@dataclass(frozen=True)
class Terms:
    amount: Decimal
    term_months: int
    repayment_method: str
    guarantee_mode: str
    purpose: str


def _amount(value, definition) -> Decimal:
    try:
        amount = to_money(value, field="amount")
    except (InvalidOperation, TypeError, ValueError):
        raise Invalid("invalid_amount", Text("请输入金额（元）", "Enter an amount in yuan"), "amount") from None
    low, high = definition.min_amount, definition.max_amount
    if amount < low or amount > high:
        raise Invalid("amount_out_of_range",
                      Text(f"申请金额须在 {low:,.2f} 元至 {high:,.2f} 元之间", f"The amount must be between {low:,.2f} and {high:,.2f} yuan"),
                      "amount", {"min": str(low), "max": str(high)})
    return amount


def _term(value, definition) -> int:
    try:
        term = int(value)
    except (TypeError, ValueError):
        raise Invalid("invalid_term", Text("期限须为整数月", "The term is a whole number of months"), "term_months") from None
    low, high = definition.min_term_months, definition.max_term_months
    if isinstance(value, bool) or term < low or term > high:
        raise Invalid("term_out_of_range", Text(f"期限须在 {low} 至 {high} 个月之间", f"The term must be {low} to {high} months"),
                      "term_months", {"min": low, "max": high})
    return term


def _one_of(value, allowed: Sequence[str], field: str, label: Callable[[str], Text], what: Text) -> str:
    if value in allowed:
        return value
    named = Text.join([label(a) for a in allowed], sep_zh="、", sep_en=", ")
    raise Invalid(f"invalid_{field}", Text(f"本产品的{what.zh}只能是：{named.zh}", f"This product's {what.en} is one of: {named.en}"),
                  field, {"allowed": list(allowed)})


def terms(definition, *, amount, term_months, repayment_method: str | None, guarantee_mode: str | None,
          purpose: str | None, method_label: Callable[[str], Text], mode_label: Callable[[str], Text]) -> Terms:
    """The terms if each is within the product's ranges; otherwise every problem, each naming its field.
    A method or mode not given is the product's first."""
    errors = Collector()
    clean_amount = errors.check(_amount, amount, definition)
    clean_term = errors.check(_term, term_months, definition)
    method = errors.check(_one_of, repayment_method or definition.repayment_methods[0], definition.repayment_methods,
                          "repayment_method", method_label, Text("还款方式", "repayment method"))
    mode = errors.check(_one_of, guarantee_mode or definition.guarantee_modes[0], definition.guarantee_modes,
                        "guarantee_mode", mode_label, Text("担保方式", "guarantee mode"))
    clean_purpose = errors.check(clean_text, purpose, "purpose", required=True, max_len=PURPOSE_MAX,
                                 label=Text("贷款用途", "Purpose"))
    errors.raise_if_any()
    return Terms(clean_amount, clean_term, method, mode, clean_purpose)


def checklist(definition, guarantee_mode: str) -> tuple[Item, ...]:
    """The product's checklist for the guarantee mode, as items (with 其他材料 last, optional)."""
    found = definition.checklist.get(guarantee_mode, ())
    items = tuple(Item(i.kind, i.label, bool(i.required), tuple(i.accepted), getattr(i, "note", None)) for i in found)
    return items + ((OTHER,) if all(i.kind != OTHER_KIND for i in items) else ())


def every_kind(definition, known: Mapping[str, Text] | None = None) -> dict[str, Item]:
    """What a 补件 request may ask for: every kind any of the product's checklists names, the
    lender's other known document kinds (``known``: code → label; any file type), and 其他材料."""
    kinds: dict[str, Item] = {}
    for mode in definition.checklist:
        for item in checklist(definition, mode):
            kinds.setdefault(item.kind, item)
    for kind, label in (known or {}).items():
        kinds.setdefault(kind, Item(kind, label, False, ALL_TYPES, None))
    kinds.setdefault(OTHER_KIND, OTHER)
    return kinds


def missing(items: Iterable[Item], present_kinds: Iterable[str]) -> list[Item]:
    present = set(present_kinds)
    return [i for i in items if i.required and i.kind not in present]


def item_for(items: Iterable[Item], kind: str) -> Item:
    for item in items:
        if item.kind == kind:
            return item
    raise Invalid("unknown_document_kind", Text("清单中没有这一类材料", "That kind of document is not on the checklist"), "kind")


def accepted_text(item: Item) -> str:
    return "、".join(TYPE_LABELS.get(t, t) for t in item.accepted)


@dataclass(frozen=True)
class RequestedItem:
    kind: str
    reason: str


def request_items(raw: Sequence[tuple[str | None, str | None]], known: dict[str, Item]) -> list[RequestedItem]:
    """A 补件 request's items: at least one, each a known kind with a reason; each problem named by
    its position (``items.0.reason``)."""
    if not raw:
        raise Invalid("no_items", Text("请至少列出一项需要补充的材料", "List at least one document needed"), "items")
    if len(raw) > MAX_REQUEST_ITEMS:
        raise Invalid("too_many_items", Text(f"一次最多要求 {MAX_REQUEST_ITEMS} 项", f"At most {MAX_REQUEST_ITEMS} items at once"), "items")
    errors = Collector()
    out: list[RequestedItem] = []
    seen: set[str] = set()
    for n, (kind, reason) in enumerate(raw):
        if kind not in known:
            errors.errors.append(Invalid("unknown_document_kind", Text("请选择材料类别", "Choose a kind of document"), f"items.{n}.kind"))
            continue
        if kind in seen:
            errors.errors.append(Invalid("duplicate_item", Text("同一类材料只需列一次", "List each kind once"), f"items.{n}.kind"))
            continue
        seen.add(kind)
        clean = errors.check(clean_text, reason, f"items.{n}.reason", required=True, max_len=REASON_MAX,
                             label=Text("补件原因", "Reason"))
        if clean:
            out.append(RequestedItem(kind, clean))
    errors.raise_if_any()
    return out
