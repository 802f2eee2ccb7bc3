"""notify(): the inbox row and the SMS outbox row are written in the caller's transaction, rendered
in both languages from the kind; delivery happens after commit, never on rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.errors import NotFound
from smecredit.kernel.text import Text
from smecredit.notifications import inbox, service
from smecredit.notifications.inbox import NotificationKind, notify
from smecredit.notifications.models import Notification, OutboxMessage, SandboxSms
from tests.notifications.helpers import QUIET, STATUS_CHANGED, give_mobile


def count(db, model) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(model)).scalar_one()


# --- the kind (pure) -------------------------------------------------------------------------------

def test_kind_renders_both_languages_and_text_values_per_language():
    title, body = STATUS_CHANGED.render({"no": "A-1", "status": Text("批准", "approved"), "id": 3})
    assert title == Text("申请 A-1 状态更新", "Application A-1 updated")
    assert body == Text("您的申请已批准。", "Your application is approved.")


def test_kind_refuses_missing_values_bad_codes_and_mismatched_placeholders():
    with pytest.raises(ValueError, match="missing"):
        STATUS_CHANGED.render({"no": "A-1"})
    with pytest.raises(ValueError):
        NotificationKind(code="NoDot", title=Text("a", "a"), body=Text("b", "b"))
    with pytest.raises(ValueError):
        NotificationKind(code="x." + "y" * 40, title=Text("a", "a"), body=Text("b", "b"))
    with pytest.raises(ValueError, match="placeholders"):
        NotificationKind(code="x.y", title=Text("{a}", "{b}"), body=Text("b", "b"))


# --- notify ----------------------------------------------------------------------------------------

def test_notify_writes_inbox_row_and_sms_delivered_after_commit(db, make_user):
    user = give_mobile(db, make_user(Role.APPLICANT))
    with unit_of_work(db):
        row = notify(db, recipient=user, kind=STATUS_CHANGED, params={"no": "A-7", "status": Text("受理", "accepted"), "id": 7})
        # Nothing was sent inside the transaction.
        assert db.execute(select(func.count()).select_from(SandboxSms)).scalar_one() == 0
    db.refresh(row)
    assert (row.kind, row.title_zh, row.title_en, row.link) == ("test.status_changed", "申请 A-7 状态更新",
                                                                "Application A-7 updated", "/applications/7")
    assert row.read_at is None and row.outbox_id is not None
    message = db.get(OutboxMessage, row.outbox_id)
    assert message.status == "sent" and message.template == "test.status_changed" and message.params is None
    text = service.latest_sandbox_text(db, mobile="13900139000")
    assert text.startswith("【") and "申请 A-7 状态更新：您的申请已受理。" in text and "Your application is accepted." in text


def test_no_sms_without_a_mobile_or_when_the_kind_wants_none(db, make_user):
    no_mobile = make_user(Role.APPLICANT)
    with_mobile = give_mobile(db, make_user(Role.APPLICANT))
    with unit_of_work(db):
        notify(db, recipient=no_mobile, kind=STATUS_CHANGED, params={"no": "1", "status": "x", "id": 1})
        notify(db, recipient=with_mobile, kind=QUIET, params={"n": 1})
    assert count(db, Notification) == 2
    assert count(db, OutboxMessage) == 0


def test_rollback_of_the_caller_leaves_no_inbox_row_no_outbox_row_and_sends_nothing(db, make_user):
    user = give_mobile(db, make_user(Role.APPLICANT))
    with pytest.raises(RuntimeError):
        with unit_of_work(db):
            notify(db, recipient=user, kind=STATUS_CHANGED, params={"no": "1", "status": "x", "id": 1})
            raise RuntimeError("the change failed")
    assert count(db, Notification) == 0
    assert count(db, OutboxMessage) == 0
    assert count(db, SandboxSms) == 0


def test_links_must_stay_on_this_site(db, make_user):
    user = make_user(Role.APPLICANT)
    for bad in ("https://evil.example/", "//evil.example", "/\\evil"):
        with pytest.raises(ValueError):
            with unit_of_work(db):
                notify(db, recipient=user, kind=QUIET, params={"n": 1}, link=bad)


def test_inbox_lists_newest_first_counts_unread_and_marks_only_own(db, make_user):
    alice, bob = make_user(Role.APPLICANT), make_user(Role.LOAN_OFFICER)
    with unit_of_work(db):
        ids = [notify(db, recipient=alice, kind=QUIET, params={"n": i}).id for i in range(3)]
        other = notify(db, recipient=bob, kind=QUIET, params={"n": 9}).id
    total, rows = inbox.list_for(db, user=alice)
    assert total == 3 and [r.id for r in rows] == ids[::-1]
    assert inbox.unread_count(db, user_id=alice.id) == 3
    with unit_of_work(db):
        inbox.mark_read(db, notification=inbox.own(db, user=alice, notification_id=ids[0]))
    first_read = db.get(Notification, ids[0]).read_at
    with unit_of_work(db):  # marking again keeps the first reading
        inbox.mark_read(db, notification=inbox.own(db, user=alice, notification_id=ids[0]))
    assert db.get(Notification, ids[0]).read_at == first_read
    assert inbox.list_for(db, user=alice, unread_only=True)[0] == 2
    with pytest.raises(NotFound):
        inbox.own(db, user=alice, notification_id=other)
    with unit_of_work(db):
        assert inbox.mark_all_read(db, user=alice) == 2
    assert inbox.unread_count(db, user_id=alice.id) == 0
    assert inbox.unread_count(db, user_id=bob.id) == 1


def test_demo_seeds_unread_notifications_for_the_demo_applicant_once(db, make_user):
    from smecredit.notifications.demo import seed_demo

    assert seed_demo(db) == 0  # no demo applicant: nothing
    applicant = make_user(Role.APPLICANT, "applicant")
    with unit_of_work(db):
        assert seed_demo(db) == 3
    with unit_of_work(db):
        assert seed_demo(db) == 0
    assert inbox.unread_count(db, user_id=applicant.id) == 3
    assert all(n.link is None or n.link.startswith("/") for n in inbox.list_for(db, user=applicant)[1])
