"""Loading an application for a user: the one place `applications/access.py` meets the database.
Route dependencies (`applications/deps.py`) call `load_for`; use cases lock with `lock`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.applications.access import ApplicationFacts, actions_for, visible
from smecredit.applications.models import Application
from smecredit.applications.states import Action
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.records import facts_of as enterprise_facts
from smecredit.enterprises.records import viewer_of
from smecredit.identity.models import User
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text

APPLICATION = Text("申请", "Application")
HANDLER_STEPS = frozenset({Action.CLAIM.value, Action.START_REVIEW.value, Action.REQUEST_DOCUMENTS.value})
APPLICANT_STEPS = frozenset({"create", Action.UPDATE_TERMS.value, Action.SUBMIT.value, Action.RESUBMIT.value,
                             "attach_document", "remove_document"})


def facts_of(db: Session, application: Application) -> ApplicationFacts:
    enterprise = db.get(Enterprise, application.enterprise_id)
    assert enterprise is not None
    steps = application.steps
    handlers = frozenset(s.actor_id for s in steps if s.action in HANDLER_STEPS and s.actor_id)
    applicant_side = frozenset(s.actor_id for s in steps if s.action in APPLICANT_STEPS and s.actor_id)
    reviewers = frozenset(s.actor_id for s in steps if s.action == Action.REVIEW.value and s.actor_id)
    return ApplicationFacts(status=application.status, enterprise=enterprise_facts(enterprise),
                            applicant_id=application.applicant_id, assignee_id=application.assignee_id,
                            handler_ids=handlers, applicant_side_ids=applicant_side, reviewer_ids=reviewers,
                            voter_ids=voters_this_round(steps))


def voters_this_round(steps) -> frozenset[int]:
    """Who voted since the application last went before the committee (a round)."""
    since = 0
    for n, step in enumerate(steps):
        if step.to_status == "committee" and step.from_status != "committee":
            since = n
    return frozenset(s.actor_id for s in steps[since:] if s.action == Action.VOTE.value and s.actor_id)


def load_for(db: Session, *, user: User, application_id: int) -> Application:
    """The application if the user may see it; NotFound when it does not exist *or* they may not
    know it exists (the same answer, no existence oracle). What they may *do* is the use case's."""
    application = db.get(Application, application_id)
    if application is None or not visible(viewer_of(user), facts_of(db, application)):
        raise not_found(APPLICATION, "application_id")
    return application


def lock(db: Session, application: Application) -> Application:
    """The application's row lock, taken before anything else a use case writes (and before the
    audit head, which the first `record` locks), so use cases never deadlock."""
    locked = lock_row(db, Application, application.id)
    if locked is None:  # pragma: no cover - removed meanwhile; applications are never deleted
        raise not_found(APPLICATION, "application_id")
    db.refresh(locked, attribute_names=["steps", "documents", "requests"])
    return locked


def allowed_for(db: Session, user: User, application: Application) -> tuple[Action, ...]:
    return actions_for(viewer_of(user), facts_of(db, application))
