"""File names as people gave them, made safe to keep and to offer for download.

Only the last path component is kept; control and format characters (bidirectional overrides such
as U+202E that turn ``gpj.exe`` into ``exe.jpg`` on screen, zero-width characters) are removed;
characters that are not letters (any script: Chinese stays), digits or ``. - _ ( ) （ ） 、 空格``
become ``_``; leading and trailing dots and spaces go; Windows' reserved device names (CON, NUL,
COM1 …) are prefixed; the name is capped at :data:`MAX_CHARS` characters keeping its extension;
and when a detected type is given, a name not ending in one of its extensions gets the type's
extension appended (``invoice.exe`` holding a PDF is kept as ``invoice.exe.pdf``).

Pure.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\-()（）、 ]+", re.UNICODE)
_RESERVED = {"con", "prn", "aux", "nul", "clock$", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def clean(filename: str | None, extensions: tuple[str, ...] = (), *, fallback: str = "file") -> str:
    """A safe base name for ``filename`` (see the module docstring); never empty."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].strip().lower() in _RESERVED:
        stem = "_" + stem
    if not stem.strip("._ "):
        stem = fallback
    ext = ext[:10]
    if extensions and ("." + ext).lower() not in extensions:
        stem, ext = (f"{stem}.{ext}" if ext else stem), extensions[0].lstrip(".")
    room = MAX_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(". ") or fallback
    return f"{stem}.{ext}" if ext else stem
