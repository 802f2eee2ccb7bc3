"""Verify the audit log from plain data: database rows or an exported bundle, the same code.

`verify_log` takes the events in stored order (an iterable, consumed once), the checkpoints, the
public key and optionally the head row, and makes one streaming pass: O(n) time, O(log n) memory
for the tree (a frontier of perfect-subtree roots). Each event is re-derived (payload hash, leaf
hash, its place in the sequence) and appended to the frontier; whenever the running size reaches a
checkpoint's size the recomputed root is compared with the signed one. The first entry that does
not match is named, and the pass stops there: everything after it would only repeat the damage.

Beyond the tree, the pass checks that the checkpoints form a chain (ids without gaps, each note
naming its predecessor's hash), that every ``audit.checkpoint`` event has its checkpoint and every
checkpoint its event (a deleted checkpoint row is found), that trusted checkpoints (a pinned one, the
signer's own state) are still prefixes of the log (rollback, fork, wipe), that no event older than
the checkpoint interval waits uncovered, the leaf MACs (with the platform's key), and optionally
that N configured witnesses cosigned a checkpoint.

`verify_database` streams the events ordered by seq in chunks, never holding the log in memory.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit import merkle, note as notes
from smecredit.audit.canonical import EVENT_COLUMNS, iso_utc, leaf_data_of, sha256_hex
from smecredit.audit.log import leaf_mac
from smecredit.audit.signing import (
    checkpoint_dict,
    checkpoint_message,
    key_id as key_id_of,
    load_public_key,
    origin,
    public_key_pem as local_public_key_pem,
    signature_valid,
)
from smecredit.audit.models import AuditCheckpoint, AuditCosignature, AuditEvent, AuditHead

EVENT_FIELDS = EVENT_COLUMNS  # what an exported event holds: defined once, in `canonical`
CHECKPOINT_ACTION = "audit.checkpoint"
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
        if self.where in ("checkpoint", "trusted_checkpoint", "cosignature"):
            name = self.where.replace("_", " ")
            return f"{name} {self.ref}" if self.ref is not None else name
        return self.where

    @property
    def entry_zh(self) -> str:
        if self.where == "event":
            return f"事件 #{self.ref}"
        names = {"checkpoint": "检查点", "trusted_checkpoint": "可信检查点", "cosignature": "副署"}
        if self.where in names:
            return f"{names[self.where]} {self.ref}" if self.ref is not None else names[self.where]
        return {"head": "日志头", "public_key": "公钥", "bundle": "导出包", "witnesses": "见证"}.get(self.where, self.where)

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
    macs_checked: bool = False  # leaf MACs checked with the platform's key
    trusted_checked: int = 0  # trusted checkpoints (pinned, signer state) found to be prefixes
    witnessed_checkpoint_id: int | None = None  # the newest checkpoint enough witnesses cosigned
    witnessed_size: int | None = None
    witnesses: dict[int, list[str]] = field(default_factory=dict)  # checkpoint id -> witness names

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "latest_checkpoint_size": self.latest_checkpoint_size,
            "key_id": self.key_id,
            "macs_checked": self.macs_checked,
            "trusted_checked": self.trusted_checked,
            "witnessed_checkpoint_id": self.witnessed_checkpoint_id,
            "witnessed_size": self.witnessed_size,
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
    note: str | None  # the signed note; None for a legacy (pre-0003) checkpoint
    raw: Mapping[str, Any]


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
        if raw.get("note") is not None and not isinstance(raw.get("note"), str):
            raise _fail("checkpoint", ref, "malformed_checkpoint", "检查点的签名注记不是文本", "the checkpoint's note is not text")
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
                                  raw["key_id"], raw["signature"], raw.get("note"), raw))
    return parsed


def checkpoint_row_problem(raw: Mapping[str, Any], public_key, expected_key_id: str | None,
                           log_origin: str | None = None) -> tuple[str, str, str] | None:
    """Why a checkpoint's signature does not vouch for its columns: (kind, zh, en), or None.

    A checkpoint with a note: the note must be signed by the log key (key name = its origin line)
    and say exactly the row's size, root, id and time, and the row's signature column must be the
    note's. A legacy checkpoint (no note): the signature over the canonical JSON message."""

    if raw.get("key_id") != expected_key_id:
        return ("key_id_mismatch",
                f"检查点的密钥编号 {str(raw.get('key_id'))[:16]}… 与公钥 {str(expected_key_id)[:16]}… 不符",
                f"the checkpoint's key id {str(raw.get('key_id'))[:16]}… does not match the public key "
                f"{str(expected_key_id)[:16]}…")
    bad = ("bad_signature", "检查点签名无效（大小、根哈希、时间、编号或签名被改动）",
           "the checkpoint's signature is invalid (its size, root, time, id or signature was changed)")
    note_text = raw.get("note")
    try:
        created = iso_utc(_parse_time(raw.get("created_at")))
    except (ValueError, TypeError):
        return bad
    if note_text is None:
        message = checkpoint_message(tree_size=raw.get("tree_size"), root_hash=raw.get("root_hash"),
                                     timestamp=created, key_id=raw.get("key_id"))
        return None if signature_valid(public_key, message, raw.get("signature")) else bad
    try:
        parsed = notes.parse_note(note_text)
        cp = notes.parse_checkpoint(parsed.text)
    except notes.NoteError as exc:
        return ("malformed_note", f"检查点的签名注记格式不正确: {exc}", f"the checkpoint's signed note is malformed: {exc}")
    if log_origin is not None and cp.origin != log_origin:
        return ("wrong_origin", f"检查点属于另一个日志（{cp.origin}，应为 {log_origin}）",
                f"the checkpoint belongs to another log ({cp.origin}, expected {log_origin})")
    verifier = notes.Verifier(cp.origin, notes.ALG_ED25519, notes.note_key_id(cp.origin, public_key), public_key)
    if not notes.note_signed_by(parsed, verifier):
        return bad
    own = [s for s in parsed.signatures if s.key_id == verifier.key_id and s.name == verifier.name]
    if (cp.size != raw.get("tree_size") or cp.root.hex() != raw.get("root_hash")
            or cp.extension("checkpoint") != [str(raw.get("id"))] or cp.extension("time") != [created]
            or base64.b64encode(own[0].signature).decode("ascii") != raw.get("signature")):
        return bad
    return None


