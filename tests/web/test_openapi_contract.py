"""The API's contract (point 5): error answers documented with one named schema on the routes where
they occur, 405 answers carry `Allow`, and JSON bodies are read strictly through one base model."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from smecredit.identity.roles import Role
from smecredit.web.inputs import ApiInput
from smecredit.web.introspect import iter_api_routes
from tests.conftest import api_token

ERROR_REF = "#/components/schemas/ErrorResponse"

# JSON bodies of the enterprises API, rewritten in parallel by another engineer: they move onto
# ApiInput there (merge note). The test fails if one of them already did (shrink the list) or if
# any other model is not strict.
PENDING_STRICT: set[str] = set()


@pytest.fixture()
def spec(client):
    return client.get("/openapi.json").json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_error_schema_is_one_named_component(spec):
    schemas = spec["components"]["schemas"]
    error = schemas["ErrorResponse"]
    assert error["required"] == ["error"] and error["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail"
    detail = schemas["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "field", "message", "details"}
    assert detail["properties"]["message"]["$ref"] == "#/components/schemas/BilingualText"
    assert set(schemas["BilingualText"]["properties"]) == {"zh", "en"}


def test_every_api_operation_documents_the_errors_it_can_answer(spec):
    seen = set()
    for path, method, operation in operations(spec):
        if not path.startswith("/api/"):
            continue
        responses = operation["responses"]
        expected = {"422"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected |= {"404"}
        if "requestBody" in operation:
            expected |= {"413"}
        missing = expected - set(responses)
        assert not missing, (method, path, sorted(missing))
        for status, answer in responses.items():
            if status.startswith(("4", "5")) and status != "400":
                assert answer["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, (method, path, status)
            seen.add(status)
        if method == "get":
            assert "409" not in responses and "413" not in responses, (method, path)
    assert {"401", "403", "404", "409", "413", "422", "423", "429"} <= seen
    token = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"401", "423", "429"} <= set(token) and "Retry-After" in token["429"]["headers"]
    assert "409" in spec["paths"]["/api/v1/users"]["post"]["responses"]


def test_enterprise_and_audit_routers_use_the_shared_helper(spec):
    assert spec["paths"]["/api/v1/enterprises/{enterprise_id}"]["patch"]["responses"]["409"]["content"]
    assert spec["paths"]["/api/v1/audit/events"]["get"]["responses"]["401"]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/api/v1/me", "GET"),
    ("PUT", "/login", "GET, POST"),
    ("PATCH", "/api/v1/users/someone/roles", "PUT"),
    ("GET", "/api/v1/auth/token", "POST"),
])
def test_405_answers_carry_allow(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "method_not_allowed"


# --- strict input ------------------------------------------------------------------------------------

def _models(annotation) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def json_body_models(app) -> set[type[BaseModel]]:
    found = set()
    for _, route in iter_api_routes(app.routes):
        field = route.body_field
        if field is None or not route.path_format.startswith("/api/"):
            continue
        if any(getattr(p.field_info, "media_type", "") != "application/json" for p in route.dependant.body_params):
            continue  # forms and uploads: parsed from text
        for param in route.dependant.body_params:
            found.update(_models(param.field_info.annotation))
    return found


def test_every_json_body_of_the_api_is_an_api_input(app):
    models = json_body_models(app)
    assert any(m.__name__ == "UserCreate" for m in models)
    names = {f"{m.__module__}.{m.__qualname__}" for m in models}
    loose = {f"{m.__module__}.{m.__qualname__}" for m in models if not issubclass(m, ApiInput)}
    assert loose <= PENDING_STRICT, f"not strict: {sorted(loose - PENDING_STRICT)}"
    assert not (PENDING_STRICT & names) - loose, f"strict now, remove from PENDING_STRICT: {sorted((PENDING_STRICT & names) - loose)}"


class Sample(ApiInput):
    when: date
    count: int
    flag: bool
    amount: Decimal
    role: Role | None = None


@pytest.mark.parametrize("data, field", [
    ({"when": 20260131, "count": 1, "flag": True, "amount": "1.5"}, "when"),       # a number is not a date
    ({"when": "2026-01-31", "count": "12", "flag": True, "amount": "1"}, "count"),  # "12" is not an integer
    ({"when": "2026-01-31", "count": 1, "flag": 0, "amount": "1"}, "flag"),         # 0 is not a boolean
    ({"when": "2026-01-31", "count": 1, "flag": "true", "amount": "1"}, "flag"),
    ({"when": "2026-01-31", "count": 1.0, "flag": True, "amount": "1"}, "count"),
    ({"when": "2026-01-31", "count": 1, "flag": True, "amount": 1.5}, "amount"),    # a float is not an amount
    ({"when": "2026-01-31", "count": 1, "flag": True, "amount": "1", "extra": 1}, "extra"),
    ({"when": "2026-01-31", "count": 1, "flag": True, "amount": "1", "role": 3}, "role"),
])
def test_strict_input_refuses_what_json_did_not_say(data, field):
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_strict_input_takes_what_json_carries():
    sample = Sample.model_validate({"when": "2026-01-31", "count": 3, "flag": False, "amount": 12, "role": "approver"})
    assert sample.when == date(2026, 1, 31) and sample.amount == Decimal(12) and sample.role is Role.APPROVER
    assert Sample(when=date(2026, 1, 31), count=1, flag=True, amount=Decimal("2.50")).amount == Decimal("2.50")


def test_the_api_answers_422_to_loose_json_and_query_strings_stay_parsed(client, make_user):
    make_user(Role.ADMIN, "admin1")
    headers = api_token(client, "admin1")
    loose = client.post("/api/v1/users", headers=headers, json={
        "username": "officer9", "display_name": "x", "password": 1234567890123, "roles": ["loan_officer"]})
    assert loose.status_code == 422 and loose.json()["error"]["field"] == "password"
    assert "须为文本" in loose.json()["error"]["message"]["zh"]
    bad_bool = client.post("/api/v1/signup", json={"mobile": "13800138000", "code": "123456", "username": "abc",
                                                   "password": "x", "real_name": "张三", "id_number": "1", "agree": 1})
    assert bad_bool.status_code == 422 and bad_bool.json()["error"]["field"] == "agree"
    listed = client.get("/api/v1/users?limit=5&offset=0", headers=headers)  # "5" from a query string is fine
    assert listed.status_code == 200 and listed.json()["total"] == 1
