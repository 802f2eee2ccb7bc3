"""The moves every use case on an application makes, shared by stage 3's use cases
(`applications/service.py`) and stage 4's (`decisioning/outcomes.py`, `decisioning/reviews.py`):
lock the row and ask the state table and the person rules (`begin`), change the state (`move`),
add a step to the timeline (`add_step`), tell the applicant's side (`tell`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications import products_port, states
from smecredit.applications.access import actor_kinds, refusal
from smecredit.applications.models import Application, ApplicationStep
from smecredit.applications.records import facts_of, lock
from smecredit.applications.states import Action, Actor, Result, State
from smecredit.enterprises.models import EnterpriseMember
from smecredit.enterprises.records import viewer_of
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow
from smecredit.notifications.inbox import notify
from smecredit.standards.resident_id import mask_name


def add_step(db: Session, application: Application, user: User | None, action: str, before: str | None,
             note: str | None = None) -> ApplicationStep:
    """One step of the timeline; ``user`` None is the system (the credit policy)."""
    step = ApplicationStep(application_id=application.id, at=utcnow(), actor_id=user.id if user else None,
                           actor_role=user.primary_role.value if user else "system",
                           actor_name=mask_name(user.display_name) if user else "系统",
                           action=action, from_status=before, to_status=application.status, note=note)
    # Appended only (the cascade adds it): adding it to the session first let the collection's lazy
    # load autoflush it and then append it again, so a new draft showed its "created" step twice.
    application.steps.append(step)
    return step


def begin(db: Session, user: User, application: Application, action: Action,
          result: Result | None = None) -> tuple[Application, str, State]:
    """Lock, then ask the table and the person rules. Returns (locked row, state before, state after)."""
    application = lock(db, application)
    viewer = viewer_of(user)
    facts = facts_of(db, application)
    after = states.transition(application.status, action, actor_kinds(viewer, facts), result)
    refused = refusal(viewer, facts, action)
    if refused is not None:
        raise refused
    return application, application.status, after


def system_move(application: Application, action: Action, result: Result | None = None,
                actors: Iterable[Actor] = (Actor.POLICY,)) -> tuple[str, State]:
    """The table's answer for a move the platform itself makes (the policy's decision, the
    committee's resolution) on a row the caller has locked. Returns (state before, state after)."""
    return application.status, states.transition(application.status, action, actors, result)


def move(application: Application, after: State) -> None:
    application.status = after.value
    application.updated_at = utcnow()
    application.version += 1


def recipients(db: Session, application: Application) -> list[User]:
    """The applicant's side: the members of the enterprise (the applicant among them)."""
    ids = set(db.execute(select(EnterpriseMember.user_id)
                         .where(EnterpriseMember.enterprise_id == application.enterprise_id)).scalars())
    if application.applicant_id is not None:
        applicant = db.get(User, application.applicant_id)
        if applicant is not None and Role.APPLICANT in applicant.roles:
            ids.add(applicant.id)
    return [u for u in (db.get(User, i) for i in sorted(ids)) if u is not None and u.is_active]


def tell(db: Session, application: Application, kind, **params) -> None:
    """Tell the applicant's side about a change, in this transaction (inbox now, SMS after commit)."""
    product = products_port.version_of(db, application).definition.name
    for user in recipients(db, application):
        notify(db, recipient=user, kind=kind, params={"no": application.no, "product": product, **params},
               link=f"/applications/{application.id}")


def event_base(application: Application, before: str | None) -> dict:
    return {"entity_id": application.id, "no": application.no, "from_status": before, "to_status": application.status}
