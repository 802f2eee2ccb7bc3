"""Signed checkpoints of the audit log: C2SP signed notes, chained, and never signed unverified.

A checkpoint is the note (see `audit.note` and docs/audit-log-format.md)::

    <origin>\\n<tree size>\\n<base64 root hash>\\ncheckpoint <id>\\ntime <iso utc>\\nprevious <id> <hash>\\n
    \\n
    — <origin> <base64(key id ‖ Ed25519 signature)>\\n

signed with the Ed25519 key kept in ``$SMECREDIT_DATA_DIR/keys/`` (never in the database).

**Never sign what was not verified.** `make_checkpoint` (the one path the page, the API, the
command line, the daily job and the export all take) first establishes a trusted anchor: the
newest checkpoint this signer signed, kept outside the database beside the key (`keystore` state
file), which must still be in the database, byte for byte, followed only by checkpoints signed with
this key that chain to it. From the anchor's frontier (trusted: it hashes to the signed root) it
re-derives every later event from its columns, checks each leaf's MAC (a key outside the database
too) and folds the leaves in; the result must be the head row exactly. Only then is the
``audit.checkpoint`` event appended and the new tree signed. So the new tree is an append-only
extension of everything signed before (the consistency proof from the last signed size is
recomputed, not trusted), and a log wiped, rolled back, forked or rewritten in the database alone is
refused loudly: `Unavailable`, an error in the log, and an alert file the audit pages show.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.audit import merkle, note as notes
from smecredit.audit.canonical import iso_utc, leaf_data_of, sha256_hex
from smecredit.audit.events import CheckpointSigned
from smecredit.audit.keystore import (
    KEY_FILE_NAME,  # noqa: F401 - re-exported
    key_path,  # noqa: F401 - re-exported
    load_or_create_mac_key,
    load_or_create_signing_key,
    read_alert,
    read_state,
    write_alert,
    write_state,
)
from smecredit.audit.log import SYSTEM, Actor, leaf_mac, lock_head, record
from smecredit.audit.signing import (  # noqa: F401 - re-exported for callers of the signer
    LOG_ID,
    build_signed_note,
    checkpoint_dict,
    checkpoint_message,
    checkpoint_text,
    key_id,
    load_public_key,
    log_verifier,
    log_vkey,
    note_text_of,
    origin,
    public_key_pem,
    sign_message,
    signature_valid,
)
from smecredit.audit.verify import checkpoint_row_problem, verify_database
from smecredit.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import Unavailable
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

log = logging.getLogger("smecredit.audit")

#: the scheduler looks every hour; it signs early enough that no event waits longer than the interval
SCHEDULER_PERIOD_HOURS = 1.0


def verify_checkpoint(checkpoint: AuditCheckpoint, public_key: Ed25519PublicKey) -> bool:
    """True when the row's signed note (or legacy signature) is valid and matches its columns."""
    return checkpoint_row_problem(checkpoint_dict(checkpoint), public_key, key_id(public_key)) is None


# --- reading -----------------------------------------------------------------------------------

def latest_checkpoint(db: Session) -> AuditCheckpoint | None:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    return db.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def count_checkpoints(db: Session) -> int:
    return db.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one()


def list_checkpoints(db: Session, *, limit: int = 100, offset: int = 0) -> list[AuditCheckpoint]:
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit).offset(offset)
    return list(db.execute(query.execution_options(populate_existing=True)).scalars())


# --- refusing ----------------------------------------------------------------------------------

class _Refuse(Exception):
    def __init__(self, code: str, text: Text, **details):
        self.code, self.text, self.details = code, text, details


