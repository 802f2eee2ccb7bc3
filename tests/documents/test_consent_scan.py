"""Stage 1's signed paper authorisation keeps its scan in the document store: checked by content,
deduplicated, downloaded with its own content type and nosniff; a refused scan leaves nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from smecredit.documents.models import StoredFile
from smecredit.enterprises import consent
from smecredit.enterprises.models import QueryAuthorisation
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Invalid
from tests.conftest import login
from tests.documents import samples
from tests.documents.conftest import objects
from tests.enterprises.helpers import confirm, register


@pytest.fixture()
def officer_and_enterprise(db, make_user, store_dir):
    applicant = make_user(Role.APPLICANT, "owner-scan")
    officer = make_user(Role.LOAN_OFFICER, "officer-scan")
    enterprise = register(db, applicant, 5)
    confirm(db, officer, enterprise)
    db.commit()
    return officer, enterprise


def test_the_scan_is_stored_once_and_downloaded_with_its_type(db, client, officer_and_enterprise, store_dir):
    officer, enterprise = officer_and_enterprise
    scan = samples.pdf("签章授权书")
    first = consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=date.today(), scan=scan,
                                 scan_filename="C:\\扫描\\授权书\u202e.pdf")
    second = consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=date.today(), scan=scan,
                                  scan_filename="again.pdf")
    db.commit()
    assert first.scan_file_id == second.scan_file_id and first.scan_sha256 == first.scan_file.sha256
    assert first.scan_filename == "授权书.pdf" and first.scan_stored_name is None
    assert db.scalar(select(func.count()).select_from(StoredFile)) == 1 and len(objects(store_dir)) == 1
    assert consent.scan_of(first) == scan

    login(client, "officer-scan")
    response = client.get(f"/enterprises/{enterprise.id}/authorisations/{first.id}/scan")
    assert response.status_code == 200 and response.content == scan
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''%E6%8E%88%E6%9D%83%E4%B9%A6.pdf" in response.headers["content-disposition"]


@pytest.mark.parametrize("scan, code", [
    (b"MZ\x90\x00" + b"\x00" * 100, "file_unreadable"),
    (samples.pdf()[:-30], "file_unreadable"),
    (samples.xlsx(), "file_type_not_accepted"),
])
def test_a_scan_that_is_not_a_pdf_jpeg_or_png_is_refused_and_leaves_nothing(db, officer_and_enterprise, store_dir,
                                                                            scan, code):
    officer, enterprise = officer_and_enterprise
    with pytest.raises(Invalid) as refused:
        consent.record_paper(db, user=officer, enterprise=enterprise, signed_on=date.today(), scan=scan,
                             scan_filename="scan.pdf")
    assert (refused.value.code, refused.value.field) == (code, "scan")
    assert "PDF、JPEG、PNG" in refused.value.message.zh
    db.rollback()
    assert objects(store_dir) == []
    assert db.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert db.scalar(select(func.count()).select_from(QueryAuthorisation)) == 0
