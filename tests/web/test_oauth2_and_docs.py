"""The token endpoint also takes the OAuth2 password form and answers the OAuth2 shape, so Swagger
UI's Authorize works; /docs has a way back to the application and is the only page whose CSP allows
inline code (point 9)."""

from __future__ import annotations

from smecredit.identity.roles import Role
from tests.conftest import PASSWORD


def form(client, **values):
    return client.post("/api/v1/auth/token", data=values)


def test_the_oauth2_password_form_gets_a_bearer_token(client, make_user):
    make_user(Role.RISK_MANAGER, "risk1")
    response = form(client, grant_type="password", username="risk1", password=PASSWORD, scope="", client_id="")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("smc_")
    assert 0 < body["expires_in"] <= 8 * 3600
    assert response.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "risk1"


def test_oauth2_form_errors_follow_rfc_6749(client, make_user):
    make_user(Role.RISK_MANAGER, "risk2")
    wrong = form(client, grant_type="password", username="risk2", password="Wrong-Password-1")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "用户名或密码错误" in wrong.json()["error_description"]
    grant = form(client, grant_type="client_credentials", username="risk2", password=PASSWORD)
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    missing = form(client, grant_type="password", username="risk2")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    for i in range(4):
        form(client, grant_type="password", username="risk2", password=f"Wrong-{i}-Password")
    locked = form(client, grant_type="password", username="risk2", password=PASSWORD)
    assert locked.status_code == 400 and locked.json()["error"] == "invalid_grant"
    assert locked.json()["smecredit_code"] == "account_locked"


def test_the_json_request_keeps_the_platform_error_shape(client):
    response = client.post("/api/v1/auth/token", json={"username": "nobody-here", "password": "Wrong-Password-1"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"
    bad = client.post("/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_openapi_documents_the_password_flow_for_swagger_authorize(client):
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    body = spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(body)
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"HTTPBearer": []}, {"OAuth2PasswordBearer": []}]


def test_docs_has_a_way_back_and_only_docs_allows_inline_code(client):
    docs = client.get("/docs")
    assert 'data-testid="docs-bar"' in docs.text and 'href="/"' in docs.text and "返回小微信贷平台" in docs.text
    assert '<link rel="stylesheet" href="/static/docs.css">' in docs.text
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    for path in ("/login", "/signup", "/password/forgot", "/openapi.json", "/api/v1/me"):
        assert "unsafe-inline" not in client.get(path).headers["content-security-policy"], path
    assert client.get("/static/docs.css").status_code == 200
