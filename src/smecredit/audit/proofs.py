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
from smecredit.audit.canonical import iso_utc, leaf_data
from smecredit.audit.checkpoints import (
    LOG_ID,
    checkpoint_message,
    latest_checkpoint,
    load_or_create_signing_key,
    public_key_pem,
    verify_checkpoint,
)
from smecredit.audit.models import AuditEvent
from smecredit.audit.service import get_event
from smecredit.audit.verify import event_dict
from smecredit.kernel.errors import Conflict
from smecredit.kernel.text import Text


def _path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The [lo, hi) leaf ranges whose roots form PATH(index, D[size]), in RFC 9162 order."""
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def streaming_inclusion_proof(leaf_hashes: Iterable[bytes], index: int, size: int) -> tuple[list[bytes], bytes]:
    """(audit path, leaf hash at ``index``) from the first ``size`` leaves, read once in order."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    ranges = _path_ranges(index, size)
    by_start = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
    path: list[bytes | None] = [None] * len(ranges)
    cursor = 0  # position in by_start
    frontier: list[bytes] = []
    count = 0  # leaves fed into the current range
    own: bytes | None = None
    position = -1
    for position, leaf in enumerate(leaf_hashes):
        if position >= size:
            break
        if position == index:
            own = leaf
            continue
        slot = by_start[cursor]
        lo, hi = ranges[slot]
        frontier = merkle.frontier_append(frontier, count, leaf)
        count += 1
        if position == hi - 1:
            path[slot] = merkle.frontier_root(frontier, count)
            frontier, count = [], 0
            cursor += 1
    if position + 1 < size or own is None or any(p is None for p in path):
        raise ValueError(f"the log holds fewer than {size} leaves")
    return [p for p in path if p is not None], own


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
    return merkle.leaf_hash(leaf_data(
        seq=event.seq, recorded_at=event.recorded_at, actor=event.actor, actor_id=event.actor_id,
        role=event.role, action=event.action, entity_type=event.entity_type, entity_id=event.entity_id,
        payload_sha256=event.payload_sha256,
    ))


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
    message = checkpoint_message(tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
                                 timestamp=checkpoint.created_at, key_id=checkpoint.key_id)
    signature_ok = verify_checkpoint(checkpoint, key.public_key())
    included = merkle.verify_inclusion(leaf, seq - 1, checkpoint.tree_size, path, root)
    return {
        "log": LOG_ID,
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
        },
        "signature": checkpoint.signature,
        "key_id": checkpoint.key_id,
        "public_key_pem": public_key_pem(key),
        "inclusion_verified": included,
        "signature_verified": signature_ok,
        "verified": included and signature_ok,
    }
