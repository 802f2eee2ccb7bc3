"""Replay (决策重放): compare a stored decision with the one recomputed from its stored inputs and the
same policy and scorecard versions. Identical → no differences; otherwise every difference with its
path (``rule_results[3].result``, ``limit_steps[2].after``), the stored value and the value now.

Both sides are the JSON-ready dicts of `engine.result_to_dict` (as stored). Values are compared
exactly as stored (``"3.7000"`` and ``"3.70"`` differ: a replay proves the record, not only the
number). Pure: no database, no web.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Absent on one side (a key the other side has).
MISSING = "<absent>"


@dataclass(frozen=True)
class Difference:
    path: str
    stored: Any
    now: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "stored": self.stored, "now": self.now}


def _walk(stored: Any, now: Any, path: str, out: list[Difference]) -> None:
    if isinstance(stored, Mapping) and isinstance(now, Mapping):
        for key in list(stored) + [k for k in now if k not in stored]:
            child = f"{path}.{key}" if path else str(key)
            if key not in now:
                out.append(Difference(child, stored[key], MISSING))
            elif key not in stored:
                out.append(Difference(child, MISSING, now[key]))
            else:
                _walk(stored[key], now[key], child, out)
        return
    if isinstance(stored, Sequence) and not isinstance(stored, str) and isinstance(now, Sequence) and not isinstance(now, str):
        for i in range(max(len(stored), len(now))):
            child = f"{path}[{i}]"
            if i >= len(now):
                out.append(Difference(child, stored[i], MISSING))
            elif i >= len(stored):
                out.append(Difference(child, MISSING, now[i]))
            else:
                _walk(stored[i], now[i], child, out)
        return
    if type(stored) is not type(now) or stored != now:
        out.append(Difference(path, stored, now))


def compare(stored: Mapping[str, Any], recomputed: Mapping[str, Any], *, ignore: Sequence[str] = ()) -> tuple[Difference, ...]:
    """Every difference between the stored and the recomputed result dicts (empty: identical).
    ``ignore``: top-level keys left out of the comparison (none by default)."""
    out: list[Difference] = []
    left = {k: v for k, v in stored.items() if k not in ignore}
    right = {k: v for k, v in recomputed.items() if k not in ignore}
    _walk(left, right, "", out)
    return tuple(out)


def identical(stored: Mapping[str, Any], recomputed: Mapping[str, Any]) -> bool:
    return not compare(stored, recomputed)
