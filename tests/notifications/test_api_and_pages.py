"""The inbox API and pages: a user sees and marks only their own notifications (another user's id
is not found), newest first, unread filter, open marks read and follows the link, bell count."""

from __future__ import annotations

import re

from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.notifications.inbox import notify
from smecredit.notifications.models import Notification
from tests.conftest import api_token, csrf_of, login
from tests.notifications.helpers import QUIET, STATUS_CHANGED


def seed(db, user, n: int, kind=QUIET) -> list[int]:
    with unit_of_work(db):
        return [notify(db, recipient=user, kind=kind, params={"n": i}).id for i in range(n)]


def test_api_lists_own_newest_first_with_unread_filter(client, db, make_user):
    alice, bob = make_user(Role.APPLICANT, "alice"), make_user(Role.LOAN_OFFICER, "bob")
    ids = seed(db, alice, 3)
    seed(db, bob, 2)
    headers = api_token(client, "alice")
    page = client.get("/api/v1/me/notifications", headers=headers).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == ids[::-1]
    item = page["items"][0]
    assert item["kind"] == "test.quiet" and item["title"] == {"zh": "提示", "en": "Note"}
    assert item["body"] == {"zh": "内容 2", "en": "Body 2"} and item["read_at"] is None and item["link"] is None
    read = client.post(f"/api/v1/me/notifications/{ids[1]}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = client.get("/api/v1/me/notifications?unread=true", headers=headers).json()
    assert unread["total"] == 2 and ids[1] not in [i["id"] for i in unread["items"]]
    assert client.get("/api/v1/me/notifications?limit=1&offset=1", headers=headers).json()["items"][0]["id"] == ids[1]
    done = client.post("/api/v1/me/notifications/read-all", headers=headers).json()
    assert done == {"marked": 2, "unread": 0}
    assert client.get("/api/v1/me/notifications?unread=true", headers=headers).json()["total"] == 0
    # Bob's are untouched.
    bob_headers = api_token(client, "bob")
    assert client.get("/api/v1/me/notifications?unread=true", headers=bob_headers).json()["total"] == 2


def test_api_another_users_notification_is_not_found(client, db, make_user):
    make_user(Role.APPLICANT, "alice")
    bob = make_user(Role.APPLICANT, "bob")
    [theirs] = seed(db, bob, 1)
    response = client.post(f"/api/v1/me/notifications/{theirs}/read", headers=api_token(client, "alice"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "notification_not_found"
    db.expire_all()
    assert db.get(Notification, theirs).read_at is None


def test_api_needs_a_token(client):
    assert client.get("/api/v1/me/notifications").status_code == 401
    assert client.post("/api/v1/me/notifications/read-all").status_code == 401


def bell_count(html: str) -> int | None:
    found = re.search(r'data-testid="bell-count" data-count="(\d+)"', html)
    return int(found.group(1)) if found else None


def test_bell_counts_unread_for_every_signed_in_user(client, db, make_user):
    admin = make_user(Role.ADMIN, "admin1")
    seed(db, admin, 2)
    login(client, "admin1")
    home = client.get("/").text
    assert 'data-testid="bell"' in home and bell_count(home) == 2
    client.cookies.clear()
    make_user(Role.AUDITOR, "auditor1")
    login(client, "auditor1")
    html = client.get("/").text
    assert 'data-testid="bell"' in html and bell_count(html) is None
    client.cookies.clear()
    assert 'data-testid="bell"' not in client.get("/login").text


def test_inbox_page_open_marks_read_and_follows_link_read_all(client, db, make_user):
    alice = make_user(Role.APPLICANT, "alice")
    bob = make_user(Role.APPLICANT, "bob")
    with unit_of_work(db):
        linked = notify(db, recipient=alice, kind=STATUS_CHANGED, params={"no": "A-1", "status": "ok", "id": 5}).id
    plain = seed(db, alice, 2)
    [theirs] = seed(db, bob, 1)
    login(client, "alice")
    page = client.get("/me/notifications")
    assert page.status_code == 200 and page.text.count('data-unread="1"') == 3
    assert page.text.index(f"/me/notifications/{plain[1]}/open") < page.text.index(f"/me/notifications/{linked}/open")
    token = csrf_of(client)
    opened = client.post(f"/me/notifications/{linked}/open", data={"csrf_token": token}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/applications/5"
    no_link = client.post(f"/me/notifications/{plain[0]}/open", data={"csrf_token": token}, follow_redirects=False)
    assert no_link.headers["location"].startswith("/me/notifications?notice=")
    unread_only = client.get("/me/notifications?status=unread").text
    assert f"/me/notifications/{plain[1]}/open" in unread_only and f"/me/notifications/{linked}/open" not in unread_only
    assert bell_count(unread_only) == 1
    # Someone else's notification: not found, and not marked.
    assert client.post(f"/me/notifications/{theirs}/open", data={"csrf_token": token},
                       follow_redirects=False).status_code == 404
    # Without the CSRF token nothing is marked.
    assert client.post("/me/notifications/read-all", data={}, follow_redirects=False).status_code == 403
    assert bell_count(client.get("/me/notifications").text) == 1
    done = client.post("/me/notifications/read-all", data={"csrf_token": token})
    assert done.status_code == 200 and "全部通知已标为已读" in done.text and bell_count(done.text) is None
    db.expire_all()
    assert db.get(Notification, theirs).read_at is None
