"""Hand an outbox message to the deliverer once the transaction that wrote it has committed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.kernel.db import on_commit


def dispatch_after_commit(db: Session, message_id: int) -> None:
    """Deliver ``message_id`` after the caller's transaction commits, through the Celery app: run
    in-process when no broker is configured (eager), queued to a worker when one is. If that
    fails (a crash, a broker down), the periodic delivery job sends it."""

    def hand_over() -> None:
        from smecredit.jobs import deliver_messages

        deliver_messages.delay([message_id])

    on_commit(db, hand_over)
