"""Permissions and object access of stage 4, declared once as route dependencies for pages and API.

Applications load through stage 3's `records.load_for` (another applicant's application answers
404, exactly like a missing one); what the user may *do* with it is the use case's check (the state
table, the person rules, the authority matrix).
"""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.applications.records import load_for
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.params import EntityId


def _loader(allow: Allow, name: str):
    def application_for(application_id: EntityId, user: User = Depends(allow), db: Session = REQUEST_DB) -> Application:
        return load_for(db, user=user, application_id=application_id)

    application_for.__name__ = f"application_for_{name}"
    return application_for


class Guards:
    def __init__(self, *, api: bool):
        self.view = Allow(perms.APPLICATION_VIEW, api=api)
        self.read = Allow(perms.DECISIONS_READ, api=api)
        self.review = Allow(perms.DECISIONS_REVIEW, api=api)
        self.answer = Allow(perms.OFFERS_ANSWER, api=api)
        self.simulate = Allow(perms.DECISIONS_SIMULATE, api=api)
        self.policies = Allow(perms.POLICIES_READ, api=api)
        self.policy_edit = Allow(perms.POLICIES_EDIT, api=api)
        self.policy_approve = Allow(perms.POLICIES_APPROVE, api=api)
        self.scorecard_edit = Allow(perms.SCORECARDS_EDIT, api=api)
        self.scorecard_approve = Allow(perms.SCORECARDS_APPROVE, api=api)
        self.viewing = Depends(_loader(self.view, "view"))
        self.reviewing = Depends(_loader(self.review, "review"))
        self.answering = Depends(_loader(self.answer, "answer"))


PAGES = Guards(api=False)
API = Guards(api=True)
