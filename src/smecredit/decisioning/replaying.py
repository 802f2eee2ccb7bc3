"""Replay (复现): recompute a stored decision from its stored inputs with the policy and scorecard
versions it used, and compare with what was stored (`replay.compare`, pure).

Beyond the recomputation, the record itself is checked: the stored inputs and result must still
match the SHA-256 written with them (and in the `decision.made` audit event), and the record's
columns (outcome, score, grade, …) must say what its result says. A version whose text no longer
matches its SHA-256 is reported, not used. Anything changed by hand therefore shows as a
difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from smecredit.decisioning import service, versions
from smecredit.decisioning.models import Decision
from smecredit.decisioning.record_check import Difference, record_differences, text_sha256
from smecredit.kernel.errors import DomainError


@dataclass(frozen=True)
class Replayed:
    identical: bool
    differences: tuple[Difference, ...]


def recompute(db: Session, decision: Decision) -> dict[str, Any]:
    """The result the engine gives now for the stored inputs, as the record would store it."""
    from smecredit.decisioning import engine

    policy_row = service.policy_version_of(db, decision)
    policy = versions.parsed(policy_row)
    cards = {}
    for code in policy.scorecard_codes:
        try:
            cards[code] = versions.parsed(versions.scorecard_in_force(db, code, decision.decision_date))
        except DomainError:
            continue
    used = service.scorecard_version_of(db, decision)
    if used is not None:
        cards[used.code] = versions.parsed(used)
    inputs = engine.inputs_from_dict(json.loads(decision.inputs_json))
    result = engine.decide(policy, cards, inputs)
    return json.loads(service.dumps(engine.result_to_dict(result)))


def _compare(stored: Any, now: Any, path: str = "result") -> list[Difference]:
    """Every path where two JSON-like values differ (used until `replay.compare` exists)."""
    if isinstance(stored, dict) and isinstance(now, dict):
        found: list[Difference] = []
        for key in sorted(set(stored) | set(now)):
            found += _compare(stored.get(key), now.get(key), f"{path}.{key}")
        return found
    if isinstance(stored, list) and isinstance(now, list) and len(stored) == len(now):
        return [d for i, (a, b) in enumerate(zip(stored, now)) for d in _compare(a, b, f"{path}[{i}]")]
    return [] if stored == now else [Difference(path, stored, now)]


def replay(db: Session, decision: Decision) -> Replayed:
    try:
        from smecredit.decisioning.replay import compare
    except ImportError:  # pragma: no cover - until the engine's comparison lands
        compare = _compare

    try:
        stored = json.loads(decision.result_json)
    except ValueError:
        stored = None
    if not isinstance(stored, dict):  # not even a JSON object any more: the hash says it changed
        differences = [Difference("record.result_sha256", decision.result_sha256, text_sha256(decision.result_json))]
        stored = {}
    else:
        differences = record_differences(decision, stored)
    try:
        now = recompute(db, decision)
    except DomainError as error:  # a damaged version, inputs that no longer read
        differences.append(Difference(f"recompute.{error.code}", None, error.message.as_dict()))
    except (AttributeError, KeyError, TypeError, ValueError) as error:  # hand-edited inputs the engine cannot take
        differences.append(Difference("recompute", None, f"{type(error).__name__}: {error}"))
    else:
        differences.extend(Difference(d.path, d.stored, d.now) for d in compare(stored, now))
    return Replayed(not differences, tuple(differences))