def _refuse(refusal: _Refuse) -> Unavailable:
    """Log it, raise (or renew) the alert the audit pages show, and return the error to raise."""
    now = iso_utc(utcnow())
    previous = read_alert() or {}
    same = previous.get("code") == refusal.code
    alert = {
        "code": refusal.code,
        "message": refusal.text.as_dict(),
        "details": {k: v for k, v in refusal.details.items()},
        "first_seen": previous.get("first_seen", now) if same else now,
        "last_seen": now,
        "count": (previous.get("count", 0) + 1) if same else 1,
    }
    try:
        write_alert(alert)
    except OSError:  # pragma: no cover - the error below is still raised and logged
        log.exception("could not write the audit alert file")
    log.error("AUDIT LOG REFUSED TO SIGN [%s]: %s", refusal.code, refusal.text)
    message = refusal.text.prefixed("拒绝签名检查点：", "Refused to sign a checkpoint: ")
    return Unavailable(refusal.code, message, details=alert["details"])


def _frontier_hex(frontier: list[bytes]) -> list[str]:
    return [h.hex() for h in frontier]


def _parse_frontier(raw: object, size: int) -> list[bytes] | None:
    try:
        values = json.loads(raw) if isinstance(raw, str) else raw
        frontier = [bytes.fromhex(h) for h in values]  # type: ignore[union-attr]
        merkle.frontier_root(frontier, size)
        return frontier
    except (ValueError, TypeError):
        return None


# --- the anchor: the newest checkpoint we can trust --------------------------------------------

@dataclass(frozen=True)
class _Anchor:
    checkpoint_id: int  # 0: none yet
    size: int
    root: bytes
    frontier: list[bytes]
    text: str | None  # the note text (None: genesis)


def _note_rows(db: Session, after_id: int) -> list[AuditCheckpoint]:
    query = select(AuditCheckpoint).where(AuditCheckpoint.id > after_id).order_by(AuditCheckpoint.id)
    return list(db.execute(query.execution_options(populate_existing=True)).scalars())


def _signed_by_us(signed_note: str | None, verifier: notes.Verifier) -> notes.Checkpoint | None:
    if not signed_note:
        return None
    try:
        parsed = notes.parse_note(signed_note)
    except notes.NoteError:
        return None
    if not notes.note_signed_by(parsed, verifier):
        return None
    try:
        return notes.parse_checkpoint(parsed.text)
    except notes.NoteError:
        return None


def _extension_int(cp: notes.Checkpoint, keyword: str) -> int | None:
    words = cp.extension(keyword)
    if not words or not words[0].isdigit():
        return None
    return int(words[0])


def _trusted_anchor(db: Session, verifier: notes.Verifier) -> _Anchor:
    state = read_state()
    if state is None:
        return _bootstrap_anchor(db, verifier)
    cp = _signed_by_us(state["note"], verifier)
    if cp is None:
        raise _Refuse("audit_signing_key_changed", Text(
            "签名者保存的上一个检查点不能用当前签名密钥核验：签名密钥文件被替换，或状态文件被改动",
            "The last checkpoint this signer kept does not verify with the current signing key: the key file "
            "was replaced, or the state file was changed"))
    anchor_id = _extension_int(cp, "checkpoint") or 0
    frontier = _parse_frontier(state["frontier"], cp.size)
    if frontier is None or merkle.frontier_root(frontier, cp.size) != cp.root:
        raise _Refuse("audit_signer_state_damaged", Text("签名者状态文件中的 frontier 与签名的根哈希不符",
                                                         "The signer state's frontier does not match its signed root"))
    row = db.get(AuditCheckpoint, anchor_id, populate_existing=True) if anchor_id else None
    if row is None or row.note != state["note"] or row.tree_size != cp.size or row.root_hash != cp.root.hex():
        raise _Refuse("audit_log_rolled_back", Text(
            f"数据库中缺少本签名者最近签名的检查点 {anchor_id}（树大小 {cp.size}）或它已被改动：日志被清空、回滚或改写",
            f"Checkpoint {anchor_id} (tree size {cp.size}), the newest this signer signed, is missing from the "
            "database or was changed: the log was emptied, rolled back or rewritten"),
            checkpoint_id=anchor_id, tree_size=cp.size)
    anchor = _Anchor(anchor_id, cp.size, cp.root, frontier, cp.text())
    return _follow_chain(db, anchor, verifier)


