"""Stage 4: automated qualification review and risk control (policy, scorecards, decisions)."""
