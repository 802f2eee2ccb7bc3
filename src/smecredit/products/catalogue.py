"""The product catalogue: which version of a product is in force on a date, and how versions are
made — a risk manager drafts (validated, CEL compiled), a *second* risk manager approves it with
an effective date, or rejects it (四眼原则: the author may not approve their own version).

Versions are numbered per product under the product's row lock; approving and rejecting lock the
version's row, so two approvers at once end in one approval and one `Conflict`. A version's
definition never changes after it is written; applications keep the version id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.identity.models import User
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.text import Text
from smecredit.products import events
from smecredit.products.definition import ProductDefinition, canonical_json, parse, sha256_of
from smecredit.products.models import Product, ProductVersion
from smecredit.products.vocabulary import VERSION_STATUSES

PRODUCT = Text("产品", "Product")
VERSION = Text("产品版本", "Product version")


# --- reading -------------------------------------------------------------------------------------------

def product_of(db: Session, code: str) -> Product:
    row = db.execute(select(Product).where(Product.code == code)).scalar_one_or_none()
    if row is None:
        raise not_found(PRODUCT, "code")
    return row


def _in_force(on: date):
    return (select(ProductVersion).where(ProductVersion.status == "approved", ProductVersion.effective_from <= on)
            .order_by(ProductVersion.product_code, ProductVersion.effective_from.desc(), ProductVersion.version.desc()))


def current_version(db: Session, code: str, on: date | None = None) -> ProductVersion:
    """The approved version in force on ``on`` (the latest effective date on or before it; the
    higher version when two share a date). NotFound when there is none."""
    on = on or business_date()
    row = db.execute(_in_force(on).where(ProductVersion.product_code == code).limit(1)).scalar_one_or_none()
    if row is None:
        raise not_found(PRODUCT, "code")
    return row


def current_versions(db: Session, on: date | None = None) -> list[ProductVersion]:
    """Every product's version in force on ``on``, in product-code order."""
    on = on or business_date()
    found: dict[str, ProductVersion] = {}
    for row in db.execute(_in_force(on)).scalars():
        found.setdefault(row.product_code, row)
    return list(found.values())


def version_by_id(db: Session, version_id: int) -> ProductVersion:
    row = db.get(ProductVersion, version_id)
    if row is None:
        raise not_found(VERSION, "version_id")
    return row


def versions_of(db: Session, code: str) -> list[ProductVersion]:
    product = product_of(db, code)
    return list(db.execute(select(ProductVersion).where(ProductVersion.product_id == product.id)
                           .order_by(ProductVersion.version.desc())).scalars())


def pending(db: Session) -> list[ProductVersion]:
    """Drafts awaiting a second risk manager."""
    return list(db.execute(select(ProductVersion).where(ProductVersion.status == "draft")
                           .order_by(ProductVersion.created_at)).scalars())


def status_label(status: str) -> Text:
    return VERSION_STATUSES.get(status) or Text("（未知）", "(unknown)")


# --- writing -------------------------------------------------------------------------------------------

def _note(value: str | None, field: str = "note") -> str | None:
    return clean_text(value, field, max_len=500, name=False)


def _new_version(db: Session, product: Product, definition: ProductDefinition, *, status: str, who: Actor,
                 user_id: int | None, note: str | None, effective_from: date | None = None) -> ProductVersion:
    number = (db.execute(select(func.max(ProductVersion.version)).where(ProductVersion.product_id == product.id))
              .scalar() or 0) + 1
    data = definition.to_dict()
    row = ProductVersion(product_id=product.id, product_code=product.code, version=number, status=status,
                         effective_from=effective_from, definition_json=canonical_json(data),
                         definition_sha256=sha256_of(data), note=note, author_id=user_id, author=who.username,
                         created_at=utcnow())
    db.add(row)
    db.flush()
    return row


def _product_for_update(db: Session, code: str, *, create: bool) -> Product:
    """The product row locked (versions are numbered under it); created when new and allowed."""
    found = db.execute(select(Product.id).where(Product.code == code)).scalar_one_or_none()
    if found is None:
        if not create:
            raise not_found(PRODUCT, "code")
        try:
            with db.begin_nested():
                db.add(Product(code=code, created_at=utcnow()))
                db.flush()
        except IntegrityError:
            pass  # made by a parallel request just now: lock theirs below
        found = db.execute(select(Product.id).where(Product.code == code)).scalar_one()
    return lock_row(db, Product, found)