def _follow_chain(db: Session, anchor: _Anchor, verifier: notes.Verifier) -> _Anchor:
    """Checkpoints after the anchor must each be signed by us and chain to it (another process
    sharing the key signed them, or we crashed before writing the state); the newest is the anchor."""
    for row in _note_rows(db, anchor.checkpoint_id):
        cp = _signed_by_us(row.note, verifier)
        expected_prev = f"{anchor.checkpoint_id} {notes.text_hash(anchor.text)}" if anchor.text else "none"
        prev = " ".join(cp.extension("previous") or []) if cp else None
        if (cp is None or _extension_int(cp, "checkpoint") != row.id or row.id != anchor.checkpoint_id + 1
                or prev != expected_prev or cp.size < anchor.size
                or row.tree_size != cp.size or row.root_hash != cp.root.hex()):
            raise _Refuse("audit_checkpoint_chain_broken", Text(
                f"检查点 {row.id} 没有用本日志的密钥签名，或没有接在检查点 {anchor.checkpoint_id} 之后",
                f"Checkpoint {row.id} is not signed with this log's key, or does not follow checkpoint "
                f"{anchor.checkpoint_id}"), checkpoint_id=row.id)
        frontier = _parse_frontier(row.frontier, cp.size)
        if frontier is None or merkle.frontier_root(frontier, cp.size) != cp.root:
            raise _Refuse("audit_checkpoint_chain_broken", Text(
                f"检查点 {row.id} 存储的 frontier 与其签名的根哈希不符",
                f"The frontier stored with checkpoint {row.id} does not match its signed root"), checkpoint_id=row.id)
        anchor = _Anchor(row.id, cp.size, cp.root, frontier, cp.text())
    return anchor


def _bootstrap_anchor(db: Session, verifier: notes.Verifier) -> _Anchor:
    """No state yet (first checkpoint, or a new host): trust the database only after a full verify."""
    legacy_max = db.execute(select(func.max(AuditCheckpoint.id))).scalar_one_or_none() or 0
    first_note = db.execute(select(func.min(AuditCheckpoint.id)).where(AuditCheckpoint.note.is_not(None))).scalar_one_or_none()
    if legacy_max == 0 and db.execute(select(AuditHead.tree_size).where(AuditHead.id == 1)).scalar_one_or_none() in (0, None):
        return _Anchor(0, 0, merkle.EMPTY_ROOT, [], None)

    report = verify_database(db, public_key_pem=public_key_pem(), check_coverage=False, use_signer_state=False,
                             require_witnesses=0)
    if not report.ok:
        problem = report.first_problem
        raise _Refuse("audit_log_failed_verification", Text(
            f"首次签名前的完整核验未通过：{problem.entry_zh}：{problem.message_zh}",
            f"The full verification before the first signature failed: {problem.entry}: {problem.message_en}"),
            kind=problem.kind, ref=problem.ref)
    if first_note is None:
        # Only legacy checkpoints (or none): the chain starts after them, from the verified log.
        return _Anchor(0, 0, merkle.EMPTY_ROOT, [], None)
    start = _Anchor(first_note - 1, 0, merkle.EMPTY_ROOT, [], None)
    return _follow_chain(db, start, verifier)


# --- the tail: every event after the anchor, re-derived ----------------------------------------

