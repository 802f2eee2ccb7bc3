"""`smecredit decisions …` and `smecredit policy …`.

* `smecredit decisions replay ID [--json]` (or `--all`): recompute a decision from its stored inputs
  and versions; exit 0 when identical, 1 when anything differs, 2 on bad input.
* `smecredit policy simulate --policy FILE [--scorecard FILE] [--since DATE] [--json]`: run a draft
  policy (and/or scorecard) over past applications' stored inputs: approval rate and expected loss
  beside the decisions made, and every decision that would change.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from smecredit.commandline import console, reports_domain_errors, use_case
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

app = typer.Typer(help="授信决策：复现 / decisions: replay", no_args_is_help=True)
policy_app = typer.Typer(help="授信政策：模拟 / credit policy: simulate", no_args_is_help=True)


def _replayed_dict(decision_id: int, found) -> dict:
    return {"decision_id": decision_id, "identical": found.identical,
            "differences": [{"path": d.path, "stored": d.stored, "now": d.now} for d in found.differences]}


@app.command("replay")
@reports_domain_errors
def replay(
    decision_id: Annotated[int | None, typer.Argument(help="决策编号 / the decision's id", min=1, max=2_147_483_647)] = None,
    every: Annotated[bool, typer.Option("--all", help="复现全部决策 / replay every decision")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
):
    """Recompute a decision from its stored inputs and versions: identical, or the differences."""
    from sqlalchemy import select

    from smecredit.decisioning import replaying, service
    from smecredit.decisioning.models import Decision

    if (decision_id is None) == (not every):
        raise Invalid("one_of", Text("请给出决策编号，或使用 --all", "Give a decision id, or --all"), "decision_id")
    with use_case() as db:
        ids = [decision_id] if decision_id is not None else list(db.execute(select(Decision.id).order_by(Decision.id)).scalars())
        results = [_replayed_dict(i, replaying.replay(db, service.decision_by_id(db, i))) for i in ids]
    differing = [r for r in results if not r["identical"]]
    if as_json:
        typer.echo(json.dumps(results[0] if decision_id is not None else
                              {"replayed": len(results), "identical": len(results) - len(differing), "differing": differing},
                              ensure_ascii=False, indent=2, default=str))
    else:
        for r in results:
            if r["identical"]:
                if decision_id is not None:
                    console.print(f"决策 {r['decision_id']}：复现结果一致 / decision {r['decision_id']}: identical")
                continue
            console.print(f"[red]决策 {r['decision_id']}：复现结果不一致 / decision {r['decision_id']}: differs[/red]")
            for d in r["differences"]:
                console.print(f"  {d['path']}: {d['stored']!r} → {d['now']!r}", markup=False, highlight=False)
        if decision_id is None:
            console.print(f"复现 {len(results)} 个决策，{len(results) - len(differing)} 个一致 / "
                          f"{len(results)} decisions replayed, {len(results) - len(differing)} identical")
    if differing:
        raise typer.Exit(1)


def _read(path: Path, field: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid("file_not_found", Text(f"找不到文件：{path}", f"No such file: {path}"), field) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid("unreadable", Text(f"无法读取文件：{path}（{exc}）", f"Cannot read {path}: {exc}"), field) from None


@policy_app.command("simulate")
@reports_domain_errors
def simulate(
    policy_file: Annotated[Path | None, typer.Option("--policy", help="待模拟的授信政策（YAML）/ the draft policy (YAML)")] = None,
    scorecard_files: Annotated[list[Path] | None, typer.Option(
        "--scorecard", help="待模拟的评分卡（JSON，可多次）/ a draft scorecard (JSON; may repeat)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="只看此日及以后的决策（YYYY-MM-DD）/ decisions on or after")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
):
    """Run a draft policy (or scorecard) over past applications' stored inputs and compare."""
    from smecredit.decisioning import policy as policy_module
    from smecredit.decisioning import scorecard, simulation

    if policy_file is None and not scorecard_files:
        raise Invalid("required", Text("请给出 --policy 或 --scorecard", "Give --policy or --scorecard"), "policy")
    since_date = None
    if since is not None:
        try:
            since_date = date.fromisoformat(since)
        except ValueError:
            raise Invalid("invalid_date", Text(f"日期格式应为 YYYY-MM-DD：{since}", f"Write the date as YYYY-MM-DD: {since}"),
                          "since") from None
    challenger = policy_module.parse(_read(policy_file, "policy")) if policy_file is not None else None
    cards = [scorecard.loads(_read(p, "scorecard")) for p in scorecard_files or []]
    label = " + ".join([str(policy_file)] * bool(policy_file) + [str(p) for p in scorecard_files or []])
    with use_case() as db:
        found = simulation.simulate_db(db, policy=challenger, scorecards=cards, label=label, since=since_date)
    if as_json:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    a, b = found.champion, found.challenger
    console.print(f"模拟 / simulated: {label}  ({a.decided} 个决策 / decisions)", markup=False, highlight=False)
    console.print(f"  批准率 / approval rate: {a.approval_rate:.2%} → {b.approval_rate:.2%}")
    console.print(f"  批准金额 / approved amount: {a.approved_amount:,.2f} → {b.approved_amount:,.2f}")
    console.print(f"  预期损失 / expected loss (PD × exposure): {a.expected_loss:,.2f} → {b.expected_loss:,.2f}")
    console.print(f"  改变的决策 / decisions that change: {len(found.changes)}")
    for c in found.changes:
        parts = ", ".join(f"{k}: {c.before[k]} → {c.after[k]}" for k in c.fields)
        console.print(f"    {c.application_no} (#{c.decision_id}) {parts}", markup=False, highlight=False)
    for decision_id, error in found.errors:
        console.print(f"  [yellow]决策 {decision_id} 无法模拟 / could not be simulated: {error}[/yellow]")
