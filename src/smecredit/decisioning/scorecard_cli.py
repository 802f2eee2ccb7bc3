"""`smecredit scorecard train|evaluate|show` — statistical scorecards from any labelled CSV.

Bad input (a missing file, an unknown column, a label the target never takes) is a bilingual
message on stderr and exit code 2, never a traceback. Progress goes to stderr, so ``--json``
output on stdout stays one JSON object.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from smecredit.commandline import console, err_console, reports_domain_errors
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

app = typer.Typer(help="评分卡 / scorecards: train, evaluate, show", no_args_is_help=True)


def _required(value, option: str, zh: str, en: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid("required", Text(f"请用 {option} 指定{zh}", f"Give {en} with {option}"), option.lstrip("-"))
    return value


@contextmanager
def _progress() -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """start(description, total) → advance(n): a Rich progress bar on a terminal's stderr, one line
    per step otherwise."""
    if not err_console.is_terminal:
        def start(description: str, total: int) -> Callable[[int], None]:
            err_console.print(f"{escape(description)} …", highlight=False)
            return lambda steps: None

        yield start
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        def start(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda steps: bar.advance(task, steps)

        yield start


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise Invalid("no_directory", Text(f"输出目录不存在：{directory}", f"The output directory does not exist: {directory}"), "out")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


@app.command("train")
@reports_domain_errors
def train_command(
    data: Annotated[Path | None, typer.Option("--data", help="带标签的 CSV / the labelled CSV")] = None,
    target: Annotated[str | None, typer.Option("--target", help="目标列 / the target column")] = None,
    bad: Annotated[str | None, typer.Option("--bad", help="目标列中表示坏客户的取值 / the target's value for a bad case")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="写入的评分卡文件 / the scorecard file to write")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件 / overwrite an existing file")] = False,
    test_size: Annotated[float, typer.Option("--test-size", help="留出的测试集比例 / share held out for testing")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="划分测试集的随机种子 / random seed of the split")] = 42,
    min_iv: Annotated[float, typer.Option("--min-iv", help="入选的最低 IV / lowest IV kept")] = 0.02,
    max_bins: Annotated[int, typer.Option("--max-bins", help="每个特征的最多分箱数 / most bins per feature")] = 10,
    min_bin_size: Annotated[float, typer.Option("--min-bin-size", help="每箱最少样本占比 / smallest share of rows in a bin")] = 0.05,
    monotonic_tolerance: Annotated[float, typer.Option(
        "--monotonic-tolerance", help="单调分箱可损失的 IV 比例（1 = 总是单调）/ IV share monotonic bins may lose (1 = always monotonic)")] = 0.10,
    regularization: Annotated[float, typer.Option("--regularization", help="逻辑回归的 C / the logistic regression's C")] = 1.0,
    base_score: Annotated[float, typer.Option("--base-score", help="基准分 / score at the base odds")] = 600,
    base_odds: Annotated[float, typer.Option("--base-odds", help="基准好坏比 / good:bad odds at the base score")] = 50,
    pdo: Annotated[float, typer.Option("--pdo", help="好坏比翻倍所需分数 / points to double the odds")] = 20,
    code: Annotated[str | None, typer.Option("--code", help="评分卡编码（默认取自文件名）/ card code (default: from --out)")] = None,
    name_zh: Annotated[str | None, typer.Option("--name-zh", help="中文名称 / Chinese name")] = None,
    name_en: Annotated[str | None, typer.Option("--name-en", help="英文名称 / English name")] = None,
    categorical: Annotated[list[str] | None, typer.Option("--categorical", help="按类别处理的列（可重复）/ treat as categories (repeatable)")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="不参与的列（可重复）/ leave out (repeatable)")] = None,
):
    """训练统计评分卡 / Train a statistical scorecard on a labelled CSV and write its file."""
    from smecredit.decisioning import datasets, scorecard, training

    data = _required(data, "--data", "数据文件", "the data file")
    target = _required(target, "--target", "目标列", "the target column")
    bad = _required(bad, "--bad", "坏样本的取值", "the bad value")
    out = _required(out, "--out", "输出文件", "the output file")
    if out.exists() and not force:
        raise Invalid("file_exists", Text(f"{out} 已存在（用 --force 覆盖）", f"{out} exists (use --force to overwrite)"), "out")
    name = None
    if name_zh or name_en:
        name = Text(name_zh or name_en or "", name_en or name_zh or "")
    options = training.Options(
        target=target, bad=bad, test_size=test_size, seed=seed, min_iv=min_iv, max_bins=max_bins,
        min_bin_size=min_bin_size, monotonic_tolerance=monotonic_tolerance, regularization=regularization,
        base_score=base_score, base_odds=base_odds, pdo=pdo, code=code or training.code_from(out.stem), name=name,
        categorical=tuple(categorical or ()), exclude=tuple(exclude or ()))
    options.check()
    with _progress() as progress:
        progress("读取数据 / reading the data", 1)
        labelled = datasets.read_labelled(data, target, bad)
        trained = training.train(labelled, options, progress)
    _write_atomically(out, scorecard.dumps(trained.card))

    table = Table(title="信息值 / information value", title_justify="left")
    for column in ("特征 feature", "类型 type", "IV", "趋势 trend", "入选 kept", "原因 reason"):
        table.add_column(column, overflow="fold")
    for row in trained.iv:
        reason = row.get("reason") or {}
        table.add_row(escape(row["feature"]), row.get("type") or "—", _fmt(row.get("iv")), row.get("trend") or "—",
                      "✓" if row["selected"] else "✗", escape(f"{reason['zh']} / {reason['en']}") if reason else "")
    console.print(table)
    for split, measured in trained.metrics.items():
        console.print(f"{'训练集' if split == 'train' else '测试集'} / {split}: rows {measured['rows']}, bads {measured['bads']}, "
                      f"AUC {measured['auc']:.4f}, KS {measured['ks']:.4f}, Gini {measured['gini']:.4f}", highlight=False)
    card = trained.card
    console.print(f"已写入 / written: {escape(str(out))} — {card.code}, {len(card.characteristics)} 个特征 characteristics, "
                  f"sha256 {card.sha256[:16]}…", highlight=False)


@app.command("evaluate")
@reports_domain_errors
def evaluate_command(
    card_file: Annotated[Path | None, typer.Option("--scorecard", help="评分卡文件 / the scorecard file")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="带标签的 CSV / the labelled CSV")] = None,
    target: Annotated[str | None, typer.Option("--target", help="目标列 / the target column")] = None,
    bad: Annotated[str | None, typer.Option("--bad", help="目标列中表示坏客户的取值 / the target's value for a bad case")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象 / print one JSON object")] = False,
):
    """评估评分卡 / AUC, KS, Gini and PSI (against the training data) of a scorecard on a labelled CSV."""
    from smecredit.decisioning import datasets, evaluation, scorecard

    card_file = _required(card_file, "--scorecard", "评分卡文件", "the scorecard file")
    data = _required(data, "--data", "数据文件", "the data file")
    target = _required(target, "--target", "目标列", "the target column")
    bad = _required(bad, "--bad", "坏样本的取值", "the bad value")
    card = scorecard.load(card_file)
    with _progress() as progress:
        progress("读取数据 / reading the data", 1)
        labelled = datasets.read_labelled(data, target, bad)
        result = evaluation.evaluate(card, labelled, progress("计分 / scoring", len(card.characteristics)))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    console.print(f"评分卡 / scorecard {escape(card.code)} ({card.sha256[:16]}…) · {escape(str(data))}: "
                  f"{result['rows']} rows, {result['bads']} bad ({result['bad_rate']:.2%})", highlight=False)
    table = Table(show_header=True)
    table.add_column("指标 measure")
    table.add_column("值 value", justify="right")
    table.add_column("说明 note", overflow="fold")
    verdict = result["psi_verdict"]
    table.add_row("AUC", _fmt(result["auc"]), "")
    table.add_row("KS", _fmt(result["ks"]), "")
    table.add_row("Gini", _fmt(result["gini"]), "2·AUC − 1")
    table.add_row("PSI", _fmt(result["psi"]), f"{verdict['zh']} / {verdict['en']}" if verdict
                  else "评分卡未保存训练分布 / the card keeps no training distribution")
    console.print(table)
    if result["characteristics_psi"]:
        shifts = Table(title="特征稳定性 / characteristic stability (CSI)", title_justify="left")
        shifts.add_column("特征 feature")
        shifts.add_column("CSI", justify="right")
        for feature, value in sorted(result["characteristics_psi"].items(), key=lambda item: -item[1]):
            shifts.add_row(escape(feature), _fmt(value))
        console.print(shifts)


@app.command("show")
@reports_domain_errors
def show_command(
    card_file: Annotated[Path, typer.Argument(help="评分卡文件 / the scorecard file")],
):
    """显示评分卡的分值表 / Print a scorecard's points table."""
    from smecredit.decisioning import scorecard

    card = scorecard.load(card_file)
    console.print(f"{escape(card.name.zh)} / {escape(card.name.en)} — {card.code} ({card.kind}), sha256 {card.sha256[:16]}…",
                  highlight=False)
    scale = card.scaling
    console.print(f"刻度 / scale: {scale.base_score} 分 = 好坏比 {scale.base_odds}:1, PDO {scale.pdo}; "
                  f"截距 / intercept {card.intercept_points}; 分数范围 / range {card.min_score}–{card.max_score}", highlight=False)
    table = Table()
    for column in ("特征 characteristic", "分箱 bin", "分值 points", "原因 reason"):
        table.add_column(column, overflow="fold")
    for ch in card.characteristics:
        for i, b in enumerate(ch.bins):
            table.add_row(escape(f"{ch.label.zh} / {ch.label.en}") if i == 0 else "", escape(f"{b.label.zh} / {b.label.en}"),
                          str(b.points), escape(f"{b.reason.zh} / {b.reason.en}"), end_section=i == len(ch.bins) - 1)
    console.print(table)
