"""The data a lender starts from, loaded on every start (`smecredit run` → `demo.setup_all`), demo
or not: the default product catalogue (`data/products/*.json`) and the LPR table
(`data/lpr.json`). Idempotent: a product that exists (whatever its versions) and a rate already
entered for its date are left alone, so a lender's own changes are never overwritten."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM, record
from smecredit.kernel.clock import utcnow
from smecredit.products import catalogue, events
from smecredit.products.definition import parse_json
from smecredit.products.models import ReferenceRate
from smecredit.products.rates import FIRST_DATE

DATA = Path(__file__).resolve().parent / "data"
#: Default products are priced off the LPR, so they take effect with it.
DEFAULT_EFFECTIVE_FROM = FIRST_DATE


def product_files() -> list[Path]:
    return sorted((DATA / "products").glob("*.json"))


def load_rates(db: Session) -> int:
    path = DATA / "lpr.json"
    raw = path.read_bytes()
    doc = json.loads(raw, parse_float=Decimal)
    have = {(t, d) for t, d in db.execute(select(ReferenceRate.tenor, ReferenceRate.effective_from)).all()}
    added = 0
    for entry in doc["rates"]:
        effective = date.fromisoformat(entry["effective_from"])
        for tenor in ("1y", "5y+"):
            if (tenor, effective) in have:
                continue
            db.add(ReferenceRate(tenor=tenor, effective_from=effective, rate=Decimal(entry[tenor]),
                                 published_on=date.fromisoformat(entry["published_on"]), changed_by=SYSTEM.username,
                                 changed_at=utcnow()))
            added += 1
    if added:
        db.flush()
        record(db, SYSTEM, events.RatesLoaded(entity_id="lpr", count=added, source=f"products/data/{path.name}",
                                              file_sha256=hashlib.sha256(raw).hexdigest()))
    return added


def load_products(db: Session) -> list[str]:
    loaded = []
    for path in product_files():
        definition = parse_json(path.read_text(encoding="utf-8"))
        if catalogue.load_default(db, definition, actor=SYSTEM, effective_from=DEFAULT_EFFECTIVE_FROM,
                                  source=f"products/data/products/{path.name}") is not None:
            loaded.append(definition.code)
    return loaded


def load_defaults(db: Session) -> dict[str, object]:
    return {"rates": load_rates(db), "products": load_products(db)}
