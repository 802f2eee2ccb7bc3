"""Replay (复现): recompute a stored decision from its stored inputs with the policy and scorecard
versions it used, and compare with what was stored (`replay.compare`, pure).

Beyond the recomputation, the record itself is checked: the stored inputs and result must still
match the SHA-256 written with them (and in the `decision.made` audit event), and the record's
columns (outcome, score, grade, …) must say what its result says. A version whose text no longer
matches its SHA-256 is reported, not used. Anything changed by hand therefore shows as a
difference.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from smecredit.decisioning import service, versions
from smecredit.decisioning.models import Decision
from smecredit.kernel.errors import DomainError


@dataclass(frozen=True)
class Difference:
    path: str
    stored: Any
    now: Any


@dataclass(frozen=True)
class Replayed:
    identical: bool
    differences: tuple[Difference, ...]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    return None if value is None else str(value)


#: Record columns and the result's keys they copy.
COLUMNS = (("outcome", "outcome"), ("route", "route"), ("segment", "segment"), ("score", "score"), ("grade", "grade"),
           ("pd", "pd"), ("limit_amount", "limit"), ("approved_amount", "approved_amount"),
           ("annual_rate", "annual_rate"), ("apr", "apr"), ("repayment_method", "repayment_method"),
           ("term_months", "term_months"))


def _same_number(a: Any, b: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)


def record_differences(decision: Decision, stored_result: dict[str, Any]) -> list[Difference]:
    found = []
    if _sha(decision.inputs_json) != decision.inputs_sha256:
        found.append(Difference("record.inputs_sha256", decision.inputs_sha256, _sha(decision.inputs_json)))
    if _sha(decision.result_json) != decision.result_sha256:
        found.append(Difference("record.result_sha256", decision.result_sha256, _sha(decision.result_json)))
    for column, key in COLUMNS:
        value, said = getattr(decision, column), stored_result.get(key)
        if not _same_number(value, said):
            found.append(Difference(f"record.{column}", _plain(said), _plain(value)))
    return found


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
        differences = [Difference("record.result_sha256", decision.result_sha256, _sha(decision.result_json))]
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
