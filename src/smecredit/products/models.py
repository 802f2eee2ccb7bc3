"""Stage 2 tables: products and their versions (the definition as JSON with its SHA-256), and the
dated reference-rate (LPR) table.

A product's terms are data: every change is a new `ProductVersion` (draft → approved on an
effective date by a second risk manager, or rejected). A version row never changes its definition;
applications keep the id of the version they were made under.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.kernel.db import Base, Percent, UTCDateTime
from smecredit.products.definition import cached_definition


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    versions: Mapped[list["ProductVersion"]] = relationship(back_populates="product", order_by="ProductVersion.version")


class ProductVersion(Base):
    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    product_code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), index=True)  # draft | approved | rejected
    effective_from: Mapped[date | None] = mapped_column(Date)  # set on approval
    definition_json: Mapped[str] = mapped_column(Text)
    definition_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))  # what the author changed and why
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))  # username ("system" for the default catalogue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approver: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))

    product: Mapped[Product] = relationship(back_populates="versions")

    @property
    def definition(self):
        """The parsed definition (cached per SHA-256: a version's definition never changes)."""
        return cached_definition(self.definition_json, self.definition_sha256)


class ReferenceRate(Base):
    """One published LPR value: it holds from ``effective_from`` until the next value of its tenor."""

    __tablename__ = "reference_rates"
    __table_args__ = (UniqueConstraint("tenor", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenor: Mapped[str] = mapped_column(String(4))  # "1y" | "5y+"
    effective_from: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Percent)  # percent a year, e.g. 3.00
    published_on: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
