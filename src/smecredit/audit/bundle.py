"""Export the audit log as one JSON file an outside auditor can check without our database.

Format ``smecredit-audit-bundle/1``::

    {"format": "smecredit-audit-bundle/1", "exported_at": iso_utc, "log": "smecredit-audit/1",
     "public_key_pem": "...", "key_id": hex, "tree_size": n,
     "events": [{every column of audit_events}, ...],       # ordered by seq, 1..n
     "checkpoints": [{id, tree_size, root_hash, created_at, key_id, signature}, ...]}

A fresh checkpoint is made first (when the log grew past the newest), and only events it covers
are exported, so every event in the bundle is vouched for by a signature. Events are written one
at a time while they stream from the database; the file appears only once complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from smecredit.audit.canonical import iso_utc
from smecredit.audit.checkpoints import (
    LOG_ID,
    ensure_covering_checkpoint,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
)
from smecredit.audit.verify import Problem, VerificationReport, checkpoint_dicts, iter_events, verify_log
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

BUNDLE_FORMAT = "smecredit-audit-bundle/1"


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    events: int
    checkpoints: int
    tree_size: int
    root_hash: str | None
    key_id: str


def export_bundle(db: Session, path: str | Path) -> ExportSummary:
    """Write the bundle to ``path`` (atomically: a temporary file renamed when complete)."""
    target = Path(path)
    if target.is_dir():
        raise Invalid("bundle_path_is_dir", Text(f"{target} 是目录，请给出文件名", f"{target} is a directory; give a file name"), "out")
    if not target.parent.exists():
        raise Invalid("bundle_dir_missing", Text(f"目录不存在: {target.parent}", f"No such directory: {target.parent}"), "out")
    key = load_or_create_signing_key()
    kid = key_id(key)
    covering = ensure_covering_checkpoint(db)
    size = covering.tree_size if covering else 0
    checkpoints = checkpoint_dicts(db, up_to_id=covering.id if covering else 0)
    header = {
        "format": BUNDLE_FORMAT,
        "exported_at": iso_utc(utcnow()),
        "log": LOG_ID,
        "public_key_pem": public_key_pem(key),
        "key_id": kid,
        "tree_size": size,
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
            out.write('"checkpoints": [')
            for index, cp in enumerate(checkpoints):
                out.write(",\n" if index else "\n")
                out.write(json.dumps(cp, ensure_ascii=False, separators=(",", ":")))
            out.write("\n]\n}\n")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportSummary(target, count, len(checkpoints), size, covering.root_hash if covering else None, kid)


def _bundle_problem(kind: str, zh: str, en: str) -> VerificationReport:
    return VerificationReport(False, 0, 0, Problem("bundle", None, kind, zh, en))


def verify_bundle(path: str | Path, *, public_key_pem: str | None = None, progress=None) -> VerificationReport:
    """Check a bundle with nothing but the file: every leaf, the tree, every signed checkpoint.

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
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        return _bundle_problem("bundle_malformed", f"不是审计导出包（format 应为 {BUNDLE_FORMAT}）",
                               f"Not an audit bundle (format must be {BUNDLE_FORMAT})")
    events, checkpoints, pem = data.get("events"), data.get("checkpoints"), data.get("public_key_pem")
    if not isinstance(events, list) or not isinstance(checkpoints, list) or not isinstance(pem, str):
        return _bundle_problem("bundle_malformed", "导出包缺少 events、checkpoints 或 public_key_pem",
                               "The bundle lacks events, checkpoints or public_key_pem")
    stated = data.get("key_id")
    if public_key_pem is not None:
        try:
            trusted = key_id(load_public_key(public_key_pem))
        except ValueError:
            return VerificationReport(False, 0, 0, Problem(
                "public_key", None, "bad_public_key", "给定的公钥不是有效的 Ed25519 PEM 公钥",
                "The given public key is not a valid Ed25519 PEM public key"))
        if stated is not None and stated != trusted:
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
    return verify_log(events, checkpoints, pem, require_covered=True, progress=progress)
