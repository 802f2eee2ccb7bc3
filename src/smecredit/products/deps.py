"""The permissions and object dependencies of stage 2, for pages and API alike (see
`enterprises/deps.py`): matching loads the enterprise for viewing (applicants: only their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.orm import Session

from smecredit.enterprises.access import Action
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.records import load_for
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.params import EntityId


#: A product code in a path: longer than any code can be is a 422 at the edge, not a near match.
ProductCode = Annotated[str, Path(min_length=1, max_length=40, description="product code, e.g. tax_loan")]


class Guards:
    def __init__(self, *, api: bool):
        self.view = Allow(perms.PRODUCTS_VIEW, api=api)
        self.match = Allow(perms.PRODUCTS_MATCH, api=api)
        self.edit = Allow(perms.PRODUCTS_EDIT, api=api)
        self.approve = Allow(perms.PRODUCTS_APPROVE, api=api)
        self.rates = Allow(perms.RATES_EDIT, api=api)

        def enterprise_to_match(enterprise_id: EntityId, user: User = Depends(self.match),
                                db: Session = REQUEST_DB) -> Enterprise:
            return load_for(db, user=user, enterprise_id=enterprise_id, action=Action.VIEW)

        self.matching = Depends(enterprise_to_match)


PAGES = Guards(api=False)
API = Guards(api=True)
