"""An enterprise's existing exposure (授信敞口) and its group of related enterprises (关联企业), as the
credit policy's limit rules read them at decision time.

* **Own exposure in smecredit**: the amounts of its open offers (not past their date) and, for each
  offer it accepted, the loan it became (stage 5a): its principal until disbursed, then its
  outstanding principal; nothing once paid off or written off. An accepted offer with no loan
  (accepted before stage 5a) counts at its amount. Every loan comes from an offer.
* **The group**: enterprises related through the stage-1 records — sharing an actual controller,
  a legal representative or a shareholder (the same person: the blind index of the ID number,
  `enterprise_persons.id_index`), a corporate shareholder (the same USCC), one being the other's
  corporate shareholder — each with its own exposure in smecredit.
* **The credit bureau**: the enterprise's outstanding loans at other lenders, from the latest
  credit profile (`outstanding_loans_total`), or None when there is no credit report.

The application being decided is never its own exposure (it has no offer yet).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.decisioning.models import Offer
from smecredit.enterprises.models import Enterprise, EnterprisePerson
from smecredit.kernel.pii import blind_index
from smecredit.kernel.text import Text

#: The people whose shared identity makes two enterprises related.
RELATED_ROLES = ("controller", "legal_rep", "shareholder")

RELATIONS: dict[str, Text] = {
    "controller": Text("同一实际控制人", "The same actual controller"),
    "legal_rep": Text("同一法定代表人", "The same legal representative"),
    "shareholder": Text("共同股东", "A shareholder in common"),
    "corporate_shareholder": Text("为本企业的企业股东", "A corporate shareholder of this enterprise"),
    "subsidiary": Text("本企业为其企业股东", "This enterprise is its corporate shareholder"),
}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Item:
    application_no: str
    status: str  # the offer's (open | accepted), or its loan's (pending | active | overdue)
    amount: Decimal


@dataclass(frozen=True)
class GroupMember:
    enterprise_id: int
    uscc: str
    name: str
    relations: tuple[str, ...]  # codes of RELATIONS
    exposure: Decimal


@dataclass(frozen=True)
class Exposure:
    enterprise_id: int
    own: Decimal
    items: tuple[Item, ...]
    group: tuple[GroupMember, ...]
    bureau_outstanding: Decimal | None

    @property
    def group_total(self) -> Decimal:
        """This enterprise's exposure and every related enterprise's."""
        return self.own + sum((m.exposure for m in self.group), ZERO)

    def as_dict(self) -> dict[str, Any]:
        """As the decision's inputs keep it (amounts as decimal strings)."""
        return {
            "own": str(self.own),
            "items": [{"application_no": i.application_no, "status": i.status, "amount": str(i.amount)} for i in self.items],
            "group": [{"enterprise_id": m.enterprise_id, "uscc": m.uscc, "name": m.name, "relations": list(m.relations),
                       "exposure": str(m.exposure)} for m in self.group],
            "group_total": str(self.group_total),
            "bureau_outstanding": None if self.bureau_outstanding is None else str(self.bureau_outstanding),
        }


@dataclass(frozen=True)
class _Row:
    enterprise_id: int
    status: str
    amount: Decimal
    no: str


def _offers(db: Session, enterprise_ids: list[int], on: date, exclude_application_id: int | None) -> list[_Row]:
    """What these enterprises owe or may draw: open (not expired) offers, and accepted offers as the
    loans they became (one read)."""
    from smecredit.loans import ledger
    from smecredit.loans.models import Loan

    if not enterprise_ids:
        return []
    query = (select(Offer.enterprise_id, Offer.status, Offer.amount, Offer.expires_on, Application.no,
                    Loan.status.label("loan_status"), Loan.principal, Loan.outstanding_principal)
             .join(Application, Application.id == Offer.application_id)
             .outerjoin(Loan, Loan.offer_id == Offer.id)
             .where(Offer.enterprise_id.in_(enterprise_ids), Offer.status.in_(("open", "accepted"))))
    if exclude_application_id is not None:
        query = query.where(Offer.application_id != exclude_application_id)
    rows: list[_Row] = []
    for r in db.execute(query).all():
        if r.status == "open":
            if r.expires_on >= on:
                rows.append(_Row(r.enterprise_id, "open", r.amount, r.no))
        elif r.loan_status is None:
            rows.append(_Row(r.enterprise_id, "accepted", r.amount, r.no))
        elif r.loan_status == ledger.PENDING:
            rows.append(_Row(r.enterprise_id, r.loan_status, r.principal, r.no))
        elif r.loan_status in (ledger.ACTIVE, ledger.OVERDUE):
            rows.append(_Row(r.enterprise_id, r.loan_status, r.outstanding_principal, r.no))
    return rows


