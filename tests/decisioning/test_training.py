"""`smecredit scorecard train|evaluate` on any labelled CSV: the German credit data and a made-up
file with numbers, categories, missing cells and text labels; the trained card stays a points table
that scores the same through the pure scorer; bad arguments are a bilingual message and exit 2."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smecredit.decisioning import datasets, evaluation, scorecard
from smecredit.decisioning.scorecard_cli import app

runner = CliRunner()
GERMAN = Path(scorecard.__file__).parent / "data" / "german_credit.csv"


def synthetic_csv(path: Path, rows: int = 1500, seed: int = 7, shift: float = 0.0, encoding: str = "utf-8",
                  sep: str = ",") -> Path:
    """Risk rises with leverage, falls with years; region C is risky; a missing income is risky."""
    rng = random.Random(seed)
    lines = [sep.join(["客户编号", "leverage", "years", "region", "monthly_income", "constant", "status"])]
    for i in range(rows):
        leverage = rng.uniform(0, 1) + shift
        years = rng.randint(0, 20)
        region = rng.choice("ABCD")
        income = "" if rng.random() < 0.15 else f"{rng.randint(2000, 90000):,}"
        risk = -2.2 + 2.5 * leverage - 0.08 * years + (1.2 if region == "C" else 0) + (1.0 if income == "" else 0)
        bad = rng.random() < 1 / (1 + pow(2.718281828, -risk))
        income_cell = f'"{income}"' if "," in income and sep == "," else income
        lines.append(sep.join([f"C{i:05d}", f"{leverage:.3f}", str(years), region, income_cell, "x",
                               "bad" if bad else "good"]))
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def train(*args: str):
    return runner.invoke(app, ["train", *args])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("synthetic")
    data = synthetic_csv(folder / "loans.csv")
    out = folder / "loans-card.json"
    result = train("--data", str(data), "--target", "status", "--bad", "bad", "--out", str(out))
    assert result.exit_code == 0, result.output
    return data, out


def test_a_made_up_csv_trains_a_card_with_missing_categorical_and_monotonic_bins(synthetic):
    data, out = synthetic
    card = scorecard.load(out)
    assert card.kind == "statistical" and card.code == "loans-card"
    by_feature = {c.feature: c for c in card.characteristics}
    assert {"leverage", "years", "region", "monthly_income"} <= set(by_feature)
    iv = {row["feature"]: row for row in card.iv}
    assert iv["constant"]["selected"] is False and iv["客户编号"]["selected"] is False
    # more leverage, fewer points; more years, more points (monotonic where it holds)
    leverage = [b for b in by_feature["leverage"].bins if not b.missing]
    assert [b.points for b in leverage] == sorted((b.points for b in leverage), reverse=True)
    assert by_feature["leverage"].stats["trend"] == "ascending"
    years = [b for b in by_feature["years"].bins if not b.missing]
    assert [b.points for b in years] == sorted(b.points for b in years)
    # the risky region scores lowest; an unseen region is neutral; a missing income costs points
    region = by_feature["region"]
    c_bin = region.bins[region.bin_index("C")]
    assert c_bin.points == min(b.points for b in region.bins if b.values)
    assert region.bins[region.bin_index("Z")].other and region.bins[region.bin_index("Z")].points == 0
    income = by_feature["monthly_income"]
    assert income.bins[income.bin_index(None)].points < 0
    assert income.bins[income.bin_index(None)].stats["count"] > 0
    assert card.metrics["test"]["auc"] > 0.7 and card.metrics["train"]["rows"] == 1050
    assert card.training_reference["score_shares"] and abs(sum(card.training_reference["score_shares"]) - 1) < 1e-4
    assert card.metadata["data"]["target"] == "status" and card.metadata["split"]["seed"] == 42


def test_evaluate_prints_one_json_object_and_psi_shows_a_shifted_population(synthetic, tmp_path):
    data, out = synthetic
    same = runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(data), "--target", "status",
                               "--bad", "bad", "--json"])
    assert same.exit_code == 0, same.output
    result = json.loads(same.stdout)
    assert {"auc", "ks", "gini", "psi"} <= set(result)
    assert result["gini"] == pytest.approx(2 * result["auc"] - 1, abs=1e-5)
    assert result["psi"] < 0.02 and result["psi_verdict"]["en"] == "stable"
    shifted = synthetic_csv(tmp_path / "shifted.csv", rows=800, seed=11, shift=0.6)
    moved = json.loads(runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(shifted),
                                           "--target", "status", "--bad", "bad", "--json"]).stdout)
    assert moved["psi"] > 0.25 and moved["characteristics_psi"]["leverage"] > 0.25
    table = runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(data), "--target", "status", "--bad", "bad"])
    assert table.exit_code == 0 and "AUC" in table.stdout and "PSI" in table.stdout


def test_the_evaluation_scores_are_the_pure_scorers(synthetic):
    data, out = synthetic
    card = scorecard.load(out)
    frame = datasets.read_csv(data)
    scored = evaluation.score_frame(card, frame)
    for i, row in enumerate(frame.head(300).to_dict("records")):
        assert scored.scores[i] == scorecard.score(card, row).score


def test_a_gb18030_semicolon_file_trains_too(tmp_path):
    data = synthetic_csv(tmp_path / "gbk.csv", rows=600, encoding="gb18030", sep=";")
    out = tmp_path / "gbk.json"
    result = train("--data", str(data), "--target", "status", "--bad", "bad", "--out", str(out), "--test-size", "0.25",
                   "--monotonic-tolerance", "1", "--code", "gbk-card", "--name-zh", "测试卡", "--name-en", "Test card")
    assert result.exit_code == 0, result.output
    card = scorecard.load(out)
    assert card.code == "gbk-card" and card.name.zh == "测试卡" and card.metrics["test"]["rows"] == 150


def test_measures_agree_with_scikit_learn():
    import numpy as np
    from sklearn.metrics import roc_auc_score, roc_curve

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    risk = rng.integers(0, 40, 500) + 5 * y  # ties on purpose
    assert evaluation.auc(y, risk) == pytest.approx(roc_auc_score(y, risk))
    fpr, tpr, _ = roc_curve(y, risk)
    assert evaluation.ks(y, risk) == pytest.approx(max(tpr - fpr))
    assert evaluation.psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert evaluation.psi([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4 * np.log(1.8) - 0.4 * np.log(0.2))


@pytest.mark.parametrize("args, field, zh, en", [
    (["--target", "status", "--bad", "bad"], "data", "请用 --data 指定", "Give the data file"),
    (["--data", "{data}", "--target", "nope", "--bad", "bad"], "target", "没有目标列 nope", "no target column nope"),
    (["--data", "{data}", "--target", "status", "--bad", "BAD"], "bad", "没有取值 BAD", "has no value BAD"),
    (["--data", "{missing}", "--target", "status", "--bad", "bad"], "data", "找不到数据文件", "Data file not found"),
    (["--data", "{binary}", "--target", "status", "--bad", "bad"], "data", "不是文本 CSV", "not a text CSV"),
    (["--data", "{data}", "--target", "status", "--bad", "bad", "--test-size", "1.5"], "test_size", "测试集比例", "test share"),
    (["--data", "{data}", "--target", "status", "--bad", "bad", "--exclude", "ghost"], "exclude", "没有列 ghost", "no column ghost"),
    (["--data", "{data}", "--target", "status", "--bad", "bad", "--min-iv", "5"], "min_iv", "IV 达到", "reaches an IV"),
])
def test_bad_training_arguments_are_bilingual_and_exit_2(tmp_path, args, field, zh, en):
    data = synthetic_csv(tmp_path / "d.csv", rows=300)
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02PK")
    args = [a.format(data=data, missing=tmp_path / "absent.csv", binary=tmp_path / "binary.csv") for a in args]
    result = train(*args, "--out", str(tmp_path / "card.json"))
    assert result.exit_code == 2, result.output
    assert zh in result.stderr and en in result.stderr and f"[{field}]" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "card.json").exists()


def test_an_existing_card_is_not_overwritten_without_force(synthetic):
    data, out = synthetic
    again = train("--data", str(data), "--target", "status", "--bad", "bad", "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr


def test_bad_evaluation_arguments_are_bilingual_and_exit_2(synthetic, tmp_path):
    data, out = synthetic
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("years,status\n" + "\n".join(f"{i},{'bad' if i % 3 else 'good'}" for i in range(60)), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(lacking), "--target", "status", "--bad", "bad"])
    assert result.exit_code == 2 and "缺少评分卡使用的列" in result.stderr and "lacks columns" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--scorecard", str(broken), "--data", str(data), "--target", "status", "--bad", "bad"])
    assert result.exit_code == 2 and "评分卡有" in result.stderr and "The scorecard has" in result.stderr
    words = tmp_path / "words.csv"
    text = data.read_text(encoding="utf-8").splitlines()
    header, first, rest = text[0], text[1].split(","), text[2:]
    first[1] = "lots"  # leverage
    words.write_text("\n".join([header, ",".join(first), *rest]), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--scorecard", str(out), "--data", str(words), "--target", "status", "--bad", "bad"])
    assert result.exit_code == 2 and "第 2 行" in result.stderr and "line 2" in result.stderr


def test_show_prints_the_points_table(synthetic):
    _, out = synthetic
    result = runner.invoke(app, ["show", str(out)])
    assert result.exit_code == 0 and "leverage" in result.stdout and "缺失 / missing" in result.stdout


def test_the_german_credit_card_comes_within_0_015_auc_of_gradient_boosting_on_unseen_rows():
    """The fixed split of docs/benchmarks.md (seed 42); a few seconds, most of it optimal binning."""
    from bench.scorecard_german import compare

    results = compare(42)
    best = max(results["HistGradientBoosting"]["auc"], results["GradientBoosting"]["auc"])
    assert results["scorecard"]["auc"] >= best - 0.015, results
    assert results["scorecard"]["auc"] > 0.75


def test_the_german_credit_file_is_the_uci_data_with_readable_columns():
    frame = datasets.read_csv(GERMAN)
    assert frame.shape == (1000, 21)
    assert frame["credit_risk"].value_counts().to_dict() == {"good": 700, "bad": 300}
    assert set(frame["checking_account"]) == {"< 0 DM", "0-200 DM", ">= 200 DM or salary", "no account"}


def test_columns_without_information_are_never_kept_even_with_no_iv_threshold(tmp_path):
    data = synthetic_csv(tmp_path / "d.csv", rows=400)
    lines = data.read_text(encoding="utf-8").splitlines()
    # "rare" has a category too rare for a bin of its own (under 5 % of the rows): one bin, IV 0
    lines = [lines[0] + ",rare"] + [f"{line},{'a' if i < 8 else 'b'}" for i, line in enumerate(lines[1:])]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "card.json"
    result = train("--data", str(data), "--target", "status", "--bad", "bad", "--out", str(out), "--min-iv", "0")
    assert result.exit_code == 0, result.output
    card = scorecard.load(out)
    iv = {row["feature"]: row for row in card.iv}
    assert iv["rare"]["iv"] == 0 and iv["rare"]["selected"] is False and "IV 0" in iv["rare"]["reason"]["en"]
    assert "rare" not in card.features and "leverage" in card.features
