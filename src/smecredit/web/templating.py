"""Jinja2 set-up shared by every stage's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from smecredit import __version__
from smecredit.kernel.clock import business_date, to_local, utcnow
from smecredit.kernel.money import format_yuan
from smecredit.web.i18n import pick, request_lang
from smecredit.stages import menu_for, notices

TEMPLATE_DIRS = [Path(__file__).resolve().parent / "templates"]
templates = Jinja2Templates(directory=[str(p) for p in TEMPLATE_DIRS])
templates.env.filters["yuan"] = format_yuan
templates.env.filters["local_time"] = lambda m: to_local(m).strftime("%Y-%m-%d %H:%M:%S") if m else ""
templates.env.globals["version"] = __version__


# Functions (request) -> dict adding to every page's context, e.g. the inbox's unread count for the
# top bar; registered by the stage that owns the value (`add_context`).
CONTEXT_PROVIDERS: list = []


def add_context(provider) -> None:
    if provider not in CONTEXT_PROVIDERS:
        CONTEXT_PROVIDERS.append(provider)


def add_template_dir(path: Path) -> None:
    """Stages keep their templates beside their code; the app factory adds each stage's folder."""
    if path not in TEMPLATE_DIRS:
        TEMPLATE_DIRS.append(path)
        templates.env.loader.searchpath.append(str(path))


def notice_from(request: Request, lang: str) -> str | None:
    """The success message after a redirect (`?notice=CODE`). Only codes a stage declared are
    shown (`Stage.notices`; "/path?code" means that page only), so a link cannot put arbitrary
    text on our pages."""
    code = request.query_params.get("notice", "")
    known = notices()
    found = known.get(f"{request.url.path}?{code}") or known.get(code)
    return found.pick(lang) if found else None


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200):
    lang = request_lang(request)
    user = getattr(request.state, "user_view", None)
    ctx = {
        "lang": lang,
        "tr": lambda zh, en: pick(lang, zh, en),
        "t": lambda text: text.pick(lang) if text is not None else "",
        "user": user,
        "menu": menu_for(user.roles) if user else [],
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "business_date": business_date(),
        "path": request.url.path,
        "now": utcnow(),
        "notice": notice_from(request, lang),
    }
    for provider in CONTEXT_PROVIDERS:
        ctx.update(provider(request))
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
