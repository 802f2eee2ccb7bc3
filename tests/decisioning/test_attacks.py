"""Attacks on stage 4, each kept as a test: hostile policy texts (YAML bombs, cycles, nesting, tags,
numbers Python cannot convert), CEL that would crash or loop, and what the API answers to them
(a 4xx naming the problem, never a 500, never a hung or dead server)."""

from __future__ import annotations

import time

import pytest

from smecredit.decisioning import policy
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Invalid
from smecredit.products import eligibility
from tests.conftest import api_token
from tests.decisioning.helpers import load_decisioning

BASE = policy.DEFAULT_PATH.read_text(encoding="utf-8")


def _refused(text: str) -> Invalid:
    started = time.perf_counter()
    with pytest.raises(Invalid) as caught:
        policy.parse(text)
    assert time.perf_counter() - started < 5, "refused, but only after grinding"
    return caught.value


# --- YAML ----------------------------------------------------------------------------------------------

BILLION_LAUGHS = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))


@pytest.mark.parametrize("text", [
    BILLION_LAUGHS,                                       # 10^9 nodes from 9 lines
    "a: &a [*a]\n",                                       # a cycle
    "a: &a {b: *a}\n",
    "a: &a {x: 1}\nb: {<<: *a}\n",                        # merge keys need an alias too
    BASE + "\nx: &x 1\ny: *x\n",
], ids=["billion-laughs", "cycle-list", "cycle-map", "merge-key", "alias-in-policy"])
def test_yaml_aliases_are_refused_at_once_with_the_line(text):
    error = _refused(text)
    assert error.code == "invalid_yaml"
    assert "alias" in error.message.en and "锚点" in error.message.zh
    assert error.details["errors"][0]["line"]


@pytest.mark.parametrize("text", [
    "[" * 50_000 + "]" * 50_000,
    "a: " + "{a: " * 30_000 + "1" + "}" * 30_000,
    "".join("  " * i + "a:\n" for i in range(300)) + "  " * 300 + "1\n",
], ids=["flow-list", "flow-map", "block-map"])
def test_deep_nesting_is_refused_not_a_recursion_error(text):
    error = _refused(text)
    assert error.code == "invalid_yaml" and "deeper" in error.message.en


def test_an_anchor_without_an_alias_is_harmless():
    assert policy.parse(BASE.replace("format: smecredit-policy/1", "format: &f smecredit-policy/1")).code == "sme-default"


@pytest.mark.parametrize("number", ["9" * 5000, "9" * 5000 + ".5", "1e999999999", ".inf", ".nan", "1e309"])
def test_numbers_python_cannot_convert_are_named_in_their_field(number):
    error = _refused(BASE.replace('floor: "3.00"', f"floor: {number}"))
    assert error.code == "invalid_policy" and error.field == "pricing.floor"


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['touch /tmp/smecredit-pwned']\n",
                                  BASE.replace("code: sme-default", "code: !!python/name:os.system", 1)])
def test_python_tags_are_not_constructed(text, tmp_path):
    assert _refused(text).code == "invalid_yaml"


# --- CEL -----------------------------------------------------------------------------------------------

_LIST = "[" + ",".join(["1"] * 20) + "]"


def _nested(levels: int) -> str:
    return "".join(f"{_LIST}.all(a{i}, " for i in range(levels)) + "true" + ")" * levels


@pytest.mark.parametrize("expression, code", [
    ("years_in_operation < 1" + " + 1" * 30_000, "rule_too_long"),       # the compiler's stack: a crash
    ("application." + "amount." * 30_000 + "x > 1", "rule_too_long"),
    (" || ".join(["years_in_operation < 1"] * 100), "rule_too_long"),
    (f"{_nested(2)} && years_in_operation < 1", "rule_too_complex"),       # 20^6 steps at save and per decision
    (f"{_nested(6)} && years_in_operation < 1", "rule_too_complex"),
    (f"{_LIST} . all ( years_in_operation , true ) && {_LIST}.exists(x, x > 1)", "rule_too_complex"),
])
def test_a_policy_rule_that_would_crash_or_loop_is_refused_when_drafted(expression, code):
    text = BASE.replace("when: years_in_operation < 1\n", f'when: "{expression}"\n', 1)
    assert text != BASE
    error = _refused(text)
    assert error.code == "invalid_policy" and error.details["errors"][0]["code"] == code
    assert error.field.endswith(".when")


