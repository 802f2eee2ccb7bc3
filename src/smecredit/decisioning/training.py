"""Training a statistical scorecard from any labelled CSV (`smecredit scorecard train`).

1. Read every cell as text (`datasets`); a column is numeric when all its non-empty cells are
   numbers, categorical otherwise; constant and identifier-like columns are skipped.
2. Hold out a stratified test split (``test_size``, ``seed``); everything below is fitted on the
   training rows only.
3. Optimal binning per column (optbinning's `OptimalBinning`, constraint-programming solver, each
   bin at least ``min_bin_size`` of the rows). Numeric columns are binned with a monotonic bad
   rate (ascending or descending, chosen by the data) *where that holds*: the monotonic binning is
   kept unless it loses more than ``monotonic_tolerance`` of the information value of a binning
   that may also peak or dip once; categorical columns are grouped by bad rate; missing values are
   always a bin of their own, and a categorical column gets an ``other`` bin for values never seen.
4. Weight of evidence per bin, WOE = ln(share of goods / share of bads) (0.5 added to an empty
   count; 0 for a bin no training row fell in, i.e. the population's odds), and information
   value IV = Σ (share of goods − share of bads) · WOE. Columns under ``min_iv`` are screened out.
5. Logistic regression of bad on the WOEs. A column whose coefficient comes out with the wrong
   sign (more evidence of good predicting more bads — a sign of collinearity) is dropped and the
   model refitted, until every coefficient is negative.
6. Points: score = offset + factor · ln(good:bad odds), factor = PDO / ln 2, offset =
   base_score − factor · ln(base_odds). A bin's points are −factor · coefficient · WOE, rounded to
   whole points; the intercept, offset − factor · intercept, is the card's ``intercept_points``.
7. The card is scored with the pure scorer on both splits: AUC, KS and Gini go in ``metrics``, the
   training score deciles and bin shares in ``training_reference`` (for PSI), the IV table in ``iv``.

optbinning, scikit-learn, numpy and pandas are imported when training runs, never when a card is
used for scoring.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from smecredit.decisioning import evaluation, scorecard
from smecredit.decisioning.datasets import Labelled, column_kinds
from smecredit.kernel.errors import Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.text import Text

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import pandas

#: start(description, total) → advance(steps); the command line shows a progress bar with it
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class Options:
    target: str
    bad: str
    test_size: float = 0.3
    seed: int = 42
    min_iv: float = 0.02
    max_bins: int = 10
    min_bin_size: float = 0.05
    monotonic_tolerance: float = 0.10
    regularization: float = 1.0  # the logistic regression's C (inverse strength of its L2 penalty)
    base_score: float = 600
    base_odds: float = 50
    pdo: float = 20
    code: str = "statistical"
    name: Text | None = None
    categorical: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def check(self) -> None:
        def bad(field: str, zh: str, en: str) -> Invalid:
            return Invalid("invalid_option", Text(zh, en), field)

        if not 0 <= self.test_size <= 0.9:
            raise bad("test_size", "测试集比例须在 0 至 0.9 之间", "The test share must be between 0 and 0.9")
        if not 0 <= self.min_iv < 10:
            raise bad("min_iv", "IV 门槛须在 0 至 10 之间", "The IV threshold must be between 0 and 10")
        if not 2 <= self.max_bins <= 50:
            raise bad("max_bins", "分箱数上限须在 2 至 50 之间", "The bin limit must be between 2 and 50")
        if not 0 < self.min_bin_size <= 0.5:
            raise bad("min_bin_size", "最小分箱占比须在 0 至 0.5 之间", "The smallest bin share must be between 0 and 0.5")
        if not 0 <= self.monotonic_tolerance <= 1:
            raise bad("monotonic_tolerance", "单调容差须在 0 至 1 之间", "The monotonic tolerance must be between 0 and 1")
        if not self.regularization > 0:
            raise bad("regularization", "正则化参数须大于 0", "The regularization must be above 0")
        if not (self.base_odds > 0 and self.pdo > 0 and math.isfinite(self.base_score)):
            raise bad("pdo", "基准好坏比与 PDO 须大于 0", "The base odds and PDO must be above 0")
        if not scorecard.CODE.match(self.code):
            raise bad("code", "编码须为 2–40 位小写字母、数字、- 或 _，以字母开头",
                      "The code must be 2–40 lowercase letters, digits, - or _, starting with a letter")


@dataclass
class FeatureBins:
    feature: str
    type: str  # numeric | categorical
    bins: list[dict[str, Any]]  # card bins (without points) + "good"/"bad" counts
    iv: float
    trend: str  # ascending | descending | peak | valley | flat | categorical
    binning: str  # monotonic | free | categorical
    woe: list[float] = field(default_factory=list)
    index: "numpy.ndarray | None" = None  # bin of every training row


@dataclass(frozen=True)
class Trained:
    card: scorecard.Scorecard
    iv: list[dict[str, Any]]
    metrics: dict[str, Any]
    skipped: dict[str, Text]


def code_from(name: str) -> str:
    """A card code from a file name: ``German Credit v2.json`` → ``german-credit-v2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    if not slug or not slug[0].isalpha():
        slug = ("card-" + slug)[:40].strip("-")
    return slug if scorecard.CODE.match(slug) else "statistical"