def draft(db: Session, *, user: User, code: str, data: Mapping[str, Any] | ProductDefinition,
          note: str | None = None) -> ProductVersion:
    """A new draft version of product ``code`` (a new product when the code is new)."""
    definition = data if isinstance(data, ProductDefinition) else parse(data)
    note = _note(note)
    if definition.code != code:
        raise Invalid("code_mismatch", Text(f"定义中的产品代码 {definition.code} 与所编辑的产品 {code} 不一致",
                                            f"The definition's code {definition.code} is not the product edited ({code})"), "code")
    product = _product_for_update(db, code, create=True)
    based_on = db.execute(select(func.max(ProductVersion.version)).where(ProductVersion.product_id == product.id)).scalar()
    who = actor_of(user)
    row = _new_version(db, product, definition, status="draft", who=who, user_id=user.id, note=note)
    record(db, who, events.VersionDrafted(entity_id=code, code=code, version=row.version, version_id=row.id,
                                          definition_sha256=row.definition_sha256, based_on_version=based_on, note=note))
    return row


def _decidable(db: Session, version_id: int, user: User) -> ProductVersion:
    row = db.get(ProductVersion, version_id)
    if row is None:
        raise not_found(VERSION, "version_id")
    row = lock_row(db, ProductVersion, row.id)
    if row.status != "draft":
        raise Conflict("not_a_draft", Text(f"该版本已{status_label(row.status).zh}，不能再审批",
                                           f"This version is already {status_label(row.status).en.lower()}"), "version_id",
                       {"status": row.status})
    if row.author_id is not None and row.author_id == user.id:
        raise Forbidden("four_eyes", Text("四眼原则：不能审批自己提交的版本，请由另一位风险经理审批",
                                          "Four eyes: you may not decide on a version you wrote; another risk manager must"),
                        "version_id")
    return row


def approve(db: Session, *, user: User, version_id: int, effective_from: date, note: str | None = None) -> ProductVersion:
    """Approve a draft to take effect on ``effective_from`` (today or later)."""
    note = _note(note)
    if effective_from < business_date():
        raise Invalid("effective_in_past", Text("生效日期不能早于今天（已生效的条款不能追溯修改）",
                                                "The effective date cannot be in the past (terms in force are not rewritten)"),
                      "effective_from")
    row = _decidable(db, version_id, user)
    row.status, row.effective_from = "approved", effective_from
    row.approver_id, row.approver, row.decided_at, row.decision_note = user.id, user.username, utcnow(), note
    db.flush()
    record(db, actor_of(user), events.VersionApproved(
        entity_id=row.product_code, code=row.product_code, version=row.version, version_id=row.id,
        definition_sha256=row.definition_sha256, effective_from=effective_from.isoformat(), author=row.author, note=note))
    return row


def reject(db: Session, *, user: User, version_id: int, note: str | None) -> ProductVersion:
    note = _note(note)
    if not note:
        raise Invalid("required", Text("请写明驳回原因", "Say why the version is rejected"), "note")
    row = _decidable(db, version_id, user)
    row.status, row.approver_id, row.approver, row.decided_at, row.decision_note = "rejected", user.id, user.username, utcnow(), note
    db.flush()
    record(db, actor_of(user), events.VersionRejected(
        entity_id=row.product_code, code=row.product_code, version=row.version, version_id=row.id,
        definition_sha256=row.definition_sha256, author=row.author, note=note))
    return row


def load_default(db: Session, definition: ProductDefinition, *, actor: Actor, effective_from: date,
                 source: str) -> ProductVersion | None:
    """Version 1 of a default product, approved by the install itself; None when the product exists."""
    if db.execute(select(Product.id).where(Product.code == definition.code)).scalar_one_or_none() is not None:
        return None
    product = _product_for_update(db, definition.code, create=True)
    if db.execute(select(ProductVersion.id).where(ProductVersion.product_id == product.id)).first() is not None:
        return None  # a parallel start loaded it first
    row = _new_version(db, product, definition, status="approved", who=actor, user_id=None,
                       note="默认产品目录 / default catalogue", effective_from=effective_from)
    row.approver, row.decided_at = actor.username, utcnow()
    record(db, actor, events.ProductLoaded(entity_id=definition.code, code=definition.code, version=row.version,
                                           version_id=row.id, definition_sha256=row.definition_sha256,
                                           effective_from=effective_from.isoformat(), source=source))
    return row
