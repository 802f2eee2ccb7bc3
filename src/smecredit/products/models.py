"""Stage 2 tables: products and their versions (the definition as JSON with its SHA-256), and the
dated reference-rate (LPR) table.

A product's terms are data: every change is a new `ProductVersion` (draft → approved on an
effective date by a second risk manager, or rejected). A version row never changes its definition;
applications keep the id of the version they were made under.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.kernel.db import Base, Percent, UTCDateTime
from smecredit.kernel.errors import DomainError, Unavailable
from smecredit.kernel.text import Text as Words
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
        """The parsed definition (cached per SHA-256: a version's definition never changes).

        A text that no longer matches the SHA-256 recorded when it was saved (and approved) was
        changed outside the platform: it is refused, naming the product, rather than used (that would
        bypass the four-eyes approval) or answered as if the caller's input were wrong."""
        text = self.definition_json
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != self.definition_sha256:
            raise self._damaged()
        try:
            return cached_definition(text, self.definition_sha256)
        except DomainError as exc:  # stored, hash intact, yet no longer readable
            raise self._damaged() from exc

    def _damaged(self) -> Unavailable:
        name = f"{self.product_code} v{self.version}"
        return Unavailable("product_definition_damaged", Words(
            f"产品 {name} 的定义与批准时的记录不一致或已损坏，暂停使用；请联系风险经理核查",
            f"The definition of product {name} does not match what was approved, or is damaged; "
            f"it is not used until a risk manager checks it"), "product_code",
            {"product_code": self.product_code, "version": self.version})


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
