"""How well a scorecard ranks and how stable its population is: AUC, KS, Gini and the population
stability index (PSI) against the training data's score distribution kept in the card.

The scores are the card's own (`scorecard.Characteristic.bin_index` and the bins' points, summed
and rounded exactly as `scorecard.score` does), so what is measured is what decisions use.

- AUC: the probability that a random bad row scores below a random good one (ties count half).
- KS: the largest gap between the cumulative shares of bad and of good rows over the score.
- Gini: 2·AUC − 1.
- PSI: Σ (actual − expected) · ln(actual / expected) over the training score deciles kept in the
  card (shares floored at 0.0001); below 0.10 stable, 0.10–0.25 shifted, above 0.25 a new
  population. The same sum over each characteristic's bins is its stability index (CSI).

Needs numpy and pandas (imported when called).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from smecredit.decisioning.scorecard import Scorecard
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import pandas

    from smecredit.decisioning.datasets import Labelled

PSI_FLOOR = 1e-4
PSI_STABLE, PSI_SHIFTED = 0.10, 0.25
SCORE_BUCKETS = 10


@dataclass(frozen=True)
class Scored:
    scores: "numpy.ndarray"  # int score per row
    bins: dict[str, "numpy.ndarray"]  # feature → bin index per row


def score_frame(card: Scorecard, frame: "pandas.DataFrame",
                progress: Callable[[int], None] | None = None) -> Scored:
    """The card's score of every row of a text frame (a CSV read by `datasets.read_csv`).
    `Invalid` naming the column when the data lacks one the card uses, or the row and column of
    a value the card cannot take."""
    import numpy as np

    absent = [f for f in card.features if f not in frame.columns]
    if absent:
        shown = ", ".join(absent[:10])
        raise Invalid("missing_columns", Text(f"数据缺少评分卡使用的列：{shown}", f"The data lacks columns the scorecard uses: {shown}"),
                      "data")
    rows = len(frame)
    totals = np.full(rows, card.intercept_points, dtype=object)
    bins: dict[str, Any] = {}
    for ch in card.characteristics:
        column = frame[ch.feature]
        memo: dict[Any, int] = {}
        for value in column.unique():
            try:
                memo[value] = ch.bin_index(value)
            except Invalid as error:
                row = int(np.flatnonzero((column == value).to_numpy())[0]) + 2  # the header is line 1
                raise Invalid(error.code, error.message.prefixed(f"第 {row} 行：", f"line {row}: "), ch.feature) from None
        index = column.map(memo).to_numpy(dtype=np.int64)
        bins[ch.feature] = index
        points = np.array([b.points for b in ch.bins], dtype=object)
        totals = totals + points[index]
        if progress:
            progress(1)
    one = Decimal(1)
    scores = np.fromiter((int(t.quantize(one, ROUND_HALF_UP)) for t in totals), dtype=np.int64, count=rows)
    return Scored(scores=scores, bins=bins)


# --- measures ------------------------------------------------------------------------------------------

def auc(y: "numpy.ndarray", risk: "numpy.ndarray") -> float:
    """Area under the ROC curve of ``risk`` (higher = more likely bad) for labels y (1 = bad)."""
    import numpy as np
    import pandas as pd

    y = np.asarray(y)
    positives = int(y.sum())
    negatives = len(y) - positives
    if not positives or not negatives:
        return math.nan
    ranks = pd.Series(np.asarray(risk, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def ks(y: "numpy.ndarray", risk: "numpy.ndarray") -> float:
    """Kolmogorov–Smirnov statistic: max over thresholds of |share of bads above − share of goods above|."""
    import numpy as np

    y = np.asarray(y)
    risk = np.asarray(risk, dtype=float)
    positives = int(y.sum())
    negatives = len(y) - positives
    if not positives or not negatives:
        return math.nan
    order = np.argsort(-risk, kind="mergesort")
    r, labels = risk[order], y[order]
    bad_cum = np.cumsum(labels) / positives
    good_cum = np.cumsum(1 - labels) / negatives
    last_of_tie = np.r_[r[1:] != r[:-1], True]  # evaluate only between distinct scores
    return float(np.max(np.abs(bad_cum - good_cum)[last_of_tie]))


def shares(index: "numpy.ndarray", buckets: int) -> list[float]:
    import numpy as np

    counts = np.bincount(np.asarray(index, dtype=np.int64), minlength=buckets)[:buckets]
    total = counts.sum()
    return [float(c / total) if total else 0.0 for c in counts]


def psi(expected: list[float], actual: list[float], floor: float = PSI_FLOOR) -> float:
    if len(expected) != len(actual):
        raise ValueError("distributions of different lengths")
    total = 0.0
    for e, a in zip(expected, actual):
        e, a = max(e, floor), max(a, floor)
        total += (a - e) * math.log(a / e)
    return total


def psi_verdict(value: float | None) -> Text | None:
    if value is None or value != value:
        return None
    if value < PSI_STABLE:
        return Text("稳定", "stable")
    if value <= PSI_SHIFTED:
        return Text("有偏移，需关注", "shifted: watch it")
    return Text("显著偏移，评分卡可能不再适用", "a different population: the scorecard may no longer fit")


def score_buckets(scores: "numpy.ndarray", edges: list[float]) -> "numpy.ndarray":
    """Bucket of each score: lower edges inclusive, as the card's bins."""
    import numpy as np

    return np.searchsorted(np.asarray(edges, dtype=float), np.asarray(scores, dtype=float), side="right")


