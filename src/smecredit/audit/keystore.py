"""What the audit log keeps outside the database, in ``$SMECREDIT_DATA_DIR/keys/`` (dirs 0700,
files 0600): the Ed25519 signing key, the leaf MAC key, the signer's state (the newest checkpoint it
signed) and the alert raised when it refused to sign a rewritten log.

Someone who can write the database but not this directory can neither sign a checkpoint, nor forge
a leaf MAC, nor make the signer forget what it signed last.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smecredit.kernel.errors import Invalid
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

KEY_FILE_NAME = "audit_ed25519.pem"
MAC_KEY_FILE_NAME = "audit_leaf_mac.key"
STATE_FILE_NAME = "audit_signer_state.json"
ALERT_FILE_NAME = "audit_alert.json"

# path -> (file identity when read, value): parsed once, not on every page, proof or append.
_cache: dict[Path, tuple[tuple[int, int, int, int], Any]] = {}


def keys_dir() -> Path:
    return get_settings().keys_dir


def secure_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) and keep it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> bool:
    """Write ``data`` to ``path`` with mode 0600, never exposing a half-written file.

    ``exclusive``: do not replace an existing file (another process made it a moment earlier);
    returns False then. Otherwise the file is replaced atomically (rename) after an fsync.
    """
    secure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError:  # pragma: no cover - file systems without hard links
                if path.exists():
                    return False
                os.replace(tmp, path)
        else:
            os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _identity(path: Path) -> tuple[int, int, int, int]:
    stat = path.stat()
    if os.name == "posix" and stat.st_mode & 0o077:
        path.chmod(0o600)  # a copied or restored key file must not stay readable by others
        stat = path.stat()
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


# --- the signing key ---------------------------------------------------------------------------

def key_path() -> Path:
    return keys_dir() / KEY_FILE_NAME


def load_or_create_signing_key() -> Ed25519PrivateKey:
    """The audit signing key, made on the first call and kept at ``keys/audit_ed25519.pem``."""
    path = key_path()
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        write_private(path, pem, exclusive=True)  # loses the race quietly: use the winner's key
    secure_dir(path.parent)
    identity = _identity(path)
    cached = _cache.get(path)
    if cached is not None and cached[0] == identity:
        return cached[1]
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid("audit_key_unreadable", Text(f"审计签名密钥文件无法读取: {path}", f"The audit signing key file cannot be read: {path}")) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid("audit_key_wrong_type", Text(f"审计签名密钥不是 Ed25519 密钥: {path}", f"The audit signing key is not an Ed25519 key: {path}"))
    _cache[path] = (identity, key)
    return key


# --- the leaf MAC key --------------------------------------------------------------------------

def mac_key_path() -> Path:
    return keys_dir() / MAC_KEY_FILE_NAME


def load_or_create_mac_key() -> bytes:
    """32 random bytes (hex in the file) for the leaf MACs, made on first use."""
    path = mac_key_path()
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode("ascii") + b"\n", exclusive=True)
    identity = _identity(path)
    cached = _cache.get(path)
    if cached is not None and cached[0] == identity:
        return cached[1]
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeError):
        key = b""
    if len(key) != 32:
        raise Invalid("audit_mac_key_unreadable", Text(f"审计叶 MAC 密钥文件已损坏: {path}", f"The audit leaf MAC key file is damaged: {path}"))
    _cache[path] = (identity, key)
    return key


def mac_key_if_present() -> bytes | None:
    return load_or_create_mac_key() if mac_key_path().exists() else None


# --- the signer's state ------------------------------------------------------------------------

def state_path() -> Path:
    return keys_dir() / STATE_FILE_NAME


def read_state() -> dict | None:
    """The newest checkpoint this signer signed: {"note": signed note, "frontier": [hex, ...]}."""
    path = state_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("note"), str) or not isinstance(data.get("frontier"), list):
        # A damaged state is not the same as none: refusing is the safe answer.
        from smecredit.kernel.errors import Unavailable

        raise Unavailable("audit_signer_state_damaged", Text(
            f"签名者状态文件已损坏: {path}。请核查后从最近一次见证的检查点恢复",
            f"The signer state file is damaged: {path}. Investigate, then restore it from the newest witnessed checkpoint"))
    return data


def write_state(note: str, frontier: list[str]) -> None:
    write_private(state_path(), json.dumps({"note": note, "frontier": frontier}, ensure_ascii=False, indent=1).encode("utf-8"))


# --- the alert ---------------------------------------------------------------------------------

def alert_path() -> Path:
    return keys_dir() / ALERT_FILE_NAME


def read_alert() -> dict | None:
    path = alert_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeError):
        return {"code": "audit_alert_unreadable", "message": {"zh": f"审计告警文件无法读取: {path}", "en": f"The audit alert file cannot be read: {path}"}}
    return data if isinstance(data, dict) else None


def write_alert(alert: dict) -> None:
    write_private(alert_path(), json.dumps(alert, ensure_ascii=False, indent=1).encode("utf-8"))


def clear_alert() -> dict | None:
    alert = read_alert()
    alert_path().unlink(missing_ok=True)
    return alert
