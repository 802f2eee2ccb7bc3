"""Sandbox pulls of every source kind → immutable snapshots + audit events + a profile whose every
feature names its source; credit bureau needs the authorisation; history is kept."""

from __future__ import annotations
from smecredit.kernel.errors import Forbidden

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises import profile, schemas, service
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import CreditProfile, DataSnapshot
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date
from smecredit.kernel.errors import DomainError
from tests.enterprises.helpers import registration


@pytest.fixture()
def owned(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-p")
    enterprise = service.register_enterprise(db, user=applicant, data=schemas.EnterpriseCreate(**registration(3)))
    return applicant, enterprise


def _authorise(db, user, enterprise):
    text = service.authorisation_text()
    return service.authorise_queries(db, user=user, enterprise_id=enterprise.id, text_version=text.version,
                                     text_sha256=text.sha256)


def test_credit_bureau_pull_needs_the_authorisation(db, owned):
    applicant, enterprise = owned
    with pytest.raises(DomainError) as caught:
        service.pull(db, user=applicant, enterprise_id=enterprise.id, kind="credit_bureau")
    assert caught.value.code == "authorisation_required"
    assert db.execute(select(func.count()).select_from(DataSnapshot)).scalar() == 0
    auth = _authorise(db, applicant, enterprise)
    assert auth.text_sha256 == service.authorisation_text().sha256 and auth.username == "owner-p"
    outcome = service.pull(db, user=applicant, enterprise_id=enterprise.id, kind="credit_bureau")
    assert outcome.snapshots[0].kind == "credit_bureau"


def test_authorisation_must_match_the_text_shown(db, owned):
    applicant, enterprise = owned
    with pytest.raises(DomainError) as caught:
        service.authorise_queries(db, user=applicant, enterprise_id=enterprise.id, text_version="2026-01",
                                  text_sha256="0" * 64)
    assert caught.value.field == "text_sha256"


def test_pull_all_without_authorisation_skips_only_the_credit_bureau(db, owned):
    applicant, enterprise = owned
    outcome = service.pull_all(db, user=applicant, enterprise_id=enterprise.id)
    assert sorted(s.kind for s in outcome.snapshots) == sorted(k.value for k in SourceKind if k is not SourceKind.CREDIT_BUREAU)
    assert [e.details["kind"] for e in outcome.skipped] == ["credit_bureau"]


def test_sandbox_pull_of_every_kind_builds_a_profile_with_provenance(db, owned):
    applicant, enterprise = owned
    _authorise(db, applicant, enterprise)
    for kind in SourceKind:
        service.pull(db, user=applicant, enterprise_id=enterprise.id, kind=kind.value)
    snaps = db.execute(select(DataSnapshot).order_by(DataSnapshot.id)).scalars().all()
    assert [s.kind for s in snaps] == [k.value for k in SourceKind]
    assert all(s.is_sandbox and s.provider == "sandbox" and s.captured_by == "owner-p" for s in snaps)
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


def test_profile_history_is_kept_and_as_of_picks_snapshots(db, owned):
    applicant, enterprise = owned
    service.pull(db, user=applicant, enterprise_id=enterprise.id, kind="registry", recompute=False)
    actor = actor_of(applicant)
    first = profile.compute_profile(db, enterprise_id=enterprise.id, actor=actor)
    yesterday = profile.compute_profile(db, enterprise_id=enterprise.id, actor=actor,
                                        as_of=business_date() - timedelta(days=1))
    assert (first.version, yesterday.version) == (1, 2)
    assert json.loads(first.snapshot_ids) and json.loads(yesterday.snapshot_ids) == []
    missing = {f.key: f for f in yesterday.features}["registry_status"]
    assert missing.value_text is None and json.loads(missing.missing_reason)["zh"]
    assert db.execute(select(func.count()).select_from(CreditProfile)).scalar() == 2
    held = profile.data_held(db, enterprise_id=enterprise.id)
    assert len(held) == 1 and not held[0].used_in_latest


def test_staff_may_view_but_not_pull(db, owned, make_user):
    _applicant, enterprise = owned
    reviewer = make_user(Role.CREDIT_REVIEWER, "reviewer-p")
    assert service.get_enterprise(db, enterprise_id=enterprise.id, user=reviewer).id == enterprise.id
    with pytest.raises(DomainError) as caught:
        service.pull(db, user=reviewer, enterprise_id=enterprise.id, kind="registry")
    assert isinstance(caught.value, Forbidden)


def test_demo_seed_links_the_demo_applicant_and_is_idempotent(db, make_user):
    from smecredit.enterprises.demo import seed_demo

    applicant = make_user(Role.APPLICANT, "applicant")
    make_user(Role.LOAN_OFFICER, "officer")
    assert seed_demo(db) == 4
    mine = service.enterprises_of(db, user=applicant)
    assert len(mine) == 1
    latest = profile.latest_profile(db, enterprise_id=mine[0].id)
    assert latest is not None and len(json.loads(latest.snapshot_ids)) == 6
    assert seed_demo(db) == 0
