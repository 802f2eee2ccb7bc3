"""Demo data for stage 4 (work in progress)."""

from __future__ import annotations


def seed_demo(db) -> int:
    return 0
