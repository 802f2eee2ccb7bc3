"""Stage 5a, loans: contract, disbursement, schedules, repayments, penalty interest, daily accrual
and accounting. The arithmetic (`schedules`, `ledger`, `accounting`) is pure."""