def _verified_tail(db: Session, anchor: _Anchor, head: AuditHead, mac_key: bytes) -> list[bytes]:
    """Fold every event after the anchor, re-derived from its columns, into the anchor's frontier;
    the result must be the head. Returns the frontier at the head's size."""
    frontier = list(anchor.frontier)
    size = anchor.size
    query = (select(AuditEvent).where(AuditEvent.seq > anchor.size).order_by(AuditEvent.seq)
             .execution_options(yield_per=1000, populate_existing=True))
    for event in db.execute(query).scalars():
        seq = size + 1
        if event.seq != seq:
            raise _Refuse("audit_log_rewritten", Text(
                f"事件 #{seq} 缺失（下一条存储的是 #{event.seq}）", f"Event #{seq} is missing (the next stored is #{event.seq})"),
                seq=seq)
        try:
            payload_ok = sha256_hex(event.payload.encode("utf-8")) == event.payload_sha256
            leaf = merkle.leaf_hash(leaf_data_of(event))
        except (ValueError, TypeError, UnicodeError, AttributeError):
            payload_ok, leaf = False, b""
        if not payload_ok or leaf.hex() != event.leaf_hash:
            raise _Refuse("audit_log_rewritten", Text(
                f"事件 #{seq} 与其哈希不符（内容或字段被改动）", f"Event #{seq} does not match its hashes (its content or columns were changed)"),
                seq=seq)
        if event.leaf_mac != leaf_mac(mac_key, leaf):
            raise _Refuse("audit_log_rewritten", Text(
                f"事件 #{seq} 的叶 MAC 不符：它不是本平台写入的（在数据库中被改写或插入）",
                f"The leaf MAC of event #{seq} does not match: the platform did not write it (rewritten or inserted "
                "in the database)"), seq=seq)
        frontier = merkle.frontier_append(frontier, size, leaf)
        size = seq
    head_frontier = _parse_frontier(head.frontier, head.tree_size)
    if size != head.tree_size or head_frontier != frontier:
        raise _Refuse("audit_log_rewritten", Text(
            f"日志头（大小 {head.tree_size}）与从已签名检查点（大小 {anchor.size}）起重新计算的树（大小 {size}）不符",
            f"The head (size {head.tree_size}) differs from the tree recomputed from the last signed checkpoint "
            f"(size {anchor.size}): {size} events"), head_size=head.tree_size, recomputed_size=size)
    return frontier


def verify_before_signing(db: Session) -> tuple[_Anchor, AuditHead]:
    """Lock the head and check that it extends everything this signer signed (raises `Unavailable`
    and raises the alert otherwise). Returns the trusted anchor and the locked head."""
    key = load_or_create_signing_key()  # before the lock: file I/O must not hold up writers
    mac_key = load_or_create_mac_key()
    verifier = log_verifier(key)
    head = lock_head(db)
    try:
        anchor = _trusted_anchor(db, verifier)
        _verified_tail(db, anchor, head, mac_key)
    except _Refuse as refusal:
        raise _refuse(refusal) from None
    return anchor, head


# --- making checkpoints ------------------------------------------------------------------------

_PENDING = "smecredit.audit.pending_signer_state"
_HOOKED = "smecredit.audit.signer_state_hooks"


