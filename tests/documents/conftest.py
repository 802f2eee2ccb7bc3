from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture()
def store_dir(clean_db) -> Iterator[Path]:
    """The local storage folder, emptied before each test (the data directory lives for the session)."""
    from smecredit.kernel.settings import get_settings

    root = get_settings().documents_dir
    shutil.rmtree(root, ignore_errors=True)
    yield root


def objects(root: Path) -> list[Path]:
    """Every file under the storage folder (objects, and any temporary file left behind)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
