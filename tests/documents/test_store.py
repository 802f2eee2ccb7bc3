"""The store on a real database: accepted files are kept encrypted and content-addressed,
deduplicated, removed again when their transaction rolls back, and every refusal leaves the
folder and the table as they were."""

from __future__ import annotations

import io
import os
import stat

import pytest
from sqlalchemy import func, select
from starlette.datastructures import Headers, UploadFile

from smecredit.documents import store
from smecredit.documents.content import FileType
from smecredit.documents.models import StoredFile
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.errors import DomainError, Invalid, TooLarge
from tests.documents import samples
from tests.documents.conftest import objects

ALL = tuple(FileType)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(StoredFile))


def _accept(data, filename="x", allowed=ALL, field="file"):
    with new_session() as db, unit_of_work(db):
        row = store.accept(db, upload=data, filename=filename, allowed=allowed, field=field)
        return row.id, row.sha256, row.filename


@pytest.mark.parametrize("make, kind, content_type", [
    (samples.pdf, FileType.PDF, "application/pdf"),
    (samples.jpeg, FileType.JPEG, "image/jpeg"),
    (samples.png, FileType.PNG, "image/png"),
    (samples.xlsx, FileType.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_every_accepted_type_is_kept_encrypted_and_read_back(db, store_dir, make, kind, content_type):
    data = make()
    file_id, sha, name = _accept(data, filename=f"材料.{kind.value}")
    row = db.get(StoredFile, file_id)
    assert (row.file_type, row.content_type, row.size, row.storage) == (kind.value, content_type, len(data), "local")
    assert name.startswith("材料.")
    [obj] = objects(store_dir)
    assert obj.name == sha
    blob = obj.read_bytes()
    assert blob != data and data[:64] not in blob  # encrypted at rest
    assert stat.S_IMODE(obj.stat().st_mode) == 0o600
    assert stat.S_IMODE(obj.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    assert store.read(row) == data


def test_an_upload_file_is_read_through_its_name_when_none_is_given(db, store_dir):
    upload = UploadFile(io.BytesIO(samples.png()), filename="../截图.png", size=None)
    with unit_of_work(db):
        row = store.accept(db, upload=upload, allowed=(FileType.PNG,))
        assert row.filename == "截图.png"


def test_the_same_bytes_stored_twice_are_one_object(db, store_dir):
    data = samples.pdf("same")
    first = _accept(data, filename="a.pdf")
    second = _accept(data, filename="b.pdf")
    assert first[0] == second[0] and first[1] == second[1]
    assert (first[2], second[2]) == ("a.pdf", "b.pdf")
    assert _count(db) == 1 and len(objects(store_dir)) == 1
    with unit_of_work(db):  # twice in one transaction too
        one = store.accept(db, upload=samples.png(), filename="p.png")
        two = store.accept(db, upload=samples.png(), filename="q.png")
        assert one.id == two.id
    assert _count(db) == 2 and len(objects(store_dir)) == 2


def test_a_rolled_back_transaction_removes_the_object_it_wrote(db, store_dir):
    with pytest.raises(RuntimeError), new_session() as session, unit_of_work(session):
        store.accept(session, upload=samples.pdf("gone"), filename="a.pdf")
        assert len(objects(store_dir)) == 1
        raise RuntimeError("the caller's use case failed after the upload")
    assert _count(db) == 0 and objects(store_dir) == []


def test_a_rolled_back_transaction_never_removes_an_object_that_was_there(db, store_dir):
    data = samples.pdf("kept")
    file_id, _sha, _ = _accept(data)
    before = objects(store_dir)
    with pytest.raises(RuntimeError), new_session() as session, unit_of_work(session):
        assert store.accept(session, upload=data, filename="again.pdf").id == file_id
        raise RuntimeError("rolled back")
    assert objects(store_dir) == before and _count(db) == 1
    assert store.read(db.get(StoredFile, file_id)) == data


def test_an_object_missing_from_storage_is_put_back_by_the_next_upload(db, store_dir):
    data = samples.png(colour=(1, 2, 3))
    file_id, _sha, _ = _accept(data)
    [obj] = objects(store_dir)
    obj.unlink()
    with pytest.raises(DomainError) as gone:
        store.read(db.get(StoredFile, file_id))
    assert gone.value.code == "file_missing"
    assert _accept(data)[0] == file_id
    db.expire_all()
    assert store.read(db.get(StoredFile, file_id)) == data


def _refused_without_trace(db, store_dir, data, kind=Invalid, allowed=ALL, field="file", filename="x.pdf"):
    _accept(samples.png(colour=(9, 9, 9)))  # something already stored must stay as it is
    before = [(p, p.read_bytes()) for p in objects(store_dir)]
    count = _count(db)
    with pytest.raises(kind) as refused:
        _accept(data, filename=filename, allowed=allowed, field=field)
    error = refused.value
    assert error.field == field and error.message.zh and error.message.en
    assert [(p, p.read_bytes()) for p in objects(store_dir)] == before
    assert _count(db) == count
    return error


HOSTILE = {
    "exe renamed .pdf": b"MZ\x90\x00" + b"\x00" * 200,
    "pdf header with garbage": b"%PDF-1.7\n" + os.urandom(2000),
    "truncated png": samples.png()[:-20],
    "jpeg without EOI": samples.jpeg()[:-2],
    "zip that is not xlsx": samples.zip_of({"a.txt": b"hello"}),
    "xlsx zip bomb": samples.xlsx_bomb(),
    "polyglot pdf+zip": samples.pdf() + samples.zip_of({"evil.js": b"alert(1)"}),
    "text": "这不是文件".encode(),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_with_the_reason_and_leave_nothing(db, store_dir, name):
    error = _refused_without_trace(db, store_dir, HOSTILE[name], field="documents.licence")
    assert error.code == "file_unreadable"
    assert "accepted here: PDF, JPEG, PNG, XLSX" in error.message.en
    assert "此处接受：PDF、JPEG、PNG、XLSX" in error.message.zh
    assert error.details["accepted"] == ["pdf", "jpeg", "png", "xlsx"]


def test_a_type_not_allowed_here_names_the_detected_and_accepted_types(db, store_dir):
    error = _refused_without_trace(db, store_dir, samples.xlsx(), allowed=(FileType.PDF, FileType.JPEG),
                                   filename="licence.pdf")
    assert error.code == "file_type_not_accepted"
    assert error.message.en == "The file is a XLSX; only PDF, JPEG accepted here"
    assert error.message.zh == "文件内容是 XLSX，此处只接受 PDF、JPEG"
    assert error.details == {"detected": "XLSX", "accepted": ["pdf", "jpeg"]}


def test_an_empty_file_is_refused(db, store_dir):
    assert _refused_without_trace(db, store_dir, b"").code == "file_empty"


class _Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_an_oversized_file_is_refused_after_reading_at_most_the_limit_and_one_byte(db, store_dir, monkeypatch):
    from smecredit.kernel.settings import get_settings

    monkeypatch.setenv("SMECREDIT_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    limit = 1024 * 1024
    big = samples.pdf(padding=3 * limit)
    source = _Counting(big)
    error = _refused_without_trace(db, store_dir, source, kind=TooLarge)
    assert error.code == "file_too_large" and "1 MiB" in error.message.en
    assert source.asked == [limit + 1] and source.tell() == limit + 1
    # exactly at the limit is fine
    at_limit = samples.pdf(padding=limit - 2000)
    at_limit = at_limit if len(at_limit) <= limit else None
    assert at_limit is not None
    _accept(at_limit)


def test_a_declared_size_over_the_limit_is_refused_before_reading(db, store_dir, monkeypatch):
    from smecredit.kernel.settings import get_settings

    monkeypatch.setenv("SMECREDIT_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    source = _Counting(samples.pdf())
    upload = UploadFile(source, filename="a.pdf", size=5 * 1024 * 1024, headers=Headers({"content-type": "application/pdf"}))
    error = _refused_without_trace(db, store_dir, upload, kind=TooLarge)
    assert error.details["size"] == 5 * 1024 * 1024
    assert source.asked == []


def test_the_download_has_a_safe_disposition_nosniff_and_the_stored_type(db, store_dir):
    file_id, _sha, _ = _accept(samples.png(), filename="x.png")
    row = db.get(StoredFile, file_id)
    response = store.download_response(row, '营业执照"\r\nSet-Cookie: a=b;\u202e.png')
    assert response.media_type == "image/png"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition == ("attachment; filename=\"_____Set-Cookie_ a_b_.png\"; "
                           "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7_Set-Cookie_%20a_b_.png")
    assert "\r" not in disposition and "\n" not in disposition
    assert response.body == samples.png()
