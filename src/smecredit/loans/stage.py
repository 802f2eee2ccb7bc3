"""Stage 5a, loans: contract, disbursement, schedules, repayments, penalty interest, daily accrual
and accounting. So far: the repayment schedule (`schedules`) and its command."""

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="loans",
    order=50,
    label=Text("放款、还款与核算", "Loans: disbursement, repayment and accounting"),
    commands=(("schedule", "smecredit.loans.cli:app"),),
)