@dataclass(frozen=True)
class Trusted:
    """A checkpoint the verifier already trusts (pinned by an auditor, or the signer's own state)."""

    note: str
    source: str  # for messages: "pinned", "signer state", a file name


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
    log_origin: str | None = None,
    trusted: Sequence[Trusted] = (),
    mac_key: bytes | None = None,
    coverage_cutoff: datetime | None = None,
    cosignatures: Sequence[Mapping[str, Any]] = (),
    witnesses: Sequence[notes.Verifier] = (),
    require_witnesses: int = 0,
) -> VerificationReport:
    """Re-derive every leaf, the tree and every checkpoint; name the first entry that is wrong.

    ``events``: dicts with the columns of `AuditEvent` (``recorded_at`` as ISO string or datetime),
    in stored order. ``checkpoints``: dicts like `checkpoint_dict`, in stored order (by id).
    ``head``: (tree_size, frontier) of the head row, when verifying a database. With
    ``require_covered`` (bundles) events beyond the newest checkpoint are an error, because nothing
    signed vouches for them. ``head_after`` re-reads the head when the stream held more events than
    the head did at the start (a writer appended meanwhile); only events beyond *that* are forged.
    ``log_origin``: the origin every note must carry. ``trusted``: checkpoints that must still be
    prefixes of the log. ``mac_key``: check each event's ``leaf_mac``. ``coverage_cutoff``: events
    recorded before it must be covered by a checkpoint. ``cosignatures`` ({checkpoint_id,
    signature_line}) are checked against ``witnesses``; ``require_witnesses`` of them must have
    cosigned one checkpoint. ``progress`` is called with the number of events checked every 1000.
    """
    state = {"events": 0, "checkpoints": 0}
    report = VerificationReport(False, 0, 0)
    try:
        return _verify(events, checkpoints, public_key_pem, head, require_covered, progress, head_after, state,
                       log_origin, trusted, mac_key, coverage_cutoff, cosignatures, witnesses, require_witnesses, report)
    except _Stop as stop:
        report.ok, report.first_problem = False, stop.problem
        report.events_checked, report.checkpoints_checked, report.tree_size = state["events"], state["checkpoints"], state["events"]
        report.root_hash = None
        return report


def _frontier_bytes(frontier: Sequence[bytes | str]) -> list[bytes]:
    return [bytes.fromhex(h) if isinstance(h, str) else bytes(h) for h in frontier]


@dataclass(frozen=True)
class _TrustedPoint:
    size: int
    root: bytes
    checkpoint_id: int | None
    origin: str
    note: notes.Note
    source: str


