"""``parse_source``: the one entry point that picks the importer for a kind.

It imports every importer; the importers import only the lower modules (``vocabulary``,
``fields``, ``readers``, ``spreadsheet``), so there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .bank_statement import parse_bank_statement
from .credit_bureau import parse_credit_bureau
from .financials import parse_financials
from .judicial import parse_judicial
from .registry import parse_registry
from .tax import parse_tax
from .vocabulary import ParsedSource, SourceKind

PARSERS: dict[SourceKind, Callable[..., ParsedSource]] = {
    SourceKind.REGISTRY: parse_registry,
    SourceKind.TAX: parse_tax,
    SourceKind.BANK_STATEMENT: parse_bank_statement,
    SourceKind.FINANCIAL_STATEMENTS: parse_financials,
    SourceKind.CREDIT_BUREAU: parse_credit_bureau,
    SourceKind.JUDICIAL: parse_judicial,
}


def parse_source(kind: SourceKind | str, data: bytes, *, filename: str, **options: Any) -> ParsedSource:
    """Parse ``data`` with the importer for ``kind``; ``options`` go to that importer."""
    return PARSERS[SourceKind(kind)](data, filename=filename, **options)


__all__ = ["PARSERS", "parse_source"]
