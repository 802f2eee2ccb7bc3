"""Registration rules, ownership claims, portfolios, people invariants, counterparties and bank
mappings at the service layer (in the test's session: the edge would commit)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises import counterparties, listing, mappings, people, registration, schemas
from smecredit.enterprises.access import Action
from smecredit.enterprises.models import AssignmentRule, EnterpriseMember
from smecredit.enterprises.records import load_for
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tests.enterprises.helpers import ID_LI, code, confirm, register, registration_body


def test_applicant_registers_a_pending_claim_with_derived_size(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-a")
    enterprise = register(db, applicant)
    assert enterprise.uscc == code(1)
    assert enterprise.region_code == "350100" and enterprise.region_name == "福建"
    # 批发业: X≥5 and Y≥1000 → 小型 (X=12, Y=1500; not 中型 since X<20)
    assert enterprise.size_class == "small"
    assert "批发业" in enterprise.size_rule_zh and "小型" in enterprise.size_rule_zh
    # not a member yet: a pending claim, in the unassigned queue
    assert enterprise.ownership == "pending" and enterprise.officer_id is None and enterprise.branch_code is None
    assert db.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == applicant.id)).first() is None
    assert [c.status for c in enterprise.claims] == ["pending"]
    assert sorted(p.role for p in enterprise.persons) == ["contact", "controller", "legal_rep"]
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.registered")).scalar_one()
    assert "张三丰" not in event.payload  # no personal information in the audit log


def test_an_officer_confirms_a_claim_saying_what_was_checked(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-conf")
    officer = make_user(Role.LOAN_OFFICER, "officer-conf")
    enterprise = register(db, applicant)
    with pytest.raises(Forbidden):  # not in the officer's portfolio until taken
        load_for(db, user=officer, enterprise_id=enterprise.id, action=Action.EDIT)
    with pytest.raises(Invalid) as caught:
        confirm(db, officer, enterprise, checked="   ")
    assert caught.value.field == "checked"
    confirm(db, officer, enterprise)
    assert enterprise.ownership == "confirmed" and enterprise.member_usernames == ["owner-conf"]
    assert enterprise.officer_id == officer.id
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.ownership_confirmed")).scalar_one()
    assert "营业执照" in event.payload


def test_a_second_claim_on_the_same_code_goes_to_an_officer_not_to_first_come(db, make_user):
    first = make_user(Role.APPLICANT, "first-claimant")
    second = make_user(Role.APPLICANT, "second-claimant")
    officer = make_user(Role.LOAN_OFFICER, "officer-dispute")
    enterprise = register(db, first)
    done = registration.register(db, user=second, data=schemas.EnterpriseCreate(**registration_body(1, name="冒名公司")))
    assert done.enterprise is None and done.ownership == "disputed"
    db.refresh(enterprise)
    assert enterprise.ownership == "disputed" and enterprise.name != "冒名公司"
    # while disputed, neither claimant acts for it: both get "no such enterprise"
    for user in (first, second):
        with pytest.raises(NotFound):
            load_for(db, user=user, enterprise_id=enterprise.id, action=Action.VIEW)
    with pytest.raises(Conflict):  # the same applicant cannot claim twice
        registration.register(db, user=second, data=schemas.EnterpriseCreate(**registration_body(1)))
    registration.take(db, user=officer, enterprise=enterprise)
    with pytest.raises(Invalid):  # two claims pending: say which
        registration.decide_claim(db, user=officer, enterprise=enterprise, confirm=True, checked="licence")
    winner = next(c for c in enterprise.claims if c.user_id == second.id)
    registration.decide_claim(db, user=officer, enterprise=enterprise, confirm=True, checked="营业执照与身份证",
                              claim_id=winner.id)
    assert enterprise.ownership == "confirmed" and enterprise.member_usernames == ["second-claimant"]
    assert {c.user_id: c.status for c in enterprise.claims} == {first.id: "rejected", second.id: "confirmed"}
    assert load_for(db, user=second, enterprise_id=enterprise.id, action=Action.EDIT) is enterprise
    with pytest.raises(NotFound):
        load_for(db, user=first, enterprise_id=enterprise.id, action=Action.VIEW)


def _verified(user, name: str) -> None:
    from smecredit.kernel.clock import utcnow

    user.real_name, user.id_number, user.identity_verified_at, user.identity_provider = name, ID_LI, utcnow(), "sandbox"


def test_registry_match_confirms_a_verified_applicant_at_once(db, make_user):
    found = registration.prefill(code(3))
    applicant = make_user(Role.APPLICANT, "verified-owner")
    _verified(applicant, found.legal_representative)
    enterprise = register(db, applicant, 3)
    assert enterprise.ownership == "confirmed" and enterprise.member_usernames == ["verified-owner"]
    claim = enterprise.claims[0]
    assert claim.method == "registry_match"
    other = make_user(Role.APPLICANT, "unmatched-owner")
    _verified(other, "别人")
    assert register(db, other, 4).ownership == "pending"


def test_size_class_is_recomputed_when_facts_change(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-size")
    enterprise = register(db, officer)
    updated = registration.update(db, user=officer, enterprise=enterprise, data=schemas.EnterpriseUpdate(employees=3))
    assert updated.size_class == "micro"
    assert "从业人员 3 < 5" in updated.size_rule_zh
    updated = registration.update(db, user=officer, enterprise=enterprise,
                                  data=schemas.EnterpriseUpdate(employees=50, revenue_wan=Decimal("6000")))
    assert updated.size_class == "medium"


@pytest.mark.parametrize("bad, reason", [
    ("91350100MA0000015", "length"),
    ("91350100MA00000156", "check_character"),
    ("9135010OMA00000155", "charset"),
])
def test_invalid_code_is_refused_with_the_reason(db, make_user, bad, reason):
    applicant = make_user(Role.APPLICANT, "owner-c")
    with pytest.raises(DomainError) as caught:
        register(db, applicant, uscc=bad)
    assert caught.value.field == "uscc" and isinstance(caught.value, Invalid)
    assert caught.value.details["reason"] == reason


def test_an_officer_registering_a_taken_code_is_told(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-dup")
    register(db, officer)
    with pytest.raises(Conflict) as caught:
        register(db, officer, name="另一家")
    assert caught.value.field == "uscc"


def test_invalid_resident_id_is_refused_with_the_reason(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-e")
    bad = ID_LI[:-1] + ("0" if ID_LI[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        register(db, applicant, legal_rep={"name": "李四", "id_number": bad, "phone": "13900001111"})
    assert caught.value.code == "invalid_resident_id"
    assert caught.value.field == "legal_rep.id_number"
    assert caught.value.details["reason"] == "check_character"
    assert bad not in caught.value.message_zh  # the number is masked even in the error


@pytest.mark.parametrize("field, value", [
    ("name", "福州\u202e司公限有"), ("name", "第一行\n第二行"), ("name", "零\u200b宽"), ("address", "地址\x00"),
])
def test_names_refuse_control_bidi_and_invisible_characters(db, make_user, field, value):
    officer = make_user(Role.LOAN_OFFICER, "officer-chars")
    with pytest.raises(Invalid) as caught:
        register(db, officer, **{field: value})
    assert caught.value.field == field and caught.value.code == "invalid_characters"


@pytest.mark.parametrize("field, value", [("revenue_wan", "1e26"), ("assets_wan", "1e308"),
                                          ("registered_capital_wan", "100000000000")])
def test_huge_amounts_are_refused_with_the_field(db, make_user, field, value):
    officer = make_user(Role.LOAN_OFFICER, "officer-huge")
    with pytest.raises(Invalid) as caught:
        register(db, officer, **{field: value})
    assert caught.value.field == field


def test_officer_registers_on_behalf_and_links_applicant(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-a")
    applicant = make_user(Role.APPLICANT, "owner-f")
    enterprise = register(db, officer, applicant_username="owner-f")
    assert enterprise.ownership == "confirmed" and enterprise.officer_id == officer.id
    assert [m.user_id for m in enterprise.members] == [applicant.id]
    found = listing.search(db, user=applicant, filters=listing.Filters(), limit=10, offset=0)
    assert found.total == 1 and found.items[0].id == enterprise.id
    with pytest.raises(DomainError) as caught:
        register(db, officer, n=2, applicant_username="officer-a")
    assert caught.value.field == "applicant_username"


def test_portfolios_officers_see_theirs_their_branch_and_the_queue(db, make_user):
    from smecredit.identity.models import Branch

    db.add_all([Branch(code="B1", name="一支行"), Branch(code="B2", name="二支行")])
    alice, bob, carol = (make_user(Role.LOAN_OFFICER, n) for n in ("alice-o", "bob-o", "carol-o"))
    alice.branch_code, bob.branch_code, carol.branch_code = "B1", "B1", "B2"
    applicant = make_user(Role.APPLICANT, "owner-portfolio")
    mine = register(db, alice, 21)
    queued = register(db, applicant, 22)
    theirs = register(db, carol, 23)
    seen = {e.id for e in listing.search(db, user=bob, filters=listing.Filters(), limit=50, offset=0).items}
    assert seen == {mine.id, queued.id}  # the branch's and the queue, not another branch's
    assert load_for(db, user=bob, enterprise_id=mine.id, action=Action.EDIT) is mine
    with pytest.raises(Forbidden):
        load_for(db, user=bob, enterprise_id=theirs.id, action=Action.VIEW)
    with pytest.raises(Forbidden):  # the queue is visible, but taken before it is worked on
        load_for(db, user=bob, enterprise_id=queued.id, action=Action.EDIT)
    registration.take(db, user=bob, enterprise=queued)
    assert queued.officer_id == bob.id and queued.branch_code == "B1"
    with pytest.raises(Forbidden):  # taken already: carol cannot take it too
        registration.take(db, user=carol, enterprise=queued)
    registration.reassign(db, user=bob, enterprise=queued, officer_username="carol-o", branch_code=None)
    assert queued.officer_id == carol.id and queued.branch_code == "B2"
    actions = [e.action for e in db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.assigned")).scalars()]
    assert len(actions) == 2
    reviewer = make_user(Role.CREDIT_REVIEWER, "reviewer-portfolio")
    assert listing.search(db, user=reviewer, filters=listing.Filters(), limit=50, offset=0).total == 3


def test_assignment_rules_place_self_registered_enterprises(db, make_user):
    admin = make_user(Role.ADMIN, "admin-rules")
    officer = make_user(Role.LOAN_OFFICER, "officer-rules")
    applicant = make_user(Role.APPLICANT, "owner-rules")
    with pytest.raises(Invalid):
        registration.add_rule(db, user=admin, data=schemas.AssignmentRuleIn(region_prefix="3a"))
    registration.add_rule(db, user=admin, data=schemas.AssignmentRuleIn(region_prefix="35", officer="officer-rules"))
    enterprise = register(db, applicant, 31)
    assert enterprise.officer_id == officer.id and enterprise.ownership == "pending"
    assert db.execute(select(AssignmentRule)).scalar_one().created_by == "admin-rules"


def test_people_invariants_hold(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-b")
    enterprise = register(db, officer)
    people.add(db, user=officer, enterprise=enterprise, data=schemas.PersonIn(
        role="shareholder", name="李四", id_number=ID_LI, share_pct=Decimal("60")))
    people.add(db, user=officer, enterprise=enterprise, data=schemas.PersonIn(
        role="shareholder", party_type="enterprise", name="福州控股有限公司", id_number=code(9), share_pct=Decimal("40")))
    with pytest.raises(Invalid) as caught:
        people.add(db, user=officer, enterprise=enterprise, data=schemas.PersonIn(
            role="shareholder", name="王五", id_number=ID_LI, share_pct=Decimal("1")))
    assert caught.value.code == "shares_over_100"
    with pytest.raises(Invalid) as caught:
        people.add(db, user=officer, enterprise=enterprise, data=schemas.PersonIn(role="legal_rep", name="王五", id_number=ID_LI))
    assert caught.value.code == "role_taken"


def test_the_legal_representative_can_be_neither_removed_nor_turned_into_another_role(db, make_user):
    """Today's bug: change the legal representative's role, then delete them → no legal rep."""
    officer = make_user(Role.LOAN_OFFICER, "officer-legal")
    enterprise = register(db, officer)
    legal = next(p for p in enterprise.persons if p.role == "legal_rep")
    with pytest.raises(Invalid) as caught:
        people.update(db, user=officer, enterprise=enterprise, person_id=legal.id, data=schemas.PersonIn(
            role="guarantor", name=legal.name, id_number=legal.id_number))
    assert caught.value.code == "legal_rep_required"
    with pytest.raises(Invalid) as caught:
        people.remove(db, user=officer, enterprise=enterprise, person_id=legal.id)
    assert caught.value.code == "legal_rep_required"
    assert [p.role for p in enterprise.persons].count("legal_rep") == 1


def test_an_empty_reveal_is_refused(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-reveal")
    enterprise = register(db, officer)
    legal = next(p for p in enterprise.persons if p.role == "legal_rep")
    with pytest.raises(Invalid) as caught:
        people.reveal(db, user=officer, enterprise=enterprise, person_id=legal.id, fields=[])
    assert caught.value.field == "fields"
    assert db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.pii_revealed")).first() is None
    assert people.reveal(db, user=officer, enterprise=enterprise, person_id=legal.id, fields=["phone"]) == {
        "phone": "13812345678"}


def test_counterparties(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-cp")
    enterprise = register(db, officer)
    row = counterparties.add(db, user=officer, enterprise=enterprise, data=schemas.CounterpartyIn(
        relation="customer", name="核心制造有限公司", uscc=code(7), annual_amount=Decimal("2000000"),
        is_core_enterprise=True))
    assert row.is_core_enterprise and row.annual_amount == Decimal("2000000.00")
    counterparties.update(db, user=officer, enterprise=enterprise, counterparty_id=row.id,
                          data=schemas.CounterpartyIn(relation="supplier", name="核心制造有限公司"))
    counterparties.remove(db, user=officer, enterprise=enterprise, counterparty_id=row.id)
    actions = [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert {"enterprise.counterparty_added", "enterprise.counterparty_updated", "enterprise.counterparty_removed"} <= set(actions)


def test_bank_mappings_crud(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-c")
    body = schemas.BankMappingIn(bank_name="示例银行", mapping={"date_column": "记账日期", "amount_column": "发生额",
                                                               "direction_column": "借贷"})
    row = mappings.save(db, user=officer, data=body)
    assert row.id and "记账日期" in row.mapping
    with pytest.raises(Conflict):
        mappings.save(db, user=officer, data=body)
    with pytest.raises(Invalid) as caught:
        mappings.save(db, user=officer, data=schemas.BankMappingIn(bank_name="坏银行", mapping={"date_column": "x"}))
    assert caught.value.code == "invalid_column_mapping"
    names = [o.bank_name for o in mappings.options(db)]
    assert "示例银行" in names and any(o.builtin for o in mappings.options(db))
    mappings.delete(db, user=officer, mapping_id=row.id)
    assert mappings.list_saved(db) == []


def test_a_stranger_is_refused_before_their_input_is_judged(db, make_user):
    """Access comes first: another applicant gets "no such enterprise", not a validation message."""
    owner = make_user(Role.APPLICANT, "owner1")
    stranger = make_user(Role.APPLICANT, "stranger1")
    enterprise = register(db, owner)
    with pytest.raises(NotFound):
        load_for(db, user=stranger, enterprise_id=enterprise.id, action=Action.EDIT)
    with pytest.raises(NotFound):
        load_for(db, user=stranger, enterprise_id=10**6, action=Action.EDIT)
    bad_person = schemas.PersonIn(role="guarantor", name="张三", id_number="110101199003078888")  # bad check digit
    with pytest.raises(Invalid) as caught:  # the owner (a pending claimant may fill in data) is told what is wrong
        people.add(db, user=owner, enterprise=load_for(db, user=owner, enterprise_id=enterprise.id, action=Action.EDIT),
                   data=bad_person)
    assert caught.value.field.endswith("id_number")
