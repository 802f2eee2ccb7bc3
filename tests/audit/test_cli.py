"""`smecredit audit …` through the real command line app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from smecredit.cli import app

from tests.audit.support import append, sql

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["audit", *args])


def test_verify_ok_then_tampered(db):
    append(db, 5)
    result = run("verify")
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "5" in result.output
    sql(db, "UPDATE audit_events SET action = 'loan.approve' WHERE seq = 3")
    result = run("verify")
    assert result.exit_code == 1
    assert "event #3" in result.output and "事件 #3" in result.output
    assert "leaf_hash_mismatch" in result.output


def test_verify_json(db):
    append(db, 2)
    result = run("verify", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["events_checked"] == 2
    sql(db, "DELETE FROM audit_events WHERE seq = 1")
    result = run("verify", "--json")
    assert result.exit_code == 1
    problem = json.loads(result.stdout)["first_problem"]
    assert (problem["where"], problem["ref"], problem["kind"]) == ("event", 1, "missing_event")


def test_checkpoint_and_prove(db):
    append(db, 4)
    result = run("checkpoint")
    assert result.exit_code == 0, result.output
    assert "tree size 5" in result.output  # four events and the record of this checkpoint
    result = run("prove", "2")
    assert result.exit_code == 0, result.output
    proof = json.loads(result.stdout)
    assert proof["verified"] and proof["seq"] == 2 and proof["tree_size"] == 5
    from smecredit.audit import merkle

    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 1, 5, [bytes.fromhex(h) for h in proof["proof"]],
                                   bytes.fromhex(proof["root_hash"]))


def test_prove_bad_input(db):
    append(db, 2)
    result = run("prove", "1")
    assert result.exit_code == 2
    assert "smecredit audit checkpoint" in result.output
    run("checkpoint")
    result = run("prove", "99")
    assert result.exit_code == 2 and "not found" in result.output
    result = run("prove", "abc")
    assert result.exit_code == 2


def test_prove_exits_1_when_the_event_was_changed(db):
    append(db, 3)
    run("checkpoint")
    sql(db, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    result = run("prove", "2")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verified"] is False


def test_export_and_verify_bundle(db, tmp_path):
    append(db, 6)
    out = tmp_path / "bundle.json"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "7 events" in result.output  # six and the export's checkpoint record
    result = run("verify", "--bundle", str(out))
    assert result.exit_code == 0, result.output
    key = tmp_path / "key.pem"
    assert run("public-key", "--out", str(key)).exit_code == 0
    assert run("verify", "--bundle", str(out), "--public-key", str(key)).exit_code == 0

    data = json.loads(out.read_text(encoding="utf-8"))
    data["events"][4]["entity_id"] = "42"
    out.write_text(json.dumps(data), encoding="utf-8")
    result = run("verify", "--bundle", str(out))
    assert result.exit_code == 1 and "event #5" in result.output


def test_verify_bundle_bad_input(tmp_path, clean_db):
    result = run("verify", "--bundle", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "missing.json" in result.output
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    result = run("verify", "--bundle", str(garbage))
    assert result.exit_code == 1 and "bundle_malformed" in result.output
    assert "Traceback" not in result.output
    result = run("verify", "--public-key", str(garbage))
    assert result.exit_code == 2


def test_export_bad_path(tmp_path, clean_db):
    result = run("export", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert result.exit_code == 2 and "No such directory" in result.output


def test_public_key(clean_db, tmp_path):
    from smecredit.audit.checkpoints import key_id, load_or_create_signing_key

    result = run("public-key")
    assert result.exit_code == 0
    assert result.stdout.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in result.stdout
    out = tmp_path / "audit.pub.pem"
    result = run("public-key", "--out", str(out))
    assert result.exit_code == 0 and out.read_text() == run("public-key").stdout
    assert key_id(load_or_create_signing_key()) in result.output.replace("\n", "")


@pytest.mark.parametrize("args", [["--help"], ["verify", "--help"], ["prove", "--help"], ["export", "--help"]])
def test_help(args, clean_db):
    assert run(*args).exit_code == 0
