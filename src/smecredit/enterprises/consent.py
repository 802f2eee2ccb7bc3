"""数据查询授权: the enterprise's consent to query every external source about it (registry, tax,
bank statements, financial statements, credit bureau, judicial), not only the credit bureau.

* Online: only a member of the enterprise (its owner or finance staff, or the applicant whose
  claim is pending) gives it, agreeing to one version of the text (its version and SHA-256 are
  kept, so what was agreed to is provable).
* On paper: a loan officer records it only with the signed scan attached (kept encrypted).
* It expires after `SMECREDIT_AUTHORISATION_VALID_DAYS` (365) and can be withdrawn; then pulls are
  refused until a new one is given. Imports of files the enterprise hands over need no
  authorisation: the enterprise gave the file itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.documents import store
from smecredit.documents.content import FileType
from smecredit.enterprises import events, schemas
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import Enterprise, QueryAuthorisation
from smecredit.enterprises.records import is_member_or_claimant
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel import files
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

ALL_SOURCES = tuple(k.value for k in SourceKind)

# The texts are versioned data; what a user agreed to is its version + SHA-256. 2026-01 (kept for
# the record) already named every source but was worded as irrevocable; 2026-12 can be withdrawn.
AUTHORISATION_TEXTS: dict[str, tuple[str, str]] = {
    "2026-01": (
        "征信查询授权书\n"
        "本企业（及其法定代表人、实际控制人）不可撤销地授权贷款人，在办理本企业授信申请、贷后管理、"
        "担保资格审查期间，向中国人民银行征信中心金融信用信息基础数据库及经批准设立的征信机构查询、"
        "打印、保存本企业的信用报告，并向工商登记、税务、司法及本企业提供的银行账户来源采集本企业的"
        "经营数据，用于信用评估。贷款人应依法保护所获信息，不得用于上述以外的用途。"
        "本授权自确认之日起至上述业务终结之日止有效。",
        "Credit enquiry authorisation\n"
        "The enterprise (and its legal representative and actual controller) irrevocably authorises "
        "the lender, while handling its credit application, post-loan management and guarantor "
        "review, to query, print and keep its credit report from the PBOC Credit Reference Center "
        "and licensed credit bureaus, and to collect its business data from the business registry, "
        "tax, judicial and the bank-account sources it provides, for credit assessment. The lender "
        "shall protect the information as the law requires and use it for no other purpose. The "
        "authorisation is valid from confirmation until the business above ends.",
    ),
    "2026-12": (
        "数据查询授权书（含征信查询授权）\n"
        "本企业授权贷款人在办理本企业授信申请、贷后管理期间，为评估本企业信用之目的，向下列来源查询、"
        "采集并保存本企业的信息：（一）市场监督管理部门的工商登记信息；（二）税务机关的纳税申报与"
        "纳税信用信息；（三）本企业授权的银行账户交易流水；（四）本企业的财务报表；（五）中国人民银行"
        "征信中心金融信用信息基础数据库及经批准设立的征信机构的信用报告；（六）人民法院等司法信息。\n"
        "本授权自确认之日起一年内有效。本企业可随时撤回本授权，撤回前已进行的查询不受影响；撤回后"
        "贷款人不再查询。贷款人应依法保护所获信息（含其中的个人信息），仅用于上述目的。",
        "Data enquiry authorisation (including the credit-bureau enquiry)\n"
        "The enterprise authorises the lender, while handling its credit application and post-loan "
        "management and in order to assess its credit, to query, collect and keep information about "
        "it from: (1) the business registry of the market regulator; (2) the tax authority's returns "
        "and tax credit grade; (3) the bank accounts whose statements the enterprise authorises; "
        "(4) its financial statements; (5) the PBOC Credit Reference Center and licensed credit "
        "bureaus; (6) court and other judicial records.\n"
        "The authorisation is valid for one year from confirmation. The enterprise may withdraw it at "
        "any time; queries made before the withdrawal stand, and none are made after it. The lender "
        "shall protect the information (including personal information in it) as the law requires and "
        "use it for this purpose only.",
    ),
}
CURRENT_VERSION = "2026-12"
SCAN_TYPES = (FileType.PDF, FileType.JPEG, FileType.PNG)


def authorisation_text(version: str = CURRENT_VERSION) -> schemas.AuthorisationText:
    try:
        zh, en = AUTHORISATION_TEXTS[version]
    except KeyError:
        raise Invalid("unknown_text_version", Text(f"授权书版本 {version} 不存在", f"No authorisation text version {version}"),
                      "text_version") from None
    digest = hashlib.sha256(f"{zh}\n\n{en}".encode("utf-8")).hexdigest()
    return schemas.AuthorisationText(version=version, text_zh=zh, text_en=en, sha256=digest, covers=list(ALL_SOURCES))


def _expiry(start: datetime) -> datetime:
    return start + timedelta(days=get_settings().authorisation_valid_days)


def authorise_online(db: Session, *, user: User, enterprise: Enterprise, text_version: str, text_sha256: str,
                     lang: str = "zh") -> QueryAuthorisation:
    """A member agrees to the text shown (its version and SHA-256 must match the current text)."""
    if Role.APPLICANT not in user.roles or not is_member_or_claimant(enterprise, user):
        raise Forbidden("members_only", Text("只有企业本身（其登记的用户）可以在线授权；客户经理请录入纸质授权书并上传签章扫描件",
                                             "Only the enterprise itself (its registered users) can authorise online; "
                                             "officers record a signed paper authorisation with its scan"))
    text = authorisation_text(text_version)
    if text_version != CURRENT_VERSION:
        raise Invalid("outdated_text", Text("授权书已更新，请刷新后阅读并确认最新版本",
                                            "The authorisation text has changed; reload, read and confirm the current version"),
                      "text_version")
    if text_sha256 != text.sha256:
        raise Invalid("text_mismatch", Text("授权书内容与所示版本不一致，请刷新后重新阅读并确认",
                                            "The authorisation text does not match the version shown; reload, read and confirm again"),
                      "text_sha256")
    now = utcnow()
    auth = QueryAuthorisation(enterprise_id=enterprise.id, user_id=user.id, username=user.username,
                              text_version=text.version, text_sha256=text.sha256, lang="en" if lang == "en" else "zh",
                              authorised_at=now, scope=json.dumps(list(ALL_SOURCES)), channel="online",
                              expires_at=_expiry(now))
    db.add(auth)
    db.flush()
    _recorded(db, user, auth)
    return auth


def record_paper(db: Session, *, user: User, enterprise: Enterprise, signed_on: date, scan: bytes,
                 scan_filename: str | None, text_version: str = CURRENT_VERSION) -> QueryAuthorisation:
    """A loan officer records a signed paper authorisation; the signed scan (PDF, JPG or PNG) is required."""
    if Role.LOAN_OFFICER not in user.roles:
        raise Forbidden("officers_only", Text("纸质授权书由客户经理录入", "Paper authorisations are recorded by loan officers"))
    text = authorisation_text(text_version)
    if not scan:
        raise Invalid("scan_required", Text("请上传签章后的授权书扫描件", "Attach the scan of the signed authorisation"), "scan")
    now = utcnow()
    signed_at = datetime.combine(signed_on, datetime.min.time(), tzinfo=get_settings().tz)
    if signed_on > now.astimezone(get_settings().tz).date():
        raise Invalid("future_date", Text("签署日期不能晚于今天", "The signing date cannot be in the future"), "signed_on")
    if _expiry(signed_at) <= now:
        raise Invalid("expired_on_paper", Text("该授权书签署已超过有效期，请重新签署", "That paper authorisation has already expired; have a new one signed"),
                      "signed_on")
    # checked by content (not by name), kept encrypted and content-addressed by the document store
    stored = store.accept(db, upload=scan, filename=scan_filename or "scan", allowed=SCAN_TYPES, field="scan")
    auth = QueryAuthorisation(enterprise_id=enterprise.id, user_id=user.id, username=user.username,
                              text_version=text.version, text_sha256=text.sha256, lang="zh", authorised_at=signed_at,
                              scope=json.dumps(list(ALL_SOURCES)), channel="paper",
                              scan_filename=stored.filename, scan_file_id=stored.id, scan_sha256=stored.sha256,
                              expires_at=_expiry(signed_at))
    db.add(auth)
    db.flush()
    _recorded(db, user, auth)
    return auth


def _recorded(db: Session, user: User, auth: QueryAuthorisation) -> None:
    record(db, actor_of(user), events.QueriesAuthorised(
        entity_id=auth.enterprise_id, authorisation_id=auth.id, text_version=auth.text_version,
        text_sha256=auth.text_sha256, lang=auth.lang, channel=auth.channel, scope=json.loads(auth.scope),
        expires_at=auth.expires_at, scan_sha256=auth.scan_sha256))


def withdraw(db: Session, *, user: User, enterprise: Enterprise, authorisation_id: int, reason: str | None) -> QueryAuthorisation:
    """The enterprise withdraws its consent (online by a member, or an officer recording its letter)."""
    auth = db.get(QueryAuthorisation, authorisation_id)
    if auth is None or auth.enterprise_id != enterprise.id:
        raise not_found(Text("授权", "Authorisation"), "authorisation_id")
    if not (is_member_or_claimant(enterprise, user) or Role.LOAN_OFFICER in user.roles):
        raise Forbidden("members_only", Text("只有企业本身或其客户经理可以撤回授权", "Only the enterprise or its officer can withdraw it"))
    if auth.withdrawn_at is not None:
        raise Conflict("already_withdrawn", Text("该授权已撤回", "This authorisation was withdrawn already"), "authorisation_id")
    auth.withdrawn_at = utcnow()
    auth.withdrawn_by = user.username
    auth.withdrawal_reason = clean_text(reason, "reason", max_len=500, name=False)
    record(db, actor_of(user), events.AuthorisationWithdrawn(entity_id=enterprise.id, authorisation_id=auth.id,
                                                              reason=auth.withdrawal_reason))
    return auth


def authorisations_of(db: Session, *, enterprise_id: int) -> list[QueryAuthorisation]:
    return list(db.execute(select(QueryAuthorisation).where(QueryAuthorisation.enterprise_id == enterprise_id)
                           .order_by(QueryAuthorisation.authorised_at.desc(), QueryAuthorisation.id.desc())).scalars())


def status_of(auth: QueryAuthorisation, now: datetime | None = None) -> str:
    """valid | expired | withdrawn"""
    if auth.withdrawn_at is not None:
        return "withdrawn"
    if auth.expires_at is not None and as_utc(auth.expires_at) <= (now or utcnow()):
        return "expired"
    return "valid"


def current(db: Session, *, enterprise_id: int) -> QueryAuthorisation | None:
    """The newest authorisation in force (not expired, not withdrawn), or None."""
    now = utcnow()
    return next((a for a in authorisations_of(db, enterprise_id=enterprise_id) if status_of(a, now) == "valid"), None)


def require(db: Session, *, enterprise: Enterprise, kind: SourceKind) -> QueryAuthorisation:
    auth = current(db, enterprise_id=enterprise.id)
    if auth is None or kind.value not in json.loads(auth.scope):
        newest = next(iter(authorisations_of(db, enterprise_id=enterprise.id)), None)
        why = {"withdrawn": Text("企业已撤回数据查询授权", "the enterprise withdrew its data enquiry authorisation"),
               "expired": Text("数据查询授权已过期", "the data enquiry authorisation has expired")}.get(
            status_of(newest) if newest else "", Text("尚未取得企业的数据查询授权", "there is no data enquiry authorisation yet"))
        raise Conflict("authorisation_required", Text(
            f"查询{kind.label_zh}须先取得企业的数据查询授权：{why.zh}（请企业在“数据查询授权”中确认，或由客户经理录入签章的纸质授权书）",
            f"Querying {kind.label_en.lower()} needs the enterprise's data enquiry authorisation: {why.en} "
            "(the enterprise confirms it online, or its officer records the signed paper one)"), "kind",
            {"kind": kind.value})
    return auth


def scan_of(auth: QueryAuthorisation) -> bytes:
    if auth.scan_file is not None:
        return store.read(auth.scan_file)
    if not auth.scan_stored_name:
        raise not_found(Text("扫描件", "Scan"), "authorisation_id")
    return files.read(auth.scan_stored_name)
