"""Export the audit log as one JSON file an outside auditor can check without our database.

Format ``smecredit-audit-bundle/2`` (byte for byte in docs/audit-log-format.md)::

    {"format": "smecredit-audit-bundle/2", "exported_at": iso_utc, "origin": "<log origin>",
     "log_vkey": "<origin>+<key id>+<key>", "public_key_pem": "...", "key_id": hex,
     "tree_size": n, "checkpoint_id": k,
     "events": [{every column of audit_events but the MAC}, ...],   # ordered by seq, 1..n
     "checkpoints": [{id, tree_size, root_hash, created_at, key_id, signature, note}, ...],
     "cosignatures": [{id, checkpoint_id, witness_name, cosigned_at, signature_line}, ...]}

The export goes through the verified signing path first (`ensure_covering_checkpoint`): the log
is checked against what was signed and a fresh checkpoint made when the log grew, so every event
in the bundle is vouched for by a signature, and the newest checkpoint's size is the header's
``tree_size``. Events are written one at a time while they stream from the database; the file
appears only once complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from smecredit.audit import note as notes
from smecredit.audit.canonical import iso_utc
from smecredit.audit.checkpoints import (
    ensure_covering_checkpoint,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    log_vkey,
    origin,
    public_key_pem,
)
from smecredit.audit.log import SYSTEM, Actor
from smecredit.audit.verify import (
    Problem,
    Trusted,
    VerificationReport,
    checkpoint_dicts,
    cosignature_dicts,
    iter_events,
    verify_log,
)
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

BUNDLE_FORMAT = "smecredit-audit-bundle/2"
LEGACY_BUNDLE_FORMAT = "smecredit-audit-bundle/1"


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    events: int
    checkpoints: int
    tree_size: int
    root_hash: str | None
    key_id: str


def export_bundle(db: Session, path: str | Path, *, actor: Actor = SYSTEM) -> ExportSummary:
    """Write the bundle to ``path`` (atomically: a temporary file renamed when complete)."""
    target = Path(path)
    if target.is_dir():
        raise Invalid("bundle_path_is_dir", Text(f"{target} 是目录，请给出文件名", f"{target} is a directory; give a file name"), "out")
    if not target.parent.exists():
        raise Invalid("bundle_dir_missing", Text(f"目录不存在: {target.parent}", f"No such directory: {target.parent}"), "out")
    key = load_or_create_signing_key()
    kid = key_id(key)
    covering = ensure_covering_checkpoint(db, actor=actor)
    size = covering.tree_size
    checkpoints = checkpoint_dicts(db, up_to_id=covering.id)
    header = {
        "format": BUNDLE_FORMAT,
        "exported_at": iso_utc(utcnow()),
        "origin": origin(),
        "log_vkey": log_vkey(),
        "public_key_pem": public_key_pem(key),
        "key_id": kid,
        "tree_size": size,
        "checkpoint_id": covering.id,
    }
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write("{\n")
            for name, value in header.items():
                out.write(f"{json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},\n")
            out.write('"events": [')
            for event in iter_events(db, up_to=size):
                out.write(",\n" if count else "\n")
                out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
                count += 1
            out.write("\n],\n")
            for name, rows in (("checkpoints", checkpoints), ("cosignatures", cosignature_dicts(db, up_to_id=covering.id))):
                out.write(f'"{name}": [')
                for index, row in enumerate(rows):
                    out.write(",\n" if index else "\n")
                    out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                out.write("\n]" + (",\n" if name == "checkpoints" else "\n"))
            out.write("}\n")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportSummary(target, count, len(checkpoints), size, covering.root_hash, kid)


def parse_log_key(text: str) -> tuple[str, str | None]:
    """A pinned log key as given by an auditor: a PEM public key, or the log's C2SP verifier key
    (``origin+keyid+key``, which pins the origin too). Returns (PEM, origin or None)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        load_public_key(text)  # ValueError when it is not an Ed25519 public key
        return text + "\n", None
    try:
        verifier = notes.parse_vkey(text)
    except (notes.NoteError, ValueError) as exc:
        raise ValueError(f"neither a PEM public key nor a verifier key: {exc}") from None
    if verifier.alg != notes.ALG_ED25519:
        raise ValueError("a log verifier key has type 0x01")
    from cryptography.hazmat.primitives import serialization

    pem = verifier.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii"), verifier.name


def _bundle_problem(kind: str, zh: str, en: str) -> VerificationReport:
    return VerificationReport(False, 0, 0, Problem("bundle", None, kind, zh, en))


