"""Bad input never gets a 500: every route is called with malformed bodies, odd path values and
wrong types, by a user who may use it, and must answer 4xx (or succeed)."""

from __future__ import annotations

import re

import pytest

from smecredit.identity.roles import Role
from tests.conftest import api_token, csrf_of, login
from tests.web.test_route_permissions import protected_routes

ODD_PATH_VALUES = ["0", "-1", "abc", "99999999999999999999", "%E4%B8%AD", "1.5"]
BAD_JSON_BODIES = [b"not json", b"[]", b"null", b'{"name": 5, "roles": "x", "uscc": []}', b'{"' + b"x" * 5000 + b'": 1}']


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LOAN_OFFICER, Role.AUDITOR, Role.APPLICANT])
def test_no_route_answers_500_to_bad_input(app, client, make_user, role):
    make_user(role, "fuzz")
    login(client, "fuzz")
    headers = api_token(client, "fuzz")
    for method, path, allow in protected_routes(app):
        if role not in allow.roles:
            continue
        values = ODD_PATH_VALUES if "{" in path else ["-"]
        for value in values:
            url = fill(path, value)
            if allow.api:
                bodies = BAD_JSON_BODIES if method != "GET" else [None]
                for body in bodies:
                    response = client.request(method, url, content=body, follow_redirects=False,
                                              headers={**headers, "content-type": "application/json"})
                    assert response.status_code < 500, (role, method, url, body[:40] if body else body, response.text[:300])
            else:
                data = {"csrf_token": csrf_of(client), "employees": "many", "revenue_wan": "x", "uscc": "?",
                        "founded_on": "yesterday", "roles": "boss", "amount": "1e999"} if method != "GET" else None
                response = client.request(method, url, data=data, follow_redirects=False)
                assert response.status_code < 500, (role, method, url, response.text[:300])
        if method == "GET" and not allow.api:
            response = client.get(fill(path, "1") + "?page=-5&q=%00&size=abc&since=notadate", follow_redirects=False)
            assert response.status_code < 500, (role, path, response.text[:300])
