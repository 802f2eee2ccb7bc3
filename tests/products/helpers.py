"""Shared helpers for stage-2 tests: the default catalogue's definitions as dicts, loading it."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

from smecredit.products import setup


def default_dicts() -> dict[str, dict]:
    found = {}
    for path in setup.product_files():
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        found[data["code"]] = data
    return found


def default_dict(code: str) -> dict:
    return copy.deepcopy(default_dicts()[code])


def load_defaults(db) -> None:
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        setup.load_defaults(db)
