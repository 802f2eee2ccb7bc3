"""Witnesses: outside parties keep the newest checkpoint they accepted, cosign consistent
extensions, refuse forks and rollbacks; the platform stores and counts their cosignatures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from smecredit.audit import checkpoints as cps
from smecredit.audit import merkle, note as notes
from smecredit.audit import witness as w
from smecredit.audit.bundle import export_bundle, verify_bundle
from smecredit.audit.canonical import canonical_json, leaf_data_of, sha256_hex
from smecredit.audit.keystore import load_or_create_signing_key
from smecredit.audit.verify import _parse_time, verify_database
from smecredit.cli import app
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.settings import get_settings

from tests.audit.support import append
from tests.conftest import api_token

runner = CliRunner()
API = "http://127.0.0.1/api/v1/audit/witness"


def client_http(client):
    def http(method, url, headers, body):
        response = client.request(method, url, headers=headers, content=body)
        return response.status_code, response.content
    return http


def make_witness(tmp_path, name: str) -> tuple:
    directory = tmp_path / name.replace("/", "_")
    vkey = w.init_state(directory, name=name, log_key=cps.log_vkey())
    return directory, vkey


def configure(monkeypatch, *vkeys: str) -> None:
    monkeypatch.setenv("SMECREDIT_AUDIT_WITNESS_KEYS", ",".join(vkeys))
    get_settings.cache_clear()


def forked_bundle(source, target, seq: int = 3) -> None:
    """An insider with the key and the database: rewrite event ``seq``, recompute everything, re-sign."""
    data = json.loads(source.read_text(encoding="utf-8"))
    key = load_or_create_signing_key()
    event = data["events"][seq - 1]
    event["payload"] = canonical_json({"amount": "0.01"}).decode()
    event["payload_sha256"] = sha256_hex(event["payload"].encode())
    event["leaf_hash"] = merkle.leaf_hash(leaf_data_of({**event, "recorded_at": _parse_time(event["recorded_at"])})).hex()
    leaves = [bytes.fromhex(e["leaf_hash"]) for e in data["events"]]
    previous = None
    for cp in data["checkpoints"]:
        root = merkle.root_hash(leaves[: cp["tree_size"]])
        cp["root_hash"] = root.hex()
        cp["note"], cp["signature"] = cps.build_signed_note(
            key, log_origin=data["origin"], checkpoint_id=cp["id"], tree_size=cp["tree_size"], root=root,
            created_at=cp["created_at"], previous=previous)
        previous = (cp["id"], notes.text_hash(cps.note_text_of(cp["note"])))
    data["cosignatures"] = []
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_cosignature_format_round_trip():
    key = load_or_create_signing_key()
    text = cps.checkpoint_text(log_origin="example.com/log", checkpoint_id=1, tree_size=3, root=b"\1" * 32,
                               created_at="2026-01-01T00:00:00.000000Z", previous=None)
    witness_key = __import__("cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"]).Ed25519PrivateKey.generate()
    sig = notes.cosign(text, "witness.example/w1", witness_key, 1700000000)
    verifier = notes.parse_vkey(notes.vkey("witness.example/w1", witness_key, notes.ALG_COSIGNATURE_V1))
    assert notes.cosigned_by(text, sig, verifier) and notes.cosignature_time(sig) == 1700000000
    assert not notes.cosigned_by(text.replace("\n3\n", "\n4\n"), sig, verifier)
    log_verifier = cps.log_verifier(key, "example.com/log")
    signed = notes.Note(text, (notes.sign_note(text, "example.com/log", key), sig)).serialise()
    assert notes.note_signed_by(notes.parse_note(signed), log_verifier)


def test_two_witnesses_and_a_forked_log(db, tmp_path, monkeypatch):
    append(db, 5)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    first = tmp_path / "first.json"
    with unit_of_work(db):
        export_bundle(db, first)
    internal, internal_vkey = make_witness(tmp_path, "audit.bank.example/internal")
    regulator, regulator_vkey = make_witness(tmp_path, "regulator.example/w1")
    configure(monkeypatch, internal_vkey, regulator_vkey)
    for directory in (internal, regulator):
        result = w.run(directory, str(first))
        assert result.accepted and result.new_size == 6
        with unit_of_work(db):
            from smecredit.audit.cosignatures import accept_cosigned_note
            from smecredit.audit.log import Actor

            accept_cosigned_note(db, Actor("admin", "admin", 1), result.cosigned_path.read_text(encoding="utf-8"))
    report = verify_database(db, require_witnesses=2)
    assert report.ok, report.first_problem
    assert report.witnessed_size == 6 and len(report.witnesses[report.witnessed_checkpoint_id]) == 2

    # The log grows honestly: both witnesses follow with a consistency proof.
    append(db, 4, start=5)
    second = tmp_path / "second.json"
    with unit_of_work(db):
        export_bundle(db, second)
    for directory in (internal, regulator):
        result = w.run(directory, str(second))
        assert (result.old_size, result.new_size) == (6, 13)  # + two cosignature records + the export's checkpoint

    # An insider with the key forks history: both witnesses refuse, and keep what they had.
    fork = tmp_path / "fork.json"
    forked_bundle(second, fork)
    assert verify_bundle(fork).ok  # self-consistent and signed by the real key…
    for directory in (internal, regulator):
        with pytest.raises(w.WitnessError) as caught:
            w.run(directory, str(fork))
        assert caught.value.refused and caught.value.code == "fork"
        assert "分叉" in caught.value.text.zh and "Fork" in caught.value.text.en
        assert "\n13\n" in (directory / "checkpoint").read_text(encoding="utf-8")
        assert list((directory / "evidence").iterdir())
    # …and a rollback to the first bundle is refused too.
    with pytest.raises(w.WitnessError) as caught:
        w.run(internal, str(first))
    assert caught.value.code == "rollback"


def test_witness_over_the_api_and_require_witnesses(db, tmp_path, monkeypatch, client, make_user):
    make_user(Role.AUDITOR, "regulator")
    token = api_token(client, "regulator")["Authorization"].split(" ", 1)[1]
    directory, vkey = make_witness(tmp_path, "regulator.example/w1")
    configure(monkeypatch, vkey)
    append(db, 3)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    http = client_http(client)
    result = w.run(directory, API, token=token, http=http)
    first_size = cps.latest_checkpoint(db).tree_size
    assert result.posted and result.new_size == first_size
    append(db, 3, start=3)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    result = w.run(directory, API, token=token, http=http)
    assert (result.old_size, result.new_size) == (first_size, cps.latest_checkpoint(db).tree_size) and result.posted
    # The pages show the witness; the API lists it per checkpoint.
    listed = client.get("/api/v1/audit/checkpoints", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert listed[0]["witnesses"] == ["regulator.example/w1"] and listed[0]["note"].startswith("smecredit/audit\n")
    cli = runner.invoke(app, ["audit", "verify", "--require-witnesses", "1"])
    assert cli.exit_code == 0, cli.output
    cli = runner.invoke(app, ["audit", "verify", "--require-witnesses", "2"])
    assert cli.exit_code == 1 and "witnesses_not_configured" in cli.output
    other_dir, other_vkey = make_witness(tmp_path, "dc2.bank.example/w")
    configure(monkeypatch, vkey, other_vkey)
    cli = runner.invoke(app, ["audit", "verify", "--require-witnesses", "2", "--json"])
    assert cli.exit_code == 1 and json.loads(cli.stdout)["first_problem"]["kind"] == "not_enough_witnesses"
    # Without a token the witness cannot read the log.
    with pytest.raises(w.WitnessError) as caught:
        w.run(other_dir, API, token=None, http=http)
    assert caught.value.code == "http_error" and not caught.value.refused


def test_a_witness_refuses_a_forged_or_rolled_back_checkpoint_from_a_url(db, tmp_path, client, make_user, monkeypatch):
    make_user(Role.AUDITOR, "carol")
    token = api_token(client, "carol")["Authorization"].split(" ", 1)[1]
    directory, vkey = make_witness(tmp_path, "audit.bank.example/w")
    append(db, 3)
    with unit_of_work(db):
        cps.create_checkpoint(db)
    w.run(directory, API, token=token, http=client_http(client), post=False)
    kept = (directory / "checkpoint").read_text(encoding="utf-8")
    size = cps.latest_checkpoint(db).tree_size

    def serve(note_text, proof):
        def http(method, url, headers, body):
            if url.endswith("/checkpoint"):
                return 200, note_text.encode()
            return 200, json.dumps({"proof": [p.hex() for p in proof]}).encode()
        return http

    key = load_or_create_signing_key()
    # same size, another root (a fork signed by an insider with the key)
    same_size = cps.build_signed_note(key, log_origin="smecredit/audit", checkpoint_id=1, tree_size=size, root=b"\2" * 32,
                                      created_at="2026-01-01T00:00:00.000000Z", previous=None)[0]
    # bigger, but not an extension
    bigger = cps.build_signed_note(key, log_origin="smecredit/audit", checkpoint_id=2, tree_size=size + 5, root=b"\3" * 32,
                                   created_at="2026-01-01T00:00:00.000000Z", previous=None)[0]
    smaller = cps.build_signed_note(key, log_origin="smecredit/audit", checkpoint_id=1, tree_size=size - 1, root=b"\4" * 32,
                                    created_at="2026-01-01T00:00:00.000000Z", previous=None)[0]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = cps.build_signed_note(Ed25519PrivateKey.generate(), log_origin="smecredit/audit", checkpoint_id=2,
                                     tree_size=9, root=b"\3" * 32, created_at="2026-01-01T00:00:00.000000Z", previous=None)[0]
    for note_text, code in ((same_size, "fork"), (bigger, "fork"), (smaller, "rollback"), (stranger, "not_signed_by_log")):
        with pytest.raises(w.WitnessError) as caught:
            w.run(directory, API, http=serve(note_text, [b"\5" * 32]))
        assert caught.value.refused and caught.value.code == code
        assert (directory / "checkpoint").read_text(encoding="utf-8") == kept
    # through the command line: exit 1 and a bilingual message
    monkeypatch.setattr(w, "_urllib", serve(bigger, [b"\5" * 32]))
    result = runner.invoke(app, ["audit", "witness", "--state", str(directory), "--from", API, "--no-post"])
    assert result.exit_code == 1 and "分叉" in result.output and "Fork" in result.output


def test_witness_cli_init_and_bundle(db, tmp_path):
    append(db, 2)
    bundle = tmp_path / "b.json"
    assert runner.invoke(app, ["audit", "export", "--out", str(bundle)]).exit_code == 0
    key = tmp_path / "log.vkey"
    assert runner.invoke(app, ["audit", "public-key", "--vkey", "--out", str(key)]).exit_code == 0
    state = tmp_path / "w"
    result = runner.invoke(app, ["audit", "witness", "--state", str(state), "--init", "--name", "audit.example/w",
                                 "--log-key", str(key), "--from", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "audit.example/w+" in result.output and "cosigned" in result.output
    assert oct((state / "witness_ed25519.pem").stat().st_mode & 0o777) == "0o600"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    again = runner.invoke(app, ["audit", "witness", "--state", str(state), "--init", "--name", "x/y", "--log-key", str(key)])
    assert again.exit_code == 2  # a pinned key is never overwritten
    assert runner.invoke(app, ["audit", "witness", "--state", str(tmp_path / "none"), "--from", str(bundle)]).exit_code == 2


def test_the_platform_refuses_unknown_or_bad_cosignatures(db, tmp_path, monkeypatch, client, make_user):
    from smecredit.audit.cosignatures import accept_cosigned_note
    from smecredit.audit.log import Actor
    from smecredit.kernel.errors import DomainError

    append(db, 2)
    with unit_of_work(db):
        checkpoint = cps.create_checkpoint(db)
    directory, vkey = make_witness(tmp_path, "w.example/a")
    bundle = tmp_path / "b.json"
    with unit_of_work(db):
        export_bundle(db, bundle)
    cosigned = w.run(directory, str(bundle)).cosigned_note
    actor = Actor("admin", "admin", 1)
    with pytest.raises(DomainError) as caught:  # not configured yet
        accept_cosigned_note(db, actor, cosigned)
    assert caught.value.code == "no_known_witness"
    configure(monkeypatch, vkey)
    tampered = cosigned.replace(f"\n{checkpoint.tree_size}\n", f"\n{checkpoint.tree_size + 1}\n", 1)
    with pytest.raises(DomainError):
        accept_cosigned_note(db, actor, tampered)
    kept = accept_cosigned_note(db, actor, cosigned)
    assert len(kept) == 1 and accept_cosigned_note(db, actor, cosigned)[0].id == kept[0].id  # no duplicate
    db.commit()
    # the page shows it; the import form answers a bad paste with a message
    make_user(Role.ADMIN, "root")
    from tests.conftest import csrf_of, login

    login(client, "root")
    page = client.get("/audit/checkpoints")
    assert "w.example/a" in page.text and 'data-testid="witnesses"' in page.text
    bad = client.post("/audit/cosignatures", data={"csrf_token": csrf_of(client), "cosigned_note": "nonsense"})
    assert bad.status_code == 400 and 'data-testid="cosign-error"' in bad.text
