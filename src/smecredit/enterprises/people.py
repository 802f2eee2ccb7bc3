"""The people of an enterprise (legal representative, actual controller, shareholders, guarantors,
contact): added, changed and removed under the enterprise's row lock, so the invariants hold under
parallel requests (one legal representative always, one controller and one contact at most,
shares adding up to at most 100 %); personal information masked, and revealed only by an explicit,
audited act."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.enterprises import events, rules, schemas
from smecredit.enterprises.models import Enterprise, EnterprisePerson
from smecredit.enterprises.records import lock
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Invalid, not_found
from smecredit.kernel.pii import blind_index
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import mask_name, mask_phone, mask_resident_id

PERSON = Text("人员", "Person")


def _clean(data: schemas.PersonIn) -> dict:
    return rules.person(data.role, data.party_type, data.name, data.id_number, data.phone, data.address,
                        data.share_pct, data.guarantee_amount)


def _everyone_after(db: Session, enterprise: Enterprise, *, replacing: int | None, adding: dict | None):
    rows = db.execute(select(EnterprisePerson.id, EnterprisePerson.role, EnterprisePerson.share_pct)
                      .where(EnterprisePerson.enterprise_id == enterprise.id)).all()
    after = [(role, share) for pid, role, share in rows if pid != replacing]
    if adding is not None:
        after.append((adding["role"], adding["share_pct"]))
    return after


def person_of(db: Session, enterprise: Enterprise, person_id: int) -> EnterprisePerson:
    person = db.get(EnterprisePerson, person_id)
    if person is None or person.enterprise_id != enterprise.id:
        raise not_found(PERSON, "person_id")
    return person


def add(db: Session, *, user: User, enterprise: Enterprise, data: schemas.PersonIn) -> EnterprisePerson:
    clean = _clean(data)
    enterprise = lock(db, enterprise)  # the rules below read all people, then write: hold the row
    rules.people_invariants(_everyone_after(db, enterprise, replacing=None, adding=clean), changed_role=clean["role"])
    now = utcnow()
    person = EnterprisePerson(enterprise_id=enterprise.id, **clean, id_index=blind_index(clean["id_number"]),
                              created_at=now, updated_at=now)
    db.add(person)
    db.flush()
    record(db, actor_of(user), events.PersonAdded(entity_id=enterprise.id, person_id=person.id, role=person.role,
                                                  party_type=person.party_type,
                                                  share_pct=str(person.share_pct) if person.share_pct is not None else None))
    return person


def update(db: Session, *, user: User, enterprise: Enterprise, person_id: int, data: schemas.PersonIn) -> EnterprisePerson:
    clean = _clean(data)
    enterprise = lock(db, enterprise)
    person = person_of(db, enterprise, person_id)
    rules.people_invariants(_everyone_after(db, enterprise, replacing=person.id, adding=clean), changed_role=clean["role"])
    changed = [f for f, value in clean.items() if getattr(person, f) != value]
    for field in changed:
        setattr(person, field, clean[field])
    person.id_index = blind_index(clean["id_number"])
    person.updated_at = utcnow()
    record(db, actor_of(user), events.PersonUpdated(entity_id=enterprise.id, person_id=person.id, role=person.role,
                                                    fields_changed=changed))
    return person


def remove(db: Session, *, user: User, enterprise: Enterprise, person_id: int) -> None:
    enterprise = lock(db, enterprise)
    person = person_of(db, enterprise, person_id)
    rules.people_invariants(_everyone_after(db, enterprise, replacing=person.id, adding=None), changed_role="")
    removed = events.PersonRemoved(entity_id=enterprise.id, person_id=person.id, role=person.role,
                                   party_type=person.party_type)
    db.delete(person)
    db.flush()
    record(db, actor_of(user), removed)


def mask_address(address: str | None) -> str | None:
    if not address:
        return address
    keep = min(6, max(len(address) // 3, 1))
    return address[:keep] + "****"


def masked(person: EnterprisePerson) -> schemas.PersonOut:
    """Masked by default for everyone. Enterprises (a party_type) are not personal information."""
    if person.party_type == "enterprise":
        name, id_number, address, is_masked = person.name, person.id_number, person.address, False
    else:
        name = mask_name(person.name)
        id_number = mask_resident_id(person.id_number) if person.id_number else None
        address = mask_address(person.address)
        is_masked = True
    return schemas.PersonOut(id=person.id, role=person.role, party_type=person.party_type, name=name,
                             id_number=id_number, phone=mask_phone(person.phone) if person.phone else None,
                             address=address, share_pct=person.share_pct, guarantee_amount=person.guarantee_amount,
                             masked=is_masked)


def reveal(db: Session, *, user: User, enterprise: Enterprise, person_id: int, fields: list[str]) -> dict[str, str | None]:
    """Full values of the chosen fields; an audit event names who saw which fields of whom (never
    the values). An empty choice is refused: revealing is deliberate, field by field."""
    wanted = [f for f in rules.PII_FIELDS if f in set(fields)]
    if not wanted:
        raise Invalid("no_fields", Text("请选择要显示的字段（姓名、身份证号、电话、地址）",
                                        "Choose the fields to reveal (name, id_number, phone, address)"), "fields")
    person = person_of(db, enterprise, person_id)
    values = {f: getattr(person, f) for f in wanted}
    record(db, actor_of(user), events.PersonalInformationRevealed(
        entity_id=person.id, enterprise_id=enterprise.id, person_id=person.id, person_role=person.role, fields=wanted))
    return values
