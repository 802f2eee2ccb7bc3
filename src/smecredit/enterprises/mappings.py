"""Bank-statement column mappings: built-in ones for common banks, and saved ones a loan officer
makes for another bank's export (in a form that previews the uploaded file's first rows)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.enterprises import events, rules, schemas
from smecredit.enterprises.connectors.bank_statement import BUILTIN_MAPPINGS, ColumnMapping, get_mapping
from smecredit.enterprises.models import BankMapping
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Conflict, not_found
from smecredit.kernel.text import Text

MAPPING = Text("列映射", "Column mapping")


def resolve_mapping(db: Session, *, mapping_id: int | None = None, mapping: str | None = None) -> tuple[ColumnMapping, str]:
    """The saved mapping by id, a built-in by name, or the default built-in; with a label for the record."""
    if mapping_id is not None:
        row = get(db, mapping_id=mapping_id)
        return ColumnMapping.from_json(row.mapping), f"{row.bank_name} (#{row.id})"
    name = (mapping or "").strip() or next(iter(BUILTIN_MAPPINGS))
    return get_mapping(name), name


def list_saved(db: Session) -> list[BankMapping]:
    return list(db.execute(select(BankMapping).order_by(BankMapping.bank_name)).scalars())


def get(db: Session, *, mapping_id: int) -> BankMapping:
    row = db.get(BankMapping, mapping_id)
    if row is None:
        raise not_found(MAPPING, "mapping_id")
    return row


def _parse(data: schemas.BankMappingIn) -> tuple[str, ColumnMapping]:
    bank = rules.text(data.bank_name, "bank_name", required=True, max_len=100, label=Text("银行名称", "Bank name"))
    mapping = dict(data.mapping)
    mapping.setdefault("bank_name", bank)
    mapping.setdefault("name", bank)
    return bank, ColumnMapping.from_dict(mapping)  # its errors are Invalid, naming the field


def save(db: Session, *, user: User, data: schemas.BankMappingIn, mapping_id: int | None = None) -> BankMapping:
    bank, parsed = _parse(data)
    row = get(db, mapping_id=mapping_id) if mapping_id is not None else None
    clash = db.execute(select(BankMapping).where(BankMapping.bank_name == bank)).scalar_one_or_none()
    if clash is not None and (row is None or clash.id != row.id):
        raise Conflict("bank_mapping_exists", Text(f"{bank} 已有列映射，请修改它", f"{bank} already has a mapping; edit it"), "bank_name")
    now = utcnow()
    if row is None:
        row = BankMapping(bank_name=bank, mapping=parsed.to_json(), created_at=now, created_by=user.username,
                          updated_at=now, updated_by=user.username)
        db.add(row)
        kind = events.BankMappingCreated
    else:
        row.bank_name, row.mapping, row.updated_at, row.updated_by = bank, parsed.to_json(), now, user.username
        kind = events.BankMappingUpdated
    db.flush()
    record(db, actor_of(user), kind(entity_id=row.id, bank_name=bank, mapping=parsed.to_dict()))
    return row


def delete(db: Session, *, user: User, mapping_id: int) -> None:
    row = get(db, mapping_id=mapping_id)
    removed = events.BankMappingDeleted(entity_id=mapping_id, bank_name=row.bank_name)
    db.delete(row)
    db.flush()
    record(db, actor_of(user), removed)


def out(row: BankMapping) -> schemas.BankMappingOut:
    data = json.loads(row.mapping)
    return schemas.BankMappingOut(id=row.id, builtin=False, bank_name=row.bank_name, name=data.get("name", row.bank_name),
                                  mapping=data, updated_at=row.updated_at, updated_by=row.updated_by)


def options(db: Session) -> list[schemas.BankMappingOut]:
    builtin = [schemas.BankMappingOut(id=None, builtin=True, bank_name=m.bank_name, name=m.name, mapping=m.to_dict(),
                                      updated_at=None, updated_by=None) for m in BUILTIN_MAPPINGS.values()]
    return builtin + [out(row) for row in list_saved(db)]
