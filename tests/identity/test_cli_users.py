"""`smecredit users create|list|disable|reset-password|unlock` and `smecredit db upgrade`."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select
from typer.testing import CliRunner

from smecredit.cli import app
from smecredit.identity.models import User

runner = CliRunner()


def test_create_list_disable_enable_reset_unlock(db):
    result = runner.invoke(app, ["users", "create", "officer7", "--role", "loan_officer", "--name", "王敏",
                                 "--password-stdin"], input="Strong-Passw0rd-7\n")
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["users", "list"])
    assert "officer7" in listed.output and "loan_officer" in listed.output
    assert runner.invoke(app, ["users", "disable", "officer7"]).exit_code == 0
    assert db.execute(select(User.is_active).where(User.username == "officer7")).scalar_one() is False
    assert runner.invoke(app, ["users", "enable", "officer7"]).exit_code == 0
    reset = runner.invoke(app, ["users", "reset-password", "officer7", "--password-stdin"], input="Another-Passw0rd-8\n")
    assert reset.exit_code == 0, reset.output
    assert runner.invoke(app, ["users", "unlock", "officer7"]).exit_code == 0
    db.expire_all()
    user = db.execute(select(User).where(User.username == "officer7")).scalar_one()
    assert user.must_change_password is True and user.is_active is True


def test_bad_input_is_a_bilingual_message_and_exit_2(db):
    weak = runner.invoke(app, ["users", "create", "officer8", "--role", "loan_officer", "--password-stdin"], input="weak\n")
    assert weak.exit_code == 2 and "密码强度不足" in weak.output and "too weak" in weak.output
    role = runner.invoke(app, ["users", "create", "officer8", "--role", "boss", "--password-stdin"], input="Strong-Passw0rd-7\n")
    assert role.exit_code == 2 and "未知岗位" in role.output
    missing = runner.invoke(app, ["users", "disable", "ghost"])
    assert missing.exit_code == 2 and "not found" in missing.output


def test_db_upgrade_honours_the_database_url_for_a_new_file(tmp_path):
    target = tmp_path / "x.db"
    env = {**os.environ, "SMECREDIT_DATABASE_URL": f"sqlite:///{target}", "SMECREDIT_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run([sys.executable, "-m", "smecredit.cli", "db", "upgrade"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.exists() and target.stat().st_size > 0
