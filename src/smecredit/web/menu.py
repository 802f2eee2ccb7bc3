"""The navigation menu and home-page tiles: each stage lists its items in its `stage.py`.

An item is shown to the roles that hold its permission, and describes what *that* role can do
there (an approver's "enterprises" tile does not promise registering or pulling data).
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.identity.permissions import Permission
from smecredit.identity.roles import Role
from smecredit.kernel.text import Text


@dataclass(frozen=True)
class MenuItem:
    key: str
    path: str
    label: Text
    permission: Permission
    icon: str = "circle"
    # (permission, description): the first whose permission the user holds describes the tile.
    descriptions: tuple[tuple[Permission, Text], ...] = ()

    def description_for(self, roles: frozenset[Role]) -> Text | None:
        for permission, text in self.descriptions:
            if permission.held_by(roles):
                return text
        return None
