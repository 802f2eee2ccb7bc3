"""Registering an enterprise, its declared facts, who owns it, and whose portfolio it is in.

* A loan officer registers an enterprise on an applicant's behalf after checking its licence: it
  is confirmed at once, in the officer's (and their branch's) portfolio.
* An applicant who registers creates a *pending claim*. The enterprise becomes theirs when
  ownership is confirmed — by a loan officer checking the licence, or at once when the registry's
  legal representative matches the applicant's verified identity. Until then the applicant may
  fill in data and give the authorisation, but no provider is queried. A second applicant claiming
  the same code makes it *disputed*: it goes to an officer, not to the first who came.
* Self-registered enterprises land in the unassigned queue every officer sees, unless an
  assignment rule (region, industry → officer or branch) set by an administrator places them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.enterprises import events, rules, schemas
from smecredit.enterprises.access import Action
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import AssignmentRule, Enterprise, EnterpriseClaim, EnterpriseMember, EnterprisePerson
from smecredit.enterprises.providers import default_provider
from smecredit.enterprises.records import check, lock
from smecredit.identity.models import Branch, User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, not_found
from smecredit.kernel.pii import blind_index
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.standards.uscc import validate_uscc


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, (Decimal, date)) else value


def code_taken(db: Session, code: str) -> bool:
    return db.execute(select(Enterprise.id).where(Enterprise.uscc == code)).first() is not None


def check_code(db: Session, code: str, *, user: User) -> schemas.UsccCheck:
    """Which check of the code failed; for staff, also whether it is registered already (an
    applicant registering a taken code is told when they submit: their claim goes to an officer)."""
    result = validate_uscc(code or "")
    taken = result.valid and Role.APPLICANT not in user.roles and code_taken(db, result.code)
    return schemas.UsccCheck(code=result.code, valid=result.valid, reason=result.reason, reason_zh=result.reason_zh,
                             reason_en=result.reason_en, region=result.region.as_dict() if result.region else None,
                             taken=taken)


# --- prefill and identity match -------------------------------------------------------------------


def prefill(code: str, *, provider=None) -> schemas.RegistryPrefill:
    """The registry's public facts for a code, to prefill the registration form (the applicant
    confirms or corrects them). Registry data is public (企业信用信息公示); nothing is stored."""
    checked = rules.uscc(code)
    provider = provider or default_provider()
    parsed = provider.fetch(SourceKind.REGISTRY, checked, as_of=business_date())
    content = parsed.content
    capital = content.get("registered_capital")
    return schemas.RegistryPrefill(
        uscc=checked, name=content.get("name"), legal_representative=content.get("legal_representative"),
        founded_on=content.get("founding_date"), address=content.get("address"),
        registered_capital_wan=(Decimal(capital) / rules.WAN).quantize(Decimal("0.01")) if capital else None,
        status=content.get("status"), provider=provider.name, is_sandbox=bool(provider.is_sandbox))


def _registry_matches(user: User, found: schemas.RegistryPrefill | None) -> bool:
    identity = user.verified_identity()
    if identity is None or found is None or not found.legal_representative:
        return False
    # The sandbox registry names the legal representative without an ID number; a provider that
    # returns one should be matched on both (docs/decisions/0007-portfolios-ownership-and-consent.md).
    return identity.name.strip() == found.legal_representative.strip()


# --- registration ----------------------------------------------------------------------------------


@dataclass
class Registration:
    enterprise: Enterprise | None  # None for a claim on a code someone else registered (no data shown)
    claim: EnterpriseClaim | None
    ownership: str


def register(db: Session, *, user: User, data: schemas.EnterpriseCreate, provider=None) -> Registration:
    code = rules.uscc(data.uscc)
    industry = sme_size.Industry.parse(data.industry)
    facts = _facts(data, industry)
    people = _registration_people(data)
    officer = Role.LOAN_OFFICER in user.roles
    linked = _linked_applicant(db, data.applicant_username) if officer else None
    if not officer and Role.APPLICANT not in user.roles:
        raise Forbidden("forbidden", Text("只有申请企业或客户经理可以登记企业", "Only applicants and loan officers register enterprises"))
    # Fetch first (an outside provider may be slow): only for an applicant whose identity is verified.
    found = None
    if not officer and user.verified_identity() is not None:
        found = prefill(code, provider=provider)
    existing = db.execute(select(Enterprise).where(Enterprise.uscc == code)).scalar_one_or_none()
    if existing is not None:
        if officer:
            raise Conflict("uscc_taken", Text(f"统一社会信用代码 {code} 的企业已登记", f"An enterprise with code {code} is already registered"), "uscc")
        return _claim_existing(db, user, lock(db, existing))
    now = utcnow()
    result = validate_uscc(code)
    enterprise = Enterprise(
        uscc=code, industry=industry.value, **facts,
        region_code=result.region.code if result.region else code[2:8],
        region_name=result.region.province_zh if result.region else None,
        ownership="confirmed" if officer else "pending",
        created_at=now, updated_at=now, created_by_id=user.id,
    )
    size = _apply_size(enterprise)
    if officer:
        enterprise.officer_id, enterprise.branch_code, enterprise.assigned_at = user.id, user.branch_code, now
    else:
        _apply_assignment_rules(db, enterprise, now)
    db.add(enterprise)
    try:
        db.flush()
    except IntegrityError:  # registered by someone else a moment ago
        raise Conflict("uscc_taken", Text(f"统一社会信用代码 {code} 的企业刚刚已被登记，请重试", f"Code {code} was registered a moment ago; try again"), "uscc") from None
    for person in people:
        db.add(_new_person(enterprise.id, person, now))
    claim = None
    if officer:
        if linked is not None:
            claim = EnterpriseClaim(enterprise_id=enterprise.id, user_id=linked.id, status="confirmed", method="officer_check",
                                    evidence="客户经理代客登记时核验营业执照 / registered by the officer after checking the licence",
                                    created_at=now, decided_at=now, decided_by_id=user.id)
            enterprise.claims.append(claim)
            enterprise.members.append(EnterpriseMember(user_id=linked.id, created_at=now))
    else:
        claim = EnterpriseClaim(user_id=user.id, status="pending", created_at=now)
        enterprise.claims.append(claim)
    db.flush()
    record(db, actor_of(user), events.EnterpriseRegistered(
        entity_id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name, industry=enterprise.industry,
        size_class=size.size.value, size_rule_zh=size.rule_zh, linked_applicant=linked.username if linked else None,
        on_behalf=officer, ownership=enterprise.ownership, officer_id=enterprise.officer_id,
        branch_code=enterprise.branch_code))
    if claim is not None and claim.status == "pending" and _registry_matches(user, found):
        _decide(db, user, enterprise, claim, confirm=True, method="registry_match",
                evidence="工商登记的法定代表人与申请人已核验的身份一致 / the registry's legal representative matches the "
                         "applicant's verified identity")
    db.refresh(enterprise)
    return Registration(enterprise, claim, enterprise.ownership)


def _claim_existing(db: Session, user: User, enterprise: Enterprise) -> Registration:
    """An applicant registers a code that is registered already: their claim goes to an officer."""
    mine = next((c for c in enterprise.claims if c.user_id == user.id), None)
    if mine is not None and mine.status in ("pending", "confirmed") or any(m.user_id == user.id for m in enterprise.members):
        raise Conflict("already_claimed", Text("您已登记或认领过该企业", "You have registered or claimed this enterprise already"), "uscc")
    if mine is not None:  # a rejected claim: refused again, not silently re-opened
        raise Conflict("claim_rejected", Text("您对该企业的认领已被客户经理驳回，如有异议请联系客户经理",
                                              "Your claim on this enterprise was rejected by an officer; contact them if you disagree"), "uscc")
    now = utcnow()
    claim = EnterpriseClaim(user_id=user.id, status="pending", created_at=now)
    enterprise.claims.append(claim)
    before = enterprise.ownership
    enterprise.ownership = "disputed"
    enterprise.updated_at = now
    db.flush()
    record(db, actor_of(user), events.OwnershipClaimed(entity_id=enterprise.id, claim_id=claim.id, user=user.username,
                                                       ownership_before=before, ownership=enterprise.ownership))
    return Registration(None, claim, enterprise.ownership)


def _linked_applicant(db: Session, username: str | None) -> User | None:
    if not (username or "").strip():
        return None
    linked = db.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if linked is None or Role.APPLICANT not in linked.roles:
        raise Invalid("unknown_applicant", Text(f"没有名为 {username} 的申请企业用户", f"No applicant user named {username}"),
                      "applicant_username")
    return linked


def _facts(data, industry: sme_size.Industry) -> dict[str, Any]:
    return {
        "name": rules.text(data.name, "name", required=True, label=Text("企业名称", "Name")),
        "address": rules.text(data.address, "address", max_len=300),
        "founded_on": rules.past_date(data.founded_on, "founded_on", business_date()),
        "employees": rules.employees(data.employees),
        "revenue_wan": rules.wan(data.revenue_wan, "revenue_wan") if data.revenue_wan is not None else _required_revenue(),
        "assets_wan": rules.wan(data.assets_wan, "assets_wan"),
        "registered_capital_wan": rules.wan(data.registered_capital_wan, "registered_capital_wan"),
    }


def _required_revenue():
    raise Invalid("required", Text("请填写营业收入（万元）", "Revenue (10k yuan) is required"), "revenue_wan")


def _registration_people(data: schemas.EnterpriseCreate) -> list[dict]:
    party = data.legal_rep
    people = [rules.person("legal_rep", "person", party.name, party.id_number, party.phone, party.address, None, None,
                           prefix="legal_rep.")]
    controller = data.controller or data.legal_rep
    people.append(rules.person("controller", "person", controller.name, controller.id_number, controller.phone,
                               controller.address, None, None, prefix="controller."))
    if data.contact is not None:
        people.append(rules.person("contact", "person", data.contact.name, None, data.contact.phone,
                                   data.contact.address, None, None, prefix="contact."))
    return people


def _new_person(enterprise_id: int, clean: dict, now) -> EnterprisePerson:
    return EnterprisePerson(enterprise_id=enterprise_id, **clean, id_index=blind_index(clean["id_number"]),
                            created_at=now, updated_at=now)


def _apply_size(enterprise: Enterprise) -> sme_size.SizeResult:
    result = rules.size_of(enterprise.industry, enterprise.employees, enterprise.revenue_wan, enterprise.assets_wan)
    enterprise.industry = result.industry.value
    enterprise.size_class = result.size.value
    enterprise.size_rule_zh = result.rule_zh
    enterprise.size_rule_en = result.rule_en
    return result


def update(db: Session, *, user: User, enterprise: Enterprise, data: schemas.EnterpriseUpdate) -> Enterprise:
    """Change declared facts; the size class is re-derived. Verified data is never overwritten:
    what disagrees with it shows as a discrepancy in the profile."""
    changes = data.model_dump(exclude_unset=True)
    enterprise = lock(db, enterprise)
    cleaners = {
        "name": lambda v: rules.text(v, "name", required=True, label=Text("企业名称", "Name")),
        "address": lambda v: rules.text(v, "address", max_len=300),
        "industry": lambda v: sme_size.Industry.parse(v or "").value,
        "founded_on": lambda v: rules.past_date(v, "founded_on", business_date()),
        "employees": rules.employees,
        "revenue_wan": lambda v: rules.wan(v, "revenue_wan") if v is not None else _required_revenue(),
        "assets_wan": lambda v: rules.wan(v, "assets_wan"),
        "registered_capital_wan": lambda v: rules.wan(v, "registered_capital_wan"),
    }
    cleaned = {key: cleaners[key](value) for key, value in changes.items()}
    before = {k: getattr(enterprise, k) for k in cleaned}
    size_before = enterprise.size_class
    for key, value in cleaned.items():
        setattr(enterprise, key, value)
    if {"industry", "employees", "revenue_wan", "assets_wan"} & set(cleaned):
        _apply_size(enterprise)
    changed = {k: {"before": _plain(before[k]), "after": _plain(getattr(enterprise, k))}
               for k in cleaned if before[k] != getattr(enterprise, k)}
    if changed:
        enterprise.updated_at = utcnow()
        record(db, actor_of(user), events.EnterpriseUpdated(
            entity_id=enterprise.id, changes=changed, size_class_before=size_before, size_class=enterprise.size_class,
            size_rule_zh=enterprise.size_rule_zh))
    return enterprise


# --- ownership -------------------------------------------------------------------------------------


def decide_claim(db: Session, *, user: User, enterprise: Enterprise, confirm: bool, checked: str,
                 claim_id: int | None = None) -> EnterpriseClaim:
    """A loan officer confirms (having checked the licence: ``checked`` says what) or rejects a claim."""
    check(user, enterprise, Action.CONFIRM)
    enterprise = lock(db, enterprise)
    evidence = rules.text(checked, "checked", required=True, max_len=500,
                          label=Text("核验了什么（如营业执照原件、法定代表人身份证）", "What was checked (e.g. the licence, the legal representative's ID)"))
    pending = [c for c in enterprise.claims if c.status == "pending"]
    if claim_id is not None:
        claim = next((c for c in enterprise.claims if c.id == claim_id), None)
        if claim is None:
            raise not_found(Text("认领", "Claim"), "claim_id")
        if claim.status != "pending":
            raise Conflict("claim_decided", Text("该认领已处理", "This claim was decided already"), "claim_id")
    elif len(pending) == 1:
        claim = pending[0]
    elif not pending:
        raise Conflict("no_pending_claim", Text("该企业没有待核实的认领", "The enterprise has no claim awaiting confirmation"), "claim_id")
    else:
        raise Invalid("claim_required", Text("有多个认领，请指明要核实哪一个", "Several claims are pending; say which one"), "claim_id")
    return _decide(db, user, enterprise, claim, confirm=confirm, method="officer_check", evidence=evidence)


def _decide(db: Session, user: User, enterprise: Enterprise, claim: EnterpriseClaim, *, confirm: bool, method: str,
            evidence: str) -> EnterpriseClaim:
    now = utcnow()
    before = enterprise.ownership
    claim.status, claim.method, claim.evidence = ("confirmed" if confirm else "rejected"), method, evidence
    claim.decided_at, claim.decided_by_id = now, user.id
    if confirm:
        if not any(m.user_id == claim.user_id for m in enterprise.members):
            enterprise.members.append(EnterpriseMember(user_id=claim.user_id, created_at=now))
        for other in enterprise.claims:  # a dispute ends with one owner
            if other is not claim and other.status == "pending":
                other.status, other.method, other.decided_at, other.decided_by_id = "rejected", method, now, user.id
                other.evidence = f"另一认领已核实 / another claim was confirmed (#{claim.id})"
        enterprise.ownership = "confirmed"
    else:
        remaining = [c for c in enterprise.claims if c.status == "pending"]
        has_owner = bool(enterprise.members) or any(c.status == "confirmed" for c in enterprise.claims)
        enterprise.ownership = "confirmed" if has_owner and not remaining else ("disputed" if len(remaining) > 1 else "pending")
    enterprise.updated_at = now
    db.flush()
    kind = events.OwnershipConfirmed if confirm else events.OwnershipClaimRejected
    record(db, actor_of(user), kind(entity_id=enterprise.id, claim_id=claim.id, claimant_id=claim.user_id, method=method,
                                    evidence=evidence, ownership_before=before, ownership=enterprise.ownership))
    return claim


# --- portfolios ------------------------------------------------------------------------------------


def take(db: Session, *, user: User, enterprise: Enterprise) -> Enterprise:
    """An officer takes an enterprise from the unassigned queue into their portfolio."""
    enterprise = lock(db, enterprise)
    check(user, enterprise, Action.TAKE)  # re-checked under the lock: two officers cannot both take it
    return _assign(db, user, enterprise, officer=user, branch_code=user.branch_code, how="taken")


def reassign(db: Session, *, user: User, enterprise: Enterprise, officer_username: str | None,
             branch_code: str | None) -> Enterprise:
    """Hand an enterprise to another officer (and their branch) or to a branch's shared portfolio."""
    enterprise = lock(db, enterprise)
    check(user, enterprise, Action.REASSIGN)
    officer = None
    if (officer_username or "").strip():
        officer = db.execute(select(User).where(User.username == officer_username.strip().lower())).scalar_one_or_none()
        if officer is None or Role.LOAN_OFFICER not in officer.roles or not officer.is_active:
            raise Invalid("unknown_officer", Text(f"没有名为 {officer_username} 的在岗客户经理", f"No active loan officer named {officer_username}"),
                          "officer")
        branch_code = officer.branch_code
    elif (branch_code or "").strip():
        branch_code = branch_code.strip()
        if db.get(Branch, branch_code) is None:
            raise Invalid("unknown_branch", Text(f"没有网点 {branch_code}", f"No branch {branch_code}"), "branch_code")
    else:
        raise Invalid("required", Text("请选择客户经理或网点", "Choose an officer or a branch"), "officer")
    return _assign(db, user, enterprise, officer=officer, branch_code=branch_code, how="reassigned")