def _parse_trusted(trusted: Sequence[Trusted]) -> list[_TrustedPoint]:
    out = []
    for item in trusted:
        try:
            parsed = notes.parse_note(item.note)
            cp = notes.parse_checkpoint(parsed.text)
        except notes.NoteError as exc:
            raise _fail("trusted_checkpoint", None, "malformed_trusted_checkpoint",
                        f"可信检查点（{item.source}）格式不正确: {exc}", f"the trusted checkpoint ({item.source}) is malformed: {exc}") from None
        words = cp.extension("checkpoint")
        cid = int(words[0]) if words and words[0].isdigit() else None
        out.append(_TrustedPoint(cp.size, cp.root, cid, cp.origin, parsed, item.source))
    return sorted(out, key=lambda t: t.size)


def _check_trusted(point: _TrustedPoint, root: bytes, public_key, log_origin: str | None, by_id: dict) -> None:
    """A trusted checkpoint reached by the pass: signed by the key used, still in the log."""
    verifier = notes.Verifier(point.origin, notes.ALG_ED25519, notes.note_key_id(point.origin, public_key), public_key)
    if (log_origin is not None and point.origin != log_origin) or not notes.note_signed_by(point.note, verifier):
        raise _fail("trusted_checkpoint", point.checkpoint_id, "trusted_checkpoint_not_signed",
                    f"可信检查点（{point.source}）不是用所核验的公钥为本日志签名的（签名密钥被替换？）",
                    f"the trusted checkpoint ({point.source}) is not signed for this log by the public key used "
                    "(was the signing key replaced?)")
    if root != point.root:
        raise _fail("trusted_checkpoint", point.checkpoint_id, "fork_or_rewrite",
                    f"日志在大小 {point.size} 处的根哈希与可信检查点（{point.source}）不符：历史被改写或分叉",
                    f"the log's root at size {point.size} differs from the trusted checkpoint ({point.source}): "
                    "history was rewritten or forked")
    stored = by_id.get(point.checkpoint_id) if point.checkpoint_id is not None else None
    if stored is not None and stored.note is not None:
        try:
            same = notes.parse_note(stored.note).text == point.note.text
        except notes.NoteError:
            same = False
        if not same:
            raise _fail("checkpoint", point.checkpoint_id, "checkpoint_replaced",
                        f"检查点 {point.checkpoint_id} 与可信检查点（{point.source}）不同：检查点被改写",
                        f"checkpoint {point.checkpoint_id} differs from the trusted one ({point.source}): "
                        "the checkpoint was rewritten")


