"""Import every stage's models so `Base.metadata` knows all tables (Alembic, schema checks)."""

from __future__ import annotations

import importlib

MODEL_MODULES = [
    "smecredit.identity.models",
    "smecredit.audit.models",
    "smecredit.enterprises.models",
]


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