def _assign(db: Session, user: User, enterprise: Enterprise, *, officer: User | None, branch_code: str | None,
            how: str) -> Enterprise:
    before = {"officer_id": enterprise.officer_id, "branch_code": enterprise.branch_code}
    enterprise.officer_id = officer.id if officer else None
    enterprise.branch_code = branch_code
    enterprise.assigned_at = enterprise.updated_at = utcnow()
    db.flush()
    record(db, actor_of(user), events.EnterpriseAssigned(
        entity_id=enterprise.id, how=how, officer_before=before["officer_id"], branch_before=before["branch_code"],
        officer_id=enterprise.officer_id, officer=officer.username if officer else None, branch_code=branch_code))
    return enterprise


def _apply_assignment_rules(db: Session, enterprise: Enterprise, now) -> None:
    for rule in db.execute(select(AssignmentRule).order_by(AssignmentRule.priority, AssignmentRule.id)).scalars():
        if enterprise.region_code.startswith(rule.region_prefix) and rule.industry in (None, enterprise.industry):
            officer = db.get(User, rule.officer_id) if rule.officer_id else None
            enterprise.officer_id = officer.id if officer is not None and officer.is_active else None
            enterprise.branch_code = rule.branch_code or (officer.branch_code if officer else None)
            enterprise.assigned_at = now
            return


