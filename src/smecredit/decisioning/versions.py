"""The catalogue of credit-policy and scorecard versions: which is in force on a date, and how
versions are made — a risk manager drafts (the text is checked whole: the policy against its
schema with its CEL compiled, the scorecard against its format), a *second* risk manager approves
it with an effective date, or rejects it (四眼原则: the author may not decide on their own).

Copied from `products/catalogue.py`: the version's row is locked before its status is read, so two
approvers at once end in one approval and one `Conflict`; numbers per code are unique (a
constraint; a parallel draft of the same code is told to try again). A version's text never
changes: a text that no longer matches its SHA-256 is refused with 503 (`*_damaged`), never used.

The policy in force on a date is the approved policy version (of any code) with the latest
effective date on or before it (the higher id when two share a date); the scorecards it uses are
named by code in the policy's segments, each the approved version of that code in force on the
date. Parsed versions are cached per version id in this process (a version never changes; its
SHA-256 is checked on every use).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from threading import Lock
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.decisioning import events
from smecredit.decisioning.models import PolicyVersion, ScorecardVersion
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import Conflict, DomainError, Forbidden, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.text import Text

MAX_TEXT_CHARS = 200_000

VERSION_STATUSES: dict[str, Text] = {
    "draft": Text("待审批", "Draft"),
    "approved": Text("已批准", "Approved"),
    "rejected": Text("已驳回", "Rejected"),
}


def status_label(status: str) -> Text:
    return VERSION_STATUSES.get(status) or Text("（未知）", "(unknown)")


# --- the two kinds ---------------------------------------------------------------------------------------

def _parse_policy(text: str):
    from smecredit.decisioning import policy

    return policy.parse(text)


def _parse_scorecard(text: str):
    from smecredit.decisioning import scorecard

    return scorecard.loads(text)


def _scorecard_text(card) -> str:
    from smecredit.decisioning import scorecard

    return scorecard.canonical_json(card.to_dict()).decode("utf-8")


@dataclass(frozen=True)
class Kind:
    """What differs between policy and scorecard versions."""

    name: str  # "policy" | "scorecard"
    model: type
    label: Text
    parse: Callable[[str], Any]
    stored_text: Callable[[str, Any], str]  # what is stored for the text as written and its parse
    drafted: type
    approved: type
    rejected: type
    loaded: type

    def code_of(self, parsed: Any) -> str:
        return parsed.code


POLICY = Kind("policy", PolicyVersion, Text("授信政策", "Credit policy"), _parse_policy,
              lambda text, parsed: text, events.PolicyDrafted, events.PolicyApproved, events.PolicyRejected,
              events.PolicyLoaded)
SCORECARD = Kind("scorecard", ScorecardVersion, Text("评分卡", "Scorecard"), _parse_scorecard,
                 lambda text, parsed: _scorecard_text(parsed), events.ScorecardDrafted, events.ScorecardApproved,
                 events.ScorecardRejected, events.ScorecardLoaded)
KINDS = {"policy": POLICY, "scorecard": SCORECARD}


# --- parsed versions, cached ---------------------------------------------------------------------------

_CACHE: dict[tuple[str, int], tuple[str, Any]] = {}
_CACHE_LOCK = Lock()


def parsed(row: PolicyVersion | ScorecardVersion) -> Any:
    """The version's parsed policy or scorecard, parsed once per process (per version id and
    SHA-256). A text that no longer matches its SHA-256, or no longer parses, is `Unavailable`."""
    kind = POLICY if isinstance(row, PolicyVersion) else SCORECARD
    text = row.intact_text()
    key = (kind.name, row.id)
    found = _CACHE.get(key)
    if found is not None and found[0] == row.sha256:
        return found[1]
    try:
        value = kind.parse(text)
    except DomainError as exc:  # stored, hash intact, yet no longer readable (a format changed)
        raise row.damaged() from exc
    with _CACHE_LOCK:
        _CACHE[key] = (row.sha256, value)
    return value


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


# --- reading -------------------------------------------------------------------------------------------

def _in_force(kind: Kind, on: date):
    m = kind.model
    return (select(m).where(m.status == "approved", m.effective_from <= on)
            .order_by(m.effective_from.desc(), m.id.desc()))


def policy_in_force(db: Session, on: date | None = None) -> PolicyVersion:
    """The policy version in force on ``on``; `Unavailable` when there is none (no decision is
    made without a policy: the install loads the default one)."""
    on = on or business_date()
    row = db.execute(_in_force(POLICY, on).limit(1)).scalar_one_or_none()
    if row is None:
        from smecredit.kernel.errors import Unavailable

        raise Unavailable("no_policy", Text(f"{on.isoformat()} 没有生效的授信政策，无法自动决策；请风险经理批准一个版本",
                                            f"No credit policy is in force on {on.isoformat()}: no decision can be made "
                                            f"until a risk manager approves one"), "policy")
    return row


def scorecard_in_force(db: Session, code: str, on: date | None = None) -> ScorecardVersion:
    on = on or business_date()
    row = db.execute(_in_force(SCORECARD, on).where(ScorecardVersion.code == code).limit(1)).scalar_one_or_none()
    if row is None:
        from smecredit.kernel.errors import Unavailable

        raise Unavailable("no_scorecard", Text(f"{on.isoformat()} 没有生效的评分卡 {code}；请风险经理批准一个版本",
                                               f"No version of scorecard {code} is in force on {on.isoformat()}; "
                                               f"a risk manager must approve one"), "scorecard", {"code": code})
    return row


def scorecards_in_force(db: Session, on: date | None = None) -> dict[str, ScorecardVersion]:
    """Every scorecard code's version in force on ``on``."""
    on = on or business_date()
    found: dict[str, ScorecardVersion] = {}
    for row in db.execute(_in_force(SCORECARD, on)).scalars():
        found.setdefault(row.code, row)
    return found


