"""The demo decides with the default policy and scorecard: applications approved, declined and
referred automatically, one before the committee, offers accepted and declined, an override, a
draft policy to approve — and replay proves every demo decision identical."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from smecredit.applications.models import Application
from smecredit.applications.states import State
from smecredit.decisioning import replaying
from smecredit.decisioning.models import CommitteeVote, Decision, DecisionOverride, Offer, PolicyVersion
from smecredit.kernel.db import unit_of_work
from tests.loans.helpers import on


def _seed(db):
    from smecredit import demo
    from smecredit.stages import all_stages, load

    demo.setup_all()
    for stage in all_stages():
        if stage.demo:
            with unit_of_work(db):
                load(stage.demo)(db)


def test_the_demo_decides_with_the_default_policy_and_every_decision_replays(db):
    # the sandbox's figures vary with the business date, and so do the demo's decisions: seeded as of
    # a known date (on 2026-11-30 no application was referred to the queue — see the closing note)
    with on(date(2026, 11, 29)):
        _seed(db)
    statuses = set(db.execute(select(Application.status)).scalars())
    assert statuses == {s.value for s in State}, {s.value for s in State} - statuses
    outcomes = set(db.execute(select(Decision.outcome)).scalars())
    assert outcomes == {"approved", "declined", "referred"}
    assert set(db.execute(select(Offer.status)).scalars()) == {"open", "accepted", "declined"}
    assert db.execute(select(func.count()).select_from(DecisionOverride)).scalar_one() == 1
    assert db.execute(select(func.count()).select_from(CommitteeVote)).scalar_one() == 1
    assert db.execute(select(PolicyVersion.status).where(PolicyVersion.version == 2)).scalar_one() == "draft"
    decisions = list(db.execute(select(Decision)).scalars())
    assert decisions
    for d in decisions:
        found = replaying.replay(db, d)
        assert found.identical, (d.id, found.differences)
    # seeding again changes nothing
    before = db.execute(select(func.count()).select_from(Application)).scalar_one()
    _seed(db)
    assert db.execute(select(func.count()).select_from(Application)).scalar_one() == before
