"""Reading the audit log for people: search with filters and pages (web pages and API)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.audit.models import AuditEvent, AuditHead
from smecredit.kernel.errors import Invalid, not_found
from smecredit.kernel.text import Text
from smecredit.kernel.settings import get_settings

MAX_PAGE_SIZE = 200
_MAX_OFFSET = 2**63 - 1  # a 64-bit OFFSET (PostgreSQL BIGINT, SQLite INTEGER); no page starts later


@dataclass(frozen=True)
class EventPage:
    items: list[AuditEvent]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _utc(moment: datetime) -> datetime:
    """The instant in UTC; times without an offset are the lender's local time (what people type
    on the pages). A time so close to year 1 or 9999 that UTC cannot hold it becomes the first or
    last instant there is: it lies before or after every event either way."""
    aware = moment.replace(tzinfo=get_settings().tz) if moment.tzinfo is None else moment
    try:
        return aware.astimezone(timezone.utc)
    except OverflowError:
        return (datetime.min if aware.year == datetime.min.year else datetime.max).replace(tzinfo=timezone.utc)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_settings().tz)


def local_day_end(day: date) -> datetime:
    """The first instant after ``day`` in local time (use as the exclusive ``until``)."""
    if day == date.max:  # no day after it
        return datetime.max.replace(tzinfo=get_settings().tz)
    return local_day_start(day + timedelta(days=1))


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def event_conditions(
    *,
    actor: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list:
    """The WHERE conditions of a search (shared by the pages, the API and exports). Text filters
    match exactly; a trailing ``*`` on ``action`` or ``actor`` matches a prefix (``loan.*``).
    ``since`` is inclusive, ``until`` exclusive; naive times are local (Asia/Shanghai by default)."""
    conditions = []
    for column, value in ((AuditEvent.actor, _clean(actor)), (AuditEvent.action, _clean(action))):
        if value is None:
            continue
        if value.endswith("*"):
            prefix = value.rstrip("*")
            if prefix:
                escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                conditions.append(column.like(escaped + "%", escape="\\"))
        else:
            conditions.append(column == value)
    if (value := _clean(entity_type)) is not None:
        conditions.append(AuditEvent.entity_type == value)
    if (value := _clean(entity_id)) is not None:
        conditions.append(AuditEvent.entity_id == value)
    if since is not None:
        conditions.append(AuditEvent.recorded_at >= _utc(since))
    if until is not None:
        conditions.append(AuditEvent.recorded_at < _utc(until))
    return conditions


def count_events(db: Session, conditions: list) -> int:
    if conditions:
        return db.execute(select(func.count()).select_from(AuditEvent).where(*conditions)).scalar_one()
    # the head knows the size; counting a long log would read all of it
    size = db.execute(select(AuditHead.tree_size).where(AuditHead.id == 1)).scalar_one_or_none()
    return size if size is not None else db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def search_events(
    db: Session,
    *,
    actor: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
    offset: int | None = None,
    ascending: bool = False,
) -> EventPage:
    """Events newest first (oldest first when ``ascending``), filtered as `event_conditions` says.
    ``offset`` (the API's paging) overrides ``page``."""
    if page < 1:
        raise Invalid("invalid_page", Text("页码须从 1 开始", "Page numbers start at 1"), "page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid("invalid_page_size", Text(f"每页条数须在 1–{MAX_PAGE_SIZE} 之间", f"Page size must be 1–{MAX_PAGE_SIZE}"), "page_size")
    conditions = event_conditions(actor=actor, entity_type=entity_type, entity_id=entity_id, action=action,
                                  since=since, until=until)
    total = count_events(db, conditions)
    offset = (page - 1) * page_size if offset is None else offset
    items: list[AuditEvent] = []
    if offset <= _MAX_OFFSET:  # an absurd page number is an empty page, not a database overflow
        order = AuditEvent.seq.asc() if ascending else AuditEvent.seq.desc()
        query = select(AuditEvent).where(*conditions).order_by(order).limit(page_size).offset(offset)
        items = list(db.execute(query).scalars())
    return EventPage(items=items, total=total, page=page, page_size=page_size)


def iter_events(db: Session, conditions: list, *, ascending: bool = False, limit: int, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching event in order, at most ``limit``, read in batches (exports)."""
    order = AuditEvent.seq.asc() if ascending else AuditEvent.seq.desc()
    query = select(AuditEvent).where(*conditions).order_by(order).limit(limit).execution_options(yield_per=batch)
    yield from db.execute(query).scalars()


def get_event(db: Session, seq: int) -> AuditEvent:
    event = db.get(AuditEvent, seq, populate_existing=True)
    if event is None:
        raise not_found(Text(f"审计事件 #{seq} ", f"Audit event #{seq}"), "seq")
    return event


def payload_object(event: AuditEvent):
    """The payload parsed back into JSON values (it is stored as RFC 8785 text)."""
    try:
        return json.loads(event.payload)
    except ValueError:
        return event.payload


def payload_summary(event: AuditEvent, limit: int = 160) -> str:
    """A compact one-line payload for tables: ``key=value, …`` cut at ``limit`` characters."""
    value = payload_object(event)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            parts.append(f"{key}={shown}")
        text = ", ".join(parts)
    else:
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
