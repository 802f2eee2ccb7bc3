"""Inclusion proofs: show that one event is in the tree a signed checkpoint vouches for.

The audit path (RFC 9162 §2.1.3.1) is made of the Merkle tree hashes of the sibling subtrees along
the leaf's path. Those subtrees are consecutive ranges of leaves, so the proof is built in one
streaming pass over the stored leaf hashes up to the checkpoint's size, O(n) time and O(log n)
memory, instead of loading every leaf hash into a list.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit import merkle
from smecredit.audit.canonical import iso_utc, leaf_data_of
from smecredit.audit.checkpoints import (
    checkpoint_message,
    latest_checkpoint,
    load_or_create_signing_key,
    log_vkey,
    note_text_of,
    public_key_pem,
    verify_checkpoint,
)
from smecredit.audit.models import AuditCheckpoint, AuditEvent
from smecredit.audit.service import get_event
from smecredit.audit.verify import event_dict
from smecredit.kernel.errors import Conflict, Invalid, NotFound
from smecredit.kernel.text import Text


def streaming_inclusion_proof(leaf_hashes: Iterable[bytes], index: int, size: int) -> tuple[list[bytes], bytes]:
    """(audit path, leaf hash at ``index``) from the first ``size`` leaves, read once in order."""
    ranges = merkle.inclusion_ranges(index, size)
    source = iter(leaf_hashes)
    seen = [0]
    own: list[bytes] = []

    def watch() -> Iterable[bytes]:
        for leaf in source:
            if seen[0] == index:
                own.append(leaf)
            seen[0] += 1
            yield leaf

    try:
        path = merkle.stream_subtree_roots(watch(), ranges)
    except ValueError:
        raise ValueError(f"the log holds fewer than {size} leaves") from None
    while not own:  # the leaf itself lies after every range of its path (it is the last one)
        leaf = next(source, None)
        if leaf is None or seen[0] > index:
            raise ValueError(f"the log holds fewer than {size} leaves")
        if seen[0] == index:
            own.append(leaf)
        seen[0] += 1
    return path, own[0]


def _stored_leaves(db: Session, size: int) -> Iterable[bytes]:
    query = (select(AuditEvent.seq, AuditEvent.leaf_hash).where(AuditEvent.seq <= size)
             .order_by(AuditEvent.seq).execution_options(yield_per=5000))
    expected = 1
    for seq, leaf_hex in db.execute(query):
        if seq != expected:
            raise Conflict("audit_log_damaged", Text(f"审计日志缺少事件 #{expected}，请运行 smecredit audit verify", f"The audit log lacks event #{expected}; run smecredit audit verify"))
        expected += 1
        try:
            leaf = bytes.fromhex(leaf_hex)
        except ValueError:
            leaf = b""
        if len(leaf) != merkle.HASH_SIZE:
            raise Conflict("audit_log_damaged", Text(f"事件 #{seq} 的叶哈希已损坏，请运行 smecredit audit verify", f"The leaf hash of event #{seq} is damaged; run smecredit audit verify"))
        yield leaf


def event_leaf_hash(event: AuditEvent) -> bytes:
    """The leaf hash re-derived from the event's columns (not the stored one)."""
    return merkle.leaf_hash(leaf_data_of(event))


def consistency(db: Session, old_size: int, new_size: int) -> dict:
    """A consistency proof (RFC 9162 §2.1.4) from the tree of ``old_size`` leaves to the tree of
    ``new_size`` leaves, computed from the stored leaf hashes in one streaming pass (O(n) time,
    O(log n) memory). ``new_size`` must be the size of a stored checkpoint, so the proof ends at a
    root the log signed; a witness checks it against its own copy of the older checkpoint."""
    if not 0 < old_size <= new_size:
        raise Invalid("bad_sizes", Text("须满足 0 < old <= new", "Need 0 < old <= new"), "old")
    target = db.execute(select(AuditCheckpoint).where(AuditCheckpoint.tree_size == new_size, AuditCheckpoint.note.is_not(None))
                        .order_by(AuditCheckpoint.id.desc()).limit(1)).scalar_one_or_none()
    if target is None:
        raise NotFound("no_checkpoint_of_size", Text(f"没有树大小为 {new_size} 的检查点", f"No checkpoint has tree size {new_size}"), "new")
    try:
        proof = merkle.streaming_consistency_proof(_stored_leaves(db, new_size), old_size, new_size)
    except ValueError:
        raise Conflict("audit_log_damaged", Text("审计日志不完整，请运行 smecredit audit verify", "The audit log is incomplete; run smecredit audit verify")) from None
    return {"old_size": old_size, "new_size": new_size, "new_root_hash": target.root_hash, "checkpoint_id": target.id,
            "proof": [p.hex() for p in proof]}


def prove(db: Session, seq: int) -> dict:
    """An inclusion proof of event ``seq`` against the latest signed checkpoint.

    ``verified`` is true only when the leaf re-derived from the event's columns is in the tree with
    the checkpoint's root, and the checkpoint's signature is valid for the exported public key.
    """
    event = get_event(db, seq)
    checkpoint = latest_checkpoint(db)
    if checkpoint is None or checkpoint.tree_size < seq:
        covered = checkpoint.tree_size if checkpoint else 0
        raise Conflict("not_checkpointed", Text(f"事件 #{seq} 晚于最新检查点（覆盖至 #{covered}），请先运行 smecredit audit checkpoint", f"Event #{seq} is newer than the latest checkpoint (which covers up to #{covered}); "
            "run `smecredit audit checkpoint` first"), "seq")
    leaf = event_leaf_hash(event)
    try:
        path, stored_leaf = streaming_inclusion_proof(_stored_leaves(db, checkpoint.tree_size), seq - 1,
                                                      checkpoint.tree_size)
    except ValueError:
        raise Conflict("audit_log_damaged", Text("审计日志不完整，请运行 smecredit audit verify", "The audit log is incomplete; run smecredit audit verify")) from None
    try:
        root = bytes.fromhex(checkpoint.root_hash)
    except ValueError:
        root = b""
    key = load_or_create_signing_key()
    if checkpoint.note:
        message = note_text_of(checkpoint.note).encode("utf-8")
    else:  # a legacy checkpoint (before migration 0003)
        message = checkpoint_message(tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
                                     timestamp=checkpoint.created_at, key_id=checkpoint.key_id)
    signature_ok = verify_checkpoint(checkpoint, key.public_key())
    included = merkle.verify_inclusion(leaf, seq - 1, checkpoint.tree_size, path, root)
    return {
        "log": log_vkey().split("+", 1)[0],
        "seq": seq,
        "leaf_index": seq - 1,
        "leaf_hash": leaf.hex(),
        "stored_leaf_hash_matches": stored_leaf == leaf and event.leaf_hash == leaf.hex(),
        "event": event_dict(event),
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "proof": [p.hex() for p in path],
        "checkpoint": {
            "id": checkpoint.id,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "timestamp": iso_utc(checkpoint.created_at),
            "key_id": checkpoint.key_id,
            "signature": checkpoint.signature,
            "signed_message": message.decode("utf-8"),
            "note": checkpoint.note,
        },
        "signature": checkpoint.signature,
        "key_id": checkpoint.key_id,
        "public_key_pem": public_key_pem(key),
        "log_vkey": log_vkey(),
        "inclusion_verified": included,
        "signature_verified": signature_ok,
        "verified": included and signature_ok,
    }
