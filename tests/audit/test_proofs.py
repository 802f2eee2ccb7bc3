"""Inclusion proofs against the latest signed checkpoint, checked independently."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from smecredit.audit import merkle
from smecredit.audit.checkpoints import create_checkpoint
from smecredit.audit.models import AuditEvent
from smecredit.audit.proofs import prove, streaming_inclusion_proof
from smecredit.kernel.errors import DomainError, NotFound

from tests.audit.support import append, sql


def _leaf(i: int) -> bytes:
    return merkle.leaf_hash(i.to_bytes(4, "big"))


@pytest.mark.parametrize("size", list(range(1, 34)) + [64, 65, 100])
def test_streaming_proof_equals_the_reference(size):
    leaves = [_leaf(i) for i in range(size)]
    for index in range(size):
        path, own = streaming_inclusion_proof(iter(leaves), index, size)
        assert own == leaves[index]
        assert path == merkle.inclusion_proof(leaves, index)


def test_streaming_proof_needs_enough_leaves():
    leaves = [_leaf(i) for i in range(5)]
    with pytest.raises(ValueError):
        streaming_inclusion_proof(iter(leaves), 2, 8)
    with pytest.raises(ValueError):
        streaming_inclusion_proof(iter(leaves), 5, 5)


def test_prove_verifies_independently(db):
    append(db, 13)
    checkpoint = create_checkpoint(db)
    leaves = [bytes.fromhex(h) for h in db.execute(select(AuditEvent.leaf_hash).order_by(AuditEvent.seq)).scalars()]
    for seq in range(1, 15):
        result = prove(db, seq)
        assert result["verified"] and result["inclusion_verified"] and result["signature_verified"]
        assert (result["seq"], result["tree_size"], result["root_hash"]) == (seq, 14, checkpoint.root_hash)
        assert result["key_id"] == checkpoint.key_id and result["signature"] == checkpoint.signature
        proof = [bytes.fromhex(h) for h in result["proof"]]
        assert proof == merkle.inclusion_proof(leaves, seq - 1)
        assert merkle.verify_inclusion(bytes.fromhex(result["leaf_hash"]), seq - 1, result["tree_size"], proof,
                                       bytes.fromhex(result["root_hash"]))
    # The signature checks out with nothing but the printed proof.
    public = serialization.load_pem_public_key(result["public_key_pem"].encode())
    public.verify(base64.b64decode(result["signature"]), result["checkpoint"]["signed_message"].encode())
    text = result["checkpoint"]["signed_message"]
    assert text.split("\n")[:3] == ["smecredit/audit", "14",
                                    base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()]
    assert result["checkpoint"]["note"].startswith(text + "\n\u2014 smecredit/audit ")


def test_prove_uses_the_latest_checkpoint(db):
    append(db, 3)
    create_checkpoint(db)
    append(db, 4, start=3)
    latest = create_checkpoint(db)
    result = prove(db, 2)
    assert result["tree_size"] == 9 and result["checkpoint"]["id"] == latest.id and result["verified"]


def test_unknown_event(db):
    append(db, 2)
    create_checkpoint(db)
    with pytest.raises(NotFound):
        prove(db, 99)


def test_event_newer_than_the_checkpoint(db):
    append(db, 2)
    with pytest.raises(DomainError) as caught:
        prove(db, 1)  # no checkpoint at all
    assert caught.value.code == "not_checkpointed" and "smecredit audit checkpoint" in caught.value.message_en
    create_checkpoint(db)
    append(db, 1, start=2)
    with pytest.raises(DomainError) as caught:
        prove(db, 4)  # #3 is the checkpoint's own event
    assert caught.value.code == "not_checkpointed"


def test_a_changed_event_does_not_verify(db):
    append(db, 6)
    create_checkpoint(db)
    sql(db, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 4")
    result = prove(db, 4)
    assert not result["verified"] and not result["inclusion_verified"]
    assert not result["stored_leaf_hash_matches"]
    assert prove(db, 5)["verified"]  # the other leaves are untouched


def test_a_forged_checkpoint_does_not_verify(db):
    append(db, 6)
    checkpoint = create_checkpoint(db)
    sql(db, "UPDATE audit_checkpoints SET signature = :s WHERE id = :i",
        s=base64.b64encode(b"\0" * 64).decode(), i=checkpoint.id)
    result = prove(db, 2)
    assert result["inclusion_verified"] and not result["signature_verified"] and not result["verified"]


def test_a_missing_leaf_is_reported(db):
    append(db, 6)
    create_checkpoint(db)
    sql(db, "DELETE FROM audit_events WHERE seq = 3")
    with pytest.raises(DomainError) as caught:
        prove(db, 5)
    assert caught.value.code == "audit_log_damaged"


@pytest.mark.parametrize("new", list(range(1, 20)) + [32, 33, 100])
def test_streaming_consistency_proof_equals_the_reference(new):
    leaves = [_leaf(i) for i in range(new + 3)]  # more leaves than needed: the stream stops at new
    for old in range(1, new + 1):
        proof = merkle.streaming_consistency_proof(iter(leaves), old, new)
        assert proof == merkle.consistency_proof(leaves[:new], old)
        assert merkle.verify_consistency(old, new, merkle.root_hash(leaves[:old]), merkle.root_hash(leaves[:new]), proof)
    with pytest.raises(ValueError):
        merkle.streaming_consistency_proof(iter(leaves[: new - 1]), 1, new) if new > 1 else merkle.consistency_ranges(0, 1)


def test_consistency_from_stored_leaves(db):
    from smecredit.audit.proofs import consistency

    append(db, 4)
    first = create_checkpoint(db)
    append(db, 6, start=4)
    second = create_checkpoint(db)
    result = consistency(db, first.tree_size, second.tree_size)
    assert result["checkpoint_id"] == second.id
    assert merkle.verify_consistency(first.tree_size, second.tree_size, bytes.fromhex(first.root_hash),
                                     bytes.fromhex(second.root_hash), [bytes.fromhex(h) for h in result["proof"]])
    with pytest.raises(NotFound):
        consistency(db, 1, second.tree_size - 1)  # no checkpoint of that size
