"""What this stage reads from the products stage, in one place: the product's current version (for
a new application), the version an application was made under, its checklist and the labels of
its codes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.applications import rules
from smecredit.kernel.clock import business_date
from smecredit.kernel.text import Text
from smecredit.products import catalogue, vocabulary


def current_version(db: Session, code: str):
    return catalogue.current_version(db, code, on=business_date())


def current_versions(db: Session) -> list:
    return list(catalogue.current_versions(db, on=business_date()))


def version_of(db: Session, application):
    return catalogue.version_by_id(db, application.product_version_id)


def definition_of(db: Session, application):
    return version_of(db, application).definition


def checklist_of(db: Session, application) -> tuple[rules.Item, ...]:
    return rules.checklist(definition_of(db, application), application.guarantee_mode)


def _labels(*names: str) -> dict[str, Text]:
    for name in names:
        found = getattr(vocabulary, name, None)
        if isinstance(found, dict):
            return found
    return {}


METHOD_LABELS: dict[str, Text] = _labels("REPAYMENT_METHODS", "REPAYMENT_METHOD_LABELS")
MODE_LABELS: dict[str, Text] = _labels("GUARANTEE_MODES", "GUARANTEE_MODE_LABELS")
KIND_LABELS: dict[str, Text] = _labels("PRODUCT_KINDS", "PRODUCT_KIND_LABELS", "KINDS")
CHECKLIST_LABELS: dict[str, Text] = _labels("CHECKLIST_KINDS", "CHECKLIST_KIND_LABELS", "DOCUMENT_KINDS")


def label(labels: dict[str, Text], code: str | None) -> Text:
    if code is None:
        return Text("—", "—")
    if code in labels:
        return labels[code]
    if "+" in code:  # combinations of guarantee modes: 信用+保证
        parts = [labels.get(p, Text(p, p)) for p in code.split("+")]
        return Text.join(parts, sep_zh="+", sep_en=" + ")
    return Text(code, code)


def method_label(code: str | None) -> Text:
    return label(METHOD_LABELS, code)


def mode_label(code: str | None) -> Text:
    return label(MODE_LABELS, code)
