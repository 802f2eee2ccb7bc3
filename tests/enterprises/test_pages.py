"""Pages: registration with inline code check and field errors, ownership, masked people with an
audited reveal, data sources with sandbox labels and upload errors, "data we hold", permissions."""

from __future__ import annotations

import json
from datetime import date
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from tests.conftest import api_token, csrf_of, login
from tests.enterprises.helpers import ID_ZHANG, SIGNED_SCAN, code
from tests.web.test_route_permissions import call, protected_routes

DATA = Path(__file__).parent / "data"


def _form(n: int, **overrides) -> dict:
    form = {
        "uscc": code(n), "name": f"页面测试有限公司{n}", "industry": "retail", "employees": "8", "revenue_wan": "300",
        "assets_wan": "", "founded_on": "2019-03-01", "address": "福州市台江区",
        "legal_rep.name": "张三丰", "legal_rep.id_number": ID_ZHANG, "legal_rep.phone": "13812345678",
        "controller_same": "on", "contact.name": "李四", "contact.phone": "13900001111",
    }
    form.update(overrides)
    return form


def _register(client, n: int, **overrides):
    return client.post("/enterprises", data={**_form(n, **overrides), "csrf_token": csrf_of(client)}, follow_redirects=False)


def test_registration_form_shows_errors_next_to_the_field(client, make_user):
    make_user(Role.APPLICANT, "owner-pg")
    login(client, "owner-pg")
    page = client.get("/enterprises/new")
    assert page.status_code == 200 and 'hx-get="/enterprises/check-uscc"' in page.text
    check = client.get("/enterprises/check-uscc", params={"uscc": code(1)[:-1] + "0"})
    assert 'data-reason="check_character"' in check.text and "第 18 位" in check.text
    assert "代码有效" in client.get("/enterprises/check-uscc", params={"uscc": code(1)}).text
    bad = _register(client, 1, uscc="91350100MA000001")
    assert bad.status_code == 422
    assert 'data-field="uscc"' in bad.text and "长度应为 18 位" in bad.text
    assert 'value="页面测试有限公司1"' in bad.text  # what was typed is kept
    bad_id = _register(client, 1, **{"legal_rep.id_number": ID_ZHANG[:-1] + "0"})
    assert bad_id.status_code == 422 and 'data-field="legal_rep.id_number"' in bad_id.text
    assert ID_ZHANG[:-1] + "0" not in bad_id.text.split('id="f-legal_rep-id_number"')[0].split("alert")[-1]
    client.cookies.set("smecredit_lang", "en")
    english = _register(client, 1, uscc="91350100MA000001")
    assert "must be 18 characters long" in english.text