def _verify(events, checkpoints, public_key_pem, head, require_covered, progress, head_after, state,
            log_origin, trusted, mac_key, coverage_cutoff, cosignatures, witnesses, require_witnesses, report):

    if not public_key_pem and (checkpoints or trusted):
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
    report.key_id = expected_key_id
    report.macs_checked = mac_key is not None

    parsed = _parse_checkpoints(checkpoints)
    by_id = {cp.id: cp for cp in parsed if cp.id is not None}
    trusted_points = _parse_trusted(trusted)
    # Checkpoints are made under the head lock, so in stored (id) order their sizes never shrink.
    running_max = -1
    out_of_order: set[int] = set()
    for cp in parsed:
        if cp.tree_size < running_max:
            out_of_order.add(cp.position)
        running_max = max(running_max, cp.tree_size)
    pending = sorted(parsed, key=lambda c: (c.tree_size, c.position))
    next_cp = 0
    next_trusted = 0
    latest_size = max((c.tree_size for c in parsed), default=None)
    checkpoint_events: dict[int, int] = {}  # checkpoint id named by an audit.checkpoint event -> its seq

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

    def check_at(current: int) -> None:
        nonlocal next_cp, next_trusted
        root_bytes = None
        at_cp = next_cp < len(pending) and pending[next_cp].tree_size == current
        at_trusted = next_trusted < len(trusted_points) and trusted_points[next_trusted].size == current
        if not (at_cp or at_trusted):
            return
        root_bytes = merkle.frontier_root(frontier, current)
        while next_cp < len(pending) and pending[next_cp].tree_size == current:
            _check_checkpoint(pending[next_cp], root_bytes.hex(), expected_key_id, public_key, log_origin)
            next_cp += 1
            state["checkpoints"] += 1
        while next_trusted < len(trusted_points) and trusted_points[next_trusted].size == current:
            _check_trusted(trusted_points[next_trusted], root_bytes, public_key, log_origin, by_id)
            next_trusted += 1
            report.trusted_checked += 1

    def check_head_at(current: int) -> None:
        if head_frontier is not None and current == head_size and head_frontier != frontier:
            raise _head_frontier_mismatch(current)

    check_at(0)
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
            recorded_at = _parse_time(event["recorded_at"])
            payload_hash = sha256_hex(event["payload"].encode("utf-8"))
            leaf = merkle.leaf_hash(leaf_data_of({**event, "recorded_at": recorded_at}))
        except (ValueError, TypeError, UnicodeError, OverflowError) as exc:
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
        if mac_key is not None and event.get("leaf_mac") != leaf_mac(mac_key, leaf):
            raise _fail("event", seq, "leaf_mac_mismatch",
                        "事件的叶 MAC 不符：它不是本平台写入的（在数据库中被改写或插入，哈希是重新计算的）",
                        "the event's leaf MAC does not match: the platform did not write it (rewritten or inserted "
                        "in the database, with its hashes recomputed)")
        if (coverage_cutoff is not None and (latest_size is None or seq > latest_size)
                and recorded_at < coverage_cutoff):
            raise _fail("event", seq, "stale_uncovered_event",
                        f"事件 #{seq} 记录于 {iso_utc(recorded_at)}，早于检查点间隔，却不在任何检查点之内（定时签名停止了？）",
                        f"event #{seq}, recorded {iso_utc(recorded_at)}, is older than the checkpoint interval but no "
                        "checkpoint covers it (did the scheduled signing stop?)")
        if event["action"] == CHECKPOINT_ACTION:
            try:
                named = json.loads(event["payload"]).get("checkpoint_id")
            except (ValueError, AttributeError):
                named = None
            if _is_int(named):
                checkpoint_events[named] = seq
        frontier = merkle.frontier_append(frontier, size, leaf)
        size = seq
        state["events"] = size
        check_at(size)
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
    if next_trusted < len(trusted_points):
        point = trusted_points[next_trusted]
        raise _fail("trusted_checkpoint", point.checkpoint_id, "log_rolled_back",
                    f"日志只有 {size} 条事件，但可信检查点（{point.source}）已签名 {point.size} 条：日志被截断、清空或回滚",
                    f"the log holds {size} events but the trusted checkpoint ({point.source}) signed {point.size}: "
                    "the log was cut, emptied or rolled back")
    _check_chain(parsed, checkpoint_events)
    if out_of_order:
        # Reported last: every checkpoint is genuine, only their stored order is wrong.
        cp = parsed[min(out_of_order)]
        raise _fail("checkpoint", cp.id, "checkpoint_order",
                    "检查点的树大小比更早的检查点还小：检查点记录被调换或重放",
                    "the checkpoint is smaller than an earlier one: checkpoint rows were reordered or replayed")
    _check_witnesses(parsed, cosignatures, witnesses, require_witnesses, report)
    report.ok, report.first_problem = True, None
    report.events_checked, report.checkpoints_checked, report.tree_size = size, state["checkpoints"], size
    report.root_hash = merkle.frontier_root(frontier, size).hex()
    report.latest_checkpoint_size = latest_size
    return report


def _check_chain(parsed: list[_Checkpoint], checkpoint_events: dict[int, int]) -> None:
    """Checkpoints with notes form a chain: ids consecutive, each naming its predecessor's note
    hash; each is the tree that ends with its own ``audit.checkpoint`` event, and every such event
    has its checkpoint (so a deleted checkpoint row is found even when it was the newest)."""
    chained = [cp for cp in sorted(parsed, key=lambda c: (c.id if c.id is not None else -1)) if cp.note is not None]
    previous: _Checkpoint | None = None
    for cp in chained:
        text = notes.parse_note(cp.note).text  # parsed and signature-checked in the pass already
        words = notes.parse_checkpoint(text).extension("previous") or []
        if previous is None:
            expected = ["none"]
        else:
            expected = [str(previous.id), notes.text_hash(notes.parse_note(previous.note).text)]
        if previous is not None and cp.id != previous.id + 1:
            raise _fail("checkpoint", (previous.id or 0) + 1, "checkpoint_missing",
                        f"检查点 {(previous.id or 0) + 1} 缺失（被删除？）：检查点编号必须连续",
                        f"checkpoint {(previous.id or 0) + 1} is missing (deleted?): checkpoint ids have no gaps")
        if words != expected:
            named = words[0] if words else "?"
            raise _fail("checkpoint", cp.id, "checkpoint_chain_broken",
                        f"检查点 {cp.id} 指向的前一个检查点（{named}）与存储的不符：检查点被删除、替换或插入",
                        f"checkpoint {cp.id} names a predecessor ({named}) that is not the stored one: a checkpoint "
                        "was deleted, replaced or inserted")
        seq = checkpoint_events.get(cp.id) if cp.id is not None else None
        if seq != cp.tree_size:
            raise _fail("checkpoint", cp.id, "checkpoint_event_missing",
                        f"检查点 {cp.id} 的树没有以它自己的 audit.checkpoint 事件结尾",
                        f"checkpoint {cp.id}'s tree does not end with its own audit.checkpoint event")
        previous = cp
    known = {cp.id for cp in parsed}
    for named, seq in sorted(checkpoint_events.items()):
        if named not in known:
            raise _fail("checkpoint", named, "checkpoint_missing",
                        f"事件 #{seq} 记录了检查点 {named}，但该检查点不存在（被删除？）",
                        f"event #{seq} records checkpoint {named}, which does not exist (deleted?)")


