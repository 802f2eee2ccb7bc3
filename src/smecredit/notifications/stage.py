"""Notifications plug in: the in-app inbox (bell and 我的通知), the outbox, SMS gateways (sandbox by
default) and the SMS sandbox page."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="notifications",
    order=2,
    label=Text("通知", "Notifications"),
    models="smecredit.notifications.models",
    events="smecredit.notifications.events",
    routers=("smecredit.notifications.pages:router", "smecredit.notifications.api:router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("sms_sandbox", "/admin/sms-sandbox", Text("短信沙箱", "SMS sandbox"), perms.SMS_SANDBOX_READ,
                 "chat-dots", ((perms.SMS_SANDBOX_READ, Text("演示环境不真正发送短信：在此查看验证码等消息",
                                                             "No SMS leaves a demo install: read codes and messages here")),)),
    ),
    notices={
        "/me/notifications?notification_read": Text("已标为已读", "Marked read"),
        "/me/notifications?notifications_all_read": Text("全部通知已标为已读", "All notifications marked read"),
    },
    demo="smecredit.notifications.demo:seed_demo",
    commands=(("notifications", "smecredit.notifications.cli:app"),),
)