def test_one_comprehension_is_still_a_rule():
    text = BASE.replace("when: years_in_operation < 1\n", f'when: "{_LIST}.exists(x, x > years_in_operation)"\n', 1)
    assert policy.parse(text).code == "sme-default"


@pytest.mark.parametrize("expression", ["years_in_operation < 1" + " + 1" * 30_000, _nested(3)])
def test_a_product_rule_goes_through_the_same_guard(expression):
    with pytest.raises(eligibility.RuleProblem) as caught:
        eligibility.check_rule(expression)
    assert caught.value.code in {"rule_too_long", "rule_too_complex"}


# --- the same over the API: a 422, not a 500 and not a server busy for minutes ------------------------------

@pytest.mark.parametrize("text", [BILLION_LAUGHS, "a: &a [*a]\n", "[" * 50_000 + "]" * 50_000,
                                  BASE.replace('floor: "3.00"', "floor: " + "9" * 5000),
                                  BASE.replace("when: years_in_operation < 1\n",
                                               'when: "' + "application." + "amount." * 20_000 + 'x > 1"\n', 1)],
                         ids=["billion-laughs", "cycle", "deep", "5000-digits", "deep-cel"])
def test_hostile_policy_drafts_are_422_over_the_api(client, db, make_user, text):
    load_decisioning(db)
    risk = make_user(Role.RISK_MANAGER, "risk-attack")
    got = client.post("/api/v1/policies/versions", headers=api_token(client, risk.username), json={"text": text})
    assert got.status_code == 422, got.text
    assert got.json()["error"]["message"]["zh"] and got.json()["error"]["message"]["en"]


# --- other people's ids: 404 on every new route ------------------------------------------------------------

def test_an_officer_outside_the_portfolio_gets_404_for_the_decision_by_any_route(client, db, make_user):
    from sqlalchemy import select

    from smecredit.decisioning.models import Decision
    from tests.decisioning.helpers import submitted, world

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    decision = db.execute(select(Decision).where(Decision.application_id == a.id)).scalar_one()
    elsewhere = api_token(client, make_user(Role.LOAN_OFFICER, "officer-elsewhere").username)
    own = api_token(client, w.officer.username)
    assert client.get(f"/api/v1/applications/{a.id}/decision", headers=elsewhere).status_code == 404
    for method, path in (("GET", f"/api/v1/decisions/{decision.id}"), ("POST", f"/api/v1/decisions/{decision.id}/replay")):
        assert client.request(method, path, headers=own).status_code == 200, path
        refused = client.request(method, path, headers=elsewhere)
        assert refused.status_code == 404, (path, refused.text)
        missing = client.request(method, path.replace(str(decision.id), "999999"), headers=elsewhere)
        assert refused.json()["error"]["code"] == missing.json()["error"]["code"]  # no oracle: as if it did not exist


# --- CSVs given to `smecredit scorecard train` ------------------------------------------------------------

def test_infinite_numbers_in_a_training_csv_fall_in_the_end_bins_instead_of_a_traceback(tmp_path):
    import json
    import random

    from typer.testing import CliRunner

    from smecredit.decisioning.scorecard_cli import app

    rng = random.Random(3)
    lines = ["years,leverage,status"]
    for i in range(600):
        years = rng.randint(0, 20)
        bad = rng.random() < (0.35 if years < 3 else 0.08)
        leverage = rng.choice(["inf", "-inf", "1e309", "-1e309", f"{rng.random():.3f}", f"{rng.random():.3f}"])
        lines.append(f"{years},{leverage},{'bad' if bad else 'good'}")
    data = tmp_path / "inf.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "card.json"
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "--data", str(data), "--target", "status", "--bad", "bad", "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    assert "Traceback" not in trained.output and out.exists()
    evaluated = runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(data), "--target", "status",
                                    "--bad", "bad", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert 0.5 < json.loads(evaluated.output[evaluated.output.index("{"):])["auc"] <= 1


