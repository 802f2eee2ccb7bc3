"""Witnesses' cosignatures on the platform side: which witnesses are configured, and taking in a
cosigned checkpoint (from the API or a file an administrator imports).

A witness is configured by its verifier key (C2SP vkey ``name+keyid+base64(0x04 ‖ key)``, printed by
``smecredit audit witness --init``) in ``SMECREDIT_AUDIT_WITNESS_KEYS`` (separated by commas or white
space) or, one a line, in the file ``SMECREDIT_AUDIT_WITNESS_KEYS_FILE``. A cosignature is kept only
when it is a valid cosignature/v1 by a configured witness of a checkpoint the database holds, byte
for byte; whoever delivers it (an auditor's token, an administrator's import) cannot make one up.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit import note as notes
from smecredit.audit.events import CosignatureReceived
from smecredit.audit.log import Actor, record
from smecredit.audit.models import AuditCheckpoint, AuditCosignature
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Conflict, Invalid, NotFound
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

MAX_COSIGNED_NOTE = 8192


def _vkeys_from(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        out.extend(part for part in re.split(r"[\s,]+", line) if part)
    return out


def configured_witnesses() -> list[notes.Verifier]:
    """The witnesses whose cosignatures count, from the settings (invalid entries are an error)."""
    settings = get_settings()
    texts = _vkeys_from(settings.audit_witness_keys or "")
    path = settings.audit_witness_keys_file
    if path is not None:
        try:
            texts += _vkeys_from(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError):
            raise Invalid("witness_keys_unreadable", Text(f"无法读取见证人公钥文件: {path}", f"Cannot read the witness keys file: {path}")) from None
    witnesses: dict[str, notes.Verifier] = {}
    for text in texts:
        try:
            verifier = notes.parse_vkey(text)
        except (notes.NoteError, ValueError):
            raise Invalid("witness_key_invalid", Text(f"见证人公钥格式不正确: {text[:60]}", f"A witness verifier key is malformed: {text[:60]}")) from None
        if verifier.alg != notes.ALG_COSIGNATURE_V1:
            raise Invalid("witness_key_invalid", Text(f"见证人公钥须为 cosignature/v1 类型 (0x04): {verifier.name}", f"A witness key must be of type cosignature/v1 (0x04): {verifier.name}"))
        witnesses[verifier.name] = verifier
    return list(witnesses.values())


def accept_cosigned_note(db: Session, actor: Actor, text: str) -> list[AuditCosignature]:
    """Keep every valid cosignature by a configured witness found in the cosigned checkpoint
    ``text`` (the checkpoint's note with the witness's signature line(s) added). Each is recorded in
    the audit log. Already known cosignatures are returned again, not duplicated."""
    if len(text) > MAX_COSIGNED_NOTE:
        raise Invalid("cosignature_too_large", Text("副署内容过大", "The cosigned checkpoint is too large"), "note")
    try:
        note = notes.parse_note(text)
        checkpoint = notes.parse_checkpoint(note.text)
    except notes.NoteError as exc:
        raise Invalid("cosignature_malformed", Text(f"不是有效的副署检查点（C2SP 签名注记）: {exc}", f"Not a valid cosigned checkpoint (C2SP signed note): {exc}"), "note") from None
    words = checkpoint.extension("checkpoint")
    checkpoint_id = int(words[0]) if words and words[0].isdigit() else None
    row = db.get(AuditCheckpoint, checkpoint_id) if checkpoint_id is not None and checkpoint_id < 2**31 else None
    if row is None or row.note is None:
        raise NotFound("checkpoint_not_found", Text("副署的检查点不在本平台的日志中", "The cosigned checkpoint is not in this platform's log"), "note")
    if notes.parse_note(row.note).text != note.text:
        raise Conflict("cosigned_checkpoint_differs", Text(
            f"见证人副署的检查点 {row.id} 与本平台存储的不同（分叉？请立即调查）",
            f"The checkpoint {row.id} the witness cosigned differs from the one stored here (a fork? investigate now)"), "note")
    witnesses = {w.name: w for w in configured_witnesses()}
    kept: list[AuditCosignature] = []
    unknown: list[str] = []
    for sig in note.signatures:
        verifier = witnesses.get(sig.name)
        if verifier is None or sig.key_id != verifier.key_id:
            if sig.name != checkpoint.origin:
                unknown.append(sig.name)
            continue
        if not notes.cosigned_by(note.text, sig, verifier):
            raise Invalid("cosignature_invalid", Text(f"见证人 {sig.name} 的副署签名无效", f"Witness {sig.name}'s cosignature does not verify"), "note")
        existing = db.execute(select(AuditCosignature).where(
            AuditCosignature.checkpoint_id == row.id, AuditCosignature.witness_name == sig.name)).scalar_one_or_none()
        if existing is not None:
            kept.append(existing)
            continue
        stamp = notes.cosignature_time(sig) or 0
        cosigned_at = datetime.fromtimestamp(min(stamp, 253402300799), timezone.utc)
        cosignature = AuditCosignature(checkpoint_id=row.id, witness_name=sig.name, witness_key_id=sig.key_id.hex(),
                                       cosigned_at=cosigned_at, signature_line=sig.line().rstrip("\n"),
                                       received_at=utcnow(), received_by=actor.username)
        db.add(cosignature)
        db.flush()
        record(db, actor, CosignatureReceived(entity_id=row.id, witness_name=sig.name, tree_size=row.tree_size,
                                              cosigned_at=cosigned_at.isoformat()))
        kept.append(cosignature)
    if not kept:
        names = ", ".join(unknown) or "-"
        raise Invalid("no_known_witness", Text(
            f"没有已配置见证人的有效副署（收到的签名者: {names}）。请先在 SMECREDIT_AUDIT_WITNESS_KEYS 中配置见证人公钥",
            f"No valid cosignature by a configured witness (signers found: {names}). Configure the witness's key in "
            "SMECREDIT_AUDIT_WITNESS_KEYS first"), "note")
    return kept


def cosignatures_by_checkpoint(db: Session, checkpoint_ids: list[int]) -> dict[int, list[AuditCosignature]]:
    if not checkpoint_ids:
        return {}
    rows = db.execute(select(AuditCosignature).where(AuditCosignature.checkpoint_id.in_(checkpoint_ids))
                      .order_by(AuditCosignature.witness_name)).scalars()
    out: dict[int, list[AuditCosignature]] = {}
    for row in rows:
        out.setdefault(row.checkpoint_id, []).append(row)
    return out


def witness_overview(db: Session) -> list[dict]:
    """Each configured witness with the newest checkpoint it cosigned (for the audit pages)."""
    overview = []
    for witness in configured_witnesses():
        newest = db.execute(select(AuditCosignature, AuditCheckpoint.tree_size)
                            .join(AuditCheckpoint, AuditCheckpoint.id == AuditCosignature.checkpoint_id)
                            .where(AuditCosignature.witness_name == witness.name)
                            .order_by(AuditCosignature.checkpoint_id.desc()).limit(1)).first()
        overview.append({
            "name": witness.name, "vkey": witness.vkey,
            "checkpoint_id": newest[0].checkpoint_id if newest else None,
            "tree_size": newest[1] if newest else None,
            "cosigned_at": newest[0].cosigned_at if newest else None,
        })
    return overview
