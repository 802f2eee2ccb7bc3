"""At most as many requests at work as the database pool has connections.

A request keeps its database connection between the worker threads its dependencies and route run
in. Without a bound, a burst of requests could hold every connection while waiting for a thread,
while every thread waits for a connection: nothing moves until the pool times out (seen with 50
parallel pulls of one enterprise). Requests beyond the bound wait here, holding neither.
"""

from __future__ import annotations

import asyncio
import weakref


class AdmissionMiddleware:
    def __init__(self, app, *, limit: int):
        self.app = app
        self.limit = limit
        # One set of slots per event loop: a semaphore belongs to the loop it first waits in (a
        # server has one loop; a test client may start one per request).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        async with slots:
            return await self.app(scope, receive, send)
