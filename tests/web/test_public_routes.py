"""The deliberately public routes (sign-in, sign-up, forgotten password, tokens) never answer 500,
whatever they are sent; the protected ones are covered by test_no_500."""

from __future__ import annotations

from smecredit.web.introspect import iter_api_routes
from tests.conftest import csrf_of
from tests.web.test_route_permissions import PUBLIC, allow_of

BODIES = [b"", b"not json", b"[]", b"null", b'{"mobile": 5, "code": [], "purpose": "x"}',
          b'{"mobile": "13800138000", "purpose": "signup", "extra": 1}', b'{"' + b"x" * 5000 + b'": 1}',
          "{\"mobile\": \"\\ud800\"}".encode()]
FORMS = [{}, {"mobile": "abc", "code": "x" * 50, "username": "\x00", "password": "", "id_number": "1" * 40,
              "real_name": "<script>", "agree": "yes", "new_password": "x", "grant_type": "password"},
         {"mobile": "+86 138 0013 8000", "grant_type": "implicit"}]


def test_public_routes_answer_4xx_or_success_to_anything(app, client):
    routes = [(m, p) for p, r in iter_api_routes(app.routes) for m in r.methods - {"HEAD"} if allow_of(r) is None]
    assert {(m, p) for m, p in routes} <= PUBLIC
    for method, path in routes:
        if method == "GET":
            assert client.get(path + "?next=//evil&mobile=%00", follow_redirects=False).status_code < 500, path
            continue
        for body in BODIES:
            response = client.request(method, path, content=body, headers={"content-type": "application/json"},
                                      follow_redirects=False)
            assert response.status_code < 500, (path, body[:40], response.text[:200])
        for data in FORMS:
            response = client.request(method, path, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)
            assert response.status_code < 500, (path, data, response.text[:200])
