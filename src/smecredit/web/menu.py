"""The navigation menu: each stage adds its items here, with the roles that may see them."""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.identity.roles import Role


@dataclass(frozen=True)
class MenuItem:
    key: str
    path: str
    label_zh: str
    label_en: str
    roles: frozenset[Role]
    icon: str = "circle"
    description_zh: str = ""
    description_en: str = ""


MENU: list[MenuItem] = [
    MenuItem("users", "/admin/users", "用户与岗位", "Users and roles", frozenset({Role.ADMIN}), "people",
             "创建、停用、解锁用户，分配岗位", "Create, disable and unlock users; assign roles"),
    MenuItem("audit", "/audit", "审计日志", "Audit log", frozenset({Role.AUDITOR, Role.ADMIN}), "shield-check",
             "防篡改审计日志，按人员、对象、动作、时间检索", "Tamper-evident log; filter by actor, entity, action, time"),
    MenuItem("api_docs", "/docs", "接口文档", "API documentation", frozenset({Role.ADMIN, Role.AUDITOR, Role.RISK_MANAGER}),
             "code-square", "OpenAPI 接口说明，供系统集成使用", "OpenAPI reference for integrators"),
]


def register(item: MenuItem) -> None:
    if all(existing.key != item.key for existing in MENU):
        MENU.append(item)


def menu_for(roles: frozenset[Role]) -> list[MenuItem]:
    return [item for item in MENU if item.roles & roles]
