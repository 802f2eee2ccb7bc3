"""Stage 5a, loans: contract, disbursement, schedules, repayments, penalty interest, daily accrual
and accounting. Pure cores: `schedules`, `ledger`, `accounting`, `access`."""

from pathlib import Path

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="loans",
    order=50,
    label=Text("放款、还款与核算", "Loans: disbursement, repayment and accounting"),
    models="smecredit.loans.models",
    events="smecredit.loans.events",
    routers=("smecredit.loans.api:router", "smecredit.loans.api:accounting_router"),
    templates=Path(__file__).resolve().parent / "templates",
    commands=(("schedule", "smecredit.loans.cli:app"), ("eod", "smecredit.loans.cli:eod_app")),
)