def _check_witnesses(parsed, cosignatures, witnesses, require_witnesses, report) -> None:
    by_name = {w.name: w for w in witnesses}
    texts = {cp.id: notes.parse_note(cp.note).text for cp in parsed if cp.note is not None and cp.id is not None}
    sizes = {cp.id: cp.tree_size for cp in parsed}
    cosigned: dict[int, set[str]] = {}
    for raw in cosignatures:
        cid, line = raw.get("checkpoint_id"), raw.get("signature_line")
        try:
            note = notes.parse_note("x\n\n" + (line if line.endswith("\n") else line + "\n"))
            sig = note.signatures[0]
        except (notes.NoteError, AttributeError, TypeError):
            raise _fail("cosignature", raw.get("id"), "bad_cosignature", "副署行格式不正确", "a cosignature line is malformed") from None
        verifier = by_name.get(sig.name)
        if verifier is None:
            continue  # a witness no longer configured: neither counted nor an error
        if cid not in texts or not notes.cosigned_by(texts[cid], sig, verifier):
            raise _fail("cosignature", raw.get("id"), "bad_cosignature",
                        f"见证人 {sig.name} 对检查点 {cid} 的副署无效（副署或检查点被改动）",
                        f"witness {sig.name}'s cosignature of checkpoint {cid} is invalid (the cosignature or the "
                        "checkpoint was changed)")
        cosigned.setdefault(cid, set()).add(sig.name)
    report.witnesses = {cid: sorted(names) for cid, names in cosigned.items()}
    enough = [cid for cid, names in cosigned.items() if len(names) >= max(require_witnesses, 1)]
    if enough:
        best = max(enough, key=lambda c: sizes.get(c, -1))
        report.witnessed_checkpoint_id, report.witnessed_size = best, sizes.get(best)
    if require_witnesses <= 0:
        return
    if len(by_name) < require_witnesses:
        raise _fail("witnesses", None, "witnesses_not_configured",
                    f"要求 {require_witnesses} 个见证人，但只配置了 {len(by_name)} 个（SMECREDIT_AUDIT_WITNESS_KEYS）",
                    f"{require_witnesses} witnesses are required but only {len(by_name)} are configured "
                    "(SMECREDIT_AUDIT_WITNESS_KEYS)")
    if not enough:
        most = max((len(n) for n in cosigned.values()), default=0)
        raise _fail("witnesses", None, "not_enough_witnesses",
                    f"没有任何检查点得到 {require_witnesses} 个已配置见证人的副署（最多 {most} 个）",
                    f"no checkpoint is cosigned by {require_witnesses} of the configured witnesses (at most {most})")


def _head_frontier_mismatch(size: int) -> _Stop:
    return _fail("head", None, "head_frontier_mismatch", f"日志头记录的 frontier 与重新计算的不一致（大小 {size}）",
                 f"the head's frontier does not match the recomputed tree at size {size}")


def _check_checkpoint(cp: _Checkpoint, root: str, expected_key_id, public_key, log_origin) -> None:
    if cp.root_hash != root:
        raise _fail("checkpoint", cp.id, "checkpoint_root_mismatch",
                    f"检查点的根哈希与重新计算的树（大小 {cp.tree_size}）不符：其覆盖的事件或检查点本身被改动",
                    f"the checkpoint's root differs from the recomputed tree of size {cp.tree_size}: "
                    "an event it covers, or the checkpoint itself, was changed")
    problem = checkpoint_row_problem(cp.raw, public_key, expected_key_id, log_origin)
    if problem is not None:
        raise _fail("checkpoint", cp.id, *problem)