def version_by_id(db: Session, kind: Kind, version_id: int):
    row = db.get(kind.model, version_id)
    if row is None:
        raise not_found(kind.label, "version_id")
    return row


def versions(db: Session, kind: Kind, *, code: str | None = None, status: str | None = None,
             limit: int = 50, offset: int = 0) -> tuple[int, list]:
    m = kind.model
    query = select(m)
    if code:
        query = query.where(m.code == code)
    if status:
        query = query.where(m.status == status)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(db.execute(query.order_by(m.code, m.version.desc()).limit(limit).offset(offset)).scalars())
    return total, rows


def pending(db: Session, kind: Kind) -> list:
    m = kind.model
    return list(db.execute(select(m).where(m.status == "draft").order_by(m.created_at)).scalars())


# --- writing -------------------------------------------------------------------------------------------

def _note(value: str | None, field: str = "note") -> str | None:
    return clean_text(value, field, max_len=500, name=False)


def _checked(kind: Kind, text: Any) -> tuple[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise Invalid("required", Text(f"请填写{kind.label.zh}内容", f"Write the {kind.label.en.lower()}"), "text")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid("too_long", Text(f"{kind.label.zh}最多 {MAX_TEXT_CHARS} 个字符", f"At most {MAX_TEXT_CHARS} characters"),
                      "text")
    value = kind.parse(text)
    return kind.stored_text(text, value), value


def _new_version(db: Session, kind: Kind, code: str, text: str, *, status: str, who: Actor, user_id: int | None,
                 note: str | None, effective_from: date | None = None):
    m = kind.model
    number = (db.execute(select(func.max(m.version)).where(m.code == code)).scalar() or 0) + 1
    row = m(code=code, version=number, status=status, effective_from=effective_from, text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), note=note, author_id=user_id, author=who.username,
            created_at=utcnow())
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise Conflict("version_conflict", Text(f"{kind.label.zh} {code} 刚刚有另一个版本提交，请刷新后重试",
                                                f"Another version of {code} was saved just now; reload and try again"),
                       "code") from None
    return row


def draft(db: Session, *, kind: Kind, user: User, text: Any, note: str | None = None) -> Any:
    """A new draft version (a new code when the text's code is new)."""
    note = _note(note)
    stored, value = _checked(kind, text)
    if kind is SCORECARD:
        _features_known(value)
    code = kind.code_of(value)
    m = kind.model
    based_on = db.execute(select(func.max(m.version)).where(m.code == code)).scalar()
    who = actor_of(user)
    row = _new_version(db, kind, code, stored, status="draft", who=who, user_id=user.id, note=note)
    record(db, who, kind.drafted(entity_id=code, code=code, version=row.version, version_id=row.id, sha256=row.sha256,
                                 based_on_version=based_on, note=note))
    return row


def _features_known(card) -> None:
    """A scorecard used in decisions scores what a credit profile has (a card trained on other
    columns would find every feature missing and score every enterprise at its missing bins)."""
    from smecredit.enterprises.profile_rules import FEATURES_BY_KEY
    from smecredit.products.eligibility import RECORD_FEATURES

    unknown = [f for f in card.features if f not in FEATURES_BY_KEY and f not in RECORD_FEATURES]
    if unknown:
        names = "、".join(unknown)
        raise Invalid("unknown_features",
                      Text(f"评分卡使用了信用画像中没有的特征：{names}（特征名须为画像特征，见 docs/scorecards.md）",
                           f"The scorecard uses features no credit profile has: {', '.join(unknown)} "
                           "(features must be profile features; see docs/scorecards.md)"),
                      "text", {"features": unknown})


