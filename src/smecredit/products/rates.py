"""The dated reference-rate table: the 1-year and 5-year-plus LPR (贷款市场报价利率) since the
August 2019 reform. Each value holds from its date until the next value of its tenor.

`reference_rate(db, on=D, tenor="1y")` is *the* rate on date D — every stage prices through it.
Before the first value (2019-08-20) there is no LPR: refused, not guessed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict, Invalid
from smecredit.kernel.text import Text
from smecredit.products import events
from smecredit.products.models import ReferenceRate
from smecredit.products.vocabulary import TENORS

FIRST_DATE = date(2019, 8, 20)  # the first LPR after the reform (人民银行公告〔2019〕第15号)
MAX_RATE = Decimal("20.00")
PLACES = Decimal("0.01")  # the LPR is published to two places (the column keeps four)


def _tenor(tenor: str) -> str:
    if tenor not in TENORS:
        raise Invalid("unknown_tenor", Text(f"未知的期限品种：{tenor}（可选 1y、5y+）", f"Unknown tenor: {tenor} (1y or 5y+)"), "tenor")
    return tenor


def rate_row(db: Session, *, on: date, tenor: str) -> ReferenceRate:
    row = db.execute(select(ReferenceRate).where(ReferenceRate.tenor == _tenor(tenor), ReferenceRate.effective_from <= on)
                     .order_by(ReferenceRate.effective_from.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        raise Invalid("no_reference_rate",
                      Text(f"{on.isoformat()} 没有{TENORS[tenor].zh} LPR（LPR 自 {FIRST_DATE.isoformat()} 起公布）",
                           f"No {TENORS[tenor].en} LPR on {on.isoformat()} (the LPR is published from {FIRST_DATE.isoformat()})"),
                      "on")
    return row


def reference_rate(db: Session, *, on: date, tenor: str) -> Decimal:
    """The LPR of ``tenor`` in force on ``on``, in percent a year (``Decimal("3.00")``)."""
    return rate_row(db, on=on, tenor=tenor).rate.quantize(PLACES)


def table(db: Session) -> list[ReferenceRate]:
    return list(db.execute(select(ReferenceRate).order_by(ReferenceRate.effective_from.desc(), ReferenceRate.tenor)).scalars())


def clean_rate(value: str | Decimal | int, field: str = "rate") -> Decimal:
    if isinstance(value, (float, bool)):
        raise Invalid("float_number", Text("利率请写成字符串，如 \"3.45\"", "Write the rate as a string, e.g. \"3.45\""), field)
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not Decimal("0") < rate <= MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise Invalid("invalid_rate", Text(f"利率须为 0 至 {MAX_RATE}% 之间、最多两位小数的百分数（收到 {value}）",
                                           f"The rate is a percentage above 0 and at most {MAX_RATE}, two decimals at most (got {value})"),
                      field)
    return rate.quantize(Decimal("0.01"))


def set_rate(db: Session, *, user: User | None, tenor: str, effective_from: date, published_on: date,
             rate: str | Decimal, actor: Actor | None = None) -> ReferenceRate:
    """Add the value of a date, or correct it; audited with the value it replaced."""
    tenor = _tenor(tenor)
    value = clean_rate(rate)
    if effective_from < FIRST_DATE:
        raise Invalid("before_lpr", Text(f"LPR 自 {FIRST_DATE.isoformat()} 起公布", f"The LPR starts on {FIRST_DATE.isoformat()}"),
                      "effective_from")
    if published_on > effective_from:
        raise Invalid("published_after_effective", Text("公布日不能晚于适用日", "The publication date is after the date it applies from"),
                      "published_on")
    if published_on > business_date():
        raise Invalid("published_in_future", Text("公布日不能晚于今天", "The publication date is in the future"), "published_on")
    who = actor or actor_of(user)
    existing = db.execute(select(ReferenceRate).where(ReferenceRate.tenor == tenor, ReferenceRate.effective_from == effective_from)
                          .with_for_update()).scalar_one_or_none()
    previous = f"{existing.rate.quantize(PLACES):f}" if existing is not None else None
    if existing is None:
        existing = ReferenceRate(tenor=tenor, effective_from=effective_from)
        try:
            with db.begin_nested():
                _fill(existing, value, published_on, who)
                db.add(existing)
                db.flush()
        except IntegrityError:
            raise Conflict("rate_exists", Text("该日期的利率刚被他人录入，请刷新后再改", "Someone entered that date's rate just now; reload and edit it"),
                           "effective_from") from None
    else:
        _fill(existing, value, published_on, who)
        db.flush()
    record(db, who, events.RateSet(entity_id=f"{tenor}:{effective_from.isoformat()}", tenor=tenor,
                                   effective_from=effective_from.isoformat(), published_on=published_on.isoformat(),
                                   rate=f"{value:f}", previous_rate=previous))
    return existing


def _fill(row: ReferenceRate, value: Decimal, published_on: date, who: Actor) -> None:
    row.rate, row.published_on, row.changed_by, row.changed_at = value, published_on, who.username, utcnow()
