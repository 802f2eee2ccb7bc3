"""Data about an enterprise: pulled from providers or imported from files, each kept as an immutable
snapshot (with its origin: the lender pulled it, or the applicant or staff uploaded it) and an audit
event, after which the credit profile is recomputed.

Outside providers may be slow: every fetch happens before anything is written or locked, so the
enterprise's row lock and the audit log's head lock (taken by the first `record`, always after the
enterprise's: one lock order, no deadlocks) are held only for the short recording at the end.
Uploaded originals are kept encrypted (`kernel.files`); their personal information, and that inside
snapshot content, is masked unless revealed by an audited act.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from smecredit.audit.log import record
from smecredit.enterprises import consent, events, profile
from smecredit.enterprises.access import Action
from smecredit.enterprises.connectors import ParsedSource, SourceKind, mask_personal, parse_source, personal_paths
from smecredit.enterprises.mappings import resolve_mapping
from smecredit.enterprises.models import CreditProfile, DataSnapshot, Enterprise
from smecredit.enterprises.providers import default_provider
from smecredit.enterprises.records import check, lock
from smecredit.enterprises.snapshots import snapshot_of
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel import files
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import DomainError, Invalid, NotFound, TooLarge, not_found
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

ALLOWED_EXTENSIONS = (".json", ".csv", ".xlsx", ".txt")
_SAFE_NAME = re.compile(r"[^\w.\-()（）]+", re.UNICODE)


def parse_kind(kind: str) -> SourceKind:
    try:
        return SourceKind(kind)
    except ValueError:
        raise NotFound("unknown_source_kind", Text(f"未知数据类型 {kind}（可选：{', '.join(k.value for k in SourceKind)}）",
                                                   f"Unknown data kind {kind} (one of: {', '.join(k.value for k in SourceKind)})"),
                       "kind") from None


def max_upload_bytes() -> int:
    return get_settings().max_upload_mb * 1024 * 1024


def too_large() -> TooLarge:
    mib = get_settings().max_upload_mb
    return TooLarge("file_too_large", Text(f"文件超过 {mib} MiB 上限", f"The file is larger than the {mib} MiB limit"), "file")


def sanitise_filename(filename: str | None) -> str:
    """Keep only the base name and harmless characters; never a path."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _SAFE_NAME.sub("_", name).strip("._ ")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:8]) if dot else name[:120]
    return name or "upload"


@dataclass
class DataOutcome:
    snapshots: list[DataSnapshot]
    skipped: list[DomainError]
    profile: CreditProfile | None


def _snapshot(enterprise: Enterprise, parsed: ParsedSource, *, provider: str, is_sandbox: bool, user: User,
              origin: str, **file_fields: Any) -> DataSnapshot:
    return DataSnapshot(
        enterprise_id=enterprise.id, kind=parsed.kind.value, provider=provider, is_sandbox=is_sandbox, origin=origin,
        content=json.dumps(parsed.content, ensure_ascii=False, sort_keys=True), content_sha256=parsed.content_sha256,
        summary_zh=parsed.summary.zh, summary_en=parsed.summary.en,
        warnings=json.dumps(list(parsed.warnings), ensure_ascii=False), business_date=business_date(),
        captured_at=utcnow(), captured_by_id=user.id, captured_by=user.username, **file_fields,
    )


def _audit(db: Session, user: User, snap: DataSnapshot) -> None:
    common = dict(entity_id=snap.enterprise_id, snapshot_id=snap.id, kind=snap.kind, provider=snap.provider,
                  is_sandbox=snap.is_sandbox, content_sha256=snap.content_sha256, origin=snap.origin)
    if snap.file_sha256:
        event = events.DataImported(**common, filename=snap.filename, file_sha256=snap.file_sha256,
                                    file_size=snap.file_size, mapping=snap.mapping_name)
    else:
        event = events.DataPulled(**common)
    record(db, actor_of(user), event)


def _check_subject(enterprise: Enterprise, parsed: ParsedSource) -> None:
    """Every file that names its subject must be about this enterprise, whatever its kind (a file
    that carries no code, like financial statements, says so in ``subject_note``)."""
    found = parsed.subject_uscc
    if found is not None and found != enterprise.uscc:
        raise Invalid("uscc_mismatch", Text(f"文件属于另一家企业（统一社会信用代码 {found}），不是 {enterprise.uscc}",
                                            f"The file is about another enterprise (code {found}), not {enterprise.uscc}"), "file")


def pull(db: Session, *, user: User, enterprise: Enterprise, kind: str, provider=None) -> DataOutcome:
    """Fetch one source from a provider (the sandbox by default) as a new snapshot."""
    source = parse_kind(kind)
    check(user, enterprise, Action.PULL)
    consent.require(db, enterprise=enterprise, kind=source)
    provider = provider or default_provider()
    parsed = provider.fetch(source, enterprise.uscc, as_of=business_date())
    _check_subject(enterprise, parsed)
    enterprise = lock(db, enterprise)  # before the audit head: one lock order for every use case
    snap = _snapshot(enterprise, parsed, provider=provider.name, is_sandbox=bool(provider.is_sandbox), user=user,
                     origin="provider")
    db.add(snap)
    db.flush()
    _audit(db, user, snap)
    return DataOutcome([snap], [], profile.compute(db, enterprise=enterprise, actor=actor_of(user), trigger=f"pull:{source.value}"))


