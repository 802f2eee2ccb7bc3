"""Background jobs: the Celery app and the embedded-mode loop.

Embedded mode (the default): ``task_always_eager`` is on, so calling a task runs it in-process, and
the web app's lifespan runs `checkpoint_loop`, which makes the daily audit checkpoint without any
broker. To scale out, set ``SMECREDIT_CELERY_BROKER_URL`` (Redis or RabbitMQ) and run workers and
beat::

    celery -A smecredit.jobs:celery_app worker
    celery -A smecredit.jobs:celery_app beat

With a broker set, tasks are queued (not eager) unless ``SMECREDIT_CELERY_ALWAYS_EAGER`` says
otherwise explicitly. The beat schedule runs the checkpoint task hourly; it only signs when one is
due, so there is at least one checkpoint a day (``SMECREDIT_CHECKPOINT_INTERVAL_HOURS``).
"""

from __future__ import annotations

import asyncio
import logging

from celery import Celery
from celery.schedules import crontab

from smecredit.kernel.settings import Settings, get_settings

log = logging.getLogger("smecredit.jobs")

DAILY_CHECKPOINT_TASK = "smecredit.audit.daily_checkpoint"
CHECK_EVERY_SECONDS = 3600.0
OUTBOX_TASK = "smecredit.notifications.deliver_outbox"
OUTBOX_EVERY_SECONDS = 60.0
DELIVER_TASK = "smecredit.notifications.deliver_messages"
EOD_TASK = "smecredit.loans.end_of_day"
EOD_CHUNK_TASK = "smecredit.loans.eod_chunk"


def celery_config(settings: Settings) -> dict:
    broker = settings.celery_broker_url
    if "celery_always_eager" in settings.model_fields_set:
        eager = settings.celery_always_eager
    else:
        eager = broker is None
    return {
        "broker_url": broker or "memory://",
        "result_backend": None,
        "task_always_eager": eager,
        "task_eager_propagates": True,
        "task_ignore_result": True,
        "timezone": settings.timezone,
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": {
            "audit-daily-checkpoint": {"task": DAILY_CHECKPOINT_TASK, "schedule": CHECK_EVERY_SECONDS},
            "notification-outbox": {"task": OUTBOX_TASK, "schedule": OUTBOX_EVERY_SECONDS},
            # 日终: the loans' end of day, after the close of business (Asia/Shanghai)
            "loans-end-of-day": {"task": EOD_TASK, "schedule": crontab(hour=23, minute=30)},
        },
    }


celery_app = Celery("smecredit")
celery_app.conf.update(celery_config(get_settings()))


def configure(settings: Settings | None = None) -> Celery:
    """Re-read the settings (tests, or after changing the environment)."""
    celery_app.conf.update(celery_config(settings or get_settings()))
    return celery_app


def run_checkpoint_if_due() -> dict | None:
    """Verify the audit log against what was signed and make the periodic checkpoint when due; a
    summary of it, or None. Takes the same verified path as every other signature
    (`audit.checkpoints.make_checkpoint`): a rewritten, rolled-back or wiped log raises
    `Unavailable` (already logged and shown as an alert on the audit pages), never gets signed."""
    from smecredit.audit.checkpoints import ensure_recent_checkpoint
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        checkpoint = ensure_recent_checkpoint(db)
        if checkpoint is None:
            return None
        summary = {"id": checkpoint.id, "tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash}
    log.info("audit checkpoint %(id)s signed at tree size %(tree_size)s", summary)
    return summary


@celery_app.task(name=DAILY_CHECKPOINT_TASK)
def daily_checkpoint() -> dict | None:
    return run_checkpoint_if_due()


def run_outbox_delivery() -> dict:
    """Send what the notification outbox holds (retries included; a message is never sent twice)."""
    from smecredit.notifications.service import deliver_pending

    return deliver_pending()


@celery_app.task(name=OUTBOX_TASK)
def deliver_outbox() -> dict:
    return run_outbox_delivery()


@celery_app.task(name=DELIVER_TASK)
def deliver_messages(message_ids: list[int]) -> dict:
    """Deliver the messages a transaction just committed (`notifications.dispatch.
    dispatch_after_commit`); eager (in-process) without a broker."""
    from smecredit.notifications.service import deliver

    outcome: dict[str, int] = {}
    for message_id in message_ids:
        status = deliver(int(message_id))
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


@celery_app.task(name=EOD_TASK)
def end_of_day() -> list[str]:
    """The loans' end of day up to the business date (catching up missed dates), chunks to workers."""
    from smecredit.kernel.clock import business_date
    from smecredit.models_registry import import_all_models
    from smecredit.stages import load  # by name: the loans stage imports this module for its task names

    import_all_models()
    run, dispatch = load("smecredit.loans.eod:run"), load("smecredit.loans.eod:celery_dispatch")
    return [r.business_date.isoformat() for r in run(business_date(), dispatch=dispatch)]


@celery_app.task(name=EOD_CHUNK_TASK)
def eod_chunk(day: str, loan_ids: list[int]) -> int:
    """One chunk of a date's end of day (`loans.eod.run_chunk`)."""
    from datetime import date

    from smecredit.models_registry import import_all_models
    from smecredit.stages import load

    import_all_models()  # a worker imports only what its tasks name; the mappers need every stage's tables
    return load("smecredit.loans.eod:run_chunk")(date.fromisoformat(day), [int(i) for i in loan_ids])


async def periodically(job, interval_seconds: float, what: str) -> None:
    """Embedded mode: run ``job`` at start and then every ``interval_seconds`` in a thread; log
    errors and carry on, never taking the server down. Cancel the task to stop it."""
    while True:
        try:
            await asyncio.to_thread(job)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed run must not stop the loop or the server
            log.exception("periodic %s failed; will retry in %.0f s", what, interval_seconds)
        await asyncio.sleep(interval_seconds)


async def checkpoint_loop(interval_seconds: float = CHECK_EVERY_SECONDS) -> None:
    """Embedded mode: make the audit checkpoint when due, checked every ``interval_seconds``."""
    await periodically(run_checkpoint_if_due, interval_seconds, "audit checkpoint")


async def outbox_loop(interval_seconds: float = OUTBOX_EVERY_SECONDS) -> None:
    """Embedded mode: deliver the notification outbox every ``interval_seconds``."""
    await periodically(run_outbox_delivery, interval_seconds, "outbox delivery")
