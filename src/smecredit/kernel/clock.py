"""Wall clock and business date, kept apart.

The business date is the lender's accounting day (Asia/Shanghai). End-of-day runs and tests need to
set it independently of the wall clock, so it comes from `SMECREDIT_BUSINESS_DATE` when set.
Timestamps are stored timezone-aware in UTC and shown in the lender's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone

from smecredit.kernel.settings import get_settings

_pinned: ContextVar[date | None] = ContextVar("smecredit_business_date", default=None)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_now() -> datetime:
    return utcnow().astimezone(get_settings().tz)


def business_date() -> date:
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    settings = get_settings()
    return settings.business_date or local_now().date()


@contextmanager
def on_business_date(day: date) -> Iterator[date]:
    """The business date is ``day`` inside the block (this thread or task only): the demo seeder
    replays weeks of a loan's life through the use cases, each on its own date."""
    token = _pinned.set(day)
    try:
        yield day
    finally:
        _pinned.reset(token)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC, so naive means UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(get_settings().tz)
