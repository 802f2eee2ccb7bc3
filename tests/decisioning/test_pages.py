"""Stage 4 pages on the demo data: the policy pages (overview, versions, editor, four-eyes approval,
simulation), the applicant's outcome and offer (年化利率 first, schedule preview, accept), the staff's
decision panel and review form; every page in Chinese without codes shown as text."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from smecredit.applications.models import Application
from smecredit.decisioning.models import PolicyVersion
from smecredit.kernel.db import unit_of_work
from tests.applications.test_pages import visible_codes
from tests.conftest import csrf_of, login

DEMO_PASSWORD = "Demo-2026-smecredit"


@pytest.fixture()
def demo(db):
    from smecredit import demo as platform_demo
    from smecredit.stages import all_stages, load

    platform_demo.setup_all()
    for stage in all_stages():
        if stage.demo:
            with unit_of_work(db):
                load(stage.demo)(db)
    return {a.status: a for a in db.execute(select(Application).order_by(Application.id)).scalars()}


def as_(client, username: str):
    client.cookies.clear()
    login(client, username, DEMO_PASSWORD)


def test_the_policy_pages_and_four_eyes_approval(client, db, demo):
    draft = db.execute(select(PolicyVersion).where(PolicyVersion.status == "draft")).scalar_one()
    as_(client, "risk")
    overview = client.get("/policies")
    assert overview.status_code == 200 and 'data-testid="segments"' in overview.text and 'data-testid="pending-version"' in overview.text
    own = client.get(f"/policies/versions/{draft.id}").text
    assert 'data-testid="own-draft"' in own and 'data-testid="approve-form"' not in own
    refused = client.post(f"/policies/versions/{draft.id}/approve", data={"csrf_token": csrf_of(client),
                                                                           "effective_from": "2099-01-01"})
    assert refused.status_code == 403 and "四眼" in refused.text
    simulated = client.get(f"/policies/versions/{draft.id}/simulation")
    assert simulated.status_code == 200 and 'data-testid="simulation-summary"' in simulated.text
    assert client.get(f"/policies/versions/{draft.id}/simulation?since=not-a-date").status_code == 422
    editor = client.get("/policies/edit")
    assert editor.status_code == 200 and "smecredit-policy/1" in editor.text
    bad = client.post("/policies/versions", data={"csrf_token": csrf_of(client), "text": "format: smecredit-policy/1\ncode: x\n"})
    assert bad.status_code == 422 and 'data-testid="definition-errors"' in bad.text
    as_(client, "risk2")
    page = client.get(f"/policies/versions/{draft.id}").text
    assert 'data-testid="approve-form"' in page
    done = client.post(f"/policies/versions/{draft.id}/approve", data={"csrf_token": csrf_of(client),
                                                                        "effective_from": "2099-01-01"}, follow_redirects=True)
    assert done.status_code == 200 and 'data-status="approved"' in done.text
    as_(client, "reviewer")
    assert client.get("/policies").status_code == 200
    assert client.get("/policies/edit", follow_redirects=False).status_code == 403
    assert client.get(f"/policies/versions/{draft.id}/simulation", follow_redirects=False).status_code == 403


def test_the_applicant_sees_the_offer_and_accepts_it(client, db, demo):
    approved = demo["approved"]
    as_(client, "applicant")
    page = client.get(f"/applications/{approved.id}").text
    assert 'data-testid="offer"' in page and 'data-testid="offer-apr"' in page and 'data-testid="schedule-preview"' in page
    assert page.index('data-testid="offer-apr"') < page.index('data-testid="offer-amount"')  # 年化利率 first
    assert "年化利率" in page and 'data-testid="accept-offer"' in page
    accepted = client.post(f"/applications/{approved.id}/offer/accept", data={"csrf_token": csrf_of(client)},
                           follow_redirects=True)
    assert accepted.status_code == 200 and 'data-status="offer_accepted"' in accepted.text
    declined = demo["declined"]
    page = client.get(f"/applications/{declined.id}")
    assert page.status_code in (200, 404)  # the declined one may be another enterprise's (then: not theirs)


def test_staff_see_the_decision_and_review_from_the_page(client, db, demo):
    waiting = demo["awaiting_approval"]
    as_(client, "approver")
    page = client.get(f"/applications/{waiting.id}").text
    assert 'data-testid="decision-panel"' in page and 'data-testid="review-form"' in page
    assert 'data-testid="risk-report-link"' in page
    missing = client.post(f"/applications/{waiting.id}/reviews", data={"csrf_token": csrf_of(client), "action": "decline"})
    assert missing.status_code == 422 and 'data-testid="form-error"' in missing.text
    done = client.post(f"/applications/{waiting.id}/reviews", data={"csrf_token": csrf_of(client), "action": "approve",
                                                                    "comment": "同意"}, follow_redirects=True)
    assert done.status_code == 200 and 'data-status="approved"' in done.text
    committee = demo["committee"]
    as_(client, "approver2")
    page = client.get(f"/applications/{committee.id}").text
    assert 'data-testid="vote"' in page and 'value="return"' not in page
    as_(client, "officer")
    queue = client.get("/applications?status=submitted").text
    assert "转人工" in queue and "审查后审批" in queue  # the outcome and the route, with the reasons below


def shown_codes(html: str) -> list[str]:
    """Codes shown as text, leaving out what people typed in both languages (the demo's notes and
    comments, marked 演示 / demo) and the names of policies and scorecards (sme-…), which are codes
    people use."""
    from tests.enterprises.test_chinese_text import VisibleText

    parser = VisibleText()
    parser.feed(html)
    kept = [t for t in parser.found if "演示" not in t and "(demo)" not in t]
    text = re.sub(r"sme-[a-z-]+", "", "\n".join(f"<p>{t}</p>" for t in kept))
    return visible_codes(text)


def test_stage_4_pages_read_in_chinese_without_codes(client, db, demo):
    draft = db.execute(select(PolicyVersion).where(PolicyVersion.status == "draft")).scalar_one()
    pages = {
        "applicant": [f"/applications/{demo[s].id}" for s in ("approved", "offer_accepted", "offer_declined", "documents_requested")
                      if s in demo],
        "risk2": ["/policies", f"/policies/versions/{draft.id}", f"/policies/versions/{draft.id}/simulation",
                  f"/applications/{demo['committee'].id}"],
        "approver": ["/applications", f"/applications/{demo['awaiting_approval'].id}", f"/applications/{demo['declined'].id}"],
    }
    found = {}
    for username, paths in pages.items():
        as_(client, username)
        for path in paths:
            response = client.get(path)
            if response.status_code == 404:
                continue
            assert response.status_code == 200, (username, path)
            bad = shown_codes(response.text)
            if bad:
                found[f"{username} {path}"] = sorted(set(bad))
    assert found == {}, found
