"""One pagination shape for every API list: `{"total": n, "items": [...]}` with `limit` and
`offset` query parameters, bounded (a bad bound is answered 422 by FastAPI's validation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int
    items: list[T]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description=f"每页条数 / items per page (1–{MAX_LIMIT})"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="跳过的条数 / items to skip"),
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


def page_of(items: list, paging: PageParams) -> Page:
    """A page of a list already in memory (short per-object lists: people, authorisations …)."""
    return Page(total=len(items), items=items[paging.offset: paging.offset + paging.limit])
