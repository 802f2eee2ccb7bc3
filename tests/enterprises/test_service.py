"""Registration rules, ownership, counterparties and bank mappings at the service layer."""

from __future__ import annotations
from smecredit.kernel.errors import Conflict, Forbidden, Invalid

from decimal import Decimal

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises import schemas, service
from smecredit.enterprises.models import EnterpriseMember
from smecredit.identity.roles import Role
from smecredit.kernel.errors import DomainError
from tests.enterprises.helpers import ID_LI, code, registration


def _register(db, user, n=1, **overrides):
    return service.register_enterprise(db, user=user, data=schemas.EnterpriseCreate(**registration(n, **overrides)))


def test_applicant_registers_own_enterprise_with_derived_size(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-a")
    enterprise = _register(db, applicant)
    assert enterprise.uscc == code(1)
    assert enterprise.region_code == "350100" and enterprise.region_name == "福建"
    # 批发业: X≥5 and Y≥1000 → 小型 (X=12, Y=1500; not 中型 since X<20)
    assert enterprise.size_class == "small"
    assert "批发业" in enterprise.size_rule_zh and "小型" in enterprise.size_rule_zh
    assert db.execute(select(EnterpriseMember).where(EnterpriseMember.user_id == applicant.id)).scalar_one()
    roles = sorted(p.role for p in enterprise.persons)
    assert roles == ["contact", "controller", "legal_rep"]
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.registered")).scalar_one()
    assert "张三丰" not in event.payload  # no personal information in the audit log


def test_size_class_is_recomputed_when_facts_change(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-b")
    enterprise = _register(db, applicant)
    updated = service.update_enterprise(db, user=applicant, enterprise_id=enterprise.id,
                                        data=schemas.EnterpriseUpdate(employees=3))
    assert updated.size_class == "micro"
    assert "从业人员 3 < 5" in updated.size_rule_zh
    updated = service.update_enterprise(db, user=applicant, enterprise_id=enterprise.id,
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
        _register(db, applicant, uscc=bad)
    assert caught.value.field == "uscc" and isinstance(caught.value, Invalid)
    assert caught.value.details["reason"] == reason


def test_duplicate_code_is_a_conflict(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-d")
    _register(db, applicant)
    with pytest.raises(DomainError) as caught:
        _register(db, applicant, name="另一家")
    assert isinstance(caught.value, Conflict) and caught.value.field == "uscc"


def test_invalid_resident_id_is_refused_with_the_reason(db, make_user):
    applicant = make_user(Role.APPLICANT, "owner-e")
    bad = ID_LI[:-1] + ("0" if ID_LI[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        _register(db, applicant, legal_rep={"name": "李四", "id_number": bad, "phone": "13900001111"})
    assert caught.value.code == "invalid_resident_id"
    assert caught.value.field == "legal_rep.id_number"
    assert caught.value.details["reason"] == "check_character"
    assert bad not in caught.value.message_zh  # the number is masked even in the error


def test_officer_registers_on_behalf_and_links_applicant(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-a")
    applicant = make_user(Role.APPLICANT, "owner-f")
    enterprise = _register(db, officer, applicant_username="owner-f")
    assert [m.user_id for m in enterprise.members] == [applicant.id]
    total, rows = service.list_enterprises(db, user=applicant)
    assert total == 1 and rows[0].id == enterprise.id
    with pytest.raises(DomainError) as caught:
        _register(db, officer, n=2, applicant_username="officer-a")
    assert caught.value.field == "applicant_username"


def test_persons_shares_and_counterparties(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-b")
    enterprise = _register(db, officer)
    service.add_person(db, user=officer, enterprise_id=enterprise.id, data=schemas.PersonIn(
        role="shareholder", name="李四", id_number=ID_LI, share_pct=Decimal("60")))
    service.add_person(db, user=officer, enterprise_id=enterprise.id, data=schemas.PersonIn(
        role="shareholder", party_type="enterprise", name="福州控股有限公司", id_number=code(9), share_pct=Decimal("40")))
    with pytest.raises(DomainError) as caught:
        service.add_person(db, user=officer, enterprise_id=enterprise.id, data=schemas.PersonIn(
            role="shareholder", name="王五", id_number=ID_LI, share_pct=Decimal("1")))
    assert caught.value.code == "shares_over_100"
    with pytest.raises(DomainError) as caught:
        service.add_person(db, user=officer, enterprise_id=enterprise.id, data=schemas.PersonIn(
            role="legal_rep", name="王五", id_number=ID_LI))
    assert isinstance(caught.value, Conflict)
    row = service.add_counterparty(db, user=officer, enterprise_id=enterprise.id, data=schemas.CounterpartyIn(
        relation="customer", name="核心制造有限公司", uscc=code(7), annual_amount=Decimal("2000000"),
        is_core_enterprise=True))
    assert row.is_core_enterprise and row.annual_amount == Decimal("2000000.00")
    service.update_counterparty(db, user=officer, enterprise_id=enterprise.id, counterparty_id=row.id,
                                data=schemas.CounterpartyIn(relation="supplier", name="核心制造有限公司"))
    service.remove_counterparty(db, user=officer, enterprise_id=enterprise.id, counterparty_id=row.id)
    actions = [e.action for e in db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert actions.count("enterprise.person_added") == 2
    assert {"enterprise.counterparty_added", "enterprise.counterparty_updated", "enterprise.counterparty_removed"} <= set(actions)


def test_bank_mappings_crud(db, make_user):
    officer = make_user(Role.LOAN_OFFICER, "officer-c")
    body = schemas.BankMappingIn(bank_name="示例银行", mapping={"date_column": "记账日期", "amount_column": "发生额",
                                                               "direction_column": "借贷"})
    row = service.save_bank_mapping(db, user=officer, data=body)
    assert row.id and "记账日期" in row.mapping
    with pytest.raises(DomainError) as caught:
        service.save_bank_mapping(db, user=officer, data=body)
    assert isinstance(caught.value, Conflict)
    with pytest.raises(DomainError) as caught:
        service.save_bank_mapping(db, user=officer, data=schemas.BankMappingIn(bank_name="坏银行", mapping={"date_column": "x"}))
    assert caught.value.code == "invalid_column_mapping" and isinstance(caught.value, Invalid)
    names = [o.bank_name for o in service.mapping_options(db)]
    assert "示例银行" in names and any(o.builtin for o in service.mapping_options(db))
    service.delete_bank_mapping(db, user=officer, mapping_id=row.id)
    assert service.list_bank_mappings(db) == []


def test_a_non_member_is_refused_before_their_input_is_judged(db, make_user):
    """Ownership comes first: another applicant gets 403, not a validation message about the data."""
    owner = make_user(Role.APPLICANT, "owner1")
    stranger = make_user(Role.APPLICANT, "stranger1")
    enterprise = _register(db, owner)
    bad_person = schemas.PersonIn(role="guarantor", name="张三", id_number="110101199003078888")  # bad check digit
    bad_partner = schemas.CounterpartyIn(relation="customer", name="某公司", uscc="91350100M000100Y4Z")
    for attempt in (
        lambda: service.add_person(db, user=stranger, enterprise_id=enterprise.id, data=bad_person),
        lambda: service.add_counterparty(db, user=stranger, enterprise_id=enterprise.id, data=bad_partner),
    ):
        with pytest.raises(DomainError) as caught:
            attempt()
        assert isinstance(caught.value, Forbidden)
    with pytest.raises(DomainError) as caught:  # the owner is told what is wrong
        service.add_person(db, user=owner, enterprise_id=enterprise.id, data=bad_person)
    assert isinstance(caught.value, Invalid) and caught.value.field.endswith("id_number")
