"""The trained scorecard beside a plain logistic regression and two gradient-boosting models on the
same held-out split of the German credit data (`src/smecredit/decisioning/data/german_credit.csv`).

    python -m bench scorecard_german

Every model sees the same 70 % training rows and is measured on the same 30 % it never saw
(stratified, seed 42; then ten more seeds for the spread):

- scorecard: `smecredit scorecard train` with its defaults (`decisioning/training.py`), measured on
  the card's own integer scores;
- logistic regression: numbers standardised, categories one-hot, scikit-learn defaults;
- HistGradientBoosting: scikit-learn defaults, categories native;
- GradientBoosting: scikit-learn defaults, categories one-hot.
"""

from __future__ import annotations

import statistics
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "smecredit" / "decisioning" / "data" / "german_credit.csv"
TARGET, BAD = "credit_risk", "bad"
SEED = 42
MODELS = ("scorecard", "logistic regression", "HistGradientBoosting", "GradientBoosting")


def compare(seed: int = SEED, test_size: float = 0.3) -> dict[str, dict[str, float]]:
    """Test-split AUC, KS and Gini of each model, trained on the same rows."""
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from smecredit.decisioning import datasets, evaluation, training

    warnings.filterwarnings("ignore", category=UserWarning)
    data = datasets.read_labelled(DATA, TARGET, BAD)
    kinds = datasets.column_kinds(data.frame)
    numeric = [name for name, (kind, _) in kinds.items() if kind == "numeric"]
    categorical = [name for name, (kind, _) in kinds.items() if kind == "categorical"]
    X = pd.DataFrame({name: values for name, (kind, values) in kinds.items() if kind != "skipped"})
    rows = np.arange(data.rows)
    # the same split as `training.train` makes with this seed and share
    train_rows, test_rows = train_test_split(rows, test_size=test_size, random_state=seed, stratify=data.y)
    train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)
    y_train, y_test = data.y[train_rows], data.y[test_rows]

    def measured(risk) -> dict[str, float]:
        area = evaluation.auc(y_test, risk)
        return {"auc": area, "ks": evaluation.ks(y_test, risk), "gini": 2 * area - 1}

    results: dict[str, dict[str, float]] = {}
    card = training.train(data, training.Options(target=TARGET, bad=BAD, seed=seed, test_size=test_size)).card
    scores = evaluation.score_frame(card, data.frame.iloc[test_rows].reset_index(drop=True)).scores
    results["scorecard"] = measured(-scores)
    results["scorecard"]["characteristics"] = len(card.characteristics)
    results["scorecard"]["score_us"] = _score_time(card, data.frame)

    one_hot = OneHotEncoder(handle_unknown="ignore")
    logistic = make_pipeline(ColumnTransformer([("n", StandardScaler(), numeric), ("c", one_hot, categorical)]),
                             LogisticRegression(max_iter=2000))
    logistic.fit(X.iloc[train_rows], y_train)
    results["logistic regression"] = measured(logistic.predict_proba(X.iloc[test_rows])[:, 1])

    native = X.copy()
    for name in categorical:
        native[name] = native[name].astype("category")
    histogram = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    histogram.fit(native.iloc[train_rows], y_train)
    results["HistGradientBoosting"] = measured(histogram.predict_proba(native.iloc[test_rows])[:, 1])

    boosting = make_pipeline(ColumnTransformer([("n", "passthrough", numeric), ("c", OneHotEncoder(handle_unknown="ignore"), categorical)]),
                             GradientBoostingClassifier(random_state=seed))
    boosting.fit(X.iloc[train_rows], y_train)
    results["GradientBoosting"] = measured(boosting.predict_proba(X.iloc[test_rows])[:, 1])
    return results


def _score_time(card, frame) -> float:
    """Microseconds per `scorecard.score` of one CSV row (with its reason codes), median of 5 passes."""
    import time

    from smecredit.decisioning import scorecard

    records = frame.to_dict("records")
    passes = []
    for _ in range(5):
        start = time.perf_counter()
        for record in records:
            scorecard.score(card, record).reason_codes()
        passes.append((time.perf_counter() - start) / len(records) * 1e6)
    return statistics.median(passes)


def rows() -> list[tuple[str, str]]:
    """The benchmark's table rows: the fixed split, then the mean and spread over ten more seeds."""
    fixed = compare(SEED)
    out = [(f"German credit, seed {SEED} test split (300 rows): {model}"
            + (f" ({fixed[model]['characteristics']} characteristics)" if model == "scorecard" else ""),
            f"AUC {fixed[model]['auc']:.3f} · KS {fixed[model]['ks']:.3f} · Gini {fixed[model]['gini']:.3f}")
           for model in MODELS]
    out.append(("score one row with the trained card and its reason codes, pure (1,000 rows × 5)",
                f"{fixed['scorecard']['score_us']:.0f} µs"))
    best_gbm = max(fixed["HistGradientBoosting"]["auc"], fixed["GradientBoosting"]["auc"])
    out.append((f"seed {SEED}: scorecard AUC minus the better gradient-boosting model's",
                f"{fixed['scorecard']['auc'] - best_gbm:+.3f} (target ≥ −0.015)"))
    seeds = range(10)
    runs = [compare(seed) for seed in seeds]
    for model in MODELS:
        aucs = [run[model]["auc"] for run in runs]
        out.append((f"German credit, seeds 0–9 (ten 70/30 splits): {model}",
                    f"AUC mean {statistics.mean(aucs):.3f}, sd {statistics.stdev(aucs):.3f}, "
                    f"min {min(aucs):.3f}, max {max(aucs):.3f}"))
    gaps = [run["scorecard"]["auc"] - max(run["HistGradientBoosting"]["auc"], run["GradientBoosting"]["auc"])
            for run in runs]
    out.append(("seeds 0–9: scorecard AUC minus the better gradient-boosting model's",
                f"mean {statistics.mean(gaps):+.3f}, worst {min(gaps):+.3f}, "
                f"within 0.015 on {sum(g >= -0.015 for g in gaps)} of {len(gaps)} splits"))
    return out
