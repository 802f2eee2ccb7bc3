"""Every protected route, tried as every role and as nobody.

The routes are read from the application itself, so a new route without an `Allow` dependency
fails here unless it is deliberately public.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from smecredit.identity.roles import Role
from smecredit.web.deps import Allow
from smecredit.web.introspect import iter_api_routes
from tests.conftest import api_token, csrf_of, login

PUBLIC = {
    ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/lang"),
    ("GET", "/healthz"), ("GET", "/docs"), ("GET", "/openapi.json"), ("POST", "/api/v1/auth/token"),
    # Self-service sign-up and forgotten password (by SMS one-time code): for people without an
    # account, or who cannot sign in. Rate-limited per number and per source address.
    ("GET", "/signup"), ("POST", "/signup/code"), ("POST", "/signup"),
    ("GET", "/password/forgot"), ("POST", "/password/forgot/code"), ("POST", "/password/forgot"),
    ("POST", "/api/v1/signup/code"), ("POST", "/api/v1/signup"), ("POST", "/api/v1/signup/password-reset"),
    # A guarantor accepts their guarantee contract without an account: the link's unguessable token
    # opens it (any other token is a 404), an SMS code to their mobile proves who accepts; rate-limited.
    ("GET", "/guarantee/{token}"), ("POST", "/guarantee/{token}/code"), ("POST", "/guarantee/{token}/accept"),
}


def allow_of(route: APIRoute) -> Allow | None:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Allow):
            return dependant.call
        stack.extend(dependant.dependencies)
    return None


def protected_routes(app) -> list[tuple[str, str, Allow]]:
    found = []
    for path, route in iter_api_routes(app.routes):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            allow = allow_of(route)
            if allow is None:
                assert (method, path) in PUBLIC, f"{method} {path} has no Allow(...) and is not listed as public"
                continue
            found.append((method, path, allow))
    return found


def concrete(path: str) -> str:
    # An id no row has: the probe must not act on its own rows (DELETE /api/v1/me/tokens/1 would
    # revoke the very token it is probing with).
    return re.sub(r"\{[^}]+\}", "999999", path)


def call(client, method: str, path: str, *, headers=None, page: bool):
    kwargs = {"headers": headers or {}, "follow_redirects": False}
    if method != "GET":
        if page:
            kwargs["data"] = {"csrf_token": csrf_of(client)}
        else:
            kwargs["json"] = {}
    return client.request(method, concrete(path), **kwargs)


def test_every_route_is_protected_or_deliberately_public(app):
    routes = protected_routes(app)
    assert any(path.startswith("/api/") for _, path, _ in routes)
    assert any(not path.startswith("/api/") for _, path, _ in routes)


def test_nobody_is_sent_to_login_or_gets_401(app, client):
    for method, path, allow in protected_routes(app):
        response = call(client, method, path, page=not allow.api)
        if allow.api:
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.json()["error"]["code"] == "not_authenticated"
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_its_routes(app, client, make_user, role):
    make_user(role, "probe")
    login(client, "probe")
    headers = api_token(client, "probe")
    for method, path, allow in protected_routes(app):
        response = call(client, method, path, headers=headers if allow.api else None, page=not allow.api)
        if role in allow.roles:
            assert response.status_code not in (401, 403), (role, method, path, response.status_code)
            if not allow.api:
                assert not response.headers.get("location", "").startswith("/login"), (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)


def test_page_menus_show_only_what_the_role_may_use(client, make_user):
    make_user(Role.APPLICANT, "applicant1")
    login(client, "applicant1")
    home = client.get("/").text
    assert 'data-menu="users"' not in home and 'data-menu="audit"' not in home
    client.cookies.clear()
    make_user(Role.ADMIN, "admin1")
    login(client, "admin1")
    home = client.get("/").text
    assert 'data-menu="users"' in home
