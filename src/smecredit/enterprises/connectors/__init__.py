"""Stage-1 data connectors (数据接入): pure importers for the six source kinds, and the sandbox.

The public surface callers use; the modules below it, lowest first:

* ``vocabulary`` — :class:`SourceKind`, :class:`ParsedSource`, :class:`ImportRejected`,
  :class:`LineError`, :class:`ImportLimits`, :class:`DataProvider`, canonical JSON hashing;
* ``fields`` — amounts, dates, periods, header matching, JSON field reading, USCC checks;
* ``readers`` / ``spreadsheet`` — bytes to text (encoding detection), JSON, CSV, XLSX;
* the importers ``registry``, ``tax``, ``bank_statement``, ``financials``, ``credit_bureau``,
  ``judicial`` (each imports only the modules above);
* ``dispatch`` — :func:`parse_source`, which picks the importer for a kind;
* ``models`` — :func:`load`: stored content into one typed record per kind;
* ``personal`` — :func:`personal_paths` and :func:`mask_personal`;
* ``sandbox`` — the demo :class:`~smecredit.enterprises.connectors.sandbox.SandboxProvider`
  (imported from its module; it is not re-exported here).
"""

from __future__ import annotations

from .dispatch import parse_source
from .models import MalformedContent, SourceRecord, load
from .personal import mask_personal, personal_paths
from .vocabulary import (
    DEFAULT_LIMITS,
    DataProvider,
    ImportLimits,
    ImportRejected,
    LineError,
    ParsedSource,
    SourceKind,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DataProvider",
    "ImportLimits",
    "ImportRejected",
    "LineError",
    "MalformedContent",
    "ParsedSource",
    "SourceKind",
    "SourceRecord",
    "load",
    "mask_personal",
    "parse_source",
    "personal_paths",
]
