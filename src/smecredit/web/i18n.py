"""Chinese first, English by a switch that is remembered (cookie, and the user's preference)."""

from __future__ import annotations

from starlette.requests import Request

LANG_COOKIE = "smecredit_lang"
LANGS = ("zh", "en")


def request_lang(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    if lang in LANGS:
        return lang
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LANGS else "zh"


def pick(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh
