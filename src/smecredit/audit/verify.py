"""Verify the audit log from plain data: database rows or an exported bundle, the same code.

`verify_log` takes the events in stored order (an iterable, consumed once), the checkpoints, the
public key and optionally the head row, and makes one streaming pass: O(n) time, O(log n) memory
for the tree (a frontier of perfect-subtree roots). Each event is re-derived (payload hash, leaf
hash, its place in the sequence) and appended to the frontier; whenever the running size reaches a
checkpoint's size the recomputed root is compared with the signed one. The first entry that does
not match is named, and the pass stops there: everything after it would only repeat the damage.

`verify_database` streams the events ordered by seq in chunks, never holding the log in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit import merkle
from smecredit.audit.canonical import iso_utc, leaf_data, sha256_hex
from smecredit.audit.checkpoints import (
    checkpoint_dict,
    checkpoint_message,
    key_id as key_id_of,
    load_public_key,
    public_key_pem as local_public_key_pem,
    signature_valid,
)
from smecredit.audit.models import AuditCheckpoint, AuditEvent, AuditHead

EVENT_FIELDS = (
    "seq", "recorded_at", "actor", "actor_id", "role", "action", "entity_type", "entity_id",
    "payload", "payload_sha256", "leaf_hash",
)
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Problem:
    """The first entry that does not match.

    ``where`` is "event", "checkpoint", "head", "public_key" or "bundle"; ``ref`` the event's seq
    or the checkpoint's id (None when there is none); ``kind`` a stable machine-readable code.
    """

    where: str
    ref: int | None
    kind: str
    message_zh: str
    message_en: str

    @property
    def entry(self) -> str:
        if self.where == "event":
            return f"event #{self.ref}"
        if self.where == "checkpoint":
            return f"checkpoint {self.ref}" if self.ref is not None else "checkpoint"
        return self.where

    @property
    def entry_zh(self) -> str:
        if self.where == "event":
            return f"事件 #{self.ref}"
        if self.where == "checkpoint":
            return f"检查点 {self.ref}" if self.ref is not None else "检查点"
        return {"head": "日志头", "public_key": "公钥", "bundle": "导出包"}.get(self.where, self.where)

    def describe(self) -> str:
        return f"{self.entry_zh} / {self.entry} [{self.kind}]: {self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict:
        return {**asdict(self), "entry": self.entry}


@dataclass
class VerificationReport:
    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_problem: Problem | None = None
    tree_size: int = 0
    root_hash: str | None = None  # recomputed root over every event checked (when ok)
    latest_checkpoint_size: int | None = None
    key_id: str | None = None  # of the public key the checkpoints were checked against

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "latest_checkpoint_size": self.latest_checkpoint_size,
            "key_id": self.key_id,
            "first_problem": self.first_problem.as_dict() if self.first_problem else None,
        }


class _Stop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _fail(where: str, ref: int | None, kind: str, zh: str, en: str) -> _Stop:
    return _Stop(Problem(where, ref, kind, zh, en))


# --- parsing -----------------------------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        raise ValueError("time must be an ISO 8601 string")
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _event_ref(event: Any, expected: int) -> int:
    seq = event.get("seq") if isinstance(event, Mapping) else None
    return seq if _is_int(seq) else expected


def _check_event_shape(event: Any, expected: int) -> None:
    ref = _event_ref(event, expected)
    if not isinstance(event, Mapping):
        raise _fail("event", ref, "malformed_event", f"第 {expected} 个事件不是对象",
                    f"entry {expected} of the event list is not an object")
    missing = [f for f in EVENT_FIELDS if f not in event]
    if missing:
        raise _fail("event", ref, "malformed_event", f"事件缺少字段: {', '.join(missing)}",
                    f"event lacks fields: {', '.join(missing)}")
    if not _is_int(event["seq"]):
        raise _fail("event", expected, "malformed_event", "事件序号不是整数", "the event's seq is not an integer")
    if event["actor_id"] is not None and not _is_int(event["actor_id"]):
        raise _fail("event", ref, "malformed_event", "actor_id 不是整数", "actor_id is not an integer")
    for name in ("actor", "role", "action", "entity_type", "entity_id", "payload", "payload_sha256", "leaf_hash"):
        if not isinstance(event[name], str):
            raise _fail("event", ref, "malformed_event", f"字段 {name} 不是文本", f"field {name} is not text")
    try:
        _parse_time(event["recorded_at"])
    except (ValueError, TypeError):
        raise _fail("event", ref, "malformed_event", "事件时间格式不正确", "the event's time is not ISO 8601") from None


@dataclass
class _Checkpoint:
    position: int  # index in stored order
    id: int | None
    tree_size: int
    root_hash: str
    created_at: datetime
    key_id: str
    signature: str


def _parse_checkpoints(checkpoints: Sequence[Any]) -> list[_Checkpoint]:
    parsed: list[_Checkpoint] = []
    seen_ids: set[int] = set()
    for position, raw in enumerate(checkpoints):
        ref = raw.get("id") if isinstance(raw, Mapping) and _is_int(raw.get("id")) else None
        label_zh, label_en = f"第 {position + 1} 个检查点", f"checkpoint entry {position + 1}"
        if not isinstance(raw, Mapping):
            raise _fail("checkpoint", ref, "malformed_checkpoint", f"{label_zh}不是对象", f"{label_en} is not an object")
        missing = [f for f in ("tree_size", "root_hash", "created_at", "key_id", "signature") if f not in raw]
        if missing:
            raise _fail("checkpoint", ref, "malformed_checkpoint", f"{label_zh}缺少字段: {', '.join(missing)}",
                        f"{label_en} lacks fields: {', '.join(missing)}")
        if not _is_int(raw["tree_size"]) or raw["tree_size"] < 0:
            raise _fail("checkpoint", ref, "malformed_checkpoint", "检查点的树大小不是非负整数",
                        "the checkpoint's tree_size is not a non-negative integer")
        if not all(isinstance(raw[f], str) for f in ("root_hash", "key_id", "signature")):
            raise _fail("checkpoint", ref, "malformed_checkpoint", "检查点的根哈希、密钥编号或签名不是文本",
                        "the checkpoint's root_hash, key_id or signature is not text")
        try:
            created_at = _parse_time(raw["created_at"])
        except (ValueError, TypeError):
            raise _fail("checkpoint", ref, "malformed_checkpoint", "检查点时间格式不正确",
                        "the checkpoint's time is not ISO 8601") from None
        if ref is not None:
            if ref in seen_ids:
                raise _fail("checkpoint", ref, "duplicate_checkpoint", "检查点编号重复", "the checkpoint id appears twice")
            seen_ids.add(ref)
        parsed.append(_Checkpoint(position, ref, raw["tree_size"], raw["root_hash"], created_at,
                                  raw["key_id"], raw["signature"]))
    return parsed


# --- the pass ----------------------------------------------------------------------------------

def verify_log(
    events: Iterable[Mapping[str, Any]],
    checkpoints: Sequence[Mapping[str, Any]],
    public_key_pem: str | None,
    head: tuple[int, Sequence[bytes | str]] | None = None,
    *,
    require_covered: bool = False,
    progress: Callable[[int], None] | None = None,
    head_after: Callable[[], tuple[int, Sequence[bytes | str]] | None] | None = None,
) -> VerificationReport:
    """Re-derive every leaf, the tree and every checkpoint; name the first entry that is wrong.

    ``events``: dicts with the columns of `AuditEvent` (``recorded_at`` as ISO string or datetime),
    in stored order. ``checkpoints``: dicts like `checkpoint_dict`, in stored order (by id).
    ``head``: (tree_size, frontier) of the head row, when verifying a database. With
    ``require_covered`` (bundles) events beyond the newest checkpoint are an error, because nothing
    signed vouches for them. ``head_after`` re-reads the head when the stream held more events than
    the head did at the start (a writer appended meanwhile); only events beyond *that* are forged.
    ``progress`` is called with the number of events checked every 1000 events.
    """
    state = {"events": 0, "checkpoints": 0}
    try:
        return _verify(events, checkpoints, public_key_pem, head, require_covered, progress, head_after, state)
    except _Stop as stop:
        return VerificationReport(False, state["events"], state["checkpoints"], stop.problem,
                                  tree_size=state["events"])


def _frontier_bytes(frontier: Sequence[bytes | str]) -> list[bytes]:
    return [bytes.fromhex(h) if isinstance(h, str) else bytes(h) for h in frontier]


def _verify(events, checkpoints, public_key_pem, head, require_covered, progress, head_after, state):
    if not public_key_pem and checkpoints:
        raise _fail("public_key", None, "missing_public_key", "没有公钥，无法核验检查点签名",
                    "no public key given, so checkpoint signatures cannot be checked")
    public_key = None
    expected_key_id = None
    if public_key_pem:
        try:
            public_key = load_public_key(public_key_pem)
        except ValueError:
            raise _fail("public_key", None, "bad_public_key", "公钥不是有效的 Ed25519 PEM 公钥",
                        "the public key is not a valid Ed25519 PEM public key") from None
        expected_key_id = key_id_of(public_key)

    parsed = _parse_checkpoints(checkpoints)
    # Checkpoints are made under the head lock, so in stored (id) order their sizes never shrink.
    running_max = -1
    out_of_order: set[int] = set()
    for cp in parsed:
        if cp.tree_size < running_max:
            out_of_order.add(cp.position)
        running_max = max(running_max, cp.tree_size)
    pending = sorted(parsed, key=lambda c: (c.tree_size, c.position))
    next_cp = 0
    latest_size = max((c.tree_size for c in parsed), default=None)

    head_size: int | None = None
    head_frontier: list[bytes] | None = None
    if head is not None:
        head_size = head[0]
        try:
            head_frontier = _frontier_bytes(head[1])
        except (ValueError, TypeError):
            raise _fail("head", None, "malformed_head", "日志头的 frontier 无法解析",
                        "the head's frontier cannot be parsed") from None

    frontier: list[bytes] = []
    size = 0

    def check_checkpoints_at(current: int) -> None:
        nonlocal next_cp
        if next_cp >= len(pending) or pending[next_cp].tree_size != current:
            return
        root = merkle.frontier_root(frontier, current).hex()
        while next_cp < len(pending) and pending[next_cp].tree_size == current:
            _check_checkpoint(pending[next_cp], root, expected_key_id, public_key)
            next_cp += 1
            state["checkpoints"] += 1

    def check_head_at(current: int) -> None:
        if head_frontier is not None and current == head_size and head_frontier != frontier:
            raise _head_frontier_mismatch(current)

    check_checkpoints_at(0)
    check_head_at(0)
    for event in events:
        expected = size + 1
        _check_event_shape(event, expected)
        seq = event["seq"]
        if seq > expected:
            gap = f"#{expected}" if seq == expected + 1 else f"#{expected}–#{seq - 1}"
            raise _fail("event", expected, "missing_event",
                        f"事件 {gap} 缺失（被删除？），下一条存储的是 #{seq}",
                        f"event {gap} is missing (deleted?); the next stored one is #{seq}")
        if seq < expected:
            raise _fail("event", seq, "out_of_order",
                        f"事件 #{seq} 出现在 #{expected - 1} 之后：序号重复或顺序被改动",
                        f"event #{seq} comes after #{expected - 1}: duplicated or reordered")
        if head_size is not None and seq > head_size and head_after is None:
            raise _fail("event", seq, "event_beyond_head",
                        f"事件 #{seq} 超出日志头记录的大小 {head_size}（伪造插入？）",
                        f"event #{seq} lies beyond the head's size {head_size} (forged insert?)")
        if require_covered and (latest_size is None or seq > latest_size):
            raise _fail("event", seq, "uncovered_event",
                        f"事件 #{seq} 不在任何已签名检查点之内（导出包应全部被覆盖）",
                        f"event #{seq} is not covered by any signed checkpoint (a bundle must be fully covered)")
        try:
            payload_hash = sha256_hex(event["payload"].encode("utf-8"))
            leaf = merkle.leaf_hash(leaf_data(
                seq=seq, recorded_at=_parse_time(event["recorded_at"]), actor=event["actor"],
                actor_id=event["actor_id"], role=event["role"], action=event["action"],
                entity_type=event["entity_type"], entity_id=event["entity_id"],
                payload_sha256=event["payload_sha256"],
            ))
        except (ValueError, TypeError, UnicodeError) as exc:
            raise _fail("event", seq, "malformed_event", f"事件无法重新计算: {exc}",
                        f"the event cannot be re-derived: {exc}") from None
        if payload_hash != event["payload_sha256"]:
            raise _fail("event", seq, "payload_hash_mismatch", "事件内容与其 SHA-256 不符（内容被改动）",
                        "the payload does not match its SHA-256 (the payload was changed)")
        if leaf.hex() != event["leaf_hash"]:
            raise _fail("event", seq, "leaf_hash_mismatch",
                        "重新计算的叶哈希与存储的不符（时间、人员、岗位、动作、对象或叶哈希被改动）",
                        "the recomputed leaf hash differs from the stored one "
                        "(time, actor, role, action, entity or the leaf hash was changed)")
        frontier = merkle.frontier_append(frontier, size, leaf)
        size = seq
        state["events"] = size
        check_checkpoints_at(size)
        check_head_at(size)
        if progress is not None and size % PROGRESS_EVERY == 0:
            progress(size)
    if progress is not None:
        progress(size)

    if next_cp < len(pending):
        cp = pending[next_cp]
        raise _fail("checkpoint", cp.id, "checkpoint_beyond_log",
                    f"检查点的树大小 {cp.tree_size} 大于日志中的事件数 {size}（事件被删除，或检查点被改动）",
                    f"the checkpoint's tree size {cp.tree_size} exceeds the {size} events in the log "
                    "(events deleted, or the checkpoint changed)")
    if head_size is not None:
        if size < head_size:
            raise _fail("event", size + 1, "missing_event",
                        f"日志在 #{size} 结束，但日志头记录了 {head_size} 条：#{size + 1} 起的事件被删除",
                        f"the log ends at #{size} but the head records {head_size}: "
                        f"events from #{size + 1} were deleted")
        if size > head_size:
            later = head_after() if head_after is not None else None
            later_size = later[0] if later is not None else head_size
            if size > later_size:
                raise _fail("event", later_size + 1, "event_beyond_head",
                            f"事件 #{later_size + 1} 超出日志头记录的大小 {later_size}（伪造插入？）",
                            f"event #{later_size + 1} lies beyond the head's size {later_size} (forged insert?)")
            if later is not None and later_size == size:
                try:
                    later_frontier = _frontier_bytes(later[1])
                except (ValueError, TypeError):
                    later_frontier = None
                if later_frontier != frontier:
                    raise _head_frontier_mismatch(size)
    if out_of_order:
        # Reported last: every checkpoint is genuine, only their stored order is wrong.
        cp = parsed[min(out_of_order)]
        raise _fail("checkpoint", cp.id, "checkpoint_order",
                    "检查点的树大小比更早的检查点还小：检查点记录被调换或重放",
                    "the checkpoint is smaller than an earlier one: checkpoint rows were reordered or replayed")
    return VerificationReport(
        True, size, state["checkpoints"], None, tree_size=size,
        root_hash=merkle.frontier_root(frontier, size).hex(), latest_checkpoint_size=latest_size,
        key_id=expected_key_id,
    )


def _head_frontier_mismatch(size: int) -> _Stop:
    return _fail("head", None, "head_frontier_mismatch", f"日志头记录的 frontier 与重新计算的不一致（大小 {size}）",
                 f"the head's frontier does not match the recomputed tree at size {size}")


def _check_checkpoint(cp: _Checkpoint, root: str, expected_key_id, public_key) -> None:
    if cp.root_hash != root:
        raise _fail("checkpoint", cp.id, "checkpoint_root_mismatch",
                    f"检查点的根哈希与重新计算的树（大小 {cp.tree_size}）不符：其覆盖的事件或检查点本身被改动",
                    f"the checkpoint's root differs from the recomputed tree of size {cp.tree_size}: "
                    "an event it covers, or the checkpoint itself, was changed")
    if cp.key_id != expected_key_id:
        raise _fail("checkpoint", cp.id, "key_id_mismatch",
                    f"检查点的密钥编号 {cp.key_id[:16]}… 与公钥 {str(expected_key_id)[:16]}… 不符",
                    f"the checkpoint's key id {cp.key_id[:16]}… does not match the public key "
                    f"{str(expected_key_id)[:16]}…")
    message = checkpoint_message(tree_size=cp.tree_size, root_hash=cp.root_hash,
                                 timestamp=cp.created_at, key_id=cp.key_id)
    if not signature_valid(public_key, message, cp.signature):
        raise _fail("checkpoint", cp.id, "bad_signature", "检查点签名无效（大小、根哈希、时间或签名被改动）",
                    "the checkpoint's signature is invalid (its size, root, time or signature was changed)")


# --- database ----------------------------------------------------------------------------------

def event_dict(row: Any) -> dict:
    """An event (ORM object or row) as exported: every column, time as fixed-width ISO UTC."""
    return {
        "seq": row.seq,
        "recorded_at": iso_utc(row.recorded_at),
        "actor": row.actor,
        "actor_id": row.actor_id,
        "role": row.role,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "payload": row.payload,
        "payload_sha256": row.payload_sha256,
        "leaf_hash": row.leaf_hash,
    }


def iter_events(db: Session, *, chunk: int = 1000, up_to: int | None = None) -> Iterator[dict]:
    """Every event ordered by seq, fetched ``chunk`` rows at a time (a server-side cursor on
    PostgreSQL), as plain dicts: the session keeps no objects, so memory stays flat."""
    columns = [getattr(AuditEvent, name) for name in EVENT_FIELDS]
    query = select(*columns).order_by(AuditEvent.seq)
    if up_to is not None:
        query = query.where(AuditEvent.seq <= up_to)
    result = db.execute(query.execution_options(yield_per=chunk))
    try:
        for row in result:
            yield event_dict(row)
    finally:
        result.close()


def read_head(db: Session) -> tuple[int, list[str]] | None:
    row = db.execute(select(AuditHead.tree_size, AuditHead.frontier).where(AuditHead.id == 1)).first()
    if row is None:
        return None
    try:
        frontier = json.loads(row.frontier)
    except ValueError:
        frontier = ["<unparseable>"]
    return row.tree_size, frontier if isinstance(frontier, list) else ["<unparseable>"]


def checkpoint_dicts(db: Session, *, up_to_id: int | None = None) -> list[dict]:
    """Every checkpoint (or those with id <= ``up_to_id``) in stored order, as exported."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id)
    if up_to_id is not None:
        query = query.where(AuditCheckpoint.id <= up_to_id)
    return [checkpoint_dict(c) for c in db.execute(query).scalars()]


def verify_database(
    db: Session,
    *,
    public_key_pem: str | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 1000,
) -> VerificationReport:
    """Verify the stored log: events streamed by seq, every checkpoint, and the head row."""
    head = read_head(db)
    if head is None:
        head = (0, [])
    checkpoints = checkpoint_dicts(db)
    pem = public_key_pem if public_key_pem is not None else local_public_key_pem()
    return verify_log(
        iter_events(db, chunk=chunk), checkpoints, pem, head, progress=progress,
        head_after=lambda: read_head(db),
    )


def stored_event_count(db: Session) -> int:
    """The head's tree size: how many events a verify will read (for progress bars)."""
    head = read_head(db)
    return head[0] if head else 0
