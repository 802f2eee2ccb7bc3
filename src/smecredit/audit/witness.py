"""A witness: what an outside party (internal audit, a regulator, a second data centre) runs on its
own machine with ``smecredit audit witness --state DIR --from BUNDLE_OR_URL``.

It keeps, in DIR, the newest checkpoint of the log it accepted, and accepts a new one only when it
is signed by the pinned log key for the pinned origin and is a consistent extension of the kept one
(an RFC 9162 consistency proof from the kept size). It then cosigns it (C2SP tlog-cosignature/v1)
with its own Ed25519 key, made in DIR at ``--init``. A smaller tree (rollback), a different root for
the same size, or a proof that fails (fork) is refused: nothing is cosigned, the kept checkpoint
stays, and both notes are saved in ``DIR/evidence/`` for the investigation.

DIR (0700) holds: ``witness.json`` (name, origin, log verifier key), ``witness_ed25519.pem`` (0600),
``checkpoint`` (the newest accepted signed note), ``cosigned/<id>-<size>.note`` (each cosigned note,
for the platform: posted to it, or imported by an administrator) and ``evidence/``.

Deliberately free of the database and the web app: a witness needs only this module, `note` and
`merkle` (and a bundle verifier when it reads bundles).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smecredit.audit import merkle, note as notes
from smecredit.audit.keystore import secure_dir, write_private
from smecredit.kernel.text import Text

CONFIG = "witness.json"
KEY = "witness_ed25519.pem"
CHECKPOINT = "checkpoint"

# (method, url, headers, body) -> (status, body): urllib by default, a test client in tests.
Http = Callable[[str, str, dict, bytes | None], tuple[int, bytes]]


class WitnessError(Exception):
    """Refused (fork, rollback, bad signature: ``refused`` True) or could not run (bad input)."""

    def __init__(self, code: str, text: Text, *, refused: bool = False):
        super().__init__(f"{code}: {text.en}")
        self.code, self.text, self.refused = code, text, refused


@dataclass(frozen=True)
class WitnessResult:
    accepted: bool  # False: the same checkpoint again (nothing new to cosign)
    checkpoint_id: int | None
    old_size: int
    new_size: int
    cosigned_note: str
    cosigned_path: Path | None
    posted: bool = False


# --- the state directory -----------------------------------------------------------------------

def init_state(directory: Path, *, name: str, log_key: str, log_origin: str | None = None) -> str:
    """Make DIR, the witness key and its config pinning the log key. Returns the witness's
    verifier key (``name+keyid+base64(0x04 ‖ key)``), which the platform configures."""
    from smecredit.audit.bundle import parse_log_key

    notes.check_name(name)
    try:
        pem, vkey_origin = parse_log_key(log_key)
    except ValueError as exc:
        raise WitnessError("bad_log_key", Text(f"日志公钥无效: {exc}", f"The log key is not valid: {exc}")) from None
    origin = vkey_origin or log_origin
    if not origin:
        raise WitnessError("origin_needed", Text("用 PEM 公钥时须以 --origin 指明日志名称（或给出日志的 vkey）",
                                                 "With a PEM key, name the log with --origin (or give the log's vkey)"))
    if vkey_origin and log_origin and vkey_origin != log_origin:
        raise WitnessError("origin_mismatch", Text("--origin 与日志 vkey 中的名称不符", "--origin differs from the name in the log's vkey"))
    from smecredit.audit.checkpoints import load_public_key

    log_verifier = notes.Verifier(origin, notes.ALG_ED25519, notes.note_key_id(origin, load_public_key(pem)), load_public_key(pem))
    if (directory / CONFIG).exists():
        raise WitnessError("already_initialised", Text(f"{directory} 已经初始化；见证人的固定公钥不会被覆盖",
                                                       f"{directory} is already initialised; a witness's pinned key is never overwritten"))
    secure_dir(directory)
    key = Ed25519PrivateKey.generate()
    write_private(directory / KEY, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()), exclusive=True)
    config = {"name": name, "origin": origin, "log_vkey": log_verifier.vkey,
              "witness_vkey": notes.vkey(name, key, notes.ALG_COSIGNATURE_V1)}
    write_private(directory / CONFIG, json.dumps(config, ensure_ascii=False, indent=1).encode("utf-8"), exclusive=True)
    return config["witness_vkey"]


def _load(directory: Path) -> tuple[dict, Ed25519PrivateKey, notes.Verifier, str | None]:
    try:
        config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
        key = serialization.load_pem_private_key((directory / KEY).read_bytes(), password=None)
        log_verifier = notes.parse_vkey(config["log_vkey"])
    except FileNotFoundError:
        raise WitnessError("not_initialised", Text(f"{directory} 不是见证人状态目录；先用 --init 初始化",
                                                   f"{directory} is not a witness state directory; run with --init first")) from None
    except (ValueError, KeyError, TypeError, notes.NoteError):
        raise WitnessError("state_damaged", Text(f"见证人状态目录 {directory} 已损坏", f"The witness state directory {directory} is damaged")) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise WitnessError("state_damaged", Text("见证人密钥不是 Ed25519 密钥", "The witness key is not an Ed25519 key"))
    kept = directory / CHECKPOINT
    last = kept.read_text(encoding="utf-8") if kept.exists() else None
    return config, key, log_verifier, last


def witness_vkey(directory: Path) -> str:
    return _load(directory)[0]["witness_vkey"]


# --- the check ---------------------------------------------------------------------------------

def _refuse(code: str, zh: str, en: str) -> WitnessError:
    return WitnessError(code, Text(zh, en), refused=True)


def check_extension(last_note: str | None, new_note: str, proof: list[bytes], log_verifier: notes.Verifier) -> notes.Checkpoint:
    """Accept ``new_note`` after ``last_note`` or raise a refusal. Pure."""
    try:
        parsed = notes.parse_note(new_note)
        new = notes.parse_checkpoint(parsed.text)
    except notes.NoteError as exc:
        raise _refuse("malformed_checkpoint", f"收到的检查点格式不正确: {exc}", f"The checkpoint received is malformed: {exc}") from None
    if new.origin != log_verifier.name:
        raise _refuse("wrong_origin", f"收到的检查点属于另一个日志（{new.origin}，固定的是 {log_verifier.name}）",
                      f"The checkpoint belongs to another log ({new.origin}; pinned: {log_verifier.name})")
    if not notes.note_signed_by(parsed, log_verifier):
        raise _refuse("not_signed_by_log", "收到的检查点没有用固定的日志公钥签名（密钥被替换或伪造）",
                      "The checkpoint is not signed by the pinned log key (the key was replaced, or it is forged)")
    if last_note is None:
        return new
    old = notes.parse_checkpoint(notes.parse_note(last_note).text)
    if new.size < old.size:
        raise _refuse("rollback", f"回滚：收到的树大小 {new.size} 小于已接受的 {old.size}",
                      f"Rollback: the tree size received, {new.size}, is smaller than the {old.size} accepted before")
    if new.size == old.size:
        if new.root != old.root:
            raise _refuse("fork", f"分叉：同一树大小 {new.size} 出现了两个不同的根哈希",
                          f"Fork: two different root hashes for the same tree size {new.size}")
        return new
    if not merkle.verify_consistency(old.size, new.size, old.root, new.root, proof):
        raise _refuse("fork", f"分叉：树 {new.size} 不是已接受的树 {old.size} 的只追加延伸（一致性证明不成立）",
                      f"Fork: tree {new.size} is not an append-only extension of the accepted tree {old.size} "
                      "(the consistency proof fails)")
    return new


# --- sources -----------------------------------------------------------------------------------

def _urllib(method: str, url: str, headers: dict, body: bytes | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http(s) only, checked below
            return response.status, response.read(1 << 24)
    except urllib.error.HTTPError as error:
        return error.code, error.read(1 << 16)


def _get(http: Http, url: str, token: str | None) -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        status, body = http("GET", url, headers, None)
    except (OSError, urllib.error.URLError) as exc:
        raise WitnessError("unreachable", Text(f"无法连接 {url}: {exc}", f"Cannot reach {url}: {exc}")) from None
    if status != 200:
        raise WitnessError("http_error", Text(f"{url} 返回 {status}: {body[:200]!r}", f"{url} answered {status}: {body[:200]!r}"))
    return body


def from_url(base: str, last_size: int, http: Http, token: str | None) -> tuple[str, list[bytes]]:
    base = base.rstrip("/")
    note_text = _get(http, f"{base}/checkpoint", token).decode("utf-8", "replace")
    try:
        size = notes.parse_checkpoint(notes.parse_note(note_text).text).size
    except notes.NoteError as exc:
        raise _refuse("malformed_checkpoint", f"收到的检查点格式不正确: {exc}", f"The checkpoint received is malformed: {exc}") from None
    proof: list[bytes] = []
    if 0 < last_size < size:
        query = urllib.parse.urlencode({"old": last_size, "new": size})
        try:
            body = json.loads(_get(http, f"{base}/consistency?{query}", token))
            proof = [bytes.fromhex(h) for h in body["proof"]]
        except (ValueError, KeyError, TypeError):
            raise _refuse("bad_proof", "一致性证明格式不正确", "The consistency proof is malformed") from None
    return note_text, proof


def from_bundle(path: Path, last_note: str | None, log_verifier: notes.Verifier) -> tuple[str, list[bytes]]:
    """The bundle's newest checkpoint and a consistency proof from the kept size, computed from the
    bundle's own events after the whole bundle verified against the pinned key."""
    from cryptography.hazmat.primitives import serialization as ser

    from smecredit.audit.bundle import verify_bundle
    from smecredit.audit.canonical import leaf_data_of
    from smecredit.audit.verify import _parse_time

    pem = log_verifier.public_key.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    report = verify_bundle(path, public_key_pem=pem, pinned_origin=log_verifier.name)
    if not report.ok:
        p = report.first_problem
        raise _refuse("bundle_failed", f"导出包核验未通过：{p.entry_zh}：{p.message_zh}", f"The bundle does not verify: {p.entry}: {p.message_en}")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    newest = max((c for c in data["checkpoints"] if c.get("note")), key=lambda c: c["tree_size"], default=None)
    if newest is None:
        raise _refuse("no_signed_note", "导出包中没有签名注记格式的检查点", "The bundle holds no checkpoint in the signed-note format")
    size = newest["tree_size"]
    proof: list[bytes] = []
    last_size = notes.parse_checkpoint(notes.parse_note(last_note).text).size if last_note else 0
    if 0 < last_size < size:
        leaves = (merkle.leaf_hash(leaf_data_of({**e, "recorded_at": _parse_time(e["recorded_at"])})) for e in data["events"])
        proof = merkle.streaming_consistency_proof(leaves, last_size, size)
    return newest["note"], proof


