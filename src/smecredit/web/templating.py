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
from smecredit.web.menu import menu_for

TEMPLATE_DIRS = [Path(__file__).resolve().parent / "templates"]
templates = Jinja2Templates(directory=[str(p) for p in TEMPLATE_DIRS])
templates.env.filters["yuan"] = format_yuan
templates.env.filters["local_time"] = lambda m: to_local(m).strftime("%Y-%m-%d %H:%M:%S") if m else ""
templates.env.globals["version"] = __version__


def add_template_dir(path: Path) -> None:
    """Stages keep their templates beside their code; they register the folder here."""
    if path not in TEMPLATE_DIRS:
        TEMPLATE_DIRS.append(path)
        templates.env.loader.searchpath.append(str(path))


# Success messages shown after a redirect (`?notice=CODE`). Only known codes are shown, so a link
# cannot put arbitrary text on our pages. Stages add theirs with `register_notices`.
NOTICES: dict[str, tuple[str, str]] = {
    "saved": ("已保存", "Saved"),
    "removed": ("已删除", "Removed"),
}


def register_notices(notices: dict[str, tuple[str, str]], *, path: str | None = None) -> None:
    """Add notice texts; with `path`, the codes mean these texts on that page only."""
    NOTICES.update({f"{path}?{code}" if path else code: text for code, text in notices.items()})


def notice_from(request: Request, lang: str) -> str | None:
    code = request.query_params.get("notice", "")
    found = NOTICES.get(f"{request.url.path}?{code}") or NOTICES.get(code)
    return pick(lang, *found) if found else None


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200):
    lang = request_lang(request)
    user = getattr(request.state, "user_view", None)
    ctx = {
        "lang": lang,
        "tr": lambda zh, en: pick(lang, zh, en),
        "user": user,
        "menu": menu_for(user.roles) if user else [],
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "business_date": business_date(),
        "path": request.url.path,
        "now": utcnow(),
        "notice": notice_from(request, lang),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