# --- database ----------------------------------------------------------------------------------

def event_dict(row: Any) -> dict:
    """An event (ORM object or row) as exported: every column of `EVENT_COLUMNS`, time as
    fixed-width ISO UTC."""
    out = {name: getattr(row, name) for name in EVENT_COLUMNS}
    out["recorded_at"] = iso_utc(row.recorded_at)
    return out


def iter_events(db: Session, *, chunk: int = 1000, up_to: int | None = None, with_mac: bool = False) -> Iterator[dict]:
    """Every event ordered by seq, fetched ``chunk`` rows at a time (a server-side cursor on
    PostgreSQL), as plain dicts: the session keeps no objects, so memory stays flat. ``with_mac``
    adds the platform-only ``leaf_mac`` column (never exported)."""
    names = EVENT_COLUMNS + (("leaf_mac",) if with_mac else ())
    query = select(*[getattr(AuditEvent, name) for name in names]).order_by(AuditEvent.seq)
    if up_to is not None:
        query = query.where(AuditEvent.seq <= up_to)
    result = db.execute(query.execution_options(yield_per=chunk))
    try:
        for row in result:
            out = event_dict(row)
            if with_mac:
                out["leaf_mac"] = row.leaf_mac
            yield out
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


def cosignature_dicts(db: Session, *, up_to_id: int | None = None) -> list[dict]:
    query = select(AuditCosignature).order_by(AuditCosignature.checkpoint_id, AuditCosignature.id)
    if up_to_id is not None:
        query = query.where(AuditCosignature.checkpoint_id <= up_to_id)
    return [{"id": c.id, "checkpoint_id": c.checkpoint_id, "witness_name": c.witness_name,
             "cosigned_at": iso_utc(c.cosigned_at), "signature_line": c.signature_line}
            for c in db.execute(query).scalars()]


def coverage_cutoff(now: datetime | None = None) -> datetime:
    """Events recorded before this instant must be covered by a checkpoint."""
    from smecredit.kernel.settings import get_settings

    return (now or datetime.now(timezone.utc)) - timedelta(hours=get_settings().checkpoint_interval_hours)


def verify_database(
    db: Session,
    *,
    public_key_pem: str | None = None,
    trusted: Sequence[Trusted] = (),
    use_signer_state: bool = True,
    check_coverage: bool = True,
    require_witnesses: int | None = None,
    witnesses: Sequence[notes.Verifier] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = 1000,
) -> VerificationReport:
    """Verify the stored log: events streamed by seq, every checkpoint and cosignature, the head.

    Without ``public_key_pem`` the platform's own key is used; an auditor passes the key they
    pinned. The signer's state (the newest checkpoint it signed, kept beside the key) is a trusted
    checkpoint unless ``use_signer_state`` is False, so a wiped or rolled-back log fails here too.
    Leaf MACs are checked when the platform's MAC key is on this machine.
    """
    from smecredit.audit.cosignatures import configured_witnesses
    from smecredit.audit.keystore import mac_key_if_present, read_state
    from smecredit.kernel.settings import get_settings

    head = read_head(db)
    if head is None:
        head = (0, [])
    checkpoints = checkpoint_dicts(db)
    pem = public_key_pem if public_key_pem is not None else local_public_key_pem()
    trusted = list(trusted)
    if use_signer_state:
        state = read_state()
        if state is not None:
            trusted.append(Trusted(state["note"], "signer state / 签名者状态"))
    mac_key = mac_key_if_present()
    return verify_log(
        iter_events(db, chunk=chunk, with_mac=mac_key is not None), checkpoints, pem, head, progress=progress,
        head_after=lambda: read_head(db), log_origin=origin(), trusted=trusted, mac_key=mac_key,
        coverage_cutoff=coverage_cutoff() if check_coverage else None,
        cosignatures=cosignature_dicts(db),
        witnesses=configured_witnesses() if witnesses is None else witnesses,
        require_witnesses=get_settings().audit_required_witnesses if require_witnesses is None else require_witnesses,
    )


def stored_event_count(db: Session) -> int:
    """The head's tree size: how many events a verify will read (for progress bars)."""
    head = read_head(db)
    return head[0] if head else 0