# --- one run -----------------------------------------------------------------------------------

def _save_evidence(directory: Path, error: WitnessError, last: str | None, received: str | None) -> Path:
    folder = secure_dir(directory / "evidence")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}-{error.code}.txt"
    body = (f"# {error.text.zh}\n# {error.text.en}\n\n## kept (accepted before)\n{last or '-'}\n"
            f"## received\n{received or '-'}\n")
    write_private(path, body.encode("utf-8"))
    return path


def run(directory: Path, source: str, *, token: str | None = None, http: Http | None = None, post: bool = True,
        now: int | None = None) -> WitnessResult:
    """Fetch, check, cosign and keep; post the cosignature back when the source is a URL."""
    config, key, log_verifier, last = _load(directory)
    http = http or _urllib
    is_url = source.startswith(("http://", "https://"))
    last_size = notes.parse_checkpoint(notes.parse_note(last).text).size if last else 0
    received = None
    try:
        if is_url:
            received, proof = from_url(source, last_size, http, token)
        else:
            received, proof = from_bundle(Path(source), last, log_verifier)
        checkpoint = check_extension(last, received, proof, log_verifier)
    except WitnessError as error:
        if error.refused:
            evidence = _save_evidence(directory, error, last, received)
            error.text = error.text.prefixed("见证人拒绝副署：", "The witness refuses to cosign: ")
            error.text = Text(f"{error.text.zh}（证据: {evidence}）", f"{error.text.en} (evidence: {evidence})")
        raise
    text = checkpoint.text()
    accepted = last is None or notes.parse_note(last).text != text
    signature = notes.cosign(text, config["name"], key, int(time.time()) if now is None else now)
    cosigned = notes.Note(text, (*notes.parse_note(received).signatures, signature)).serialise()
    words = checkpoint.extension("checkpoint")
    checkpoint_id = int(words[0]) if words and words[0].isdigit() else None
    folder = secure_dir(directory / "cosigned")
    out = folder / f"{checkpoint_id or 0}-{checkpoint.size}.note"
    write_private(out, cosigned.encode("utf-8"))
    write_private(directory / CHECKPOINT, received.encode("utf-8"))
    posted = False
    if is_url and post:
        body = json.dumps({"cosigned_note": cosigned}).encode("utf-8")
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        try:
            status, answer = http("POST", source.rstrip("/") + "/cosignatures", headers, body)
        except (OSError, urllib.error.URLError) as exc:
            status, answer = 0, str(exc).encode()
        if status != 200:
            raise WitnessError("post_failed", Text(
                f"已副署并保存到 {out}，但提交给平台失败（{status}）: {answer[:200]!r}；可交给管理员导入",
                f"Cosigned and saved to {out}, but posting it to the platform failed ({status}): {answer[:200]!r}; "
                "an administrator can import the file"))
        posted = True
    return WitnessResult(accepted, checkpoint_id, last_size, checkpoint.size, cosigned, out, posted)