@pytest.mark.parametrize("content, field", [
    (bytes(range(256)) * 100, "data"),                                    # binary
    (b'a,status\n"' + b"x" * 2_000_000 + b"\n", "data"),                  # a quote never closed
    (b"a,status\n" + b"1" * 5_000_000 + b",bad\n2,good\n", "target"),    # one enormous cell, too few rows
    (b"a,status\n" + b"1,good\n" * 50, "bad"),                            # one class only
])
def test_csv_bombs_are_a_message_and_exit_2(tmp_path, content, field):
    from typer.testing import CliRunner

    from smecredit.decisioning.scorecard_cli import app

    data = tmp_path / "bomb.csv"
    data.write_bytes(content)
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--target", "status", "--bad", "bad",
                                      "--out", str(tmp_path / "card.json")])
    assert result.exit_code == 2, result.output
    assert f"[{field}]" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "card.json").exists()


# --- a database edited by hand --------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [
    {"result_json": "not json"}, {"result_json": "[]"}, {"result_json": '{"reasons": [1]}'},
    {"inputs_json": "{"}, {"inputs_json": "{}"}, {"outcome": "declined"}, {"approved_amount": "999999.00"},
], ids=["result-garbage", "result-list", "result-reasons", "inputs-garbage", "inputs-empty", "outcome-column",
        "amount-column"])
def test_a_decision_edited_by_hand_is_503_on_read_and_replay_lists_the_differences(client, db, make_user, values):
    from sqlalchemy import select, update

    from smecredit.decisioning.models import Decision
    from smecredit.kernel.db import unit_of_work
    from tests.decisioning.helpers import submitted, world

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    d = db.execute(select(Decision).where(Decision.application_id == a.id)).scalar_one()
    staff, applicant = api_token(client, w.reviewer.username), api_token(client, w.applicant.username)
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id).values(**values))
    for headers, path in ((applicant, f"/api/v1/applications/{a.id}/decision"), (staff, f"/api/v1/decisions/{d.id}")):
        got = client.get(path, headers=headers)
        assert got.status_code == 503, (path, got.text)
        assert got.json()["error"]["code"] == "decision_damaged" and got.json()["error"]["message"]["zh"]
    replayed = client.post(f"/api/v1/decisions/{d.id}/replay", headers=staff)
    assert replayed.status_code == 200 and replayed.json()["identical"] is False
    assert replayed.json()["differences"][0]["path"].startswith("record.")
    # the application itself still opens: its status and the offer are not the damaged record
    assert client.get(f"/api/v1/applications/{a.id}", headers=applicant).status_code == 200


def test_a_referred_decision_edited_by_hand_is_not_acted_on(client, db, make_user):
    from sqlalchemy import select, update

    from smecredit.applications import service as applications
    from smecredit.decisioning.models import Decision
    from smecredit.kernel.db import unit_of_work
    from tests.decisioning.helpers import run, submitted, world

    w = world(db, make_user, 8, code="tax_loan")
    a = submitted(db, w, "300000")
    run(db, applications.claim, user=w.reviewer, application=a)
    run(db, applications.start_review, user=w.reviewer, application=a)
    d = db.execute(select(Decision).where(Decision.application_id == a.id)).scalar_one()
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id).values(grade="A", result_json=d.result_json.replace(
            '"grade":"', '"grade":"A","was":"')))
    got = client.post(f"/api/v1/applications/{a.id}/reviews", headers=api_token(client, w.reviewer.username),
                      json={"action": "approve", "comment": "同意"})
    assert got.status_code == 503 and got.json()["error"]["code"] == "decision_damaged", got.text
    db.expire_all()
    assert db.get(type(a), a.id).status == "under_review"
