"""Transactions compose: the edge owns the unit of work, services only flush."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smecredit.audit.log import Actor
from smecredit.identity import service
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.db import NestedUnitOfWork, new_session, on_rollback, unit_of_work
from smecredit.kernel.errors import Invalid, Unauthenticated
from smecredit.kernel.text import Text
from tests.conftest import PASSWORD

SETUP = Actor("test-setup", "system")


def _users() -> int:
    with new_session() as other:
        return other.execute(select(func.count()).select_from(User)).scalar_one()


def test_two_use_cases_in_one_unit_commit_together_or_not_at_all(db):
    with pytest.raises(Invalid):
        with unit_of_work(db):
            service.create_user(db, actor=SETUP, username="first", display_name="first", password=PASSWORD,
                                roles=[Role.LOAN_OFFICER])
            # the second use case fails: the first one's user must not be committed either
            service.create_user(db, actor=SETUP, username="x", display_name="x", password=PASSWORD,
                                roles=[Role.LOAN_OFFICER])
    assert _users() == 0
    with unit_of_work(db):
        service.create_user(db, actor=SETUP, username="first", display_name="first", password=PASSWORD,
                            roles=[Role.LOAN_OFFICER])
    assert _users() == 1


def test_a_nested_unit_of_work_is_refused(db):
    with unit_of_work(db):
        with pytest.raises(NestedUnitOfWork):
            with unit_of_work(db):
                pass


def test_a_kept_refusal_commits_what_it_recorded(db, make_user):
    make_user(Role.APPROVER, "keeper")
    with pytest.raises(Unauthenticated):
        with unit_of_work(db):
            service.authenticate(db, username="keeper", password="Wrong-Passw0rd-1")
    with new_session() as other:
        user = other.execute(select(User).where(User.username == "keeper")).scalar_one()
        assert user.failed_logins == 1


def test_files_written_by_a_rolled_back_use_case_are_removed(db, tmp_path):
    target = tmp_path / "upload.bin"
    with pytest.raises(Invalid):
        with unit_of_work(db):
            target.write_bytes(b"x")
            on_rollback(db, lambda: target.unlink(missing_ok=True))
            raise Invalid("later_step_failed", Text("后续步骤失败", "A later step failed"))
    assert not target.exists()


def test_on_commit_runs_after_the_commit_and_never_after_a_rollback(db, caplog):
    from smecredit.kernel.db import on_commit

    seen: list[int] = []
    with unit_of_work(db):
        service.create_user(db, actor=Actor("t", "system"), username="after1", display_name="a", password=PASSWORD,
                            roles=[Role.ADMIN])
        # What the action reads in its own session is already committed.
        on_commit(db, lambda: seen.append(_users()))
        assert seen == []
    assert seen == [_users()] and seen[0] >= 1
    with pytest.raises(RuntimeError):
        with unit_of_work(db):
            on_commit(db, lambda: seen.append(-1))
            raise RuntimeError("undo")
    assert -1 not in seen

    def broken() -> None:
        raise ValueError("after-commit failure")

    with unit_of_work(db):  # a failing action is logged; the committed work stands, the caller sees no error
        on_commit(db, broken)
        on_commit(db, lambda: seen.append(2))
    assert seen[-1] == 2 and "after-commit action" in caplog.text
