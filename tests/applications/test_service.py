"""The use cases on a real database: the whole path, every refusal, audit events, notifications."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.applications import service
from smecredit.applications.models import Application, ApplicationDocument, ApplicationStep
from smecredit.applications.states import IllegalTransition
from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from tests.applications.helpers import decide, draft, file_for, fill, need, reviewed, run, to_review, world


def events(db, application) -> list[str]:
    return list(db.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "application",
                                                           AuditEvent.entity_id == str(application.id))
                           .order_by(AuditEvent.seq)).scalars())


def inbox(db, user) -> list[str]:
    from smecredit.notifications.models import Notification

    return list(db.execute(select(Notification.kind).where(Notification.recipient_id == user.id)
                           .order_by(Notification.id)).scalars())


def test_the_whole_path_with_a_document_request(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    assert a.status == "draft" and a.no.startswith("SQ") and len(a.no) == 15
    assert a.product_code == w.code and a.product_version_id is not None
    to_review(db, w, a)
    assert a.status == "under_review" and a.assignee_id == w.officer.id
    item = w.required()[0]
    run(db, service.request_documents, user=w.officer, application=a, items=[(item.kind, "请提供最新一期 / the latest one")])
    assert a.status == "documents_requested"
    with pytest.raises(Invalid) as refused:
        run(db, service.resubmit, user=w.applicant, application=a)
    assert refused.value.code == "request_unanswered" and refused.value.details["missing"][0]["kind"] == item.kind
    name, data = file_for(item, 99)
    run(db, service.attach_document, user=w.applicant, application=a, kind=item.kind, upload=data, filename=name)
    run(db, service.resubmit, user=w.applicant, application=a)
    assert a.status == "resubmitted" and a.requests[0].answered_at is not None
    run(db, service.start_review, user=w.officer, application=a)
    decide(db, w, a, "approved", "经营稳定 / stable business")
    assert (a.status, a.outcome) == ("approved", "approved")
    assert events(db, a)[0] == "application.created"
    assert {"application.submitted", "application.claimed", "application.review_started", "application.documents_requested",
            "application.resubmitted", "application.decided", "application.document_attached"} <= set(events(db, a))
    steps = [s.action for s in a.steps]
    assert steps[0] == "create" and steps[-1] == "review"
    assert all(s.actor_name and ("*" in s.actor_name or s.actor_role == "system") for s in a.steps)  # masked names
    told = inbox(db, w.applicant)
    # no credit profile: the policy refers it to people at once (stage 4), then the path as before
    assert told == ["decision.referred", "application.claimed", "application.under_review",
                    "application.documents_requested", "application.resubmitted", "application.under_review",
                    "application.claimed", "decision.approved"]  # the reviewer took it over for 审查


def test_the_sha256_of_an_upload_is_in_its_audit_event(db, make_user):
    import json

    w = world(db, make_user)
    a = draft(db, w)
    item = w.required()[0]
    name, data = file_for(item)
    doc = run(db, service.attach_document, user=w.applicant, application=a, kind=item.kind, upload=data, filename=name)
    import hashlib

    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    payload = db.execute(select(AuditEvent.payload).where(AuditEvent.action == "application.document_attached")).scalar_one()
    assert json.loads(payload)["sha256"] == doc.sha256


def test_terms_outside_the_product_ranges_name_every_field(db, make_user):
    w = world(db, make_user)
    d = w.definition
    with pytest.raises(Invalid) as refused:
        draft(db, w, amount=str(d.max_amount + 1), term_months=d.max_term_months + 1, repayment_method="barter",
              guarantee_mode="promise", purpose="")
    fields = {e["field"] for e in refused.value.details["errors"]}
    assert fields == {"amount", "term_months", "repayment_method", "guarantee_mode", "purpose"}
    assert db.execute(select(func.count()).select_from(Application)).scalar_one() == 0


def test_an_unknown_product_is_not_found(db, make_user):
    w = world(db, make_user)
    with pytest.raises(NotFound):
        run(db, service.create_draft, user=w.applicant, enterprise_id=w.enterprise.id, product_code="NO-SUCH",
            need=need(w))


def test_only_a_member_or_the_enterprise_officer_applies(db, make_user):
    w = world(db, make_user)
    stranger = make_user(Role.APPLICANT, "stranger")
    with pytest.raises(NotFound):  # another enterprise: answered as if it did not exist
        run(db, service.create_draft, user=stranger, enterprise_id=w.enterprise.id, product_code=w.code, need=need(w))
    on_behalf = run(db, service.create_draft, user=w.officer, enterprise_id=w.enterprise.id, product_code=w.code,
                    need=need(w))
    assert on_behalf.applicant_id == w.officer.id
    with pytest.raises(Forbidden):
        run(db, service.create_draft, user=w.reviewer, enterprise_id=w.enterprise.id, product_code=w.code, need=need(w))


def test_submit_names_every_missing_required_item_and_changes_nothing(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    with pytest.raises(Invalid) as refused:
        run(db, service.submit, user=w.applicant, application=a)
    assert refused.value.code == "checklist_incomplete"
    assert {m["kind"] for m in refused.value.details["missing"]} == {i.kind for i in w.required()}
    for item in w.required():
        assert item.label.zh in refused.value.message.zh
    db.expire_all()
    assert db.get(Application, a.id).status == "draft"
    assert "application.submitted" not in events(db, a)


def test_update_terms_only_in_draft(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    other = w.definition.max_term_months if a.term_months == w.definition.min_term_months else w.definition.min_term_months
    run(db, service.update_terms, user=w.applicant, application=a, need=need(w, term_months=other))
    assert a.term_months == other and a.version == 2
    run(db, service.update_terms, user=w.applicant, application=a, need=need(w, term_months=other))
    assert a.version == 2  # nothing changed: no new version, no event
    assert events(db, a).count("application.terms_updated") == 1
    fill(db, w, a)
    run(db, service.submit, user=w.applicant, application=a)
    with pytest.raises(IllegalTransition) as refused:
        run(db, service.update_terms, user=w.applicant, application=a, need=need(w))
    assert refused.value.details["status"] == "submitted"
    assert refused.value.details["allowed_actions"] == ["withdraw"]


def test_documents_are_removable_only_in_draft_or_those_of_the_open_request(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    fill(db, w, a)
    first = a.documents[0]
    run(db, service.remove_document, user=w.applicant, application=a, document_id=first.id)
    assert db.get(ApplicationDocument, first.id) is None
    fill(db, w, a, [w.required()[0]])
    run(db, service.submit, user=w.applicant, application=a)
    with pytest.raises(IllegalTransition):
        run(db, service.remove_document, user=w.applicant, application=a, document_id=a.documents[0].id)
    run(db, service.claim, user=w.officer, application=a)
    run(db, service.start_review, user=w.officer, application=a)
    item = w.required()[0]
    run(db, service.request_documents, user=w.officer, application=a, items=[(item.kind, "看不清 / unreadable")])
    with pytest.raises(Forbidden):
        run(db, service.remove_document, user=w.applicant, application=a, document_id=a.documents[0].id)
    name, data = file_for(item, 7)
    new = run(db, service.attach_document, user=w.applicant, application=a, kind=item.kind, upload=data, filename=name)
    assert new.request_id == a.requests[0].id
    run(db, service.remove_document, user=w.applicant, application=a, document_id=new.id)


def test_a_kind_not_on_the_checklist_is_refused_before_anything_is_stored(db, make_user):
    from smecredit.documents.models import StoredFile

    w = world(db, make_user)
    a = draft(db, w)
    with pytest.raises(Invalid) as refused:
        run(db, service.attach_document, user=w.applicant, application=a, kind="love_letter", upload=b"%PDF-1.4",
            filename="x.pdf")
    assert refused.value.field == "kind"
    assert db.execute(select(func.count()).select_from(StoredFile)).scalar_one() == 0


def test_claim_review_and_requests_belong_to_the_assignee(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    fill(db, w, a)
    run(db, service.submit, user=w.applicant, application=a)
    with pytest.raises(Conflict) as refused:
        run(db, service.start_review, user=w.reviewer, application=a)
    assert refused.value.code == "not_claimed"
    run(db, service.claim, user=w.reviewer, application=a)
    with pytest.raises(Conflict) as refused:
        run(db, service.claim, user=w.officer, application=a)
    assert refused.value.code == "already_claimed"
    with pytest.raises(Conflict):
        run(db, service.start_review, user=w.officer, application=a)
    run(db, service.start_review, user=w.reviewer, application=a)
    with pytest.raises(IllegalTransition):  # an approver cannot request documents: not a handler
        run(db, service.request_documents, user=w.approver, application=a, items=[("other", "x")])


def test_an_officer_hands_over_to_a_reviewer_who_finishes_the_review(db, make_user):
    """The hand-over: the officer claims and reviews, asks for documents, then releases; the reviewer
    claims it where it stands and carries on. Only the assignee may release; the timeline and the
    audit log say who handed it back; both handlers are barred from deciding (four eyes)."""
    w = world(db, make_user)
    a = to_review(db, w, draft(db, w))  # claimed and under review by the officer
    assert a.assignee_id == w.officer.id
    with pytest.raises(Conflict) as refused:
        run(db, service.release, user=w.reviewer, application=a)
    assert refused.value.code == "already_claimed"
    run(db, service.release, user=w.officer, application=a)
    db.refresh(a)
    assert a.assignee_id is None and a.status == "under_review"
    with pytest.raises(Conflict) as refused:  # nobody holds it now: nothing to release
        run(db, service.release, user=w.officer, application=a)
    assert refused.value.code == "not_claimed"
    run(db, service.claim, user=w.reviewer, application=a)
    from smecredit.identity.models import UserRole
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):  # the officer who handled it first, were they also an approver, may not decide
        db.add(UserRole(user_id=w.officer.id, role=Role.APPROVER.value))
    db.refresh(w.officer)
    run(db, service.request_documents, user=w.reviewer, application=a, items=[("other", "请补充近三个月水电费发票")])
    db.refresh(a)
    assert a.assignee_id == w.reviewer.id and a.status == "documents_requested"
    assert "application.released" in events(db, a)
    steps = db.execute(select(ApplicationStep.action).where(ApplicationStep.application_id == a.id)
                       .order_by(ApplicationStep.id)).scalars().all()
    assert steps.count("release") == 1 and steps.count("claim") == 2


def test_the_decision_is_four_eyes(db, make_user):
    from smecredit.decisioning import reviews

    w = world(db, make_user)
    a = to_review(db, w, draft(db, w))
    both = make_user(Role.APPROVER, "approver-and-officer")
    from smecredit.identity.models import UserRole
    from smecredit.kernel.db import unit_of_work

    reviewed(db, w, a)
    with unit_of_work(db):  # someone holding both roles who handled it may not approve it
        db.add(UserRole(user_id=w.officer.id, role=Role.APPROVER.value))
    db.refresh(w.officer)
    with pytest.raises(Forbidden) as refused:
        run(db, reviews.review, user=w.officer, application=a, action="approve", comment="ok")
    assert refused.value.code == "four_eyes"
    with pytest.raises(Invalid) as refused:
        run(db, reviews.review, user=both, application=a, action="maybe", comment="ok")
    assert refused.value.field == "action"
    with pytest.raises(Invalid) as refused:
        run(db, reviews.review, user=both, application=a, action="decline", comment=" ")
    assert refused.value.field == "comment"
    run(db, reviews.review, user=both, application=a, action="decline", comment="负债过高 / too much debt")
    assert inbox(db, w.applicant)[-1] == "decision.declined"


def test_request_items_each_need_a_known_kind_and_a_reason(db, make_user):
    w = world(db, make_user)
    a = to_review(db, w, draft(db, w))
    with pytest.raises(Invalid) as refused:
        run(db, service.request_documents, user=w.officer, application=a,
            items=[("nonsense", "x"), (w.required()[0].kind, ""), ("other", "请补充 / please add")])
    assert {e["field"] for e in refused.value.details["errors"]} == {"items.0.kind", "items.1.reason"}
    with pytest.raises(Invalid):
        run(db, service.request_documents, user=w.officer, application=a, items=[])
    db.expire_all()
    assert db.get(Application, a.id).status == "under_review"


def test_withdraw_from_every_state_before_the_decision_and_never_after(db, make_user):
    w = world(db, make_user)
    a = draft(db, w)
    run(db, service.withdraw, user=w.applicant, application=a, reason="不需要了 / not needed")
    assert a.status == "withdrawn"
    with pytest.raises(IllegalTransition) as refused:
        run(db, service.submit, user=w.applicant, application=a)
    assert refused.value.details == {"status": "withdrawn", "action": "submit", "allowed_actions": []}
    b = to_review(db, w, draft(db, w))
    run(db, service.withdraw, user=w.applicant, application=b)
    assert b.status == "withdrawn"
    c = to_review(db, w, draft(db, w))
    reviewed(db, w, c)  # awaiting approval, then before the committee: still withdrawable
    run(db, service.withdraw, user=w.applicant, application=c)
    assert c.status == "withdrawn"
    d = decide(db, w, to_review(db, w, draft(db, w)), "approved")
    with pytest.raises(IllegalTransition):  # approved: the offer is declined, not the application withdrawn
        run(db, service.withdraw, user=w.applicant, application=d)


def test_numbers_are_unique_and_follow_the_day(db, make_user):
    from smecredit.kernel.clock import business_date

    w = world(db, make_user)
    numbers = [draft(db, w).no for _ in range(3)]
    day = business_date().strftime("%Y%m%d")
    assert numbers == [f"SQ{day}00001", f"SQ{day}00002", f"SQ{day}00003"]


def test_the_timeline_records_who_did_what(db, make_user):
    w = world(db, make_user)
    a = to_review(db, w, draft(db, w))
    rows = db.execute(select(ApplicationStep).where(ApplicationStep.application_id == a.id)
                      .order_by(ApplicationStep.id)).scalars().all()
    transitions = [(s.action, s.from_status, s.to_status, s.actor_role) for s in rows
                   if s.from_status is not None and s.from_status != s.to_status]
    assert transitions == [("submit", "draft", "submitted", "applicant"),
                           ("start_review", "submitted", "under_review", "loan_officer")]
    assert Decimal(a.amount) > 0
