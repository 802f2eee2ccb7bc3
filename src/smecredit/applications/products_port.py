"""What this stage reads from the products stage, in one place: the product's current version (for
a new application), the version an application was made under, its checklist and the labels of
its codes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.applications import rules
from smecredit.kernel.clock import business_date
from smecredit.kernel.errors import NotFound
from smecredit.kernel.text import Text
from smecredit.products import catalogue, vocabulary


def current_version(db: Session, code: str):
    """The product's version in force today; NotFound naming the API's field."""
    try:
        return catalogue.current_version(db, code, on=business_date())
    except NotFound as error:
        raise error.with_field("product_code") from None


def current_versions(db: Session) -> list:
    return list(catalogue.current_versions(db, on=business_date()))


def version_of(db: Session, application):
    return catalogue.version_by_id(db, application.product_version_id)


def definition_of(db: Session, application):
    return version_of(db, application).definition


def checklist_of(db: Session, application) -> tuple[rules.Item, ...]:
    return rules.checklist(definition_of(db, application), application.guarantee_mode)


def method_label(code: str | None) -> Text:
    return vocabulary.label_of(vocabulary.REPAYMENT_METHODS, code) if code else Text("—", "—")


def mode_label(code: str | None) -> Text:
    return vocabulary.guarantee_label(code) if code else Text("—", "—")


def known_kinds(db: Session, application) -> dict[str, rules.Item]:
    """What a 补件 request on this application may ask for."""
    return rules.every_kind(definition_of(db, application), vocabulary.DOCUMENT_KINDS)


def names_by_version(db: Session, version_ids) -> dict[int, Text]:
    """Product names of versions, read once for a page of applications."""
    from sqlalchemy import select

    from smecredit.products.models import ProductVersion

    ids = set(version_ids)
    if not ids:
        return {}
    rows = db.execute(select(ProductVersion).where(ProductVersion.id.in_(ids))).scalars()
    return {v.id: v.definition.name for v in rows}


def product_names(db: Session, codes) -> dict[str, Text]:
    """The names products go by now (their version in force), for filters; the code's latest version otherwise."""
    from sqlalchemy import func, select

    from smecredit.products.models import ProductVersion

    current = {v.product_code: v.definition.name for v in current_versions(db)}
    missing = [c for c in codes if c not in current]
    if missing:
        latest = select(func.max(ProductVersion.id)).where(ProductVersion.product_code.in_(missing)).group_by(
            ProductVersion.product_code)
        for v in db.execute(select(ProductVersion).where(ProductVersion.id.in_(latest))).scalars():
            current[v.product_code] = v.definition.name
    return {c: current.get(c, Text(c, c)) for c in codes}
