"""Upstream suppliers and downstream customers (is one a core enterprise of a supply chain?)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.enterprises import events, rules, schemas
from smecredit.enterprises.models import Counterparty, Enterprise
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text


def _clean(data: schemas.CounterpartyIn) -> dict:
    code = (data.uscc or "").strip().upper() or None
    return {"relation": data.relation, "name": rules.text(data.name, "name", required=True),
            "uscc": rules.uscc(code) if code else None, "annual_amount": rules.yuan(data.annual_amount, "annual_amount"),
            "is_core_enterprise": data.is_core_enterprise}


def _event(kind: type[events.CounterpartyAdded], row: Counterparty) -> events.CounterpartyAdded:
    return kind(entity_id=row.enterprise_id, counterparty_id=row.id, relation=row.relation, name=row.name,
                uscc=row.uscc, annual_amount=str(row.annual_amount) if row.annual_amount is not None else None,
                is_core_enterprise=row.is_core_enterprise)


def counterparty_of(enterprise: Enterprise, counterparty_id: int, db: Session) -> Counterparty:
    row = db.get(Counterparty, counterparty_id)
    if row is None or row.enterprise_id != enterprise.id:
        raise not_found(Text("交易对手", "Counterparty"), "counterparty_id")
    return row


def add(db: Session, *, user: User, enterprise: Enterprise, data: schemas.CounterpartyIn) -> Counterparty:
    now = utcnow()
    row = Counterparty(enterprise_id=enterprise.id, **_clean(data), created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    record(db, actor_of(user), _event(events.CounterpartyAdded, row))
    return row


def update(db: Session, *, user: User, enterprise: Enterprise, counterparty_id: int, data: schemas.CounterpartyIn) -> Counterparty:
    clean = _clean(data)
    row = counterparty_of(enterprise, counterparty_id, db)
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    record(db, actor_of(user), _event(events.CounterpartyUpdated, row))
    return row


def remove(db: Session, *, user: User, enterprise: Enterprise, counterparty_id: int) -> None:
    row = counterparty_of(enterprise, counterparty_id, db)
    removed = _event(events.CounterpartyRemoved, row)
    db.delete(row)
    db.flush()
    record(db, actor_of(user), removed)
