"""The transition table: every state × action × kind of actor, random sequences, the diagram."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.applications import states
from smecredit.applications.states import Action, Actor, IllegalTransition, Result, State

A, H, P, C, X = Actor.APPLICANT, Actor.HANDLER, Actor.APPROVER, Actor.COMMITTEE, Actor.POLICY
S = State
R = Result

# Written out by hand (not derived from the table) so a change to the table must change this too.
# Actions with results (decide, review, resolve) are in WITH_RESULTS below.
EXPECTED = {
    (S.DRAFT, Action.UPDATE_TERMS, A): S.DRAFT,
    (S.DRAFT, Action.EDIT_DOCUMENTS, A): S.DRAFT,
    (S.DRAFT, Action.SUBMIT, A): S.SUBMITTED,
    (S.DRAFT, Action.WITHDRAW, A): S.WITHDRAWN,
    (S.SUBMITTED, Action.CLAIM, H): S.SUBMITTED,
    (S.SUBMITTED, Action.START_REVIEW, H): S.UNDER_REVIEW,
    (S.SUBMITTED, Action.WITHDRAW, A): S.WITHDRAWN,
    (S.UNDER_REVIEW, Action.REQUEST_DOCUMENTS, H): S.DOCUMENTS_REQUESTED,
    (S.UNDER_REVIEW, Action.WITHDRAW, A): S.WITHDRAWN,
    (S.DOCUMENTS_REQUESTED, Action.EDIT_DOCUMENTS, A): S.DOCUMENTS_REQUESTED,
    (S.DOCUMENTS_REQUESTED, Action.RESUBMIT, A): S.RESUBMITTED,
    (S.DOCUMENTS_REQUESTED, Action.WITHDRAW, A): S.WITHDRAWN,
    (S.RESUBMITTED, Action.CLAIM, H): S.RESUBMITTED,
    (S.RESUBMITTED, Action.START_REVIEW, H): S.UNDER_REVIEW,
    (S.RESUBMITTED, Action.WITHDRAW, A): S.WITHDRAWN,
    # hand-over: the assignee releases where it stands, another handler claims it there
    (S.SUBMITTED, Action.RELEASE, H): S.SUBMITTED,
    (S.UNDER_REVIEW, Action.RELEASE, H): S.UNDER_REVIEW,
    (S.DOCUMENTS_REQUESTED, Action.RELEASE, H): S.DOCUMENTS_REQUESTED,
    (S.RESUBMITTED, Action.RELEASE, H): S.RESUBMITTED,
    (S.UNDER_REVIEW, Action.CLAIM, H): S.UNDER_REVIEW,
    (S.DOCUMENTS_REQUESTED, Action.CLAIM, H): S.DOCUMENTS_REQUESTED,
    # stage 4: the committee votes, the applicant answers the offer, withdrawal before the decision
    (S.COMMITTEE, Action.VOTE, C): S.COMMITTEE,
    (S.APPROVED, Action.ACCEPT_OFFER, A): S.OFFER_ACCEPTED,
    (S.APPROVED, Action.DECLINE_OFFER, A): S.OFFER_DECLINED,
    (S.AWAITING_APPROVAL, Action.WITHDRAW, A): S.WITHDRAWN,
    (S.COMMITTEE, Action.WITHDRAW, A): S.WITHDRAWN,
}

WITH_RESULTS = {
    # the credit policy decides at submission
    (S.SUBMITTED, Action.DECIDE, X, R.APPROVE): S.APPROVED,
    (S.SUBMITTED, Action.DECIDE, X, R.DECLINE): S.DECLINED,
    (S.SUBMITTED, Action.DECIDE, X, R.REFER): S.SUBMITTED,
    # 审查
    (S.UNDER_REVIEW, Action.REVIEW, H, R.APPROVE): S.AWAITING_APPROVAL,
    (S.UNDER_REVIEW, Action.REVIEW, H, R.DECLINE): S.DECLINED,
    (S.UNDER_REVIEW, Action.REVIEW, H, R.RETURN): S.DOCUMENTS_REQUESTED,
    # 审批
    (S.AWAITING_APPROVAL, Action.REVIEW, P, R.APPROVE): S.APPROVED,
    (S.AWAITING_APPROVAL, Action.REVIEW, P, R.TO_COMMITTEE): S.COMMITTEE,
    (S.AWAITING_APPROVAL, Action.REVIEW, P, R.DECLINE): S.DECLINED,
    (S.AWAITING_APPROVAL, Action.REVIEW, P, R.RETURN): S.UNDER_REVIEW,
    # 贷审会 resolution
    (S.COMMITTEE, Action.RESOLVE, X, R.APPROVE): S.APPROVED,
    (S.COMMITTEE, Action.RESOLVE, X, R.DECLINE): S.DECLINED,
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", [a for a in Action if a not in states.WITH_RESULT])
@pytest.mark.parametrize("actor", list(Actor))
def test_every_state_action_and_actor(state, action, actor):
    expected = EXPECTED.get((state, action, actor))
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            states.transition(state, action, {actor})
        assert refused.value.code == "illegal_transition"
        assert refused.value.details["status"] == state.value
        assert refused.value.details["allowed_actions"] == [a.value for a in states.allowed_actions(state, {actor})]
        assert action.value not in refused.value.details["allowed_actions"]
        assert states.STATE_LABELS[state].zh in refused.value.message.zh
    else:
        assert states.transition(state, action, {actor}) is expected
        assert action in states.allowed_actions(state, {actor})


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", sorted(states.WITH_RESULT))
@pytest.mark.parametrize("actor", list(Actor))
@pytest.mark.parametrize("result", list(Result))
def test_every_action_with_a_result(state, action, actor, result):
    expected = WITH_RESULTS.get((state, action, actor, result))
    if expected is None:
        with pytest.raises(IllegalTransition):
            states.transition(state, action, {actor}, result)
    else:
        assert states.transition(state, action, {actor}, result) is expected
        assert action in states.allowed_actions(state, {actor})


def test_an_action_with_results_needs_its_result():
    with pytest.raises(IllegalTransition):
        states.transition(S.UNDER_REVIEW, Action.REVIEW, {H})
    with pytest.raises(IllegalTransition):
        states.transition(S.SUBMITTED, Action.DECIDE, {X})


def test_final_states_and_labels():
    assert states.FINAL == {S.DECLINED, S.OFFER_ACCEPTED, S.OFFER_DECLINED, S.WITHDRAWN}
    for state in states.FINAL:
        assert states.allowed_actions(state, set(Actor)) == ()
    assert set(states.STATE_LABELS) == set(State)
    assert set(states.ACTION_LABELS) == set(Action)
    assert set(states.OUTCOME_LABELS) == set(states.Outcome)


def test_a_person_with_no_kind_may_do_nothing():
    for state in State:
        assert states.allowed_actions(state, set()) == ()


def test_roles_map_to_kinds():
    from smecredit.identity.roles import Role

    assert states.actors_of({Role.APPLICANT}) == {A}
    assert states.actors_of({Role.LOAN_OFFICER, Role.CREDIT_REVIEWER}) == {H}
    assert states.actors_of({Role.APPROVER}) == {P, C}  # approvers sit on the credit committee
    assert states.actors_of({Role.RISK_MANAGER}) == {C}
    assert states.actors_of({Role.AUDITOR, Role.ADMIN}) == frozenset()
    assert all(X not in states.actors_of({r}) for r in Role)  # nobody is the credit policy


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sets(st.sampled_from(list(Actor))),
                          st.sampled_from([None, *Result])), max_size=40))
def test_random_sequences_stay_in_the_table(steps):
    state = states.INITIAL
    finished = False
    known = {(s, a) for s, a, _ in EXPECTED} | {(s, a) for s, a, _, _ in WITH_RESULTS}
    for action, actors, result in steps:
        try:
            after = states.transition(state, action, actors, result)
        except IllegalTransition as refused:
            assert refused.details["status"] == state.value
            continue
        assert not finished, f"a final state moved: {state} --{action}--> {after}"
        assert after in State
        assert (state, action) in known
        state = after
        finished = state in states.FINAL


def test_the_diagram_in_the_docs_is_current():
    doc = Path(__file__).resolve().parents[2] / "docs" / "applications.md"
    text = doc.read_text(encoding="utf-8")
    assert states.diagram_block() in text, "docs/applications.md is out of date: run `smecredit applications diagram --write`"
    for t in states.TRANSITIONS:
        assert f"{t.state.value} --> {t.to.value}" in states.mermaid()