def list_rules(db: Session) -> list[AssignmentRule]:
    return list(db.execute(select(AssignmentRule).order_by(AssignmentRule.priority, AssignmentRule.id)).scalars())


def add_rule(db: Session, *, user: User, data: schemas.AssignmentRuleIn) -> AssignmentRule:
    prefix = (data.region_prefix or "").strip()
    if not (prefix.isascii() and prefix.isdigit() and len(prefix) in (2, 4, 6)):
        raise Invalid("invalid_region_prefix", Text("地区须为 2、4 或 6 位行政区划代码前缀（如 35、3501、350102）",
                                                    "The region must be a 2-, 4- or 6-digit GB/T 2260 prefix (e.g. 35, 3501, 350102)"),
                      "region_prefix")
    industry = sme_size.Industry.parse(data.industry).value if (data.industry or "").strip() else None
    officer = _linked_officer(db, data.officer)
    branch = (data.branch_code or "").strip() or None
    if branch is not None and db.get(Branch, branch) is None:
        raise Invalid("unknown_branch", Text(f"没有网点 {branch}", f"No branch {branch}"), "branch_code")
    if officer is None and branch is None:
        raise Invalid("required", Text("请选择客户经理或网点", "Choose an officer or a branch"), "officer")
    rule = AssignmentRule(priority=data.priority, region_prefix=prefix, industry=industry,
                          officer_id=officer.id if officer else None, branch_code=branch, created_at=utcnow(),
                          created_by=user.username)
    db.add(rule)
    db.flush()
    record(db, actor_of(user), events.AssignmentRuleAdded(
        entity_id=rule.id, priority=rule.priority, region_prefix=prefix, industry=industry,
        officer=officer.username if officer else None, branch_code=branch))
    return rule


def remove_rule(db: Session, *, user: User, rule_id: int) -> None:
    rule = db.get(AssignmentRule, rule_id)
    if rule is None:
        raise not_found(Text("分派规则", "Assignment rule"), "rule_id")
    removed = events.AssignmentRuleRemoved(entity_id=rule.id, region_prefix=rule.region_prefix, industry=rule.industry)
    db.delete(rule)
    record(db, actor_of(user), removed)


def _linked_officer(db: Session, username: str | None) -> User | None:
    if not (username or "").strip():
        return None
    officer = db.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if officer is None or Role.LOAN_OFFICER not in officer.roles:
        raise Invalid("unknown_officer", Text(f"没有名为 {username} 的客户经理", f"No loan officer named {username}"), "officer")
    return officer


def officers(db: Session) -> list[User]:
    from smecredit.identity.models import UserRole

    return list(db.execute(select(User).join(UserRole).where(UserRole.role == Role.LOAN_OFFICER.value,
                                                             User.is_active.is_(True)).order_by(User.username)).scalars())


def branches(db: Session) -> list[Branch]:
    return list(db.execute(select(Branch).order_by(Branch.code)).scalars())
