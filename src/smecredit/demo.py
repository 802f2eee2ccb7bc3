"""Demo data for `make run` on first start: every stage's seeder, in stage order, each in its own
unit of work. Every seeder skips what already exists, so running it again changes nothing."""

from __future__ import annotations

from typing import Any


def seed_all() -> dict[str, Any]:
    from smecredit.commandline import use_case
    from smecredit.stages import all_stages, load

    results: dict[str, Any] = {}
    for stage in all_stages():
        if stage.demo:
            with use_case() as db:
                results[stage.name] = load(stage.demo)(db)
    return results


def setup_all() -> dict[str, Any]:
    """Every stage's starting data (``Stage.setup``), in stage order, each in its own unit of work.
    Runs on every start, demo or not; each loader skips what exists."""
    from smecredit.commandline import use_case
    from smecredit.stages import all_stages, load

    results: dict[str, Any] = {}
    for stage in all_stages():
        if stage.setup:
            with use_case() as db:
                results[stage.name] = load(stage.setup)(db)
    return results
