"""Stage 4 tables: the credit policy's and the scorecards' versions (text + SHA-256, drafted and
approved by two risk managers), the decisions (an immutable record of every automatic decision:
its inputs, its result and the versions it used), what people did with them (reviews, committee
votes, overrides of the automatic result) and the offers made to applicants.

A version's text never changes after it is written; a decision row never changes after it is
written (replay proves it: `decisioning/replay.py` recomputes it from its stored inputs).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smecredit.kernel.db import Base, Money, Percent, UTCDateTime, _ExactDecimal
from smecredit.kernel.errors import Unavailable
from smecredit.kernel.text import Text as Words


class Probability(_ExactDecimal):
    """A probability (0..1) to 6 places, e.g. a grade's PD."""

    impl = Numeric(9, 6, asdecimal=True)
    cache_ok = True
    quantum = Decimal("0.000001")


class Milliseconds(_ExactDecimal):
    """A duration in milliseconds to the microsecond."""

    impl = Numeric(12, 3, asdecimal=True)
    cache_ok = True
    quantum = Decimal("0.001")


VERSION_STATUSES = ("draft", "approved", "rejected")


class _VersionColumns:
    """What a policy version and a scorecard version share: a code, a number per code, the text
    as written (YAML for a policy, canonical JSON for a scorecard) with its SHA-256, and the
    four-eyes trail (author, approver or rejecter, dates, notes)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), index=True)  # draft | approved | rejected
    effective_from: Mapped[date | None] = mapped_column(Date)  # set on approval
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))  # what the author changed and why
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))  # username ("system" for the shipped defaults)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approver: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))

    KIND: Words = Words("版本", "Version")
    DAMAGED_CODE = "version_damaged"

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"

    def intact_text(self) -> str:
        """The text, when it still matches the SHA-256 recorded when it was saved (and approved).

        A text changed outside the platform is refused, naming the version, rather than used (that
        would bypass the four-eyes approval) or answered as if the caller's input were wrong."""
        if hashlib.sha256(self.text.encode("utf-8")).hexdigest() != self.sha256:
            raise self.damaged()
        return self.text

    def damaged(self) -> Unavailable:
        kind = self.KIND
        return Unavailable(self.DAMAGED_CODE, Words(
            f"{kind.zh} {self.label} 与批准时的记录不一致或已损坏，暂停使用；请联系风险经理核查",
            f"{kind.en} {self.label} does not match what was approved, or is damaged; "
            f"it is not used until a risk manager checks it"), "version_id",
            {"code": self.code, "version": self.version})


class PolicyVersion(_VersionColumns, Base):
    """One version of a credit policy (统一业务标准): YAML text, format ``smecredit-policy/1``."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    KIND = Words("授信政策", "Credit policy")
    DAMAGED_CODE = "policy_damaged"


class ScorecardVersion(_VersionColumns, Base):
    """One version of a scorecard (信用评级模型): canonical JSON, format ``smecredit-scorecard/1``."""

    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)

    KIND = Words("评分卡", "Scorecard")
    DAMAGED_CODE = "scorecard_damaged"


class Decision(Base):
    """One automatic decision on an application (决策记录): what went in (the input snapshot:
    application terms, profile features, enterprise facts, exposure, reference rates, date), what
    came out (every rule's result, score, grade, PD, limit, price, route, reasons), the versions of
    the policy and scorecard it used and the time it took. Written once; never updated.

    ``inputs_sha256`` / ``result_sha256`` are the SHA-256 of the stored texts when they were
    written (also in the audit event): a text changed afterwards is shown by replay."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),
                      Index("ix_decisions_created_at", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)  # 1 for the decision at submission
    outcome: Mapped[str] = mapped_column(String(10), index=True)  # approved | declined | referred
    route: Mapped[str] = mapped_column(String(10))  # automatic | review | committee
    segment: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(10))
    pd: Mapped[Decimal | None] = mapped_column(Probability)
    limit_amount: Mapped[Decimal | None] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    annual_rate: Mapped[Decimal | None] = mapped_column(Percent)  # percent a year
    apr: Mapped[Decimal | None] = mapped_column(Percent)  # 年化利率, percent
    repayment_method: Mapped[str] = mapped_column(String(30))
    term_months: Mapped[int] = mapped_column(Integer)
    inputs_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    result_sha256: Mapped[str] = mapped_column(String(64))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id", ondelete="RESTRICT"), index=True)
    scorecard_version_id: Mapped[int | None] = mapped_column(ForeignKey("scorecard_versions.id", ondelete="RESTRICT"))
    elapsed_ms: Mapped[Decimal] = mapped_column(Milliseconds)
    decision_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


REVIEW_STAGES = ("review", "approval", "committee")
REVIEW_ACTIONS = ("approve", "decline", "return")


class DecisionReview(Base):
    """What a person did with a referred application at one stage: the reviewer's 审查 opinion, the
    approver's 审批, or the committee's resolution (``user_id`` empty: the count of the votes)."""

    __tablename__ = "decision_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(String(10))  # review | approval | committee
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(10))  # approve | decline | return
    comment: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitteeVote(Base):
    """One member's vote in one round of the credit committee (贷审会), with their comment; a
    member votes once per round (the constraint, and the use case under the application's lock)."""

    __tablename__ = "committee_votes"
    __table_args__ = (UniqueConstraint("application_id", "round", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"))
    round: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(30))
    vote: Mapped[str] = mapped_column(String(10))  # approve | decline
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DecisionOverride(Base):
    """A human result that differs from the automatic one (人工推翻自动结果), with its reason: listed
    in the overrides report."""

    __tablename__ = "decision_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    automatic: Mapped[str] = mapped_column(String(10))  # what the policy recommended: approved | declined
    human: Mapped[str] = mapped_column(String(10))  # what people decided: approved | declined
    stage: Mapped[str] = mapped_column(String(10))  # the stage that made it final
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))  # "committee" for a committee resolution
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


OFFER_STATUSES = ("open", "accepted", "declined", "expired")


class Offer(Base):
    """The offer made to the applicant when the application is approved: amount, rate, 年化利率,
    repayment method and term, until a date; accepted or declined once."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), unique=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Percent)
    apr: Mapped[Decimal] = mapped_column(Percent)
    repayment_method: Mapped[str] = mapped_column(String(30))
    term_months: Mapped[int] = mapped_column(Integer)
    payment_mode: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | accepted | declined | expired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_on: Mapped[date] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
