"""Demo data for stage 2 (first start only; idempotent): the default catalogue is loaded for every
install (`products.setup`); the demo adds one draft awaiting a second risk manager — the demo
`risk` manager proposes to raise the tax-data loan's ceiling for grade-A enterprises, and the demo
`risk2` manager can approve it."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.products import catalogue
from smecredit.products.models import ProductVersion

log = logging.getLogger("smecredit.demo")
NOTE = "演示：A 级企业上限由 100 万元提高到 120 万元 / demo: raise the grade-A cap to 1.2 million"


def seed_demo(db: Session) -> int:
    author = db.execute(select(User).where(User.username == "risk")).scalar_one_or_none()
    if author is None:
        log.info("no demo risk manager; skipping the stage 2 demo")
        return 0
    if db.execute(select(ProductVersion.id).where(ProductVersion.note == NOTE)).first():
        return 0
    try:
        current = catalogue.current_version(db, "tax_loan")
    except Exception:  # noqa: BLE001 - a lender who removed the product from the defaults: nothing to show
        return 0
    data = current.definition.to_dict()
    data["max_amount"] = "1200000.00"
    data["limit"]["params"]["caps"]["A"] = f"{Decimal('1200000.00'):f}"
    catalogue.draft(db, user=author, code="tax_loan", data=data, note=NOTE)
    return 1
