"""The application factory: API, pages, static files, OpenAPI at /openapi.json and /docs."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from smecredit import __version__
from smecredit.kernel.db import new_session
from smecredit.kernel.settings import get_settings
from smecredit.web import errors
from smecredit.kernel.db import POOL_CAPACITY
from smecredit.web.admission import AdmissionMiddleware
from smecredit.web.body_limit import BodyLimitMiddleware
from smecredit.web.openapi import prune
from smecredit.web.security import SecurityMiddleware

STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
小微企业信贷平台 API — small and micro enterprise credit platform.

认证 / Authentication: `POST /api/v1/auth/token` with a user name and password (JSON, or the OAuth2
password form — what *Authorize* above uses) returns an opaque bearer token; send it as
`Authorization: Bearer <token>`. Errors are JSON `{"error": {"code", "field", "message": {"zh", "en"},
"details"}}` (`ErrorResponse`) with a 4xx status; 429 answers say when to retry (`Retry-After`).
JSON bodies are strict: a number is not a date, `0` is not a boolean, `"12"` is not an integer.
"""


# A way back to the application above Swagger UI (its page is not one of ours, so no base.html).
DOCS_BAR = """<nav class="docs-bar" data-testid="docs-bar">
  <a href="/" class="docs-home" data-testid="docs-back">← 返回小微信贷平台 <span>Back to SME Credit</span></a>
  <span class="docs-title">接口文档 <span>API reference</span></span>
  <span class="docs-hint">Authorize：用户名与密码（OAuth2 password） / user name and password</span>
</nav>"""


@asynccontextmanager
async def lifespan(app: FastAPI):
    """In embedded mode (no Celery broker) the server itself makes the daily audit checkpoint and
    delivers the notification outbox; with a broker, Celery beat does."""
    from smecredit.jobs import checkpoint_loop, outbox_loop

    tasks = [] if get_settings().celery_broker_url else [asyncio.create_task(checkpoint_loop()),
                                                         asyncio.create_task(outbox_loop())]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


def create_app() -> FastAPI:
    settings = get_settings()
    settings.ensure_dirs()
    app = FastAPI(
        lifespan=lifespan,
        title="smecredit",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # Added first = inside: the security headers go on the 413 answers too.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.cookie_secure)
    # Outermost: waiting requests hold no thread and no connection (see web/admission.py).
    app.add_middleware(AdmissionMiddleware, limit=POOL_CAPACITY - 2)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui():
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="smecredit API · 接口文档",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"persistAuthorization": False, "displayRequestDuration": True},
        )
        html = page.body.decode("utf-8")
        html = html.replace("<head>", '<head>\n<link rel="stylesheet" href="/static/docs.css">', 1)
        html = html.replace("<body>", "<body>\n" + DOCS_BAR, 1)
        return HTMLResponse(html)

    @app.get("/healthz", tags=["ops"], summary="Liveness and database check for load balancers")
    def healthz():
        try:
            with new_session() as db:
                db.execute(text("SELECT 1"))
        except Exception:  # the database is down: tell the load balancer, not the user
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return {"status": "ok", "database": "ok", "version": __version__}

    from smecredit.routes import include_all

    include_all(app)

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = prune(get_openapi(title=app.title, version=app.version, description=app.description,
                                                   routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi
    return app
