"""Demo data for `make run` on first start. Each stage adds its own seeding here; every seeder
skips what already exists, so running it again changes nothing."""

from __future__ import annotations


def seed_all() -> None:
    from smecredit.enterprises.demo import seed_demo
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        seed_demo(db)
