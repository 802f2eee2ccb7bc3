"""Policy simulation (冠军/挑战者): run a draft policy (or scorecard) over past applications from
their stored inputs, before it is approved, and compare with what was decided.

For every application's latest decision on or after ``since``, the stored inputs are decided again
by the challenger (the draft policy; the draft scorecard standing in for the card of its code) and
set beside the champion (the stored result). The summary gives the approval rate of each, the
expected loss of each (PD × exposure, over the approved amounts of approved applications) and every
decision that would change (outcome, route, grade, approved amount or rate).

Pure over its inputs except `simulate_db`, which reads the decisions and the versions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.decisioning import versions
from smecredit.decisioning.models import Decision
from smecredit.kernel.text import Text

ZERO = Decimal("0.00")
MAX_DECISIONS = 20_000


@dataclass(frozen=True)
class Side:
    """One policy's figures over the decisions simulated."""

    decided: int
    approved: int
    declined: int
    referred: int
    approved_amount: Decimal
    expected_loss: Decimal

    @property
    def approval_rate(self) -> Decimal:
        return (Decimal(self.approved) / self.decided).quantize(Decimal("0.0001")) if self.decided else Decimal("0")

    def as_dict(self) -> dict[str, Any]:
        return {"decided": self.decided, "approved": self.approved, "declined": self.declined, "referred": self.referred,
                "approval_rate": str(self.approval_rate), "approved_amount": str(self.approved_amount),
                "expected_loss": str(self.expected_loss)}


@dataclass(frozen=True)
class Change:
    decision_id: int
    application_id: int
    application_no: str
    fields: tuple[str, ...]  # what changed
    before: Mapping[str, Any]
    after: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"decision_id": self.decision_id, "application_id": self.application_id, "application_no": self.application_no,
                "fields": list(self.fields), "before": dict(self.before), "after": dict(self.after)}


@dataclass(frozen=True)
class Simulation:
    policy: str  # code and version (or file) of the challenger
    since: date | None
    champion: Side
    challenger: Side
    changes: tuple[Change, ...]
    errors: tuple[tuple[int, str], ...] = ()  # decisions whose stored inputs could not be decided again

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "since": self.since.isoformat() if self.since else None,
                "champion": self.champion.as_dict(), "challenger": self.challenger.as_dict(),
                "changed": len(self.changes), "changes": [c.as_dict() for c in self.changes],
                "errors": [{"decision_id": i, "error": e} for i, e in self.errors]}


COMPARED = ("outcome", "route", "grade", "approved_amount", "annual_rate")
LABELS: dict[str, Text] = {
    "outcome": Text("结果", "Outcome"), "route": Text("审批路径", "Route"), "grade": Text("评级", "Grade"),
    "approved_amount": Text("核定额度", "Approved amount"), "annual_rate": Text("利率", "Rate"),
}


def _key(result: Mapping[str, Any]) -> dict[str, Any]:
    return {k: result.get(k) for k in COMPARED}


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return a == b
    except ValueError:  # pragma: no cover
        return a == b


def _side(results: Iterable[Mapping[str, Any]]) -> Side:
    decided = approved = declined = referred = 0
    amount = loss = ZERO
    for r in results:
        decided += 1
        outcome = r.get("outcome")
        if outcome == "approved":
            approved += 1
            got = Decimal(str(r.get("approved_amount") or "0"))
            amount += got
            loss += got * Decimal(str(r.get("pd") or "0"))
        elif outcome == "declined":
            declined += 1
        else:
            referred += 1
    return Side(decided, approved, declined, referred, amount.quantize(Decimal("0.01")), loss.quantize(Decimal("0.01")))


def _comparable(value: Any) -> Any:
    try:
        return str(Decimal(str(value))) if isinstance(value, (int, str, Decimal)) and value != "" else value
    except ArithmeticError:
        return value


def simulate(stored: Iterable[tuple[int, int, str, Mapping[str, Any], Mapping[str, Any]]], policy, scorecards: Mapping[str, Any],
             *, label: str, since: date | None = None) -> Simulation:
    """``stored``: (decision id, application id, application no, inputs dict, result dict) each.
    ``policy``/``scorecards``: the challenger (parsed)."""
    from smecredit.decisioning import engine

    champions: list[Mapping[str, Any]] = []
    challengers: list[Mapping[str, Any]] = []
    changes: list[Change] = []
    errors: list[tuple[int, str]] = []
    for decision_id, application_id, no, inputs, result in stored:
        try:
            now = json.loads(json.dumps(engine.result_to_dict(engine.decide(policy, scorecards,
                                                                            engine.inputs_from_dict(inputs)))))
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            errors.append((decision_id, f"{type(error).__name__}: {error}"))
            continue
        champions.append(result)
        challengers.append(now)
        before, after = _key(result), _key(now)
        changed = tuple(k for k in COMPARED if not _same(before[k], after[k]))
        if changed:
            changes.append(Change(decision_id, application_id, no, changed,
                                  {k: _comparable(v) for k, v in before.items()}, {k: _comparable(v) for k, v in after.items()}))
    return Simulation(label, since, _side(champions), _side(challengers), tuple(changes), tuple(errors))


def stored_decisions(db: Session, since: date | None = None) -> list[tuple[int, int, str, dict, dict]]:
    """Every application's latest decision (on or after ``since``), oldest first."""
    query = (select(Decision.id, Decision.application_id, Application.no, Decision.inputs_json, Decision.result_json,
                    Decision.sequence)
             .join(Application, Application.id == Decision.application_id).order_by(Decision.id))
    if since is not None:
        query = query.where(Decision.decision_date >= since)
    latest: dict[int, tuple[int, int, str, dict, dict]] = {}
    for row in db.execute(query.limit(MAX_DECISIONS)).all():
        try:
            latest[row.application_id] = (row.id, row.application_id, row.no, json.loads(row.inputs_json),
                                          json.loads(row.result_json))
        except ValueError:  # a hand-damaged record is left out (replay reports it)
            continue
    return sorted(latest.values(), key=lambda r: r[0])


def simulate_db(db: Session, *, policy=None, scorecards: Iterable[Any] = (), label: str, since: date | None = None,
                on: date | None = None) -> Simulation:
    """The challenger: ``policy`` (parsed; the policy in force when None) and ``scorecards`` (parsed
    cards replacing those of their codes; the others are the versions in force)."""
    from smecredit.kernel.clock import business_date

    on = on or business_date()
    if policy is None:
        policy = versions.parsed(versions.policy_in_force(db, on))
    cards = {code: versions.parsed(row) for code, row in versions.scorecards_in_force(db, on).items()}
    for card in scorecards:
        cards[card.code] = card
    return simulate(stored_decisions(db, since), policy, cards, label=label, since=since)
