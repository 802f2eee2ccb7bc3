"""Stage 4 pages (work in progress)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from smecredit.web.security import csrf_protect

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
