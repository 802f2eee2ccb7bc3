"""`smecredit decisions replay` and `smecredit policy simulate` on stored decisions; the exposure the
policy reads: open and accepted offers of the enterprise and of its group (a shared controller)."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select, update
from typer.testing import CliRunner

from smecredit.cli import app
from smecredit.decisioning.models import Decision, PolicyVersion
from smecredit.kernel.db import unit_of_work
from tests.decisioning.helpers import submitted, world


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_replay_on_the_command_line(db, make_user):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    d = db.execute(select(Decision).where(Decision.application_id == a.id)).scalar_one()
    done = _cli("decisions", "replay", str(d.id), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"decision_id": d.id, "identical": True, "differences": []}
    assert "一致" in _cli("decisions", "replay", str(d.id)).output
    with unit_of_work(db):
        db.execute(update(Decision).where(Decision.id == d.id).values(score=d.score + 1))
    changed = _cli("decisions", "replay", "--all", "--json")
    assert changed.exit_code == 1
    body = json.loads(changed.output)
    assert body["replayed"] == 1 and body["differing"][0]["differences"][0]["path"] == "record.score"
    assert _cli("decisions", "replay", "999999").exit_code == 2  # not found: a bilingual message, no traceback
    assert _cli("decisions", "replay").exit_code == 2


def test_simulate_a_stricter_policy_lists_the_decisions_that_change(db, make_user, tmp_path):
    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    assert a.status == "approved"
    text = db.execute(select(PolicyVersion.text)).scalars().first()
    stricter = text.replace("automatic: {max_amount: 1000000, min_grade: C}", "automatic: {max_amount: 100000, min_grade: C}", 1)
    assert stricter != text
    path = tmp_path / "stricter.yaml"
    path.write_text(stricter, encoding="utf-8")
    done = _cli("policy", "simulate", "--policy", str(path), "--json")
    assert done.exit_code == 0, done.output
    body = json.loads(done.output)
    assert body["champion"]["approved"] == 1 and body["challenger"]["approved"] == 0
    assert Decimal(body["champion"]["expected_loss"]) > 0 and Decimal(body["challenger"]["expected_loss"]) == 0
    assert body["changed"] == 1 and body["changes"][0]["application_no"] == a.no
    assert body["changes"][0]["after"]["outcome"] == "referred"
    same = tmp_path / "same.yaml"
    same.write_text(text, encoding="utf-8")
    unchanged = json.loads(_cli("policy", "simulate", "--policy", str(same), "--json", "--since", "2020-01-01").output)
    assert unchanged["changed"] == 0
    assert "改变的决策" in _cli("policy", "simulate", "--policy", str(path)).output
    assert _cli("policy", "simulate", "--policy", str(tmp_path / "missing.yaml")).exit_code == 2
    assert _cli("policy", "simulate", "--policy", str(path), "--since", "yesterday").exit_code == 2
    assert _cli("policy", "simulate").exit_code == 2


def test_exposure_counts_offers_of_the_enterprise_and_its_group(db, make_user):
    from smecredit.decisioning.exposure import exposure_of
    from smecredit.enterprises import people, schemas
    from smecredit.kernel.clock import business_date
    from tests.enterprises.helpers import ID_LI, ID_ZHANG

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    assert a.status == "approved"
    li = {"name": "李四", "id_number": ID_LI, "phone": "13900002222"}
    other = world(db, make_user, 4, code="tax_loan", legal_rep=li, controller=li)
    assert exposure_of(db, other.enterprise, on=business_date()).group == ()  # nobody in common yet
    with unit_of_work(db):  # the first enterprise's controller (张三丰) holds shares in the other
        people.add(db, user=other.applicant, enterprise=other.enterprise, data=schemas.PersonIn(
            role="shareholder", party_type="person", name="张三丰", id_number=ID_ZHANG, share_pct=Decimal("30")))
    found = exposure_of(db, other.enterprise, on=business_date())
    assert found.own == Decimal("0.00")
    assert [(m.enterprise_id, m.relations, m.exposure) for m in found.group] == [
        (w.enterprise.id, ("shareholder",), Decimal("300000.00"))]
    assert found.group_total == Decimal("300000.00")
    mine = exposure_of(db, w.enterprise, on=business_date())
    assert mine.own == Decimal("300000.00") and mine.items[0].application_no == a.no
    assert exposure_of(db, w.enterprise, on=business_date(), exclude_application_id=a.id).own == Decimal("0.00")
    # the next decision of the group member reads it
    b = submitted(db, other, "100000")
    inputs = json.loads(db.execute(select(Decision.inputs_json).where(Decision.application_id == b.id)).scalar_one())
    assert inputs["exposure"]["group_members"][0]["exposure"] == "300000.00"


def test_an_accepted_offer_counts_as_its_loan_until_it_is_repaid(db, make_user):
    """The accepted offer became a loan: its principal until disbursed, then what is outstanding;
    nothing once paid off or written off (an accepted offer counted in full for ever before)."""
    from smecredit.decisioning import reviews
    from smecredit.decisioning.exposure import exposure_of
    from smecredit.kernel.clock import business_date
    from smecredit.loans.models import Loan
    from tests.decisioning.helpers import run

    w = world(db, make_user, 2, code="tax_loan")
    a = submitted(db, w, "300000")
    run(db, reviews.accept_offer, user=w.applicant, application=a)
    loan = db.execute(select(Loan).where(Loan.application_id == a.id)).scalar_one()
    mine = exposure_of(db, w.enterprise, on=business_date())
    assert loan.status == "pending" and mine.own == Decimal("300000.00")
    assert [(i.application_no, i.status) for i in mine.items] == [(a.no, "pending")]
    for status, outstanding, counted in (("active", "120000.00", "120000.00"), ("overdue", "80000.00", "80000.00"),
                                         ("closed", "0.00", "0.00"), ("written_off", "50000.00", "0.00")):
        with unit_of_work(db):
            db.execute(update(Loan).where(Loan.id == loan.id).values(status=status,
                                                                     outstanding_principal=Decimal(outstanding)))
        assert exposure_of(db, w.enterprise, on=business_date()).own == Decimal(counted), status
