"""Text a Chinese user reads is Chinese: every stage-1 page and the audit pages, rendered in
Chinese with real data in them, show no internal code (status, origin, provider, ownership, role,
party type, case role, classification, trigger, action or entity codes) as visible text. Raw codes
kept on purpose for auditors sit in code fonts (<code>, .code-small, .mono) and are not read."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from smecredit.audit.models import AuditEvent
from smecredit.enterprises import consent, counterparties, data, people, profile, schemas
from smecredit.enterprises.models import BankMapping, Counterparty, EnterprisePerson
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.db import unit_of_work
from tests.conftest import login
from tests.enterprises.helpers import ID_LI, SIGNED_SCAN, authorise, code, confirm, register

CODES = {
    "active", "revoked", "cancelled", "sandbox", "provider", "file", "applicant_upload", "staff_upload", "confirmed",
    "pending", "disputed", "manual", "pull_all", "online", "paper", "valid", "expired", "withdrawn", "normal",
    "special_mention", "substandard", "plaintiff", "defendant", "third_party", "natural_person", "supplier", "customer",
    "legal_rep", "controller", "shareholder", "guarantor", "micro", "small", "medium", "large", "wholesale", "retail",
    "inflow", "outflow", "open", "closed", "yuan", "split", "signed", "true", "false", "None", "null",
    "person", "enterprise", "user", "registry", "tax", "judicial", "in", "out",
}
SNAKE = re.compile(r"(?<![\w.])[a-z]+(?:_[a-z0-9]+)+(?![\w.])")
ACTION = re.compile(r"(?<![\w.])(?:enterprise|user|auth|audit|bank_mapping|assignment_rule)\.[a-z_]+(?![\w.])")
WORD = re.compile(r"[A-Za-z_]+")
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea"}
SKIPPED_CLASSES = {"code-small", "mono", "font-monospace", "payload-cell", "payload"}
VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "base", "col", "embed", "param", "track"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # True where the element (or one above it) is not read
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        skipped = (tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES) or attrs.get("data-testid") == "feature-rule"
                   or attrs.get("lang") == "en"  # English on purpose (the authorisation's English text)
                   or bool(self.stack and self.stack[-1]))
        self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, text):
        if text.strip() and not (self.stack and self.stack[-1] is True):
            self.found.append(text.strip())


def codes_in(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    bad = []
    for text in parser.found:
        bad += SNAKE.findall(text) + ACTION.findall(text)
        bad += [w for w in WORD.findall(text) if w in CODES]
    return bad


@pytest.fixture()
def world(db, make_user):
    """An enterprise with every source pulled, an upload, people, a counterparty, a paper and an
    online authorisation, two profile versions, a saved bank mapping and an audit trail."""
    applicant = make_user(Role.APPLICANT, "zhang-owner")
    officer = make_user(Role.LOAN_OFFICER, "wang-officer")
    make_user(Role.AUDITOR, "sun-auditor")
    with unit_of_work(db):
        enterprise = register(db, applicant, 1)
        confirm(db, officer, enterprise)
        authorise(db, applicant, enterprise)
        consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=date.today(), scan=SIGNED_SCAN,
                             scan_filename="授权书.pdf")
        people.add(db, user=officer, enterprise=enterprise, data=schemas.PersonIn(
            role="shareholder", party_type="person", name="李四", id_number=ID_LI, share_pct="30"))
        counterparties.add(db, user=officer, enterprise=enterprise, data=schemas.CounterpartyIn(
            relation="supplier", name="福州上游供应有限公司", annual_amount="1200000", is_core_enterprise=True))
        data.pull_all(db, user=officer, enterprise=enterprise)
        from pathlib import Path

        sample = (Path(__file__).parent / "data" / "tax_good_zh.csv").read_bytes()
        data.upload(db, user=officer, enterprise=enterprise, kind="tax", data=sample, filename="纳税.csv")
        profile.compute(db, enterprise=enterprise, actor=actor_of(officer), trigger="manual")
        db.add(BankMapping(bank_name="某银行", mapping='{"name": "某银行", "bank_name": "某银行", "date_column": "日期", '
                           '"credit_column": "收入", "debit_column": "支出"}', created_at=enterprise.created_at,
                           created_by="wang-officer", updated_at=enterprise.created_at, updated_by="wang-officer"))
    return enterprise


def _pages(db, enterprise) -> dict[str, list[str]]:
    from smecredit.enterprises.models import DataSnapshot

    snaps = [s.id for s in db.execute(select(DataSnapshot).where(DataSnapshot.enterprise_id == enterprise.id)).scalars()]
    versions = [p.version for p in profile.profiles_of(db, enterprise_id=enterprise.id)]
    person = db.execute(select(EnterprisePerson.id).where(EnterprisePerson.enterprise_id == enterprise.id)).scalars().first()
    counterparty = db.execute(select(Counterparty.id)).scalars().first()
    mapping = db.execute(select(BankMapping.id)).scalar_one()
    e = f"/enterprises/{enterprise.id}"
    officer = ["/", "/enterprises", "/enterprises?officer=me&sort=-name", "/enterprises/new", e, f"{e}/data-held",
               f"{e}/profiles/{versions[0]}?compare_to={versions[-1]}", f"{e}/persons/{person}/edit",
               f"{e}/counterparties/{counterparty}/edit", "/bank-mappings", f"/bank-mappings/{mapping}"]
    officer += [f"{e}/snapshots/{s}" for s in snaps] + [f"{e}/snapshots/{snaps[0]}?direction=out"]
    officer += [f"/enterprises/prefill?uscc={code(77)}", f"/enterprises/check-uscc?uscc={code(77)}"]  # htmx partials
    applicant = ["/", "/my/enterprises", e, f"{e}/authorise", f"{e}/data-held", "/enterprises/new"]
    seqs = db.execute(select(AuditEvent.seq).order_by(AuditEvent.seq)).scalars().all()
    auditor = ["/", "/audit", "/audit?sort=-seq", "/audit/checkpoints"] + [f"/audit/events/{s}" for s in seqs[::7]]
    return {"wang-officer": officer, "zhang-owner": applicant, "sun-auditor": auditor}


def test_no_internal_code_is_shown_as_text_in_chinese(client, db, world):
    found = {}
    for username, paths in _pages(db, world).items():
        client.cookies.clear()
        login(client, username)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path, response.status_code)
            bad = codes_in(response.text)
            if bad:
                found[f"{username} {path}"] = sorted(set(bad))
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_checker_sees_codes():
    assert {"active", "enterprise.data_pulled", "pull_all"} <= set(
        codes_in("<td>active</td><td>pull_all</td><p>enterprise.data_pulled</p>"))
    assert codes_in('<code>enterprise.data_pulled</code><div class="code-small">user.created</div><td>存续</td>') == []
    assert codes_in('<div lang="en">The enterprise authorises tax and registry enquiries</div>') == []