def _write_pending_state(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    signed_note, frontier, checkpoint_id = pending
    try:
        state = read_state()
    except Unavailable:
        state = None
    if state is not None:
        try:
            current = _extension_int(notes.parse_checkpoint(notes.parse_note(state["note"]).text), "checkpoint") or 0
        except notes.NoteError:
            current = 0
        if current >= checkpoint_id:
            return  # another process already recorded a newer one
    try:
        write_state(signed_note, frontier)
    except OSError:  # pragma: no cover
        log.exception("could not write the audit signer state after checkpoint %s", checkpoint_id)


def _drop_pending_state(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit_write_state(db: Session, signed_note: str, frontier: list[str], checkpoint_id: int) -> None:
    """The state file follows the database: written once the transaction that holds the checkpoint
    commits (a rolled-back checkpoint was never made). A crash in between leaves the state one
    behind, which the next signature accepts (the newer checkpoint carries our signature)."""
    db.info[_PENDING] = (signed_note, frontier, checkpoint_id)
    if not db.info.get(_HOOKED):
        sa_event.listen(db, "after_commit", _write_pending_state)
        sa_event.listen(db, "after_rollback", _drop_pending_state)
        db.info[_HOOKED] = True


def make_checkpoint(db: Session, *, actor: Actor = SYSTEM, reason: str = "manual") -> AuditCheckpoint:
    """Verify, record the ``audit.checkpoint`` event, sign the new tree, add the row (flushed)."""
    anchor, head = verify_before_signing(db)
    key = load_or_create_signing_key()
    newest = latest_checkpoint(db)
    new_id = (newest.id if newest else 0) + 1
    previous_note = newest if newest is not None and newest.note else None
    record(db, actor, CheckpointSigned(
        entity_id=new_id, checkpoint_id=new_id,
        previous_checkpoint_id=newest.id if newest else None,
        previous_tree_size=newest.tree_size if newest else None,
        previous_root_hash=newest.root_hash if newest else None,
        reason=reason))
    frontier = _parse_frontier(head.frontier, head.tree_size)
    assert frontier is not None  # the append above wrote it
    size = head.tree_size
    root = merkle.frontier_root(frontier, size)
    now = utcnow()
    previous = (previous_note.id, notes.text_hash(note_text_of(previous_note.note))) if previous_note else None
    signed_note, signature = build_signed_note(key, log_origin=origin(), checkpoint_id=new_id, tree_size=size,
                                               root=root, created_at=now, previous=previous)
    checkpoint = AuditCheckpoint(id=new_id, tree_size=size, root_hash=root.hex(), created_at=now, key_id=key_id(key),
                                 signature=signature, note=signed_note, frontier=json.dumps(_frontier_hex(frontier)))
    db.add(checkpoint)
    db.flush()
    _after_commit_write_state(db, signed_note, _frontier_hex(frontier), new_id)
    log.info("audit checkpoint %s signed at tree size %s (%s)", new_id, size, reason)
    return checkpoint


def create_checkpoint(db: Session, *, actor: Actor | None = None, reason: str = "manual") -> AuditCheckpoint:
    """Sign the log now (page, API, command line). The checkpoint covers its own event."""
    return make_checkpoint(db, actor=actor or SYSTEM, reason=reason)


def _due(db: Session, head: AuditHead, hours: float) -> bool:
    latest = latest_checkpoint(db)
    if latest is None:
        return head.tree_size > 0
    if latest.tree_size >= head.tree_size:
        return False
    now = utcnow()
    if as_utc(latest.created_at) <= now - timedelta(hours=hours):
        return True
    first_uncovered = db.execute(select(AuditEvent.recorded_at).where(AuditEvent.seq == latest.tree_size + 1)).scalar_one_or_none()
    lead = max(hours - SCHEDULER_PERIOD_HOURS, hours / 2)
    return first_uncovered is not None and as_utc(first_uncovered) <= now - timedelta(hours=lead)


def ensure_recent_checkpoint(db: Session, max_age_hours: float | None = None) -> AuditCheckpoint | None:
    """The scheduler's call: verify the log against what was signed (always, so a rewrite raises the
    alert within the hour), and sign when due. Due when the log grew since the newest checkpoint and
    that checkpoint is older than ``max_age_hours`` (default ``checkpoint_interval_hours``), or the
    oldest event it does not cover would otherwise wait longer than that."""
    hours = get_settings().checkpoint_interval_hours if max_age_hours is None else max_age_hours
    _, head = verify_before_signing(db)
    if not _due(db, head, hours):
        return None
    return make_checkpoint(db, reason="scheduled")


def ensure_covering_checkpoint(db: Session, *, actor: Actor = SYSTEM) -> AuditCheckpoint:
    """The newest checkpoint, after verifying the log; a fresh one first if the log grew past it."""
    _, head = verify_before_signing(db)
    latest = latest_checkpoint(db)
    if latest is not None and latest.note and latest.tree_size >= head.tree_size:
        return latest
    return make_checkpoint(db, actor=actor, reason="export")
