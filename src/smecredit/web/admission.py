"""At most as many requests at work as the database pool has connections.

A request keeps its database connection between the worker threads its dependencies and route run
in. Without a bound, a burst of requests could hold every connection while waiting for a thread,
while every thread waits for a connection: nothing moves until the pool times out (seen with 50
parallel pulls of one enterprise). Requests beyond the bound wait here, holding neither.
"""

from __future__ import annotations

import asyncio


class AdmissionMiddleware:
    def __init__(self, app, *, limit: int):
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        if self._slots is None:  # made inside the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            return await self.app(scope, receive, send)
