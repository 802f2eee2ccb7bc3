"""Demo data for `make run` on first start. Each stage adds its own seeding here."""

from __future__ import annotations


def seed_all(*, first_start: bool) -> None:
    """Seed demo records beyond the users. Stages append their seeders; idempotent."""
    return None
