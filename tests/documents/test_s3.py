"""The S3 adapter against a real S3 API: moto's server on a local port, spoken to by boto3 over
HTTP, selected through the settings exactly as a deployment selects MinIO or OSS."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import func, select

from smecredit.documents import storage, store
from smecredit.documents.models import StoredFile
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.errors import Invalid
from tests.documents import samples

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def bucket(clean_db, s3_endpoint, monkeypatch):
    from smecredit.kernel.settings import get_settings

    name = f"docs-{id(monkeypatch):x}"
    for key, value in {"STORAGE": "s3", "S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "us-east-1",
                       "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing",
                       "S3_PREFIX": "smecredit/documents/", "S3_ADDRESSING_STYLE": "path"}.items():
        monkeypatch.setenv(f"SMECREDIT_{key}", value)
    get_settings.cache_clear()
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=name)
    yield client, name
    get_settings.cache_clear()


def _keys(client, name) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]


def test_accepted_files_go_to_the_bucket_encrypted_and_deduplicated(db, bucket):
    client, name = bucket
    assert isinstance(storage.configured(), storage.S3Storage)
    data = samples.pdf("in the bucket")
    with new_session() as session, unit_of_work(session):
        first = store.accept(session, upload=data, filename="a.pdf").id
    with new_session() as session, unit_of_work(session):
        again = store.accept(session, upload=data, filename="b.pdf").id
    assert first == again
    row = db.get(StoredFile, first)
    assert row.storage == "s3"
    assert _keys(client, name) == [f"smecredit/documents/{row.sha256}"]
    blob = client.get_object(Bucket=name, Key=f"smecredit/documents/{row.sha256}")["Body"].read()
    assert blob != data and b"in the bucket" not in blob
    assert store.read(row) == data
    assert store.download_response(row, "a.pdf").body == data


def test_a_rollback_removes_the_new_object_from_the_bucket_and_a_refusal_writes_nothing(db, bucket):
    client, name = bucket
    with pytest.raises(RuntimeError), new_session() as session, unit_of_work(session):
        store.accept(session, upload=samples.png(), filename="p.png")
        assert len(_keys(client, name)) == 1
        raise RuntimeError("rolled back")
    assert _keys(client, name) == []
    with pytest.raises(Invalid), new_session() as session, unit_of_work(session):
        store.accept(session, upload=samples.png()[:-12], filename="p.png")
    assert _keys(client, name) == []
    assert db.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_a_put_is_conditional_and_a_missing_object_is_not_found(bucket):
    client, name = bucket
    adapter = storage.configured()
    key = "ab" * 32
    assert adapter.put(key, b"one") is True
    assert adapter.put(key, b"two") is False
    assert client.get_object(Bucket=name, Key=adapter.object_key(key))["Body"].read() == b"one"
    adapter.delete(key)
    assert adapter.exists(key) is False
    with pytest.raises(Exception) as missing:
        adapter.get(key)
    assert getattr(missing.value, "code", None) == "file_missing"
    with pytest.raises(ValueError):
        adapter.object_key("../../etc/passwd")


def test_an_unreachable_store_is_unavailable_not_a_crash(monkeypatch, clean_db):
    from smecredit.kernel.errors import Unavailable
    from smecredit.kernel.settings import get_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    for key, value in {"STORAGE": "s3", "S3_BUCKET": "nowhere", "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                       "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "x", "S3_SECRET_ACCESS_KEY": "y"}.items():
        monkeypatch.setenv(f"SMECREDIT_{key}", value)
    get_settings.cache_clear()
    with pytest.raises(Unavailable) as down:
        storage.configured().exists("cd" * 32)
    assert down.value.code == "storage_unavailable"
