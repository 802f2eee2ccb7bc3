"""The LPR on a date (boundaries, before the reform refused, corrections audited), the default
catalogue loaded idempotently with its events, and which version is in force on a date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.kernel.clock import business_date
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from smecredit.products import catalogue, rates, setup
from smecredit.products.models import ProductVersion, ReferenceRate
from tests.products.helpers import default_dict, load_defaults


def actions(db) -> dict[str, int]:
    return dict(db.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())


def test_the_rate_on_a_date(db):
    load_defaults(db)
    rate = rates.reference_rate
    assert rate(db, on=date(2019, 8, 20), tenor="1y") == Decimal("4.25")
    assert rate(db, on=date(2019, 9, 19), tenor="1y") == Decimal("4.25")  # the day before a change
    assert rate(db, on=date(2019, 9, 20), tenor="1y") == Decimal("4.20")  # the day of a change
    assert rate(db, on=date(2019, 9, 20), tenor="5y+") == Decimal("4.85")  # 5y+ did not change that month
    assert rate(db, on=date(2022, 5, 20), tenor="1y") == Decimal("3.70")
    assert rate(db, on=date(2022, 5, 20), tenor="5y+") == Decimal("4.45")
    assert rate(db, on=date(2024, 10, 20), tenor="1y") == Decimal("3.35")
    assert rate(db, on=date(2025, 5, 20), tenor="1y") == Decimal("3.00")
    assert rate(db, on=date(2026, 11, 29), tenor="5y+") == Decimal("3.50")  # holds until the next


def test_before_the_reform_and_unknown_tenors_are_refused(db):
    load_defaults(db)
    with pytest.raises(Invalid) as caught:
        rates.reference_rate(db, on=date(2019, 8, 19), tenor="1y")
    assert caught.value.code == "no_reference_rate" and "2019-08-20" in caught.value.message.zh
    with pytest.raises(Invalid):
        rates.reference_rate(db, on=date(2024, 1, 1), tenor="3y")


def test_loading_is_idempotent_and_audited(db):
    load_defaults(db)
    first = actions(db)
    assert first["product.loaded"] == 7 and first["reference_rate.loaded"] == 1
    assert db.execute(select(func.count()).select_from(ReferenceRate)).scalar() == 30
    load_defaults(db)
    assert actions(db) == first
    assert db.execute(select(func.count()).select_from(ProductVersion)).scalar() == 7


def test_a_corrected_rate_is_audited_with_what_it_replaced(db, make_user):
    load_defaults(db)
    manager = make_user(Role.RISK_MANAGER)
    with unit_of_work(db):
        rates.set_rate(db, user=manager, tenor="1y", effective_from=date(2025, 5, 20), published_on=date(2025, 5, 20), rate="3.05")
    assert rates.reference_rate(db, on=date(2025, 6, 1), tenor="1y") == Decimal("3.05")
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "reference_rate.set")).scalar_one()
    assert json.loads(event.payload)["previous_rate"] == "3.00" and json.loads(event.payload)["rate"] == "3.05"
    for bad in ({"rate": "-1"}, {"rate": "3.456"}, {"rate": "abc"}, {"effective_from": date(2019, 1, 1)},
                {"published_on": date(2025, 6, 1)}):
        args = {"tenor": "1y", "effective_from": date(2025, 5, 20), "published_on": date(2025, 5, 20), "rate": "3.00", **bad}
        with pytest.raises(Invalid), unit_of_work(db):
            rates.set_rate(db, user=manager, **args)


def test_the_version_in_force_on_a_date(db, make_user):
    load_defaults(db)
    author, approver = make_user(Role.RISK_MANAGER), make_user(Role.RISK_MANAGER)
    v1 = catalogue.current_version(db, "tax_loan", on=date(2026, 1, 1))
    assert v1.version == 1 and v1.definition.code == "tax_loan"
    with pytest.raises(NotFound):
        catalogue.current_version(db, "tax_loan", on=date(2019, 8, 19))
    data = default_dict("tax_loan")
    data["max_amount"] = "1200000.00"
    with unit_of_work(db):
        v2 = catalogue.draft(db, user=author, code="tax_loan", data=data, note="raise the ceiling")
    assert v2.version == 2 and v2.status == "draft"
    assert catalogue.current_version(db, "tax_loan", on=date(2030, 1, 1)).version == 1  # a draft is not in force
    later = business_date() + timedelta(days=10)
    with unit_of_work(db):
        catalogue.approve(db, user=approver, version_id=v2.id, effective_from=later)
    assert catalogue.current_version(db, "tax_loan", on=later - timedelta(days=1)).version == 1
    assert catalogue.current_version(db, "tax_loan", on=later).definition.max_amount == Decimal("1200000.00")
    assert catalogue.version_by_id(db, v1.id).definition.max_amount == Decimal("1000000.00")  # kept as made
    assert len(catalogue.current_versions(db, on=later)) == 7


def test_four_eyes_the_author_cannot_approve_and_decisions_are_final(db, make_user):
    load_defaults(db)
    author, other = make_user(Role.RISK_MANAGER), make_user(Role.RISK_MANAGER)
    with unit_of_work(db):
        draft = catalogue.draft(db, user=author, code="invoice_loan", data=default_dict("invoice_loan"))
    with pytest.raises(Forbidden) as caught, unit_of_work(db):
        catalogue.approve(db, user=author, version_id=draft.id, effective_from=business_date())
    assert caught.value.code == "four_eyes"
    with pytest.raises(Forbidden), unit_of_work(db):
        catalogue.reject(db, user=author, version_id=draft.id, note="no")
    with pytest.raises(Invalid), unit_of_work(db):
        catalogue.approve(db, user=other, version_id=draft.id, effective_from=business_date() - timedelta(days=1))
    with pytest.raises(Invalid), unit_of_work(db):
        catalogue.reject(db, user=other, version_id=draft.id, note="  ")
    with unit_of_work(db):
        catalogue.reject(db, user=other, version_id=draft.id, note="spread too low")
    with pytest.raises(Conflict), unit_of_work(db):
        catalogue.approve(db, user=other, version_id=draft.id, effective_from=business_date())
    found = actions(db)
    assert found["product.version_drafted"] == 1 and found["product.version_rejected"] == 1
    assert "product.version_approved" not in found


def test_a_draft_must_be_valid_and_carry_the_code_edited(db, make_user):
    load_defaults(db)
    author = make_user(Role.RISK_MANAGER)
    data = default_dict("invoice_loan")
    data["rules"][0]["expression"] = "years_in_operation >="
    with pytest.raises(Invalid) as caught, unit_of_work(db):
        catalogue.draft(db, user=author, code="invoice_loan", data=data)
    assert caught.value.details["errors"][0]["field"] == "rules[0].expression"
    with pytest.raises(Invalid) as caught, unit_of_work(db):
        catalogue.draft(db, user=author, code="tax_loan", data=default_dict("invoice_loan"))
    assert caught.value.code == "code_mismatch"
    assert db.execute(select(func.count()).select_from(ProductVersion)).scalar() == 7


def test_setup_files_are_what_the_catalogue_holds(db):
    load_defaults(db)
    codes = {v.product_code for v in catalogue.current_versions(db, on=date(2026, 1, 1))}
    assert len(codes) == len(setup.product_files()) == 7


def test_the_demo_adds_one_draft_awaiting_a_second_risk_manager_once(db, make_user):
    from smecredit.products.demo import seed_demo

    load_defaults(db)
    assert seed_demo(db) == 0  # no demo risk manager: nothing
    make_user(Role.RISK_MANAGER, "risk")
    with unit_of_work(db):
        assert seed_demo(db) == 1
    with unit_of_work(db):
        assert seed_demo(db) == 0
    [draft] = catalogue.pending(db)
    assert draft.product_code == "tax_loan" and draft.author == "risk"
    assert draft.definition.limit.params["caps"]["A"] == Decimal("1200000.00")
