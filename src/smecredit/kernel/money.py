"""Money: Decimal quantised to 0.01 (fen) with an explicit rounding mode. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

FEN = Decimal("0.01")
# Chinese banks round interest and instalments half-up to the fen; callers may pass another mode
# explicitly (e.g. ROUND_DOWN when a contract says to truncate).
DEFAULT_ROUNDING = ROUND_HALF_UP
#: The largest amount anything in the platform accepts (exclusive): 10^15 yuan, far above any loan,
#: inside NUMERIC(18,2) on every database and inside the decimal context, so no input overflows.
MAX_AMOUNT = Decimal(10) ** 15


def to_money(value: Decimal | int | str, *, rounding: str = DEFAULT_ROUNDING, field: str = "amount",
             exact: bool = False) -> Decimal:
    """Parse and quantise an amount of yuan to the fen. Floats are refused: they already lost cents.
    ``exact``: an amount a person states (a loan asked for) must already be whole fen — rounding it
    silently would apply for a sum they did not write."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("money must not be built from float or bool; pass str, int or Decimal")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise Invalid("invalid_amount", Text(f"金额格式不正确: {value!r}", f"Not an amount: {value!r}"), field) from None
    if not amount.is_finite():
        raise Invalid("invalid_amount", Text("金额必须是有限数", "Amount must be finite"), field)
    if amount.copy_abs() >= MAX_AMOUNT:  # before quantize: 1e308 would overflow the context
        raise Invalid("amount_out_of_range", Text("金额超出允许范围（须小于 10^15 元）",
                                                  "The amount is out of range (must be below 10^15 yuan)"), field)
    if exact and amount != amount.quantize(FEN, rounding=rounding):
        raise Invalid("amount_below_fen", Text(f"金额最多两位小数（到分）：{value}",
                                               f"An amount has at most two decimals (fen): {value}"), field)
    return amount.quantize(FEN, rounding=rounding)


def money_sum(amounts) -> Decimal:
    return sum((to_money(a) for a in amounts), Decimal("0.00"))


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` by `weights` so the parts are whole fen and add up to `total` exactly.

    Largest-remainder method: each part is rounded down, and the leftover fen go to the parts
    with the largest remainders (ties to the earlier part), so nothing is lost or invented.
    """
    total = to_money(total)
    if not weights:
        raise ValueError("weights must not be empty")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    total_fen = int(total / FEN)
    raw = [Decimal(total_fen) * w / weight_sum for w in weights]
    floors = [int(r.to_integral_value(rounding="ROUND_FLOOR")) for r in raw]
    leftover = total_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[: abs(leftover)]:
        floors[i] += 1 if leftover > 0 else -1
    return [Decimal(f) * FEN for f in floors]


def format_yuan(amount: Decimal) -> str:
    """¥1,234,567.89 for pages."""
    return f"¥{to_money(amount):,.2f}"

