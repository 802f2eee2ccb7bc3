"""Which routers the application serves; each stage adds its own here."""

from __future__ import annotations

from fastapi import FastAPI


def include_all(app: FastAPI) -> None:
    from smecredit.audit import api as audit_api
    from smecredit.audit import pages as audit_pages
    from smecredit.enterprises import api as enterprises_api
    from smecredit.enterprises import pages as enterprises_pages
    from smecredit.identity import api as identity_api
    from smecredit.identity import pages as identity_pages

    app.include_router(identity_pages.router)
    app.include_router(identity_api.router)
    app.include_router(audit_pages.router)
    app.include_router(audit_api.router)
    app.include_router(enterprises_pages.router)
    app.include_router(enterprises_api.router)
    app.include_router(enterprises_api.mappings_router)
