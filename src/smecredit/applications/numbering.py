"""Application numbers people read and quote on the phone: ``SQ`` + the business day (yyyymmdd)
+ five digits, e.g. SQ2026112900001.

The day's counter is incremented by one atomic statement (``INSERT … ON CONFLICT (day) DO UPDATE
SET last = last + 1 RETURNING last``, on PostgreSQL and SQLite alike), so parallel requests never
get the same number; the counter row stays locked until the transaction ends, and a rolled-back
application gives its number back. The unique constraint on ``applications.no`` is the backstop.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smecredit.applications.models import ApplicationCounter

PREFIX = "SQ"


def format_no(day: date, n: int) -> str:
    return f"{PREFIX}{day:%Y%m%d}{n:05d}"


def next_no(db: Session, *, day: date) -> str:
    table = ApplicationCounter.__table__
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table).values(day=day, last=1)
                 .on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
                 .returning(table.c.last))
    n = db.execute(statement).scalar_one()
    return format_no(day, n)
