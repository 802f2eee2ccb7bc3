"""The approval authority matrix: automatic only within amount and grade and without a referral;
review then approval up to the approver's authority; the committee above; four-eyes and one vote
per member, each refusal with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smecredit.decisioning import authority, policy
from smecredit.decisioning.authority import Vote, committee_tally, may_act, route_for

D = Decimal
MATRIX = policy.load_default().segment("micro_small").authority
PREPARER, REVIEWER, APPROVER, RISK, RISK2, APPROVER2 = 1, 2, 3, 4, 5, 6


@pytest.mark.parametrize("amount, grade, referred, route", [
    (D("1000000.00"), "A", False, "automatic"),
    (D("1000000.00"), "B", False, "automatic"),
    (D("1000000.01"), "A", False, "review"),
    (D("500000.00"), "C", False, "review"),
    (D("500000.00"), None, False, "review"),
    (D("500000.00"), "A", True, "review"),
    (D("5000000.00"), "A", True, "review"),
    (D("5000000.01"), "A", False, "committee"),
])
def test_routes(amount, grade, referred, route):
    assert route_for(MATRIX, amount=amount, grade=grade, referred=referred) == route


def test_the_automatic_refusal_says_why():
    over = authority.automatic_refusal(MATRIX, amount=D("1500000.00"), grade="A")
    assert over.code == "above_automatic_authority"
    assert "1,500,000.00" in over.message.zh and "1,000,000.00" in over.message.en
    low = authority.automatic_refusal(MATRIX, amount=D("10000.00"), grade="C")
    assert low.code == "below_automatic_grade" and "C" in low.message.en and "B" in low.message.en


def act(stage, roles, user, amount=D("800000.00"), grade="B", **kw):
    return may_act(MATRIX, stage=stage, roles=roles, amount=amount, grade=grade, user_id=user,
                   prepared_by=kw.get("prepared_by", {PREPARER}), reviewed_by=kw.get("reviewed_by", {REVIEWER}),
                   voted_by=kw.get("voted_by", ()), approved_by=kw.get("approved_by", ()))


def test_each_stage_takes_its_roles():
    assert act("review", {"credit_reviewer"}, REVIEWER, reviewed_by=()) is None
    assert act("approval", {"approver"}, APPROVER) is None
    assert act("committee", {"risk_manager"}, RISK, amount=D("8000000.00")) is None
    refused = act("approval", {"credit_reviewer"}, 9)
    assert refused.code == "not_your_role" and refused.message.zh == "审批须由审批人办理"
    assert act("review", {"loan_officer"}, 9).code == "not_your_role"
    assert act("committee", {"credit_reviewer"}, 9).code == "not_your_role"


def test_four_eyes_nobody_reviews_or_approves_what_they_prepared():
    refused = act("review", {"credit_reviewer"}, PREPARER)
    assert refused.code == "four_eyes_prepared" and "双人原则" in refused.message.zh
    assert act("approval", {"approver", "loan_officer"}, PREPARER).code == "four_eyes_prepared"
    assert act("committee", {"approver"}, PREPARER, amount=D("8000000.00")).code == "four_eyes_prepared"


def test_four_eyes_nobody_approves_or_votes_on_what_they_reviewed():
    both = {"credit_reviewer", "approver"}
    refused = act("approval", both, REVIEWER)
    assert refused.code == "four_eyes_reviewed" and "four-eyes" in refused.message.en
    assert act("committee", {"approver"}, REVIEWER, amount=D("8000000.00")).code == "four_eyes_reviewed"


def test_the_approver_who_passed_it_to_the_committee_does_not_vote_on_it():
    big = D("8000000.00")
    refused = act("committee", {"approver"}, APPROVER, amount=big, approved_by={APPROVER})
    assert refused.code == "four_eyes_approved" and "双人原则" in refused.message.zh and "four-eyes" in refused.message.en
    assert act("committee", {"approver"}, APPROVER2, amount=big, approved_by={APPROVER}) is None


def test_an_approver_acts_within_their_authority_only():
    refused = act("approval", {"approver"}, APPROVER, amount=D("6000000.00"))
    assert refused.code == "above_approval_authority"
    assert "6,000,000.00" in refused.message.zh and "贷审会" in refused.message.zh
    assert act("approval", {"approver"}, APPROVER, amount=D("5000000.00")) is None


def test_an_approval_grade_floor_sends_worse_grades_to_the_committee():
    from dataclasses import replace
    strict = replace(MATRIX, approval_min_grade="C")
    assert route_for(strict, amount=D("2000000.00"), grade="D", referred=True) == "committee"
    refused = may_act(strict, stage="approval", roles={"approver"}, amount=D("100000.00"), grade="D", user_id=APPROVER)
    assert refused.code == "below_approval_grade"


def test_a_committee_member_votes_once():
    refused = act("committee", {"approver"}, APPROVER, amount=D("8000000.00"), voted_by={APPROVER})
    assert refused.code == "already_voted" and refused.message.en == "A committee member votes once"


def test_the_committee_needs_its_quorum_and_a_majority():
    pending = committee_tally(MATRIX, [Vote(APPROVER, True), Vote(RISK, True)])
    assert pending.status == "pending" and "1" in pending.message.en
    assert committee_tally(MATRIX, [Vote(APPROVER, True), Vote(RISK, True), Vote(RISK2, False)]).status == "approved"
    declined = committee_tally(MATRIX, [Vote(APPROVER, True), Vote(RISK, False), Vote(RISK2, False)])
    assert declined.status == "declined" and (declined.votes_for, declined.votes_against) == (1, 2)
    tie = [Vote(APPROVER, True), Vote(RISK, True), Vote(RISK2, False), Vote(APPROVER2, False)]
    assert committee_tally(MATRIX, tie).status == "declined"  # a tie is not a majority


def test_a_repeated_vote_counts_once():
    votes = [Vote(APPROVER, True), Vote(APPROVER, True), Vote(APPROVER, True)]
    assert committee_tally(MATRIX, votes).status == "pending"