# --- binning -------------------------------------------------------------------------------------------

def _round_split(value: float) -> float:
    """Bounds to six significant digits, so labels read well (``1206.5``, not ``1206.4999999``)."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.6g}")


def _woe_iv(goods: list[int], bads: list[int]) -> tuple[list[float], float]:
    total_good, total_bad = sum(goods), sum(bads)
    woe, iv = [], 0.0
    for g, b in zip(goods, bads):
        if g + b == 0:
            woe.append(0.0)
            continue
        pad = 0.5 if g == 0 or b == 0 else 0.0
        share_good, share_bad = (g + pad) / total_good, (b + pad) / total_bad
        w = math.log(share_good / share_bad)
        woe.append(w)
        iv += (share_good - share_bad) * w
    return woe, iv


def _trend(bad_rates: list[float]) -> str:
    steps = [b - a for a, b in zip(bad_rates, bad_rates[1:]) if abs(b - a) > 1e-12]
    if not steps:
        return "flat"
    if all(s > 0 for s in steps):
        return "ascending"
    if all(s < 0 for s in steps):
        return "descending"
    changes = sum(1 for a, b in zip(steps, steps[1:]) if (a > 0) != (b > 0))
    if changes == 1:
        return "peak" if steps[0] > 0 else "valley"
    return "irregular"


def _numeric_bins(name: str, x: "numpy.ndarray", y: "numpy.ndarray", options: Options, trend: str | None
                  ) -> FeatureBins:
    import numpy as np
    from optbinning import OptimalBinning

    present = ~np.isnan(x)
    splits: list[float] = []
    if len(np.unique(x[present])) > 1 and len(np.unique(y[present])) > 1:
        optimal = OptimalBinning(name=name, dtype="numerical", solver="cp", monotonic_trend=trend,
                                 max_n_bins=options.max_bins, min_bin_size=options.min_bin_size)
        optimal.fit(x[present], y[present])
        splits = sorted({_round_split(float(s)) for s in optimal.splits})
    index = np.full(len(x), len(splits) + 1, dtype=np.int64)  # the missing bin comes last
    index[present] = np.searchsorted(np.asarray(splits, dtype=float), x[present], side="right")
    ends = [None, *splits, None]
    bins = [{**({"lower": lo} if lo is not None else {}), **({"upper": hi} if hi is not None else {})}
            for lo, hi in zip(ends, ends[1:])]
    bins.append({"missing": True})
    return _counted(name, "numeric", bins, index, y, "monotonic" if trend else "free")


def _categorical_bins(name: str, x: "pandas.Series", y: "numpy.ndarray", options: Options) -> FeatureBins:
    import numpy as np
    from optbinning import OptimalBinning

    present = x.notna().to_numpy()
    seen = sorted(str(v) for v in x[present].unique())
    if len(seen) > 1 and len(np.unique(y[present])) > 1:
        optimal = OptimalBinning(name=name, dtype="categorical", solver="cp", max_n_bins=options.max_bins,
                                 min_bin_size=options.min_bin_size)
        optimal.fit(x[present].to_numpy(dtype=object), y[present])
        groups = [sorted(str(v) for v in group) for group in optimal.splits]
        groups = [g for g in groups if g]
    else:
        groups = [seen] if seen else []
    where = {value: i for i, group in enumerate(groups) for value in group}
    other, missing = len(groups), len(groups) + 1
    index = np.array([missing if absent else where.get(value, other)
                      for value, absent in zip(x.tolist(), x.isna().tolist())], dtype=np.int64)
    bins: list[dict[str, Any]] = [{"values": g} for g in groups]
    bins += [{"other": True}, {"missing": True}]
    return _counted(name, "categorical", bins, index, y, "categorical")


def _counted(name: str, type_: str, bins: list[dict[str, Any]], index: "numpy.ndarray", y: "numpy.ndarray",
             binning: str) -> FeatureBins:
    import numpy as np

    counts = np.bincount(index, minlength=len(bins))
    bad_counts = np.bincount(index, weights=y, minlength=len(bins)).astype(np.int64)
    goods = [int(c - b) for c, b in zip(counts, bad_counts)]
    bads = [int(b) for b in bad_counts]
    woe, iv = _woe_iv(goods, bads)
    ranged = [i for i, b in enumerate(bins) if "values" in b or not (b.get("missing") or b.get("other"))]
    rates = [bads[i] / (goods[i] + bads[i]) for i in ranged if goods[i] + bads[i]]
    for i, b in enumerate(bins):
        total = goods[i] + bads[i]
        b["good"], b["bad"] = goods[i], bads[i]
        b["stats"] = {"count": total, "bads": bads[i], "bad_rate": round(bads[i] / total, 6) if total else None,
                      "woe": round(woe[i], 6)}
    trend = "categorical" if type_ == "categorical" else _trend(rates)
    return FeatureBins(feature=name, type=type_, bins=bins, iv=iv, trend=trend, binning=binning, woe=woe, index=index)


def bin_feature(name: str, kind: str, values: Any, y: "numpy.ndarray", options: Options) -> FeatureBins:
    """The optimal bins of one column on the training rows (see the module's step 3)."""
    if kind == "categorical":
        return _categorical_bins(name, values, y, options)
    x = values.to_numpy(dtype=float)
    monotonic = _numeric_bins(name, x, y, options, "auto_asc_desc")
    if options.monotonic_tolerance >= 1:  # monotonic whatever it costs
        return monotonic
    free = _numeric_bins(name, x, y, options, "auto")
    if monotonic.iv >= (1 - options.monotonic_tolerance) * free.iv:
        return monotonic
    return free


# --- the model -------------------------------------------------------------------------------------------

def _fit(selected: list[FeatureBins], y: "numpy.ndarray", options: Options, iv_rows: dict[str, dict[str, Any]]):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    features = list(selected)
    while features:
        X = np.column_stack([np.asarray(f.woe)[f.index] for f in features])
        model = LogisticRegression(C=options.regularization, max_iter=2000)
        model.fit(X, y)
        coefficients = model.coef_[0]
        worst = int(np.argmax(coefficients))
        if coefficients[worst] < 0:
            return features, coefficients, float(model.intercept_[0])
        dropped = features.pop(worst)
        iv_rows[dropped.feature].update(selected=False, reason={"zh": "系数符号与证据方向相反（与其他特征共线），已剔除",
                                                                "en": "coefficient against its evidence (collinear with others): dropped"})
    raise Invalid("no_model", Text("没有特征能区分好坏样本：无法训练评分卡", "No column separates the bad rows from the good: no scorecard"),
                  "data")


def _characteristic(f: FeatureBins, coefficient: float, factor: float) -> dict[str, Any]:
    bins = []
    for b, w in zip(f.bins, f.woe):
        item = {k: v for k, v in b.items() if k not in ("good", "bad")}
        item["points"] = int(round(-factor * coefficient * w)) + 0  # + 0: no "-0"
        if "values" in item:
            values = item["values"]
            joined_zh = "、".join(values) if len(values) <= 4 else "、".join(values[:3]) + f" 等 {len(values)} 项"
            joined_en = ", ".join(values) if len(values) <= 4 else ", ".join(values[:3]) + f" and {len(values) - 3} more"
            item["label"] = {"zh": joined_zh[:200], "en": joined_en[:200]}
        if item.get("other"):
            item["label"] = {"zh": "其他（训练中未见的取值）", "en": "other (values not seen in training)"}
        bins.append(item)
    return {"feature": f.feature, "type": f.type, "bins": bins,
            "stats": {"iv": round(f.iv, 6), "coefficient": round(coefficient, 6), "trend": f.trend, "binning": f.binning}}


def train(data: Labelled, options: Options, progress: Progress | None = None) -> Trained:
    """Train a scorecard on labelled data (see the module's steps); the card comes back parsed."""
    import numpy as np

    options.check()
    kinds = column_kinds(data.frame, categorical=options.categorical, exclude=options.exclude)
    skipped = {name: reason for name, (kind, reason) in kinds.items() if kind == "skipped"}
    for name in list(kinds):
        if name in skipped:
            continue
        try:
            clean_text(name, "feature", required=True, max_len=100)
        except Invalid:
            skipped[name] = Text("列名不可用（过长或含控制字符）", "unusable column name (too long or control characters)")
    usable = [name for name in kinds if name not in skipped]
    if not usable:
        raise Invalid("no_features", Text("没有可用于评分的列", "No column can be used for scoring"), "data")

    rows = np.arange(data.rows)
    if options.test_size > 0:
        from sklearn.model_selection import train_test_split

        train_rows, test_rows = train_test_split(rows, test_size=options.test_size, random_state=options.seed,
                                                 stratify=data.y)
        train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)
    else:
        train_rows, test_rows = rows, rows[:0]
    y = data.y[train_rows].astype(np.int64)
    if min(int(y.sum()), int(len(y) - y.sum())) < 5:
        raise Invalid("too_few_labels", Text("训练集中好样本或坏样本太少", "Too few bad or good rows in the training split"), "test_size")

    advance = progress("分箱 / binning", len(usable)) if progress else None
    binned: list[FeatureBins] = []
    for name in usable:
        kind, values = kinds[name]
        binned.append(bin_feature(name, kind, values.iloc[train_rows].reset_index(drop=True), y, options))
        if advance:
            advance(1)

    def kept(f: FeatureBins) -> bool:  # no information at all is never kept, whatever the threshold
        return f.iv >= options.min_iv and f.iv > 0

    iv_rows = {f.feature: {"feature": f.feature, "type": f.type, "iv": round(f.iv, 6), "trend": f.trend,
                           "selected": kept(f)} for f in binned}
    for f in binned:
        if not kept(f):
            iv_rows[f.feature]["reason"] = {"zh": f"IV 低于 {options.min_iv}", "en": f"IV below {options.min_iv}"} \
                if f.iv > 0 else {"zh": "IV 为 0：不能区分好坏", "en": "IV 0: does not separate good from bad"}
    screened = [f for f in binned if kept(f)]
    if not screened:
        raise Invalid("no_features", Text(f"没有 IV 达到 {options.min_iv} 的列", f"No column reaches an IV of {options.min_iv}"),
                      "min_iv")
    if progress:
        progress("拟合逻辑回归 / fitting the logistic regression", 1)(1)
    kept, coefficients, intercept = _fit(screened, y, options, iv_rows)

    factor = options.pdo / math.log(2)
    offset = options.base_score - factor * math.log(options.base_odds)
    name = options.name or Text(f"统计评分卡（{data.path.stem}）", f"Statistical scorecard ({data.path.stem})")
    card_data: dict[str, Any] = {
        "format": scorecard.FORMAT, "code": options.code, "name": name.as_dict(), "kind": "statistical",
        "scaling": {"base_score": options.base_score, "base_odds": options.base_odds, "pdo": options.pdo},
        "intercept_points": int(round(offset - factor * intercept)),
        "characteristics": [_characteristic(f, c, factor) for f, c in zip(kept, coefficients)],
    }
    card = scorecard.parse(card_data)

    advance = progress("计分与评估 / scoring and measuring", 2 * len(card.characteristics)) if progress else None
    train_frame = data.frame.iloc[train_rows].reset_index(drop=True)
    scored_train = evaluation.score_frame(card, train_frame, advance)
    metrics: dict[str, Any] = {"train": evaluation.measures(y, scored_train.scores)}
    if len(test_rows):
        scored_test = evaluation.score_frame(card, data.frame.iloc[test_rows].reset_index(drop=True), advance)
        metrics["test"] = evaluation.measures(data.y[test_rows], scored_test.scores)

    iv_table = sorted(iv_rows.values(), key=lambda row: -row["iv"])
    for name_, reason in skipped.items():
        iv_table.append({"feature": name_, "type": None, "iv": None, "selected": False, "reason": reason.as_dict()})
    card_data["metadata"] = _metadata(data, options, train_rows, test_rows, intercept)
    card_data["metrics"] = metrics
    card_data["iv"] = iv_table
    card_data["training_reference"] = evaluation.training_reference(card, scored_train)
    card = scorecard.parse(card_data)
    return Trained(card=card, iv=iv_table, metrics=metrics, skipped=skipped)


def _metadata(data: Labelled, options: Options, train_rows, test_rows, intercept: float) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def of(package: str) -> str | None:
        try:
            return version(package)
        except PackageNotFoundError:  # pragma: no cover
            return None

    digest = None
    if data.path.is_file():
        digest = hashlib.sha256(data.path.read_bytes()).hexdigest()
    return {
        "trained_by": "smecredit scorecard train",
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": {"file": data.path.name, "sha256": digest, "rows": data.rows, "bads": data.bads,
                 "target": data.target, "bad": data.bad, "unlabelled_rows_dropped": data.dropped_unlabelled},
        "split": {"test_size": options.test_size, "seed": options.seed, "stratified": True,
                  "train_rows": int(len(train_rows)), "test_rows": int(len(test_rows))},
        "binning": {"method": "optbinning OptimalBinning (cp solver)", "max_bins": options.max_bins,
                    "min_bin_size": options.min_bin_size, "monotonic_tolerance": options.monotonic_tolerance},
        "screening": {"min_iv": options.min_iv},
        "model": {"kind": "logistic regression on WOE", "regularization_c": options.regularization,
                  "intercept": round(intercept, 6)},
        "libraries": {"optbinning": of("optbinning"), "scikit-learn": of("scikit-learn")},
    }
