"""Helpers shared by the audit tests (no fixtures here: import what you need)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, append_entry
from smecredit.kernel.db import UTCDateTime, unit_of_work

ALICE = Actor("alice", "loan_officer", 7)
BOB = Actor("bob", "credit_reviewer", 8)


def append(db: Session, count: int, *, actor: Actor = ALICE, action: str = "loan.update",
           entity_type: str = "loan", start: int = 0) -> None:
    """Append ``count`` events in one transaction."""
    with unit_of_work(db):
        for i in range(start, start + count):
            append_entry(db, actor=actor, action=action, entity_type=entity_type, entity_id=i,
                   payload={"i": i, "amount": Decimal("1234.50"), "note": f"第{i}笔"})


def as_owner(db: Session, statement, params) -> None:
    """Run ``statement`` as the database's owner would, past the append-only triggers: the
    attacker these tests play holds the database (not the keys directory). PostgreSQL: triggers
    off for this transaction (superuser); SQLite: triggers lifted and put back (the file's owner)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        db.execute(statement, params)
    else:
        triggers = db.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _ in triggers:
            db.execute(text(f'DROP TRIGGER "{name}"'))
        db.execute(statement, params)
        for _, trigger_sql in triggers:
            db.execute(text(trigger_sql))
    db.commit()


def sql(db: Session, statement: str, **params) -> None:
    """Tamper with raw SQL through the session, committed (as the database owner)."""
    as_owner(db, text(statement), params)


def set_time(db: Session, table: str, column: str, key: str, key_value: int, moment) -> None:
    statement = text(f"UPDATE {table} SET {column} = :moment WHERE {key} = :key").bindparams(
        bindparam("moment", type_=UTCDateTime()))
    as_owner(db, statement, {"moment": moment, "key": key_value})
