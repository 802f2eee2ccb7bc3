"""New banks' column mappings made in a form: the officer uploads a sample export (not stored),
sees its first rows, picks each field's column from a select, previews the first transactions the
mapping reads, and saves; the JSON stays as an advanced fold."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from smecredit.enterprises.connectors.bank_statement import ColumnMapping, guess_columns, parse_bank_statement
from smecredit.enterprises.models import BankMapping
from smecredit.identity.roles import Role
from tests.conftest import csrf_of, login

SAMPLE = ("某某农商银行账户明细\n户名：福州示例贸易有限公司，账号：6222000011112222\n"
          "入账时间,发生金额,收支,当前余额,交易对手名称,附言\n"
          "2025/03/01,\"12,000.00\",收,112000.00,厦门海峡商贸有限公司,货款\n"
          "2025/03/02,500.00,支,111500.00,国网福州供电公司,电费\n"
          "2025/03/05,3000.00,收,114500.00,泉州某某公司,货款\n").encode("gb18030")


@pytest.fixture()
def officer(client, make_user):
    make_user(Role.LOAN_OFFICER, "officer-map")
    login(client, "officer-map")
    return client


def _choices(**overrides):
    form = {"bank_name": "某某农商银行", "layout": "direction", "date_column": "入账时间", "amount_column": "发生金额",
            "direction_column": "收支", "balance_column": "当前余额", "counterparty_column": "交易对手名称",
            "memo_column": "附言", "inflow_values": "收", "outflow_values": "支"}
    form.update(overrides)
    return form


def test_sample_is_read_previewed_with_chosen_columns_and_saved(officer, db):
    first = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer), "bank_name": "某某农商银行"},
                         files={"sample": ("明细.csv", SAMPLE, "text/csv")})
    assert first.status_code == 200
    page = first.text
    assert "GB18030" in page and "表头在第 3 行" in page and 'data-testid="sample-rows"' in page
    assert '<option value="入账时间"' in page and "厦门海峡商贸有限公司" in page
    carried = re.search(r'name="sample_lines" value="([^"]*)"', page).group(1)
    assert carried  # the sample's first lines travel in the form; the file is not stored

    import html

    lines = html.unescape(carried)
    preview = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer), "sample_lines": lines,
                                                           **_choices()})
    assert 'data-testid="preview-rows"' in preview.text
    assert preview.text.count("<tr><td class=\"cell-primary\">2025-03-0") == 3
    assert "流入" in preview.text and "流出" in preview.text

    wrong = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer), "sample_lines": lines,
                                                         **_choices(date_column="附言")})
    assert 'data-testid="preview-errors"' in wrong.text and "日期无效" in wrong.text

    missing = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer), "sample_lines": lines,
                                                           **_choices(direction_column="")})
    assert missing.status_code == 422 and 'data-field="direction_column"' in missing.text

    saved = officer.post("/bank-mappings", data={"csrf_token": csrf_of(officer), "sample_lines": lines, **_choices()},
                         follow_redirects=False)
    assert saved.status_code == 303
    row = db.execute(select(BankMapping).where(BankMapping.bank_name == "某某农商银行")).scalar_one()
    stored = ColumnMapping.from_json(row.mapping)
    assert stored.date_column == "入账时间" and stored.inflow_values == ("收",) and stored.layout == "direction"
    parsed = parse_bank_statement(SAMPLE, filename="明细.csv", mapping=stored)
    assert parsed.content["row_count"] == 3  # what the preview showed is what an upload reads
    edit = officer.get(f"/bank-mappings/{row.id}").text
    assert 'value="入账时间"' in edit and 'data-show-when="layout=direction"' in edit


def test_split_layout_and_the_advanced_json(officer, db):
    saved = officer.post("/bank-mappings", data={"csrf_token": csrf_of(officer), "bank_name": "两列银行", "layout": "split",
                                                 "date_column": "日期", "credit_column": "收入", "debit_column": "支出",
                                                 "amount_column": "ignored", "direction_column": "ignored"},
                         follow_redirects=False)
    assert saved.status_code == 303
    stored = json.loads(db.execute(select(BankMapping.mapping).where(BankMapping.bank_name == "两列银行")).scalar_one())
    assert stored["credit_column"] == "收入" and stored["amount_column"] is None and stored["direction_column"] is None

    bad = officer.post("/bank-mappings", data={"csrf_token": csrf_of(officer), "bank_name": "JSON 银行", "use_json": "on",
                                               "date_column": "", "mapping": "{date_column: 1}"})
    assert bad.status_code == 422 and "字段名须用英文双引号括起" in bad.text
    empty = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer)},
                         files={"sample": ("x.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "文件为空" in empty.text
    nothing = officer.post("/bank-mappings/preview", data={"csrf_token": csrf_of(officer), "sample_lines": "[broken"})
    assert nothing.status_code == 200 and 'data-testid="sample-rows"' not in nothing.text


def test_columns_are_guessed_from_common_headings():
    assert guess_columns(("记账日期", "贷方发生额", "借方发生额", "账户余额", "对方户名", "用途")) == {
        "date_column": "记账日期", "credit_column": "贷方发生额", "debit_column": "借方发生额",
        "balance_column": "账户余额", "counterparty_column": "对方户名", "memo_column": "用途"}
    assert guess_columns(("交易日期", "交易金额", "余额"))["amount_column"] == "交易金额"
