"""Personal information inside snapshot content (the registry's legal representative and natural-
person shareholders; the controller's personal credit report in the bureau report): masked like
person records for everyone, left out for roles that may not reveal it, and shown in full only by
an explicit, audited reveal. Pure."""

from __future__ import annotations

import copy
from typing import Any

from smecredit.enterprises.connectors.base import SourceKind
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import mask_name

WITHHELD = Text("个人信息，您的岗位不能查看", "Personal information your role may not see")


def _mask_registry(content: dict[str, Any]) -> None:
    if isinstance(content.get("legal_representative"), str):
        content["legal_representative"] = mask_name(content["legal_representative"])
    for holder in content.get("shareholders") or []:
        if isinstance(holder, dict) and holder.get("type") != "enterprise" and isinstance(holder.get("name"), str):
            holder["name"] = mask_name(holder["name"])


def _mask_bureau(content: dict[str, Any], *, may_reveal: bool) -> None:
    controller = content.get("controller")
    if not isinstance(controller, dict):
        return
    if not may_reveal:  # a person's credit history is not for roles without the reveal permission
        content["controller"] = {"withheld": WITHHELD.as_dict()}
        return
    if isinstance(controller.get("name"), str):
        controller["name"] = mask_name(controller["name"])


def has_personal_information(kind: SourceKind, content: dict[str, Any]) -> bool:
    if kind is SourceKind.REGISTRY:
        return bool(content.get("legal_representative") or content.get("shareholders"))
    if kind is SourceKind.CREDIT_BUREAU:
        return isinstance(content.get("controller"), dict)
    return False


def masked_content(kind: SourceKind, content: dict[str, Any], *, may_reveal: bool) -> dict[str, Any]:
    """A copy of the content with personal fields masked (or withheld for roles that may not reveal)."""
    shown = copy.deepcopy(content)
    if kind is SourceKind.REGISTRY:
        _mask_registry(shown)
    elif kind is SourceKind.CREDIT_BUREAU:
        _mask_bureau(shown, may_reveal=may_reveal)
    return shown
