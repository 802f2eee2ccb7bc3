"""Wall clock and business date, kept apart.

The business date is the lender's accounting day (Asia/Shanghai). End-of-day runs and tests need to
set it independently of the wall clock, so it comes from `SMECREDIT_BUSINESS_DATE` when set.
Timestamps are stored timezone-aware in UTC and shown in the lender's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from smecredit.kernel.settings import get_settings


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_now() -> datetime:
    return utcnow().astimezone(get_settings().tz)


def business_date() -> date:
    settings = get_settings()
    return settings.business_date or local_now().date()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC, so naive means UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(get_settings().tz)
