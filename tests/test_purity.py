"""The pure cores import nothing from the database or the web, so they are tested directly and
fast, and the next stage can reuse them anywhere. A stage adds its rule and arithmetic modules here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PURE = [
    "smecredit.kernel.text", "smecredit.kernel.errors", "smecredit.kernel.money", "smecredit.kernel.inputs",
    "smecredit.kernel.pdf",
    "smecredit.standards.uscc", "smecredit.standards.resident_id", "smecredit.standards.sme_size",
    "smecredit.standards.tax_credit", "smecredit.standards.regions", "smecredit.standards.working_capital",
    "smecredit.audit.merkle", "smecredit.audit.canonical", "smecredit.audit.note",
    "smecredit.identity.roles", "smecredit.identity.permissions",
    "smecredit.enterprises.access", "smecredit.enterprises.rules", "smecredit.enterprises.discrepancies",
    "smecredit.enterprises.profile_rules", "smecredit.enterprises.connectors",
    "smecredit.enterprises.summary", "smecredit.enterprises.snapshot_tables",
    "smecredit.documents.content",
    "smecredit.documents.filenames",
    "smecredit.notifications.kinds",
    "smecredit.products.vocabulary", "smecredit.products.definition", "smecredit.products.eligibility",
    "smecredit.products.limits", "smecredit.products.fit",
    "smecredit.applications.states", "smecredit.applications.access", "smecredit.applications.rules",
    "smecredit.decisioning.scorecard", "smecredit.decisioning.policy", "smecredit.decisioning.engine",
    "smecredit.decisioning.pricing", "smecredit.decisioning.authority", "smecredit.decisioning.replay",
    "smecredit.decisioning.report",
    "smecredit.loans.schedules", "smecredit.loans.ledger", "smecredit.loans.accounting", "smecredit.loans.change_rules",
    "smecredit.loans.dues",
]
IMPURE = ("sqlalchemy", "fastapi", "starlette", "jinja2", "celery", "alembic", "uvicorn", "httpx")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_database_or_web(module):
    code = (f"import sys, {module}\n"
            f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({IMPURE!r}))))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert found.stdout.strip() == "", f"{module} pulls in {found.stdout.strip()}"
