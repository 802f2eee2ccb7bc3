"""Sandbox pulls → immutable snapshots + audit events + a profile whose every feature names its
source; every source needs the data enquiry authorisation (withdrawn or expired: refused) and
confirmed ownership; declared facts that disagree with verified ones are listed, never overwritten."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises import consent, data, profile, registration, schemas
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import CreditProfile, DataSnapshot, QueryAuthorisation
from smecredit.enterprises.records import enterprises_of
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from tests.enterprises.helpers import SIGNED_SCAN, authorise, confirm, ready, register


@pytest.fixture()
def owned(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-p")
    officer = make_user(Role.LOAN_OFFICER, "officer-p")
    enterprise = register(db, applicant, 3)
    confirm(db, officer, enterprise)
    return applicant, enterprise


def test_no_source_is_queried_without_the_authorisation(db, owned):
    applicant, enterprise = owned
    for kind in SourceKind:
        with pytest.raises(Conflict) as caught:
            data.pull(db, user=applicant, enterprise=enterprise, kind=kind.value)
        assert caught.value.code == "authorisation_required"
    outcome = data.pull_all(db, user=applicant, enterprise=enterprise)
    assert outcome.snapshots == [] and len(outcome.skipped) == 6
    assert db.execute(select(func.count()).select_from(DataSnapshot)).scalar() == 0
    auth = authorise(db, applicant, enterprise)
    assert auth.text_sha256 == consent.authorisation_text().sha256 and auth.username == "owner-p"
    assert sorted(json.loads(auth.scope)) == sorted(k.value for k in SourceKind)
    assert data.pull(db, user=applicant, enterprise=enterprise, kind="credit_bureau").snapshots[0].kind == "credit_bureau"


def test_a_withdrawn_or_expired_authorisation_stops_every_pull(db, owned):
    applicant, enterprise = owned
    auth = authorise(db, applicant, enterprise)
    consent.withdraw(db, user=applicant, enterprise=enterprise, authorisation_id=auth.id, reason="不再合作")
    with pytest.raises(Conflict) as caught:
        data.pull(db, user=applicant, enterprise=enterprise, kind="registry")
    assert "撤回" in caught.value.message_zh
    with pytest.raises(Conflict):
        consent.withdraw(db, user=applicant, enterprise=enterprise, authorisation_id=auth.id, reason=None)
    again = authorise(db, applicant, enterprise)
    again.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    with pytest.raises(Conflict) as caught:
        data.pull(db, user=applicant, enterprise=enterprise, kind="tax")
    assert "过期" in caught.value.message_zh
    assert [e.action for e in db.execute(select(AuditEvent).where(
        AuditEvent.action == "enterprise.authorisation_withdrawn")).scalars()] == ["enterprise.authorisation_withdrawn"]


def test_only_a_member_authorises_online_and_staff_need_the_signed_scan(db, owned, make_user):
    applicant, enterprise = owned
    officer = db.get(type(applicant), enterprise.officer_id)
    text = consent.authorisation_text()
    with pytest.raises(Forbidden):
        consent.authorise_online(db, user=officer, enterprise=enterprise, text_version=text.version,
                                 text_sha256=text.sha256)
    with pytest.raises(Invalid) as caught:
        consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=business_date(), scan=b"",
                             scan_filename="scan.pdf")
    assert caught.value.field == "scan"
    with pytest.raises(Invalid):  # not a PDF, whatever its name says
        consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=business_date(), scan=b"MZ\x90",
                             scan_filename="scan.pdf")
    auth = consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=business_date(),
                                scan=SIGNED_SCAN, scan_filename="授权书.pdf")
    assert auth.channel == "paper" and auth.scan_sha256 and consent.scan_of(auth) == SIGNED_SCAN
    assert data.pull(db, user=officer, enterprise=enterprise, kind="judicial").snapshots


def test_authorisation_must_match_the_current_text_shown(db, owned):
    applicant, enterprise = owned
    with pytest.raises(Invalid) as caught:
        consent.authorise_online(db, user=applicant, enterprise=enterprise, text_version=consent.CURRENT_VERSION,
                                 text_sha256="0" * 64)
    assert caught.value.field == "text_sha256"
    old = consent.authorisation_text("2026-01")
    with pytest.raises(Invalid) as caught:
        consent.authorise_online(db, user=applicant, enterprise=enterprise, text_version="2026-01", text_sha256=old.sha256)
    assert caught.value.field == "text_version"


def test_a_pending_claim_may_authorise_but_pulls_nothing(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-pending")
    enterprise = register(db, applicant, 7)
    authorise(db, applicant, enterprise)
    with pytest.raises(Forbidden) as caught:
        data.pull(db, user=applicant, enterprise=enterprise, kind="registry")
    assert "核实" in caught.value.message_zh
    with pytest.raises(Forbidden):
        data.pull_all(db, user=applicant, enterprise=enterprise)


def test_sandbox_pull_of_every_kind_builds_a_profile_with_provenance(db, owned):
    applicant, enterprise = owned
    authorise(db, applicant, enterprise)
    for kind in SourceKind:
        data.pull(db, user=applicant, enterprise=enterprise, kind=kind.value)
    snaps = db.execute(select(DataSnapshot).order_by(DataSnapshot.id)).scalars().all()
    assert [s.kind for s in snaps] == [k.value for k in SourceKind]
    assert all(s.is_sandbox and s.provider == "sandbox" and s.captured_by == "owner-p" and s.origin == "provider"
               for s in snaps)
    pulled = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.data_pulled")).scalars().all()
    assert len(pulled) == 6
    payloads = [json.loads(e.payload) for e in pulled]
    assert {p["content_sha256"] for p in payloads} == {s.content_sha256 for s in snaps}
    assert all(p["provider"] == "sandbox" and p["kind"] for p in payloads)

    latest = profile.latest_profile(db, enterprise_id=enterprise.id)
    assert latest.version == 6  # recomputed after each pull
    assert sorted(json.loads(latest.snapshot_ids)) == [s.id for s in snaps]
    by_id = {s.id: s for s in snaps}
    for feature in latest.features:
        if feature.snapshot_id is not None:
            assert by_id[feature.snapshot_id].kind == feature.source_kind
        assert (feature.value_text is None) == (feature.missing_reason is not None)
        assert feature.rule
    keys = {f.key for f in latest.features}
    assert {"years_in_operation", "annual_revenue", "current_overdue_count", "declared_staff"} <= keys
    assert any(f.snapshot_id for f in latest.features if f.source_kind == "credit_bureau")
    computed = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.profile_computed")).scalars().all()
    assert len(computed) == 6


def test_declared_facts_that_disagree_with_the_registry_are_flagged_not_overwritten(db, make_user):
    """Today a registry file with another name and founding year is accepted and the years in
    operation silently follow it. Now both values are kept and the disagreement is listed."""
    enterprise, applicant, _officer = ready(db, make_user, 5, founded_on="2018-05-01")
    data.pull(db, user=applicant, enterprise=enterprise, kind="registry")
    latest = profile.latest_profile(db, enterprise_id=enterprise.id)
    found = {d.field: d for d in profile.discrepancies_of(latest)}
    registry = json.loads(db.execute(select(DataSnapshot)).scalar_one().content)
    assert found["name"].declared == "福州示例贸易有限公司5" and found["name"].verified == registry["name"]
    assert found["founded_on"].declared == "2018-05-01" and found["founded_on"].verified == registry["founding_date"]
    assert found["legal_representative"].declared == "张三丰"
    assert enterprise.name == "福州示例贸易有限公司5" and str(enterprise.founded_on) == "2018-05-01"
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.profile_computed")).scalars().all()[-1]
    assert {"name", "founded_on"} <= set(json.loads(event.payload)["discrepancies"])
    # declared the registry's facts: nothing left to flag
    registration.update(db, user=applicant, enterprise=enterprise, data=schemas.EnterpriseUpdate(
        name=registry["name"], founded_on=registry["founding_date"],
        registered_capital_wan=Decimal(registry["registered_capital"]) / 10000))
    recomputed = profile.compute(db, enterprise=enterprise, actor=actor_of(applicant))
    assert {d.field for d in profile.discrepancies_of(recomputed)} == {"legal_representative"}


def test_profile_history_is_kept_and_as_of_picks_snapshots(db, owned):
    applicant, enterprise = owned
    authorise(db, applicant, enterprise)
    data.pull(db, user=applicant, enterprise=enterprise, kind="registry")
    actor = actor_of(applicant)
    first = profile.compute(db, enterprise=enterprise, actor=actor)
    yesterday = profile.compute(db, enterprise=enterprise, actor=actor, as_of=business_date() - timedelta(days=1))
    assert (first.version, yesterday.version) == (2, 3)
    assert json.loads(first.snapshot_ids) and json.loads(yesterday.snapshot_ids) == []
    missing = {f.key: f for f in yesterday.features}["registry_status"]
    assert missing.value_text is None and json.loads(missing.missing_reason)["zh"]
    assert db.execute(select(func.count()).select_from(CreditProfile)).scalar() == 3
    held = profile.data_held(db, enterprise_id=enterprise.id)
    assert len(held) == 1 and not held[0].used_in_latest
    changes = profile.compare(yesterday, first)
    assert any(c.key == "registry_status" and c.before.value_text is None for c in changes)


def test_staff_may_view_but_not_pull(db, owned, make_user):
    from smecredit.enterprises.access import Action
    from smecredit.enterprises.records import load_for

    _applicant, enterprise = owned
    reviewer = make_user(Role.CREDIT_REVIEWER, "reviewer-p")
    assert load_for(db, user=reviewer, enterprise_id=enterprise.id, action=Action.VIEW) is enterprise
    with pytest.raises(Forbidden):
        data.pull(db, user=reviewer, enterprise=enterprise, kind="registry")


def test_demo_seed_links_the_demo_applicant_and_is_idempotent(db, make_user):
    from smecredit.enterprises.demo import seed_demo

    applicant = make_user(Role.APPLICANT, "applicant")
    make_user(Role.LOAN_OFFICER, "officer")
    assert seed_demo(db) == 5
    mine = enterprises_of(db, user=applicant)
    assert [e.ownership for e in mine] == ["confirmed", "pending"]
    latest = profile.latest_profile(db, enterprise_id=mine[0].id)
    assert latest is not None and len(json.loads(latest.snapshot_ids)) == 6
    # the demo declares what the sandbox registry says: no false discrepancy
    assert not [d for d in profile.discrepancies_of(latest) if d.source_kind == "registry"]
    assert seed_demo(db) == 0
    assert db.execute(select(func.count()).select_from(QueryAuthorisation)).scalar() == 4
