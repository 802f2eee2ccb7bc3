"""Personal information in snapshot content: declared per kind, masked for roles that may not see it."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import SourceKind, parse_source
from smecredit.enterprises.connectors.models import load
from smecredit.enterprises.connectors.personal import PERSONAL_FIELDS, mask_personal, personal_paths
from smecredit.enterprises.connectors.sandbox import SandboxProvider
from smecredit.standards.resident_id import make_resident_id

DATA = Path(__file__).parent / "data"
ID = make_resident_id("110105", date(1980, 5, 17), 123)


def _content(kind: SourceKind, name: str, **options) -> dict:
    return parse_source(kind, (DATA / name).read_bytes(), filename=name, **options).content


def test_every_kind_declares_its_personal_paths():
    assert set(PERSONAL_FIELDS) == set(SourceKind)
    assert personal_paths("registry") == (
        "legal_representative", "shareholders[*].name", "changes[*].before", "changes[*].after",
    )
    assert "controller.loans" in personal_paths(SourceKind.CREDIT_BUREAU)
    assert personal_paths(SourceKind.TAX) == () and personal_paths(SourceKind.FINANCIAL_STATEMENTS) == ()
    assert personal_paths(SourceKind.JUDICIAL) == ()


def test_registry_legal_representative_and_natural_person_shareholders():
    content = _content(SourceKind.REGISTRY, "registry_good.json")
    content["shareholders"].append({"name": "福州某投资有限公司", "type": "enterprise", "share_pct": "0", "subscribed_capital": None})
    content["changes"] = [
        {"date": "2020-01-01", "item": "法定代表人变更", "before": "陈芳", "after": "林晓明"},
        {"date": "2020-02-01", "item": "股东变更", "before": "林晓明、陈芳", "after": "林晓明；王小二"},
        {"date": "2020-03-01", "item": "经营范围变更", "before": "软件开发", "after": "软件开发；技术服务"},
    ]
    original = copy.deepcopy(content)
    masked = mask_personal(SourceKind.REGISTRY, content)
    assert content == original  # the input is never changed
    assert masked["legal_representative"] == "林**"
    assert [s["name"] for s in masked["shareholders"]] == ["林**", "陈*", "福州某投资有限公司"]
    assert [(c["before"], c["after"]) for c in masked["changes"]] == [
        ("陈*", "林**"), ("林**、陈*", "林**；王**"), ("软件开发", "软件开发；技术服务"),
    ]
    assert masked["name"] == content["name"] and masked["uscc"] == content["uscc"]
    json.dumps(masked)


def test_credit_bureau_controller_history_is_withheld():
    content = _content(SourceKind.CREDIT_BUREAU, "credit_good.json")
    masked = mask_personal(SourceKind.CREDIT_BUREAU, content)
    ctl = masked["controller"]
    assert ctl["name"] == "林**"
    for key in ("current_overdue", "overdue_history", "loans", "guarantees", "queries", "totals"):
        assert ctl[key] is None, key
    assert ctl["masked_fields"] == ["current_overdue", "overdue_history", "loans", "guarantees", "queries", "totals"]
    assert masked["enterprise"] == content["enterprise"] or masked["enterprise"]["loans"] == content["enterprise"]["loans"]
    # without a controller there is nothing to withhold
    assert mask_personal(SourceKind.CREDIT_BUREAU, {**content, "controller": None})["controller"] is None


def test_credit_bureau_guarantees_for_individuals():
    content = _content(SourceKind.CREDIT_BUREAU, "credit_good.json")
    content["enterprise"]["guarantees"] = [{"debtor": "张三丰"}, {"debtor": "厦门某某商贸有限公司"}]
    masked = mask_personal(SourceKind.CREDIT_BUREAU, content)
    assert [g["debtor"] for g in masked["enterprise"]["guarantees"]] == ["张**", "厦门某某商贸有限公司"]


def test_bank_statement_individual_counterparties_ids_and_phones():
    csv = (
        "户名：张三丰\n"
        "交易日期,交易金额,借贷标志,余额,对方户名,摘要\n"
        f"2024-01-05,100.00,贷,100.00,李四,转账 身份证{ID} 电话13812345678\n"
        "2024-01-06,100.00,贷,200.00,福州示例贸易有限公司,货款\n"
        "2024-01-07,10.00,借,190.00,国家金库福州市中心支库,税款\n"
        "2024-01-08,10.00,借,180.00,示例便利店,采购\n"
    )
    content = parse_source(SourceKind.BANK_STATEMENT, csv.encode(), filename="b.csv").content
    masked = mask_personal(SourceKind.BANK_STATEMENT, content)
    assert masked["account"]["account_name"] == "张**"
    assert [r["counterparty"] for r in masked["rows"]] == ["李*", "福州示例贸易有限公司", "国家金库福州市中心支库", "示例便利店"]
    assert masked["rows"][0]["memo"] == "转账 身份证110***********" + ID[-4:] + " 电话138****5678"
    assert masked["rows"][1]["memo"] == "货款"
    assert [r["amount"] for r in masked["rows"]] == [r["amount"] for r in content["rows"]]


@pytest.mark.parametrize("kind", [SourceKind.TAX, SourceKind.FINANCIAL_STATEMENTS, SourceKind.JUDICIAL])
def test_kinds_without_personal_data_are_returned_unchanged(kind):
    content = SandboxProvider().fetch(kind, "91350100M000100Y43", as_of=date(2025, 3, 15)).content
    assert mask_personal(kind, content) == content


@pytest.mark.parametrize("kind", [SourceKind.REGISTRY, SourceKind.BANK_STATEMENT])
def test_masked_content_of_registry_and_bank_still_loads(kind):
    content = SandboxProvider().fetch(kind, "91350100M000100Y43", as_of=date(2025, 3, 15)).content
    masked = mask_personal(kind, content)
    assert (masked != content) is (kind is SourceKind.REGISTRY)  # the sandbox pays companies only
    load(kind, masked)
