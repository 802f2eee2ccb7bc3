"""API shapes of the inbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from smecredit.notifications.models import Notification
from smecredit.web.openapi import BilingualText


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="通知类型代码 / kind code, e.g. application.documents_requested")
    title: BilingualText
    body: BilingualText
    link: str | None = Field(description="站内路径 / a path on this site to open")
    created_at: datetime
    read_at: datetime | None = Field(description="首次阅读时间，未读为空 / first read, null while unread")

    @classmethod
    def of(cls, row: Notification) -> "NotificationOut":
        return cls(id=row.id, kind=row.kind, title=BilingualText(zh=row.title_zh, en=row.title_en),
                   body=BilingualText(zh=row.body_zh, en=row.body_en), link=row.link, created_at=row.created_at,
                   read_at=row.read_at)


class ReadAllOut(BaseModel):
    marked: int = Field(description="本次标为已读的条数 / notifications marked read now")
    unread: int = Field(description="剩余未读 / unread left")
