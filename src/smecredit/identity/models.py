"""Users, their roles, page sessions, API tokens, sign-in throttles and one-time codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.identity.roles import Role
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.db import Base, UTCDateTime
from smecredit.kernel.pii import EncryptedText
from smecredit.standards.resident_id import mask_name, mask_phone, mask_resident_id


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person's identity as checked by an identity verifier: the name and 公民身份号码 that a
    registry's legal representative must match before a loan's ownership is confirmed."""

    name: str
    id_number: str
    verified_at: datetime
    provider: str


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_lang: Mapped[str] = mapped_column(String(5), default="zh")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The branch (网点/支行) a member of staff works in; officers of one branch share a portfolio.
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branches.code", ondelete="SET NULL"), index=True)
    # Self-service applicants: mobile (for one-time codes) and the identity they gave, encrypted,
    # each with a blind index for exact look-up (kernel.pii); shown masked everywhere.
    mobile: Mapped[str | None] = mapped_column(EncryptedText)
    mobile_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    real_name: Mapped[str | None] = mapped_column(EncryptedText)
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    identity_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_provider: Mapped[str | None] = mapped_column(String(40))
    identity_reference: Mapped[str | None] = mapped_column(String(100))

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_any(self, roles) -> bool:
        return bool(self.roles & frozenset(roles))

    @property
    def primary_role(self) -> Role:
        """The role shown in the audit log: the first in the canonical role order."""
        for role in Role:
            if role in self.roles:
                return role
        raise ValueError(f"user {self.username} has no role")

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and as_utc(self.locked_until) > utcnow()

    @property
    def status(self) -> str:
        """"disabled", "locked" or "active" (the filter values of the user lists)."""
        if not self.is_active:
            return "disabled"
        return "locked" if self.is_locked else "active"

    @property
    def mobile_masked(self) -> str | None:
        return mask_phone(self.mobile) if self.mobile else None

    @property
    def real_name_masked(self) -> str | None:
        return mask_name(self.real_name) if self.real_name else None

    @property
    def id_number_masked(self) -> str | None:
        return mask_resident_id(self.id_number) if self.id_number else None

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    def verified_identity(self) -> VerifiedIdentity | None:
        """The (name, 公民身份号码) an identity verifier confirmed for this user, or None. Loan
        ownership is confirmed by matching a registry's legal representative to this."""
        if self.identity_verified_at is None or not self.real_name or not self.id_number:
            return None
        return VerifiedIdentity(self.real_name, self.id_number, as_utc(self.identity_verified_at),
                                self.identity_provider or "")


class Branch(Base):
    """A branch of the lender (分行、支行、网点)."""

    __tablename__ = "branches"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(6))


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class WebSession(Base):
    """A browser session. The cookie holds a signed random token; we store only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Base):
    """An opaque bearer token for integrators; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    label: Mapped[str | None] = mapped_column(String(100))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(20))

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and as_utc(self.expires_at) > utcnow()


class Throttle(Base):
    """A counter for one key ("ip:…", "name:…", "otp-mobile:…"): failures (or sends) within a fixed
    window, and for user names that do not exist a lock exactly like an account's. Updated only by
    single atomic statements (`identity.throttle`), so parallel requests cannot slip past it."""

    __tablename__ = "auth_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OneTimeCode(Base):
    """A 6-digit code sent by SMS for sign-up or a password reset. Only a keyed hash is stored;
    it expires, allows a few attempts and is used once (all by atomic updates)."""

    __tablename__ = "otp_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    mobile_index: Mapped[str] = mapped_column(String(64), index=True)
    nonce: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
