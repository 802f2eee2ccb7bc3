"""Stage 3 tables: applications, their documents, 补件 requests, the timeline of steps, and the
daily counter behind the numbers people read (SQ2026112900001)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.kernel.db import Base, Money, UTCDateTime


class ApplicationCounter(Base):
    """The last number given on a day; incremented by one atomic upsert (see `numbering.py`)."""

    __tablename__ = "application_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_status_submitted", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)  # SQ + yyyymmdd + 5 digits
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The product version it was made under (kept: a later version does not change it).
    product_code: Mapped[str] = mapped_column(String(40), index=True)
    product_version: Mapped[int] = mapped_column(Integer)
    product_version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int] = mapped_column(Integer)
    repayment_method: Mapped[str] = mapped_column(String(30))
    guarantee_mode: Mapped[str] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(30), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Incremented by every change (under the row lock): clients can tell they read an old state.
    version: Mapped[int] = mapped_column(Integer, default=1)

    documents: Mapped[list["ApplicationDocument"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationDocument.id")
    requests: Mapped[list["DocumentRequest"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="DocumentRequest.id")
    steps: Mapped[list["ApplicationStep"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationStep.id")


class ApplicationDocument(Base):
    """One file given for one checklist item (or for an item of a 补件 request)."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("application_document_requests.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="documents")


class DocumentRequest(Base):
    """A 补件 request: what more is needed, each item with its reason; answered when resubmitted."""

    __tablename__ = "application_document_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="requests")
    items: Mapped[list["DocumentRequestItem"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DocumentRequestItem.id", lazy="selectin")


class DocumentRequestItem(Base):
    __tablename__ = "application_document_request_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("application_document_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(500))

    request: Mapped[DocumentRequest] = relationship(back_populates="items")


class ApplicationStep(Base):
    """The timeline (进度): every step, when, who (role and masked name), what, from and to."""

    __tablename__ = "application_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str] = mapped_column(String(100))  # masked (张*)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="steps")
