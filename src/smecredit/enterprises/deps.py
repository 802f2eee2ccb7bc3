"""Object access declared once, as route dependencies used by pages and API alike.

`PAGES.viewing` / `API.editing` / … load the enterprise named by the path's ``enterprise_id`` for
the signed-in user and the action, applying the pure predicates of `enterprises/access.py`
(NotFound when the user may not know it exists, Forbidden with the reason otherwise). A route
declares what it needs and never re-checks by hand::

    def detail(enterprise: Enterprise = PAGES.viewing, user: User = Depends(PAGES.view), ...)

The `Allow` instances are made once here, so a route that asks for the user and the enterprise
resolves the permission once per request (FastAPI caches a dependency by its callable).
"""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from smecredit.enterprises.access import Action
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.records import load_for
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.params import EntityId


def _loader(action: Action, allow: Allow):
    def current_enterprise(enterprise_id: EntityId, user: User = Depends(allow), db: Session = REQUEST_DB) -> Enterprise:
        return load_for(db, user=user, enterprise_id=enterprise_id, action=action)

    current_enterprise.__name__ = f"enterprise_for_{action.value}"
    return current_enterprise


class Guards:
    """The permissions and object dependencies of stage 1, for pages (``api=False``) or the API."""

    def __init__(self, *, api: bool):
        self.view = Allow(perms.ENTERPRISE_VIEW, api=api)
        self.list = Allow(perms.ENTERPRISE_LIST, api=api)
        self.mine = Allow(perms.MY_ENTERPRISES, api=api)
        self.register = Allow(perms.ENTERPRISE_REGISTER, api=api)
        self.edit = Allow(perms.ENTERPRISE_EDIT, api=api)
        self.reveal = Allow(perms.PERSONAL_INFO_REVEAL, api=api)
        self.compute = Allow(perms.PROFILE_COMPUTE, api=api)
        self.assign = Allow(perms.ENTERPRISE_ASSIGN, api=api)
        self.confirm = Allow(perms.ENTERPRISE_CONFIRM_OWNERSHIP, api=api)
        self.mappings = Allow(perms.BANK_MAPPINGS_EDIT, api=api)
        self.rules = Allow(perms.ASSIGNMENT_RULES, api=api)
        self.viewing = Depends(_loader(Action.VIEW, self.view))
        self.editing = Depends(_loader(Action.EDIT, self.edit))
        self.revealing = Depends(_loader(Action.REVEAL, self.reveal))
        self.computing = Depends(_loader(Action.EDIT, self.compute))
        self.assigning = Depends(_loader(Action.VIEW, self.assign))  # the use case checks take/reassign
        self.confirming = Depends(_loader(Action.CONFIRM, self.confirm))


PAGES = Guards(api=False)
API = Guards(api=True)
