"""Stage 1 tables: enterprises, who owns them, their people and counterparties, query
authorisations, immutable data snapshots, saved bank-statement column mappings, and credit
profiles with their features.

Personal information (names, 身份证号, phone numbers and addresses of people, and snapshot
content, which carries names of legal representatives and shareholders) is stored with
:class:`~smecredit.kernel.pii.EncryptedText`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.documents.models import StoredFile
from smecredit.identity.models import User
from smecredit.kernel.db import Base, Money, Percent, UTCDateTime
from smecredit.kernel.pii import EncryptedText


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(6))
    region_name: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(300))
    founded_on: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[int] = mapped_column(Integer)
    revenue_wan: Mapped[Decimal] = mapped_column(Money)
    assets_wan: Mapped[Decimal | None] = mapped_column(Money)
    registered_capital_wan: Mapped[Decimal | None] = mapped_column(Money)  # declared 注册资本, 万元
    size_class: Mapped[str] = mapped_column(String(10))
    size_rule_zh: Mapped[str] = mapped_column(Text)
    size_rule_en: Mapped[str] = mapped_column(Text)
    # Who owns it: "confirmed" (an officer checked, or the registry matched), "pending" (one
    # applicant's claim awaits confirmation) or "disputed" (claims clash; an officer decides).
    ownership: Mapped[str] = mapped_column(String(12), default="confirmed", index=True)
    # The 客户经理 portfolio: an officer, and the branch whose officers share it. Both empty: the
    # unassigned queue every officer sees.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    branch_code: Mapped[str | None] = mapped_column(String(20), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    members: Mapped[list["EnterpriseMember"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", lazy="selectin"
    )
    persons: Mapped[list["EnterprisePerson"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="EnterprisePerson.id"
    )
    counterparties: Mapped[list["Counterparty"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="Counterparty.id"
    )
    @property
    def member_usernames(self) -> list[str]:
        return sorted(m.user.username for m in self.members)

    claims: Mapped[list["EnterpriseClaim"]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="EnterpriseClaim.id", lazy="selectin"
    )


class EnterpriseClaim(Base):
    """An applicant's claim to act for an enterprise. It becomes membership only when confirmed: by
    a loan officer who checked the licence (``method="officer_check"``, with what was checked), or
    by the registry's legal representative matching the applicant's verified identity."""

    __tablename__ = "enterprise_claims"
    __table_args__ = (UniqueConstraint("enterprise_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | confirmed | rejected
    method: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship(back_populates="claims")


class AssignmentRule(Base):
    """Where self-registered enterprises go: the first rule (by priority) whose region prefix (and
    industry, when set) matches names the officer or branch; none matches → the unassigned queue."""

    __tablename__ = "assignment_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    region_prefix: Mapped[str] = mapped_column(String(6))  # 2, 4 or 6 digits of GB/T 2260
    industry: Mapped[str | None] = mapped_column(String(40))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    branch_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class EnterpriseMember(Base):
    """An applicant user who may act for the enterprise (enterprise owner or finance staff)."""

    __tablename__ = "enterprise_members"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship(back_populates="members")
    user: Mapped["User"] = relationship(lazy="joined")


class EnterprisePerson(Base):
    """A legal representative, actual controller, shareholder, guarantor or contact person.

    ``party_type`` is ``person`` or ``enterprise``. For persons the name, 身份证号, phone and
    address are encrypted; ``id_index`` is the blind index of the ID number (or code).
    """

    __tablename__ = "enterprise_persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    party_type: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(EncryptedText)
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    share_pct: Mapped[Decimal | None] = mapped_column(Percent)
    guarantee_amount: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship(back_populates="persons")


class Counterparty(Base):
    """An upstream supplier or downstream customer (供应链: is it a core enterprise?)."""

    __tablename__ = "enterprise_counterparties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    annual_amount: Mapped[Decimal | None] = mapped_column(Money)
    is_core_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship(back_populates="counterparties")


class QueryAuthorisation(Base):
    """数据查询授权 (includes the 征信查询授权): the enterprise's consent to query the sources in
    ``scope``, given online by a member (``channel="online"``: the version and SHA-256 of the text
    shown) or on paper (``"paper"``: recorded by a loan officer with the signed scan, encrypted at
    rest). Valid until ``expires_at`` unless withdrawn."""

    __tablename__ = "query_authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    text_version: Mapped[str] = mapped_column(String(20))
    text_sha256: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5))
    authorised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(Text, default='["credit_bureau"]')  # JSON list of source kinds
    channel: Mapped[str] = mapped_column(String(10), default="online")
    scan_filename: Mapped[str | None] = mapped_column(String(200))
    scan_stored_name: Mapped[str | None] = mapped_column(String(120))  # scans recorded before the document store
    scan_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    scan_file: Mapped[StoredFile | None] = relationship()


class DataSnapshot(Base):
    """One import or provider pull. Immutable: never updated, never deleted."""

    __tablename__ = "data_snapshots"
    __table_args__ = (Index("ix_data_snapshots_enterprise_kind", "enterprise_id", "kind", "captured_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(30))
    provider: Mapped[str] = mapped_column(String(40))
    is_sandbox: Mapped[bool] = mapped_column(Boolean)
    filename: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(100))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(Integer)
    mapping_name: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(EncryptedText)
    content_sha256: Mapped[str] = mapped_column(String(64))
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text)
    business_date: Mapped[date] = mapped_column(Date)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    captured_by: Mapped[str] = mapped_column(String(64))
    # provider (the lender pulled it) | applicant_upload | staff_upload: later stages may weigh them
    # differently (what an applicant uploads is declared, not verified).
    origin: Mapped[str] = mapped_column(String(20), default="provider")
    file_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)  # the original under uploads/


class BankMapping(Base):
    """A saved bank-statement column mapping (ColumnMapping JSON), one per bank."""

    __tablename__ = "bank_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(100), unique=True)
    mapping: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class CreditProfile(Base):
    """信用画像: one computation; every version is kept."""

    __tablename__ = "credit_profiles"
    __table_args__ = (UniqueConstraint("enterprise_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_by: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(40))
    snapshot_ids: Mapped[str] = mapped_column(Text)
    # 申报与核验不一致: JSON list of {field, declared, verified, source kind, snapshot id, reason}.
    discrepancies: Mapped[str] = mapped_column(Text, default="[]")

    features: Mapped[list["ProfileFeature"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileFeature.id", lazy="selectin"
    )


class ProfileFeature(Base):
    __tablename__ = "profile_features"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("credit_profiles.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    label_zh: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(160))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_type: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(30))
    source_kind: Mapped[str | None] = mapped_column(String(30))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("data_snapshots.id", ondelete="RESTRICT"))
    rule: Mapped[str | None] = mapped_column(Text)  # English: "<rule id>: <formula> [data used]"
    rule_zh: Mapped[str | None] = mapped_column(Text)  # the same in Chinese (None on rows before revision 0006)
    missing_reason: Mapped[str | None] = mapped_column(Text)

    profile: Mapped[CreditProfile] = relationship(back_populates="features")
