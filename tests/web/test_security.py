"""CSRF on every form, security headers on every page, friendly errors, language switch."""

from __future__ import annotations

from smecredit.web.introspect import iter_api_routes

from smecredit.identity.roles import Role
from tests.conftest import csrf_of, login


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/login", "/healthz", "/api/v1/nothing-here", "/nothing-here", "/openapi.json"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["cache-control"] == "no-store", path


def test_session_and_csrf_cookies_are_httponly(client, make_user):
    make_user(Role.AUDITOR, "auditor1")
    response = login(client, "auditor1")
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("smecredit_session="))
    assert "httponly" in session.lower() and "samesite=lax" in session.lower()


def test_every_page_form_route_refuses_a_missing_or_wrong_csrf_token(app, client, make_user):
    make_user(Role.ADMIN, "admin1")
    login(client, "admin1")
    posts = [p for p, r in iter_api_routes(app.routes) if "POST" in r.methods and not p.startswith("/api/")]
    assert len(posts) >= 5
    for path in posts:
        path = path.replace("{username}", "admin1").replace("{operation}", "unlock")
        for data in ({}, {"csrf_token": "forged-token-forged-token"}):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data, response.status_code)
            assert "页面已过期" in response.text


def test_login_form_also_needs_the_csrf_token(client, make_user):
    make_user(Role.AUDITOR, "auditor2")
    client.get("/login")
    response = client.post("/login", data={"username": "auditor2", "password": "x"}, follow_redirects=False)
    assert response.status_code == 403


def test_language_switch_is_remembered(client, make_user):
    assert "登录" in client.get("/login").text
    client.post("/lang", data={"lang": "en", "next": "/login", "csrf_token": csrf_of(client)})
    assert "Sign in to SME Credit" in client.get("/login").text
    make_user(Role.AUDITOR, "auditor3")
    login(client, "auditor3")
    assert "Hello" in client.get("/").text


def test_unknown_page_is_a_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"] and "返回首页" in response.text


def test_healthz_answers_for_load_balancers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_openapi_and_docs_are_served_without_network(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/token" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
