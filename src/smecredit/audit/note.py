"""Signed notes, checkpoints and cosignatures in the C2SP formats (pure: bytes and keys only).

* C2SP ``signed-note``: a UTF-8 text ending in a newline, a blank line, then one signature line per
  signer, ``— <name> <base64(4-byte key id ‖ signature)>\\n``. For Ed25519 the key id is
  ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]`` and the signature is over the note text
  (every byte before the blank line, with its final newline). Verifier keys are written as
  ``<name>+<hex key id>+<base64(0x01 ‖ public key)>``.
* C2SP ``tlog-checkpoint``: the note text is ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` then
  optional extension lines. smecredit adds three (documented in docs/audit-log-format.md)::

      checkpoint <id>
      time <fixed-width ISO 8601 UTC>
      previous <id> <base64 SHA-256 of the previous checkpoint's note text> | previous none

* C2SP ``tlog-cosignature`` (cosignature/v1): a witness signs ``cosignature/v1\\ntime <unix
  seconds>\\n`` followed by the checkpoint's note text; its signature line carries
  ``key id ‖ uint64 big-endian time ‖ Ed25519 signature``, with the key id computed with 0x04.

Parsers raise `NoteError` on anything malformed; ``*_valid`` functions never raise.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"  # — EM DASH, the first character of every signature line
COSIGNATURE_HEADER = "cosignature/v1"
MAX_NOTE_BYTES = 1 << 16  # a checkpoint is a few hundred bytes; refuse anything absurd

_NAME = re.compile(r"^[^\s+]+$")  # key names: no white space, no plus (C2SP signed-note)
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")


class NoteError(ValueError):
    """The text is not a well-formed signed note, checkpoint or verifier key."""


# --- keys --------------------------------------------------------------------------------------

def raw_public(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name or not _NAME.match(name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


def note_key_id(name: str, public: Ed25519PublicKey | Ed25519PrivateKey, alg: int = ALG_ED25519) -> bytes:
    """The 4-byte key id of a signer (alg 0x01) or a cosigner (alg 0x04)."""
    check_name(name)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + raw_public(public)).digest()[:4]


def vkey(name: str, public: Ed25519PublicKey | Ed25519PrivateKey, alg: int = ALG_ED25519) -> str:
    """The verifier key string ``name+hexid+base64(alg ‖ key)``."""
    kid = note_key_id(name, public, alg)
    return f"{name}+{kid.hex()}+{base64.b64encode(bytes([alg]) + raw_public(public)).decode('ascii')}"


@dataclass(frozen=True)
class Verifier:
    name: str
    alg: int
    key_id: bytes
    public_key: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        return vkey(self.name, self.public_key, self.alg)


def parse_vkey(text: str) -> Verifier:
    """Parse ``name+hexid+base64(alg ‖ key)`` (alg 0x01 note signer or 0x04 cosigner)."""
    parts = text.strip().split("+", 2)  # the key's base64 may itself hold '+'
    if len(parts) != 3:
        raise NoteError("a verifier key has three parts: name+keyid+key")
    name, hex_id, b64 = parts
    check_name(name)
    try:
        kid = bytes.fromhex(hex_id)
        material = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError("the verifier key's id or key is not hex/base64") from None
    if len(kid) != 4 or len(material) != 33 or material[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04) are supported")
    public = Ed25519PublicKey.from_public_bytes(material[1:])
    if note_key_id(name, public, material[0]) != kid:
        raise NoteError("the verifier key's id does not match its name and key")
    return Verifier(name, material[0], kid, public)


# --- signed notes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # after the key id: 64 bytes (0x01) or 8 + 64 bytes (cosignature/v1)

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_id + self.signature).decode('ascii')}\n"


@dataclass(frozen=True)
class Note:
    text: str  # the signed body, ending in a newline
    signatures: tuple[Signature, ...]

    def serialise(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_note(data: str | bytes) -> Note:
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise NoteError("the note is too large")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("the note is not UTF-8") from None
    if len(data) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    if "\r" in data or "\t" in data:
        raise NoteError("the note contains a carriage return or tab")
    split = data.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, sig_block = data[: split + 1], data[split + 2:]
    if not sig_block.endswith("\n"):
        raise NoteError("the note does not end with a newline")
    signatures = []
    for line in sig_block[:-1].split("\n"):
        if not line.startswith(DASH + " "):
            raise NoteError("a signature line must start with '— '")
        parts = line[2:].split(" ")
        if len(parts) != 2:
            raise NoteError("a signature line is '— <name> <base64>'")
        name, b64 = parts
        check_name(name)
        try:
            blob = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error):
            raise NoteError("a signature is not base64") from None
        if len(blob) < 5:
            raise NoteError("a signature is too short")
        signatures.append(Signature(name, blob[:4], blob[4:]))
    if not signatures:
        raise NoteError("the note has no signature")
    return Note(text, tuple(signatures))


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> Signature:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note text ends with one newline and has no blank line")
    return Signature(name, note_key_id(name, key), key.sign(text.encode("utf-8")))


def note_signed_by(note: Note, verifier: Verifier) -> bool:
    """True when one of the note's signature lines is a valid Ed25519 signature by ``verifier``."""
    for sig in note.signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id and verifier.alg == ALG_ED25519:
            try:
                verifier.public_key.verify(sig.signature, note.text.encode("utf-8"))
                return True
            except (InvalidSignature, ValueError):
                return False
    return False


