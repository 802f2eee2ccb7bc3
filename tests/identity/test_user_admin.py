"""Every user operation in pages, API and command line alike (point 7)."""

from __future__ import annotations

import re

from sqlalchemy import select
from typer.testing import CliRunner

from smecredit.cli import app as cli
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from tests.conftest import PASSWORD, api_token, csrf_of, login

runner = CliRunner()


def test_the_users_list_is_a_page_with_filters(client, make_user):
    make_user(Role.ADMIN, "admin1")
    for i in range(3):
        make_user(Role.LOAN_OFFICER, f"officer{i}", display_name=f"客户经理 {i}")
    make_user(Role.AUDITOR, "auditor1")
    headers = api_token(client, "admin1")
    everyone = client.get("/api/v1/users", headers=headers).json()
    assert everyone["total"] == 5 and len(everyone["items"]) == 5
    first = everyone["items"][0]
    assert set(first) >= {"username", "display_name", "roles", "status", "is_active", "locked_until",
                          "must_change_password", "created_at", "last_login_at", "mobile_masked", "identity_verified"}
    paged = client.get("/api/v1/users?limit=2&offset=1", headers=headers).json()
    assert paged["total"] == 5 and [u["username"] for u in paged["items"]] == [u["username"] for u in everyone["items"][1:3]]
    officers = client.get("/api/v1/users?role=loan_officer", headers=headers).json()
    assert officers["total"] == 3 and all(u["roles"] == ["loan_officer"] for u in officers["items"])
    assert client.get("/api/v1/users?q=客户经理 1", headers=headers).json()["total"] == 1
    client.post("/api/v1/users/officer2/disable", headers=headers)
    disabled = client.get("/api/v1/users?status=disabled", headers=headers).json()
    assert [u["username"] for u in disabled["items"]] == ["officer2"] and disabled["items"][0]["status"] == "disabled"
    assert client.get("/api/v1/users?status=active", headers=headers).json()["total"] == 4
    assert client.get("/api/v1/users?status=sleeping", headers=headers).status_code == 422
    assert client.get("/api/v1/users?limit=1000", headers=headers).status_code == 422


def test_roles_enable_unlock_and_reset_through_the_api(client, make_user, db):
    make_user(Role.ADMIN, "admin2")
    make_user(Role.LOAN_OFFICER, "officer5")
    headers = api_token(client, "admin2")
    one = client.get("/api/v1/users/officer5", headers=headers)
    assert one.status_code == 200 and one.json()["status"] == "active"
    assert client.get("/api/v1/users/nobody", headers=headers).status_code == 404
    roles = client.put("/api/v1/users/officer5/roles", headers=headers, json={"roles": ["risk_manager", "loan_officer"]})
    assert roles.json()["roles"] == ["loan_officer", "risk_manager"]  # in the canonical order
    assert client.post("/api/v1/users/officer5/disable", headers=headers).json()["status"] == "disabled"
    assert client.post("/api/v1/users/officer5/enable", headers=headers).json()["status"] == "active"
    for i in range(5):
        client.post("/api/v1/auth/token", json={"username": "officer5", "password": f"Wrong-{i}-Password"})
    assert client.get("/api/v1/users/officer5", headers=headers).json()["status"] == "locked"
    assert client.post("/api/v1/users/officer5/unlock", headers=headers).json()["status"] == "active"

    given = client.post("/api/v1/users/officer5/reset-password", headers=headers, json={"temporary_password": "Temp-Passw0rd-55"})
    assert given.status_code == 200 and given.json()["temporary_password"] is None
    assert given.json()["user"]["must_change_password"] is True
    generated = client.post("/api/v1/users/officer5/reset-password", headers=headers, json={})
    temporary = generated.json()["temporary_password"]
    assert temporary and len(temporary) >= 16
    token = api_token(client, "officer5", temporary)
    refused = client.get("/api/v1/me", headers=token)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    # The temporary-password rule lets exactly one thing through: changing it.
    changed = client.post("/api/v1/me/password", headers=token, json={"old_password": temporary, "new_password": "Own-Passw0rd-555"})
    assert changed.status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 200
    weak = client.post("/api/v1/users/officer5/reset-password", headers=headers, json={"temporary_password": "weak"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"


def test_the_pages_generate_a_temporary_password_shown_once(client, make_user):
    make_user(Role.ADMIN, "admin3")
    make_user(Role.APPROVER, "approver3")
    login(client, "admin3")
    answer = client.post("/admin/users/approver3/reset-password", data={"new_password": "", "csrf_token": csrf_of(client)})
    assert answer.status_code == 200
    temporary = re.search(r'data-testid="temporary-password">.*?<strong class="mono">([^<]+)</strong>', answer.text).group(1)
    assert "仅显示这一次" in answer.text
    assert client.get("/admin/users/approver3").text.count(temporary) == 0
    client.cookies.clear()
    assert login(client, "approver3", temporary).headers["location"] == "/account/password"


def test_the_pages_filter_users_by_status_and_text(client, make_user):
    make_user(Role.ADMIN, "admin4")
    make_user(Role.APPROVER, "approver4", display_name="审批人 陈静")
    make_user(Role.APPROVER, "approver5")
    login(client, "admin4")
    page = client.get("/admin/users?q=陈静")
    assert "approver4" in page.text and "approver5" not in page.text
    assert "approver4" not in client.get("/admin/users?status=disabled").text


def test_the_command_line_sets_roles_lists_tokens_and_revokes(client, make_user, db):
    make_user(Role.LOAN_OFFICER, "officer6")
    headers = api_token(client, "officer6")
    roles = runner.invoke(cli, ["users", "roles", "officer6", "--set", "loan_officer", "--set", "risk_manager"])
    assert roles.exit_code == 0, roles.output
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # the role change ended the token
    headers = api_token(client, "officer6")
    listed = runner.invoke(cli, ["users", "tokens", "officer6"])
    token_id = re.search(r"│\s*(\d+)\s*│", listed.output).group(1)
    assert runner.invoke(cli, ["users", "revoke-token", "officer6", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = runner.invoke(cli, ["users", "revoke-token", "officer6", token_id])
    assert again.exit_code == 2 and "not found" in again.output
    status = runner.invoke(cli, ["users", "list", "--status", "active", "--role", "risk_manager"])
    assert "officer6" in status.output
    assert runner.invoke(cli, ["users", "list", "--status", "sleepy"]).exit_code == 2
    generated = runner.invoke(cli, ["users", "reset-password", "officer6", "--generate"])
    temporary = re.search(r"shown once\): (\S+)", generated.output).group(1)
    assert client.post("/api/v1/auth/token", json={"username": "officer6", "password": temporary}).status_code == 200
    db.expire_all()
    assert db.execute(select(User.must_change_password).where(User.username == "officer6")).scalar_one() is True


def test_outputs_are_built_from_the_model(client, make_user):
    """UserOut comes from model_validate(user): a field added to the model shows up by name."""
    from smecredit.identity.schemas import UserOut

    assert UserOut.model_config.get("from_attributes") is True
    make_user(Role.AUDITOR, "auditor9")
    me = client.get("/api/v1/me", headers=api_token(client, "auditor9", PASSWORD)).json()
    assert me["status"] == "active" and me["identity_verified"] is False and me["mobile_masked"] is None
