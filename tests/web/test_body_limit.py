"""Request bodies are capped before they are read (point 3): a body is counted while it streams in,
a Content-Length over the limit is refused without reading anything, and a request without a
valid session or token never gets more than the small anonymous allowance."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from smecredit.identity.roles import Role
from tests.conftest import api_token, login

CHUNK = 64 * 1024
HUGE = 500 * 1024 * 1024  # 500 MB


class Body:
    """A streamed request body that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = CHUNK, first: bytes = b""):
        self.total, self.chunk, self.first = total, chunk, first
        self.sent = 0

    def next(self) -> bytes:
        if self.sent == 0 and self.first:
            piece = self.first
        else:
            piece = b" " * min(self.chunk, self.total - self.sent)
        self.sent += len(piece)
        return piece

    @property
    def done(self) -> bool:
        return self.sent >= self.total


def call(app, method: str, path: str, body: Body, headers: dict[str, str] | None = None):
    """Drive the ASGI app directly with a body that is produced only when the app asks for it."""
    sent: list[dict] = []

    async def receive():
        if body.done:
            return {"type": "http.disconnect"}
        piece = body.next()
        return {"type": "http.request", "body": piece, "more_body": not body.done}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("198.51.100.7", 50000), "server": ("127.0.0.1", 80), "state": {},
    }
    # In a thread of its own: a browser test in the same worker may hold a running loop here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, content


def test_a_500_mb_json_body_to_the_token_endpoint_is_refused_after_the_allowance(app):
    body = Body(HUGE, first=b'{"username": "x", "password": "')
    status, headers, content = call(app, "POST", "/api/v1/auth/token", body, {"content-type": "application/json"})
    assert status == 413
    error = json.loads(content)["error"]
    assert error["code"] == "too_large" and error["details"]["limit_bytes"] == 16 * 1024
    assert "16 KiB" in error["message"]["en"] and "请先登录" in error["message"]["zh"]
    assert body.sent <= 16 * 1024 + CHUNK, f"read {body.sent} bytes of a body refused at 16 KiB"
    assert headers["x-content-type-options"] == "nosniff"  # the security headers are on it too


def test_a_declared_length_over_the_limit_is_refused_without_reading_a_byte(app):
    body = Body(HUGE)
    status, headers, content = call(app, "POST", "/api/v1/auth/token", body,
                                    {"content-type": "application/json", "content-length": str(HUGE)})
    assert status == 413 and body.sent == 0
    assert json.loads(content)["error"]["code"] == "too_large"


def test_an_anonymous_multipart_upload_is_refused_fast_api_and_page(app):
    boundary = "xYz"
    for path in ("/api/v1/enterprises/1/data/bank_statement/upload", "/enterprises/1/data/bank_statement/upload"):
        body = Body(10 * 1024 * 1024, first=f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                                            f"filename=\"a.csv\"\r\n\r\n".encode())
        status, _, _ = call(app, "POST", path, body, {"content-type": f"multipart/form-data; boundary={boundary}"})
        assert status == 413, path
        assert body.sent <= 16 * 1024 + CHUNK, (path, body.sent)
        declared = Body(10 * 1024 * 1024)
        status, _, _ = call(app, "POST", path, declared, {"content-type": f"multipart/form-data; boundary={boundary}",
                                                          "content-length": str(10 * 1024 * 1024)})
        assert status == 413 and declared.sent == 0, path


def test_a_forged_token_or_cookie_gets_only_the_anonymous_allowance(app):
    body = Body(200 * 1024)
    status, _, _ = call(app, "POST", "/api/v1/users", body, {"content-type": "application/json",
                                                             "authorization": "Bearer smc_forged-forged-forged"})
    assert status == 413 and body.sent <= 16 * 1024 + CHUNK
    body = Body(200 * 1024)
    status, _, _ = call(app, "POST", "/admin/users", body, {"content-type": "application/x-www-form-urlencoded",
                                                            "cookie": "smecredit_session=forged.value"})
    assert status == 413 and body.sent <= 16 * 1024 + CHUNK


def test_a_signed_in_request_gets_the_route_kinds_limit(app, client, make_user):
    make_user(Role.ADMIN, "admin1")
    headers = api_token(client, "admin1")
    padding = " " * (100 * 1024)
    # 100 KiB of JSON from a signed-in administrator is read (and then judged: 422, not 413).
    response = client.post("/api/v1/users", headers={**headers, "content-type": "application/json"},
                           content=('{"username": "x"' + padding + "}").encode())
    assert response.status_code == 422
    # Over the JSON limit (1 MiB): refused, and the message gives the signed-in limit.
    body = Body(3 * 1024 * 1024)
    status, _, content = call(app, "POST", "/api/v1/users", body,
                              {"content-type": "application/json", "authorization": headers["Authorization"]})
    assert status == 413 and json.loads(content)["error"]["details"]["limit_bytes"] == 1024 * 1024
    assert body.sent <= 1024 * 1024 + CHUNK


def test_a_signed_in_page_form_gets_the_form_limit(app, client, make_user):
    make_user(Role.ADMIN, "admin2")
    login(client, "admin2")
    cookie = f"smecredit_session={client.cookies['smecredit_session']}"
    body = Body(200 * 1024, first=b"q=")
    status, _, _ = call(app, "POST", "/lang", body, {"content-type": "application/x-www-form-urlencoded",
                                                     "cookie": cookie})
    assert status != 413  # 200 KiB of form from a signed-in page is read (then refused for its CSRF token)
    assert body.done


def test_upload_routes_have_their_own_setting(app, monkeypatch):
    from smecredit.kernel.settings import get_settings
    from smecredit.web.body_limit import limits_for

    monkeypatch.setenv("SMECREDIT_MAX_UPLOAD_MB", "5")
    get_settings.cache_clear()
    scope = {"path": "/api/v1/enterprises/3/data/tax/upload", "headers": [(b"content-type", b"multipart/form-data; b=1")]}
    assert limits_for(scope) == (5 * 1024 * 1024, 16 * 1024)
    for path in ("/api/v1/applications/4/documents", "/enterprises/3/authorisations/paper"):  # scans of several MiB
        assert limits_for({**scope, "path": path})[0] == 5 * 1024 * 1024, path
    scope = {"path": "/admin/users", "headers": [(b"content-type", b"multipart/form-data; b=1")]}
    assert limits_for(scope)[0] == 1024 * 1024
    get_settings.cache_clear()


@pytest.fixture()
def live_url(clean_db):
    import uvicorn

    from smecredit.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield ("127.0.0.1", port)
    server.should_exit = True
    thread.join(timeout=10)


def test_a_real_server_answers_413_to_a_500_mb_declaration_at_once(live_url):
    started = time.monotonic()
    with socket.create_connection(live_url, timeout=10) as conn:
        conn.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % HUGE + b'{"username": "')
        answer = b""
        while chunk := conn.recv(65536):  # the server closes the connection after answering
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"too_large"' in answer
    assert time.monotonic() - started < 5