def measures(y: "numpy.ndarray", scores: "numpy.ndarray") -> dict[str, Any]:
    """AUC, KS, Gini of a set of scores (higher = better), with rows, bads and the bad rate."""
    import numpy as np

    risk = -np.asarray(scores, dtype=float)
    area = auc(y, risk)
    return {"rows": int(len(y)), "bads": int(np.asarray(y).sum()), "bad_rate": round(float(np.mean(y)), 6),
            "auc": round(area, 6), "ks": round(ks(y, risk), 6), "gini": round(2 * area - 1, 6)}


def training_reference(card: Scorecard, scored: Scored) -> dict[str, Any]:
    """What later data is compared with: the training score deciles (edges and shares) and each
    characteristic's bin shares."""
    import numpy as np

    scores = scored.scores
    edges = sorted({float(v) for v in np.quantile(scores, [i / SCORE_BUCKETS for i in range(1, SCORE_BUCKETS)],
                                                  method="higher")})
    edges = [e for e in edges if e > scores.min()]  # a first bucket that nobody can fall in is no bucket
    return {
        "rows": int(len(scores)),
        "score_edges": [int(e) if e == int(e) else e for e in edges],
        "score_shares": [round(s, 6) for s in shares(score_buckets(scores, edges), len(edges) + 1)],
        "score_mean": round(float(np.mean(scores)), 4),
        "characteristics": {ch.feature: [round(s, 6) for s in shares(scored.bins[ch.feature], len(ch.bins))]
                            for ch in card.characteristics},
    }


def stability(card: Scorecard, scored: Scored) -> dict[str, Any]:
    """PSI of the scores and each characteristic's CSI against the card's training reference (None
    when the card keeps none, as an expert card)."""
    reference: Mapping[str, Any] = card.training_reference or {}
    if not reference.get("score_shares"):
        return {"psi": None, "characteristics_psi": {}}
    edges = list(reference.get("score_edges") or [])
    expected = list(reference["score_shares"])
    actual = shares(score_buckets(scored.scores, edges), len(edges) + 1)
    by_feature = {}
    for ch in card.characteristics:
        kept = (reference.get("characteristics") or {}).get(ch.feature)
        if kept and len(kept) == len(ch.bins):
            by_feature[ch.feature] = round(psi(list(kept), shares(scored.bins[ch.feature], len(ch.bins))), 6)
    return {"psi": round(psi(expected, actual), 6), "characteristics_psi": by_feature}


def evaluate(card: Scorecard, data: "Labelled", progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Everything `smecredit scorecard evaluate` reports, as one JSON-ready object."""
    import numpy as np

    scored = score_frame(card, data.frame, progress)
    result = measures(data.y, scored.scores)
    stable = stability(card, scored)
    verdict = psi_verdict(stable["psi"])
    result.update(stable)
    result["psi_verdict"] = verdict.as_dict() if verdict else None
    result["score"] = {"min": int(scored.scores.min()), "max": int(scored.scores.max()),
                       "mean": round(float(np.mean(scored.scores)), 4)}
    result["scorecard"] = {"code": card.code, "sha256": card.sha256}
    result["data"] = {"file": str(data.path), "target": data.target, "bad": data.bad,
                      "unlabelled_rows_dropped": data.dropped_unlabelled}
    return result