def verify_bundle(path: str | Path, *, public_key_pem: str | None = None, pinned_origin: str | None = None,
                  trusted: tuple[Trusted, ...] | list[Trusted] = (), witnesses=(), require_witnesses: int = 0,
                  progress=None) -> VerificationReport:
    """Check a bundle with nothing but the file: every leaf, the tree, every signed checkpoint, the
    chain, the header's size against the events (a cut or empty bundle fails), and optionally
    trusted checkpoints and witness cosignatures.

    ``public_key_pem``: a key the auditor obtained separately (pinned). Without it the bundle's own
    key is used, and the auditor should compare its key id with the one the lender published.
    """
    source = Path(path)
    try:
        with open(source, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        return _bundle_problem("bundle_not_found", f"找不到文件: {source}", f"No such file: {source}")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return _bundle_problem("bundle_malformed", f"导出包不是有效的 JSON 文件: {exc}",
                               f"The bundle is not a valid JSON file: {exc}")
    if not isinstance(data, dict) or data.get("format") not in (BUNDLE_FORMAT, LEGACY_BUNDLE_FORMAT):
        return _bundle_problem("bundle_malformed", f"不是审计导出包（format 应为 {BUNDLE_FORMAT}）",
                               f"Not an audit bundle (format must be {BUNDLE_FORMAT})")
    events, checkpoints, pem = data.get("events"), data.get("checkpoints"), data.get("public_key_pem")
    cosignatures = data.get("cosignatures", [])
    if (not isinstance(events, list) or not isinstance(checkpoints, list) or not isinstance(pem, str)
            or not isinstance(cosignatures, list) or not all(isinstance(c, dict) for c in cosignatures)):
        return _bundle_problem("bundle_malformed", "导出包缺少 events、checkpoints 或 public_key_pem",
                               "The bundle lacks events, checkpoints or public_key_pem")
    size = data.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return _bundle_problem("bundle_malformed", "导出包头部的 tree_size 不是非负整数",
                               "The bundle header's tree_size is not a non-negative integer")
    if not events or not checkpoints:
        return _bundle_problem("bundle_empty", "导出包没有事件或没有签名检查点：它不能证明任何内容",
                               "The bundle holds no events or no signed checkpoint: it vouches for nothing")
    if size != len(events):
        return _bundle_problem("bundle_truncated", f"导出包头部说有 {size} 条事件，实际只有 {len(events)} 条（被截短或拼接）",
                               f"The bundle header says {size} events but it holds {len(events)} (cut short or spliced)")
    newest = max((c.get("tree_size") for c in checkpoints if isinstance(c, dict) and isinstance(c.get("tree_size"), int)),
                 default=None)
    if newest != size:
        return _bundle_problem("bundle_truncated", f"导出包最新检查点的树大小（{newest}）与头部的 {size} 不符（检查点被删去）",
                               f"The bundle's newest checkpoint has tree size {newest}, not the header's {size} (checkpoints removed)")
    origin_stated = data.get("origin")
    if pinned_origin is not None and origin_stated is not None and origin_stated != pinned_origin:
        return _bundle_problem("wrong_origin", f"导出包属于另一个日志（{origin_stated}，应为 {pinned_origin}）",
                               f"The bundle belongs to another log ({origin_stated}, expected {pinned_origin})")
    stated = data.get("key_id")
    if public_key_pem is not None:
        try:
            pinned_kid = key_id(load_public_key(public_key_pem))
        except ValueError:
            return VerificationReport(False, 0, 0, Problem(
                "public_key", None, "bad_public_key", "给定的公钥不是有效的 Ed25519 PEM 公钥",
                "The given public key is not a valid Ed25519 PEM public key"))
        if stated is not None and stated != pinned_kid:
            return VerificationReport(False, 0, 0, Problem(
                "public_key", None, "key_id_mismatch", "导出包的密钥编号与给定的公钥不符（不是同一把签名密钥）",
                "The bundle's key_id differs from the given public key (a different signing key)"))
        pem = public_key_pem
    elif stated is not None:
        try:
            actual = key_id(load_public_key(pem))
        except ValueError:
            actual = None  # verify_log names the bad key
        if actual is not None and stated != actual:
            return VerificationReport(False, 0, 0, Problem(
                "public_key", None, "key_id_mismatch",
                "导出包声明的密钥编号与其公钥不符", "The bundle's key_id does not match its public key"))
    log_origin = pinned_origin or (origin_stated if isinstance(origin_stated, str) else None)
    return verify_log(events, checkpoints, pem, require_covered=True, progress=progress, log_origin=log_origin,
                      trusted=list(trusted), cosignatures=cosignatures, witnesses=list(witnesses),
                      require_witnesses=require_witnesses)
