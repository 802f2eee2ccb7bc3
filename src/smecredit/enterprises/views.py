"""Answers about an enterprise, built from the models (`model_validate`) plus what is derived from
other records (the authorisation in force)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.enterprises import consent, schemas
from smecredit.enterprises.models import Enterprise, QueryAuthorisation


def authorisation_out(auth: QueryAuthorisation) -> schemas.AuthorisationOut:
    return schemas.AuthorisationOut.model_validate(auth).model_copy(update={"status": consent.status_of(auth)})


def enterprise_out(db: Session, enterprise: Enterprise) -> schemas.EnterpriseOut:
    history = consent.authorisations_of(db, enterprise_id=enterprise.id)
    in_force = consent.current(db, enterprise_id=enterprise.id)
    return schemas.EnterpriseOut.model_validate(enterprise).model_copy(update={
        "query_authorised": in_force is not None,
        "latest_authorisation": authorisation_out(history[0]) if history else None,
    })
