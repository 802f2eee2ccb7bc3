"""Permissions and object access of stage 3, declared once as route dependencies for pages and API.

``application: Application = API.viewing`` loads the application named by the path's
``application_id`` for the signed-in user: NotFound when it does not exist or they may not know it
exists (another applicant's application answers exactly like a missing one). What they may *do*
with it is the use case's check (`states.transition` + `access.refusal`).
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
    def current_application(application_id: EntityId, user: User = Depends(allow), db: Session = REQUEST_DB) -> Application:
        return load_for(db, user=user, application_id=application_id)

    current_application.__name__ = f"application_for_{name}"
    return current_application


class Guards:
    def __init__(self, *, api: bool):
        self.view = Allow(perms.APPLICATION_VIEW, api=api)
        self.mine = Allow(perms.MY_APPLICATIONS, api=api)
        self.apply = Allow(perms.APPLICATION_APPLY, api=api)
        self.queue = Allow(perms.APPLICATION_QUEUE, api=api)
        self.handle = Allow(perms.APPLICATION_HANDLE, api=api)
        self.viewing = Depends(_loader(self.view, "view"))
        self.applying = Depends(_loader(self.apply, "apply"))
        self.handling = Depends(_loader(self.handle, "handle"))


PAGES = Guards(api=False)
API = Guards(api=True)