def related(db: Session, enterprise) -> dict[int, set[str]]:
    """The related enterprises' ids, each with how it is related (two reads; a third when the
    enterprise has corporate shareholders)."""
    found: dict[int, set[str]] = defaultdict(set)
    own_people = db.execute(select(EnterprisePerson.role, EnterprisePerson.party_type, EnterprisePerson.id_index,
                                   EnterprisePerson.id_number)
                            .where(EnterprisePerson.enterprise_id == enterprise.id,
                                   EnterprisePerson.role.in_(RELATED_ROLES))).all()
    indexes: dict[str, str] = {}  # id_index → relation
    corporate_usccs: set[str] = set()
    for role, party_type, index, number in own_people:
        if index:
            indexes.setdefault(index, role)
        if party_type == "enterprise" and number:
            corporate_usccs.add(number.strip().upper())
    mine = blind_index(enterprise.uscc)
    wanted = set(indexes) | ({mine} if mine else set())
    if wanted:
        for other_id, index, role, party_type in db.execute(
                select(EnterprisePerson.enterprise_id, EnterprisePerson.id_index, EnterprisePerson.role,
                       EnterprisePerson.party_type)
                .where(EnterprisePerson.id_index.in_(sorted(wanted)), EnterprisePerson.role.in_(RELATED_ROLES),
                       EnterprisePerson.enterprise_id != enterprise.id)).all():
            if index in indexes:
                found[other_id].add(indexes[index])
            if index == mine and role == "shareholder" and party_type == "enterprise":
                found[other_id].add("subsidiary")
    if corporate_usccs:
        for (other_id,) in db.execute(select(Enterprise.id).where(Enterprise.uscc.in_(sorted(corporate_usccs)),
                                                                  Enterprise.id != enterprise.id)).all():
            found[other_id].add("corporate_shareholder")
    return found


def lock_enterprises(db: Session, ids) -> None:
    """Lock these enterprises' rows, in id order (every decision locks in the same order, so two
    never wait on each other in a circle). SQLite has one writer at a time: the application's row
    lock taken before already serialises the decisions there."""
    if db.get_bind().dialect.name == "sqlite":
        return
    db.execute(select(Enterprise.id).where(Enterprise.id.in_(sorted(set(ids)))).order_by(Enterprise.id).with_for_update())


def exposure_of(db: Session, enterprise, *, on: date, features: dict[str, Any] | None = None,
                exclude_application_id: int | None = None, group: dict[int, set[str]] | None = None) -> Exposure:
    """``enterprise``: anything with ``id`` and ``uscc``; ``group``: `related` already read."""
    group_ids = related(db, enterprise) if group is None else group
    rows = _offers(db, [enterprise.id, *group_ids], on, exclude_application_id)
    by_enterprise: dict[int, Decimal] = defaultdict(lambda: ZERO)
    items: list[Item] = []
    for r in rows:
        by_enterprise[r.enterprise_id] += r.amount
        if r.enterprise_id == enterprise.id:
            items.append(Item(r.no, r.status, r.amount))
    members: list[GroupMember] = []
    if group_ids:
        for e in db.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name)
                            .where(Enterprise.id.in_(list(group_ids))).order_by(Enterprise.id)).all():
            members.append(GroupMember(e.id, e.uscc, e.name, tuple(sorted(group_ids[e.id])), by_enterprise[e.id]))
    bureau = (features or {}).get("outstanding_loans_total")
    return Exposure(enterprise_id=enterprise.id, own=by_enterprise[enterprise.id],
                    items=tuple(sorted(items, key=lambda i: i.application_no)), group=tuple(members),
                    bureau_outstanding=None if bureau is None else Decimal(str(bureau)).quantize(Decimal("0.01")))
