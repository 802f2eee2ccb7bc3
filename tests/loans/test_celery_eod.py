"""The end of day through real Celery workers on the local Redis leaves exactly the state the
in-process run leaves. Skipped when no Redis answers (`.ci/run` starts one)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date

import pytest

from smecredit.loans import eod
from tests.loans.test_eod import portfolio, snapshot

REDIS = os.environ.get("SMECREDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis  # noqa: F401  (celery's redis transport)
    except ImportError:
        return False
    from redis import Redis

    try:
        return bool(Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis (and the redis package) for real Celery workers")


def test_workers_on_redis_leave_the_state_the_in_process_run_leaves(db, make_user, tmp_path):
    from smecredit.jobs import celery_app, configure
    from smecredit.kernel.settings import get_settings
    from tests.conftest import reset_database

    day = date(2025, 2, 12)
    portfolio(db, make_user, 4)
    eod.run(day, chunk_size=1)
    in_process = snapshot(db)

    db.close()
    reset_database()
    portfolio(db, make_user, 4)
    queue = f"smecredit-test-{uuid.uuid4().hex[:8]}"  # our own queue: no other worker on this Redis takes our chunks
    env = {**os.environ, "SMECREDIT_CELERY_BROKER_URL": REDIS, "SMECREDIT_CELERY_ALWAYS_EAGER": "false"}
    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "smecredit.jobs:celery_app", "worker", "-Q", queue,
                                 "--pool=solo", "--concurrency=1", "--loglevel=WARNING", "-n", f"w{i}-{queue}@%h"],
                                env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / f"worker-{i}.log").open("w"))
               for i in range(2)]
    os.environ.update({"SMECREDIT_CELERY_BROKER_URL": REDIS, "SMECREDIT_CELERY_ALWAYS_EAGER": "false"})
    get_settings.cache_clear()
    configure()
    celery_app.conf.task_default_queue = queue
    try:
        # the chunks wait in Redis while the workers start; the timeout only guards against a hang (a
        # worker starting on a loaded machine took more than the 60 s this had)
        eod.run(day, chunk_size=1, dispatch=lambda d, batches: eod.celery_dispatch(d, batches, timeout_seconds=300))
        through_workers = snapshot(db)
    except Exception:
        for i in range(2):
            print((tmp_path / f"worker-{i}.log").read_text()[-5000:])
        raise
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        for name in ("SMECREDIT_CELERY_BROKER_URL", "SMECREDIT_CELERY_ALWAYS_EAGER"):
            os.environ.pop(name, None)
        get_settings.cache_clear()
        configure()
        celery_app.conf.task_default_queue = "celery"
    assert through_workers == in_process