def pull_all(db: Session, *, user: User, enterprise: Enterprise, provider=None) -> DataOutcome:
    """Every source the authorisation covers: all fetched first, then recorded together; a source
    without a valid authorisation is skipped with the reason."""
    check(user, enterprise, Action.PULL)
    provider = provider or default_provider()
    fetched: list[ParsedSource] = []
    skipped: list[DomainError] = []
    for source in SourceKind:
        try:
            consent.require(db, enterprise=enterprise, kind=source)
        except DomainError as error:
            skipped.append(error)
            continue
        parsed = provider.fetch(source, enterprise.uscc, as_of=business_date())
        _check_subject(enterprise, parsed)
        fetched.append(parsed)
    snaps = []
    if fetched:
        enterprise = lock(db, enterprise)
    for parsed in fetched:
        snap = _snapshot(enterprise, parsed, provider=provider.name, is_sandbox=bool(provider.is_sandbox), user=user,
                         origin="provider")
        db.add(snap)
        db.flush()
        _audit(db, user, snap)
        snaps.append(snap)
    computed = profile.compute(db, enterprise=enterprise, actor=actor_of(user), trigger="pull_all") if snaps else None
    return DataOutcome(snaps, skipped, computed)


def upload(db: Session, *, user: User, enterprise: Enterprise, kind: str, data: bytes, filename: str | None,
           mapping_id: int | None = None, mapping: str | None = None, amount_unit: str | None = None) -> DataOutcome:
    """Import one file: parsed in full first (a bad file writes nothing, not even the file); then the
    original is kept encrypted under a generated name, with one snapshot and audit event."""
    source = parse_kind(kind)
    if len(data) > max_upload_bytes():
        raise too_large()
    if not data:
        raise Invalid("empty_file", Text("文件为空", "The file is empty"), "file")
    safe = sanitise_filename(filename)
    options: dict[str, Any] = {}
    mapping_label = None
    if source is SourceKind.BANK_STATEMENT:
        options["mapping"], mapping_label = resolve_mapping(db, mapping_id=mapping_id, mapping=mapping)
    if source is SourceKind.FINANCIAL_STATEMENTS and amount_unit:
        options["amount_unit"] = amount_unit
    parsed = parse_source(source, data, filename=safe, **options)  # ImportRejected → 422, nothing written
    _check_subject(enterprise, parsed)
    enterprise = lock(db, enterprise)
    ext = Path(safe).suffix.lower()
    stored = files.store(db, f"enterprises/{enterprise.id}/{source.value}-{uuid.uuid4().hex}"
                             f"{ext if ext in ALLOWED_EXTENSIONS else '.bin'}", data)
    origin = "applicant_upload" if Role.APPLICANT in user.roles else "staff_upload"
    snap = _snapshot(enterprise, parsed, provider="file", is_sandbox=False, user=user, origin=origin, filename=safe,
                     stored_name=stored, file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data),
                     mapping_name=mapping_label, file_encrypted=True)
    db.add(snap)
    db.flush()
    _audit(db, user, snap)
    return DataOutcome([snap], [], profile.compute(db, enterprise=enterprise, actor=actor_of(user),
                                                   trigger=f"upload:{source.value}"))


# --- reading snapshots ------------------------------------------------------------------------------


def content_for(user: User, enterprise: Enterprise, snap: DataSnapshot) -> dict[str, Any]:
    """The snapshot's content as anyone sees it without revealing: personal fields masked, a
    person's credit history withheld (`connectors.personal`)."""
    return mask_personal(SourceKind(snap.kind), json.loads(snap.content))


def has_personal_information(snap: DataSnapshot) -> bool:
    return bool(personal_paths(SourceKind(snap.kind)))


def reveal_content(db: Session, *, user: User, enterprise: Enterprise, snapshot_id: int) -> dict[str, Any]:
    """The full content, personal information included; audited (who, which snapshot)."""
    check(user, enterprise, Action.REVEAL)
    snap = snapshot_of(db, enterprise, snapshot_id)
    content = json.loads(snap.content)
    if has_personal_information(snap):
        record(db, actor_of(user), events.SnapshotPersonalInformationRevealed(
            entity_id=enterprise.id, snapshot_id=snap.id, kind=snap.kind))
    return content


def original(db: Session, *, user: User, enterprise: Enterprise, snapshot_id: int) -> tuple[str, bytes]:
    """The uploaded file as it was received (decrypted); audited, since it holds personal information."""
    check(user, enterprise, Action.REVEAL)
    snap = snapshot_of(db, enterprise, snapshot_id)
    if not snap.stored_name:
        raise not_found(Text("原始文件", "Original file"), "snapshot_id")
    data = files.read(snap.stored_name, encrypted=snap.file_encrypted)
    record(db, actor_of(user), events.OriginalFileDownloaded(entity_id=enterprise.id, snapshot_id=snap.id,
                                                             file_sha256=snap.file_sha256))
    return snap.filename or "original", data


def encrypt_plain_uploads(db: Session) -> list[str]:
    """Encrypt originals stored in plaintext by older installs: each is written again, encrypted,
    under a new name. Returns the old names, which the caller deletes once this has committed."""
    old_names = []
    for snap in db.execute(select(DataSnapshot).options(defer(DataSnapshot.content))
                           .where(DataSnapshot.stored_name.is_not(None), DataSnapshot.file_encrypted.is_(False))).scalars():
        try:
            data = files.read(snap.stored_name, encrypted=False)
        except DomainError:
            continue  # missing file: nothing to encrypt; the snapshot still names its hash
        old_names.append(snap.stored_name)
        snap.stored_name = files.store(db, snap.stored_name + ".enc", data)
        snap.file_encrypted = True
    return old_names