def _decidable(db: Session, kind: Kind, version_id: int, user: User):
    row = version_by_id(db, kind, version_id)
    row = lock_row(db, kind.model, row.id)
    if row.status != "draft":
        raise Conflict("not_a_draft", Text(f"该版本的状态为「{status_label(row.status).zh}」，不能再审批",
                                           f"This version is already {status_label(row.status).en.lower()}"), "version_id",
                       {"status": row.status})
    if row.author_id is not None and row.author_id == user.id:
        raise Forbidden("four_eyes", Text("四眼原则：不能审批自己提交的版本，请由另一位风险经理审批",
                                          "Four eyes: you may not decide on a version you wrote; another risk manager must"),
                        "version_id")
    row.intact_text()  # a damaged draft is not approved
    return row


def approve(db: Session, *, kind: Kind, user: User, version_id: int, effective_from: date,
            note: str | None = None) -> Any:
    """Approve a draft to take effect on ``effective_from`` (today or later: decisions already
    made keep the versions they used)."""
    note = _note(note)
    if not isinstance(effective_from, date):
        raise Invalid("required", Text("请填写生效日期", "Give the effective date"), "effective_from")
    if effective_from < business_date():
        raise Invalid("effective_in_past", Text("生效日期不能早于今天（已作出的决策不能追溯修改）",
                                                "The effective date cannot be in the past (decisions made are not rewritten)"),
                      "effective_from")
    row = _decidable(db, kind, version_id, user)
    if kind is POLICY:
        _scorecards_ready(db, row, effective_from)
    row.status, row.effective_from = "approved", effective_from
    row.approver_id, row.approver, row.decided_at, row.decision_note = user.id, user.username, utcnow(), note
    db.flush()
    record(db, actor_of(user), kind.approved(entity_id=row.code, code=row.code, version=row.version, version_id=row.id,
                                             sha256=row.sha256, effective_from=effective_from.isoformat(),
                                             author=row.author, note=note))
    return row


def _scorecards_ready(db: Session, row: PolicyVersion, effective_from: date) -> None:
    """A policy takes effect only with every scorecard it names approved by then (else every
    submission from that day on would be answered 503)."""
    in_force = scorecards_in_force(db, effective_from)
    missing = sorted(code for code in parsed(row).scorecard_codes if code not in in_force)
    if missing:
        names, day = "、".join(missing), effective_from.isoformat()
        raise Conflict("scorecard_not_approved",
                       Text(f"该政策引用的评分卡 {names} 在生效日 {day} 没有已批准的版本：请先起草并批准评分卡，或推迟生效日期",
                            f"The policy names scorecards with no approved version on {day} ({', '.join(missing)}): "
                            "approve them first, or take effect later"),
                       "effective_from", {"scorecards": missing})


def reject(db: Session, *, kind: Kind, user: User, version_id: int, note: str | None) -> Any:
    note = _note(note)
    if not note:
        raise Invalid("required", Text("请写明驳回原因", "Say why the version is rejected"), "note")
    row = _decidable(db, kind, version_id, user)
    row.status, row.approver_id, row.approver, row.decided_at, row.decision_note = (
        "rejected", user.id, user.username, utcnow(), note)
    db.flush()
    record(db, actor_of(user), kind.rejected(entity_id=row.code, code=row.code, version=row.version, version_id=row.id,
                                             sha256=row.sha256, author=row.author, note=note))
    return row


def load_default(db: Session, *, kind: Kind, text: str, actor: Actor, effective_from: date, source: str) -> Any | None:
    """Version 1 of a shipped default, approved by the install itself; None when the code exists
    (a lender's own versions are never overwritten)."""
    stored, value = _checked(kind, text)
    code = kind.code_of(value)
    m = kind.model
    if db.execute(select(m.id).where(m.code == code).limit(1)).first() is not None:
        return None
    try:
        row = _new_version(db, kind, code, stored, status="approved", who=actor, user_id=None,
                           note="默认配置 / shipped default", effective_from=effective_from)
    except Conflict:
        return None  # a parallel start loaded it first
    row.approver, row.decided_at = actor.username, utcnow()
    record(db, actor, kind.loaded(entity_id=code, code=code, version=row.version, version_id=row.id, sha256=row.sha256,
                                  effective_from=effective_from.isoformat(), source=source))
    return row