def test_applicant_registers_sees_masked_data_and_not_others(client, make_user):
    make_user(Role.APPLICANT, "owner-pg2")
    make_user(Role.APPLICANT, "other-pg2")
    login(client, "owner-pg2")
    response = _register(client, 2)
    assert response.status_code == 303
    detail_url = response.headers["location"].split("?")[0]
    page = client.get(detail_url).text
    assert "张**" in page and ID_ZHANG not in page and "138****5678" in page
    assert 'data-testid="size-class"' in page and "零售业" in page
    mine = client.get("/my/enterprises").text
    assert "页面测试有限公司2" in mine and 'data-menu="my_enterprise"' in mine
    assert 'data-ownership="pending"' in page  # a claim until an officer confirms it
    client.cookies.clear()
    login(client, "other-pg2")
    # another applicant gets exactly what a missing enterprise gets
    assert client.get(detail_url).status_code == 404
    assert client.get(detail_url + "/data-held").status_code == 404
    hidden = client.post(detail_url + "/data/registry/pull", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert hidden.status_code == 404
    assert "页面测试有限公司2" not in client.get("/my/enterprises").text


def test_officer_workflow_reveal_pull_upload_and_data_held(client, db, make_user):
    make_user(Role.LOAN_OFFICER, "officer-pg")
    applicant = make_user(Role.APPLICANT, "owner-pg3")
    login(client, "officer-pg")
    response = _register(client, 3, applicant_username="owner-pg3")
    assert response.status_code == 303
    eid = int(re.search(r"/enterprises/(\d+)", response.headers["location"]).group(1))
    search = client.get("/enterprises", params={"q": "页面测试"}).text
    assert f"/enterprises/{eid}" in search and 'data-menu="enterprises"' in search
    persons = db.execute(select(AuditEvent)).scalars().all()
    assert persons  # registration audited
    from smecredit.enterprises.models import EnterprisePerson

    legal = db.execute(select(EnterprisePerson).where(EnterprisePerson.enterprise_id == eid,
                                                     EnterprisePerson.role == "legal_rep")).scalar_one()
    revealed = client.post(f"/enterprises/{eid}/persons/{legal.id}/reveal", data={"csrf_token": csrf_of(client)},
                           headers={"HX-Request": "true"})
    assert revealed.status_code == 200 and ID_ZHANG in revealed.text and "审计日志" in revealed.text
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "enterprise.pii_revealed")).scalar_one()
    assert event.actor == "officer-pg" and json.loads(event.payload)["person_id"] == legal.id

    pulled = client.post(f"/enterprises/{eid}/data/pull-all", data={"csrf_token": csrf_of(client)})
    assert pulled.status_code == 200 and "数据查询授权" in pulled.text  # nothing without the authorisation
    scan = client.post(f"/enterprises/{eid}/authorisations/paper", data={"csrf_token": csrf_of(client), "signed_on": "2026-01-05"},
                       files={"scan": ("auth.txt", b"not a scan")})
    assert scan.status_code == 422 and 'data-testid="form-error"' in scan.text
    paper = client.post(f"/enterprises/{eid}/authorisations/paper",
                        data={"csrf_token": csrf_of(client), "signed_on": date.today().isoformat()},
                        files={"scan": ("授权书.pdf", SIGNED_SCAN)}, follow_redirects=False)
    assert paper.status_code == 303
    assert client.post(f"/enterprises/{eid}/data/pull-all", data={"csrf_token": csrf_of(client)},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/enterprises/{eid}").text
    assert "演示沙箱数据" in page and 'data-testid="features"' in page and 'data-origin="provider"' in page
    assert 'data-testid="discrepancies"' in page  # the declared name is not the sandbox registry's

    broken = client.post(f"/enterprises/{eid}/data/tax/upload", data={"csrf_token": csrf_of(client)},
                         files={"file": ("tax_bad.csv", (DATA / "tax_bad.csv").read_bytes())})
    assert broken.status_code == 422 and 'data-testid="line-errors"' in broken.text and "第 3 行" in broken.text
    good = client.post(f"/enterprises/{eid}/data/bank_statement/upload", data={"csrf_token": csrf_of(client), "mapping": "generic_zh"},
                       files={"file": ("s.csv", (DATA / "bank_good_generic_zh.csv").read_bytes())}, follow_redirects=False)
    assert good.status_code == 303

    client.cookies.clear()
    login(client, "owner-pg3")
    held = client.get(f"/enterprises/{eid}/data-held").text
    assert 'data-testid="held-sources"' in held and "officer-pg" in held and "据此计算的指标" in held
    assert "用于当前画像" in held and ID_ZHANG not in held
    auth = client.get(f"/enterprises/{eid}/authorise").text
    sha = re.search(r'name="text_sha256" value="([0-9a-f]{64})"', auth).group(1)
    version = re.search(r'name="text_version" value="([0-9-]+)"', auth).group(1)
    done = client.post(f"/enterprises/{eid}/authorise", data={"csrf_token": csrf_of(client), "text_version": version,
                                                             "text_sha256": sha, "agree": "on"}, follow_redirects=False)
    assert done.status_code == 303
    assert client.post(f"/enterprises/{eid}/data/credit_bureau/pull", data={"csrf_token": csrf_of(client)},
                       follow_redirects=False).status_code == 303
    assert applicant.id


@pytest.mark.parametrize("role", list(Role))
def test_enterprise_routes_answer_each_role(app, client, make_user, role):
    """The platform-wide permission test, restricted to this stage's routes (runs before wiring)."""
    make_user(role, "probe")
    login(client, "probe")
    headers = api_token(client, "probe")
    routes = [r for r in protected_routes(app) if "enterprise" in r[1] or "bank-mappings" in r[1]]
    assert len(routes) > 40
    for method, path, allow in routes:
        response = call(client, method, path, headers=headers if allow.api else None, page=not allow.api)
        if role in allow.roles:
            assert response.status_code not in (401, 403), (role, method, path, response.status_code)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)


def test_enterprise_routes_refuse_nobody(app, client):
    for method, path, allow in protected_routes(app):
        if "enterprise" not in path and "bank-mappings" not in path:
            continue
        response = call(client, method, path, page=not allow.api)
        assert response.status_code == (401 if allow.api else 303), (method, path, response.status_code)


def test_the_data_preparation_guide_is_a_page_for_the_people_who_prepare_files(client, make_user):
    make_user(Role.APPLICANT, "reader-guide")
    login(client, "reader-guide")
    page = client.get("/guide/data-preparation")
    assert page.status_code == 200 and "数据文件准备指南" in page.text and "<table" in page.text
    assert "<script" not in page.text.split('data-testid="guide"')[1].split("</article>")[0]