# --- checkpoints -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "\n".join(lines) + "\n"

    def extension(self, keyword: str) -> list[str] | None:
        """The words after ``keyword`` on the first extension line that starts with it."""
        for line in self.extensions:
            words = line.split(" ")
            if words[0] == keyword:
                return words[1:]
        return None


def parse_checkpoint(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has at least three lines: origin, size, root hash")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("the checkpoint's origin line is empty")
    if not _DECIMAL.match(size_text) or int(size_text) >= 1 << 64:
        raise NoteError("the checkpoint's size is not a decimal number without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError("the checkpoint's root hash is not base64") from None
    if len(root) != 32 or base64.b64encode(root).decode("ascii") != root_text:
        raise NoteError("the checkpoint's root hash is not 32 bytes in standard base64")
    if any(not line for line in extensions):
        raise NoteError("a checkpoint's extension lines are not empty")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def text_hash(text: str) -> str:
    """Base64 SHA-256 of a note text: how a checkpoint names its predecessor."""
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# --- cosignatures (C2SP tlog-cosignature, cosignature/v1) --------------------------------------

def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


def cosign(checkpoint_text: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> Signature:
    if not 0 <= timestamp < 1 << 63:
        raise NoteError("the cosignature time is out of range")
    sig = key.sign(cosignature_message(checkpoint_text, timestamp))
    return Signature(name, note_key_id(name, key, ALG_COSIGNATURE_V1), struct.pack(">Q", timestamp) + sig)


def cosignature_time(sig: Signature) -> int | None:
    return struct.unpack(">Q", sig.signature[:8])[0] if len(sig.signature) == 72 else None


def cosigned_by(checkpoint_text: str, sig: Signature, verifier: Verifier) -> bool:
    """True when ``sig`` is a valid cosignature/v1 of the checkpoint by ``verifier``."""
    if verifier.alg != ALG_COSIGNATURE_V1 or sig.name != verifier.name or sig.key_id != verifier.key_id:
        return False
    if len(sig.signature) != 72:
        return False
    timestamp = struct.unpack(">Q", sig.signature[:8])[0]
    if timestamp >= 1 << 63:
        return False
    try:
        verifier.public_key.verify(sig.signature[8:], cosignature_message(checkpoint_text, timestamp))
    except (InvalidSignature, ValueError):
        return False
    return True
