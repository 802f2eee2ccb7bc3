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
