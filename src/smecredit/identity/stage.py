"""Identity plugs in: users, roles, sessions, tokens; sign-in pages, user administration."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="identity",
    order=0,
    label=Text("用户与岗位", "Identity"),
    models="smecredit.identity.models",
    events="smecredit.identity.events",
    routers=("smecredit.identity.pages:router", "smecredit.identity.admin_pages:router",
             "smecredit.identity.signup_pages:router", "smecredit.identity.api:public", "smecredit.identity.api:router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("users", "/admin/users", Text("用户与岗位", "Users and roles"), perms.USERS_ADMIN, "people",
                 ((perms.USERS_ADMIN, Text("创建、停用、解锁用户，分配岗位", "Create, disable and unlock users; assign roles")),)),
        MenuItem("api_docs", "/docs", Text("接口文档", "API documentation"), perms.API_DOCS, "code-square",
                 ((perms.API_DOCS, Text("OpenAPI 接口说明，供系统集成使用", "OpenAPI reference for integrators")),)),
    ),
    notices={
        "saved": Text("已保存", "Saved"),
        "removed": Text("已删除", "Removed"),
        "password_changed": Text("密码已修改", "Password changed"),
        "user_created": Text("用户已创建，首次登录须修改密码", "User created; they must change the password at first sign-in"),
        "user_roles": Text("岗位已保存", "Roles saved"),
        "user_disable": Text("账号已停用", "Account disabled"),
        "user_enable": Text("账号已启用", "Account enabled"),
        "user_unlock": Text("账号已解锁", "Account unlocked"),
        "user_branch": Text("所属网点已保存", "Branch saved"),
        "user_reset-password": Text("已设置临时密码，用户下次登录须修改",
                                    "Temporary password set; the user must change it at next sign-in"),
        "token_revoked": Text("接口令牌已吊销", "API token revoked"),
        "signed_up": Text("注册成功，欢迎使用小微信贷平台", "You are signed up: welcome to SME Credit"),
        "/login?password_reset": Text("密码已重置，请用新密码登录；其他设备上的登录已全部退出",
                                      "Password reset: sign in with the new one; every other sign-in has ended"),
    },
    demo="smecredit.identity.demo:seed_demo",
    commands=(("users", "smecredit.identity.cli:app"),),
)
