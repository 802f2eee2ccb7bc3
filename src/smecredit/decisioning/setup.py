"""What every install decides with, loaded on every start (`Stage.setup`), demo or not: the default
credit policy (`data/policies/*.yaml`) and the default scorecards (`data/scorecards/*.json`), each
as version 1 approved by the install itself. Idempotent: a code that exists (whatever its
versions) is left alone, so a lender's own versions are never overwritten."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM
from smecredit.decisioning import versions
from smecredit.products.rates import FIRST_DATE

DATA = Path(__file__).resolve().parent / "data"
#: The defaults price off the LPR, so they take effect with it (and decide past applications in simulation).
DEFAULT_EFFECTIVE_FROM = FIRST_DATE


def files(kind: str) -> list[Path]:
    folder, pattern = {"policy": ("policies", "*.yaml"), "scorecard": ("scorecards", "*.json")}[kind]
    return sorted((DATA / folder).glob(pattern))


def load_defaults(db: Session) -> dict[str, list[str]]:
    loaded: dict[str, list[str]] = {"scorecards": [], "policies": []}
    # scorecards first: the policy names them
    for name, kind in (("scorecards", versions.SCORECARD), ("policies", versions.POLICY)):
        for path in files(kind.name):
            row = versions.load_default(db, kind=kind, text=path.read_text(encoding="utf-8"), actor=SYSTEM,
                                        effective_from=DEFAULT_EFFECTIVE_FROM,
                                        source=f"decisioning/data/{path.parent.name}/{path.name}")
            if row is not None:
                loaded[name].append(row.code)
    return loaded
