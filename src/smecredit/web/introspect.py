"""List the application's routes with their full paths.

Newer FastAPI keeps included routers as branches instead of copying their routes into the app,
so we walk both shapes. Used by the route-permission tests and the ops docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi.routing import APIRoute


def iter_api_routes(routes: Iterable, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI's included-router branch
            context = getattr(route, "include_context", None)
            yield from iter_api_routes(route.original_router.routes, prefix + getattr(context, "prefix", ""))
