"""The contract's indicative schedule runs from the business date the loan was opened on, like the
rest of the loan: with SMECREDIT_BUSINESS_DATE set far from the wall clock, the contract shows the
very rows the loan page previews. A contract accepted before the opening date was kept renders —
and hashes — as it did, so its acceptance still verifies."""

from __future__ import annotations

import re
from datetime import date, timedelta

from smecredit.kernel.clock import to_local
from smecredit.loans import contract
from tests.conftest import login
from tests.loans.helpers import on, open_loan, run, world

DAY = date(2024, 2, 29)  # far from the wall clock; the 29th: due dates anchored on it fall on 3-29, 4-29 …


def _rows(html: str, start: str, end: str) -> list[tuple[str, ...]]:
    """(number, due date, principal, interest, payment) of each schedule row between two markers."""
    part = html[html.index(start):]
    part = part[:part.index(end)]
    cells = re.findall(r"<tr[^>]*>\s*<td>(\d+)</td>\s*<td>(\d{4}-\d\d-\d\d)</td>\s*<td[^>]*>¥?([\d,.]+)</td>\s*"
                       r"<td[^>]*>¥?([\d,.]+)</td>\s*<td[^>]*>¥?([\d,.]+)</td>", part)
    return cells


def test_the_contract_schedule_is_the_page_preview_on_the_business_date(client, db, make_user):
    w = world(db, make_user)
    loan = open_loan(db, w, day=DAY, accept=False, months=6)
    assert loan.opened_on == DAY and to_local(loan.created_at).date() != DAY
    login(client, w.applicant.username)
    with on(DAY):
        page = client.get(f"/loans/{loan.id}").text
        preview = _rows(page, 'data-testid="schedule"', "</table>")
        text = client.get(f"/loans/{loan.id}/contract").text
        in_contract = _rows(text, "附件 还款计划", "合计")
    assert len(preview) == 6 and preview == in_contract
    assert preview[0][1] == "2024-03-29" and preview[-1][1] == "2024-08-29"
    assert "下表首期应还日为 2024-03-29" in text


def test_a_contract_accepted_before_the_opening_date_was_kept_still_verifies(db, make_user):
    from smecredit.loans import schedules, service

    w = world(db, make_user, n=2)
    loan = open_loan(db, w, day=DAY, accept=False)
    loan.opened_on = None  # as a loan opened before migration 0014 has it
    db.commit()
    wall = to_local(loan.created_at).date()
    first = schedules.build_schedule(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                                     method=loan.method, start=wall, day_count=loan.day_count)[0].due_date
    with on(DAY):
        shown = contract.sha256_of(db, loan)
        assert f"首期应还日为 {first}" in contract.render(db, loan)  # from the creation's local date, as before
    with on(DAY + timedelta(days=40)):  # another business date: the same text, the same SHA-256
        assert contract.sha256_of(db, loan) == shown
        run(db, service.accept_contract, user=w.applicant, loan=loan, contract_sha256=shown)
    assert loan.contract_sha256 == shown and loan.contract_accepted_at is not None

