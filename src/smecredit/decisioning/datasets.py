"""Labelled CSV files for training and evaluating scorecards: read any CSV (UTF-8 or GB18030, comma,
semicolon, tab or bar separated), split off the target column into 1 = bad / 0 = good, and decide
which columns are numbers.

Every cell is read as text, exactly as `scorecard.score` will later see a CSV row, so training,
evaluation and scoring agree on what a value is: a column is numeric when every non-empty cell
parses as a number (thousands separators allowed; ``NA``, ``null``… count as missing, see
`scorecard.MISSING_NUMBER_TEXTS`); otherwise it is categorical and only an empty cell is missing.

Needs pandas (imported when called); the scorecard file it helps make needs none.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smecredit.decisioning.scorecard import MISSING_NUMBER_TEXTS
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import pandas

#: fewer bad (or good) rows than this and no model can be trained or judged
MIN_PER_CLASS = 10
#: a text column with more distinct values than this, most of them unique, looks like an identifier
MAX_CATEGORIES = 100


@dataclass(frozen=True)
class Labelled:
    frame: "pandas.DataFrame"  # the feature columns, every cell text ("" when empty)
    y: "numpy.ndarray"  # 1 = bad, 0 = good
    target: str
    bad: str
    path: Path
    dropped_unlabelled: int  # rows whose target was empty

    @property
    def rows(self) -> int:
        return len(self.y)

    @property
    def bads(self) -> int:
        return int(self.y.sum())


def _bad_file(path: Path, zh: str, en: str) -> Invalid:
    return Invalid("bad_data_file", Text(f"数据文件 {path}：{zh}", f"Data file {path}: {en}"), "data")


def read_csv(path: str | Path) -> "pandas.DataFrame":
    """Every cell as text; `Invalid` when the file is absent, empty, not text or not a table."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise Invalid("file_not_found", Text(f"找不到数据文件：{p}", f"Data file not found: {p}"), "data")
    try:
        with p.open("rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        raise _bad_file(p, f"无法读取（{exc.strerror}）", f"cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise _bad_file(p, "文件是空的", "the file is empty")
    if b"\x00" in head:
        raise _bad_file(p, "不是文本 CSV 文件", "not a text CSV file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            sample = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4 and encoding == "utf-8-sig":  # a character cut by the sample's end
                sample = head[: exc.start].decode(encoding)
                break
    else:
        raise _bad_file(p, "编码无法识别（请用 UTF-8 或 GB18030）", "unknown encoding (use UTF-8 or GB18030)")
    try:
        sep = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, skipinitialspace=True)
    except UnicodeDecodeError:
        raise _bad_file(p, "编码不一致（请用 UTF-8 或 GB18030）", "mixed encodings (use UTF-8 or GB18030)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _bad_file(p, f"无法解析为 CSV（{str(exc).splitlines()[0]}）", f"does not parse as CSV ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated or any(c.startswith("Unnamed: ") or not c for c in frame.columns):
        raise _bad_file(p, f"列名重复或为空：{', '.join(duplicated) or '（空列名）'}",
                        f"duplicate or empty column names: {', '.join(duplicated) or '(empty name)'}")
    if frame.empty:
        raise _bad_file(p, "只有表头，没有数据行", "has a header but no rows")
    return frame.apply(lambda column: column.str.strip())


def label(frame: "pandas.DataFrame", target: str, bad: str, path: str | Path = "") -> Labelled:
    """Split off the target: rows whose target equals ``bad`` (trimmed text) are 1, others 0; rows
    with an empty target are dropped. `Invalid` naming ``target`` or ``bad`` when that cannot work."""
    import numpy as np

    if target not in frame.columns:
        shown = ", ".join(list(frame.columns)[:20])
        raise Invalid("unknown_column", Text(f"数据中没有目标列 {target}（现有列：{shown}）",
                                             f"The data has no target column {target} (columns: {shown})"), "target")
    bad = str(bad).strip()
    column = frame[target]
    labelled = column != ""
    values = column[labelled]
    seen = sorted(values.unique().tolist())
    if bad not in seen:
        shown = ", ".join(seen[:10]) + (" …" if len(seen) > 10 else "")
        raise Invalid("unknown_label", Text(f"目标列 {target} 中没有取值 {bad}（现有取值：{shown}）",
                                            f"The target column {target} has no value {bad} (values: {shown})"), "bad")
    y = (values == bad).to_numpy(dtype=np.int8)
    bads, goods = int(y.sum()), int(len(y) - y.sum())
    if min(bads, goods) < MIN_PER_CLASS:
        raise Invalid("too_few_labels", Text(f"坏样本 {bads} 个、好样本 {goods} 个：每类至少需要 {MIN_PER_CLASS} 个",
                                             f"{bads} bad and {goods} good rows: each needs at least {MIN_PER_CLASS}"), "target")
    features = frame.loc[labelled].drop(columns=[target]).reset_index(drop=True)
    if features.shape[1] == 0:
        raise Invalid("no_features", Text("除目标列外没有其他列", "There are no columns besides the target"), "data")
    return Labelled(frame=features, y=y, target=target, bad=bad, path=Path(path),
                    dropped_unlabelled=int((~labelled).sum()))


def read_labelled(path: str | Path, target: str, bad: str) -> Labelled:
    return label(read_csv(path), target, bad, path)


def as_numbers(column: "pandas.Series") -> "pandas.Series | None":
    """The column as floats (NaN where missing) when every non-missing cell is a number, else None."""
    import pandas as pd

    lowered = column.str.lower()
    missing = lowered.isin(MISSING_NUMBER_TEXTS)
    numbers = pd.to_numeric(column.str.replace(",", "", regex=False).where(~missing), errors="coerce")
    if numbers[~missing].isna().any():
        return None
    return numbers.astype(float)


def as_categories(column: "pandas.Series") -> "pandas.Series":
    """The column's categories (NaN where the cell is empty), as `scorecard.category_key` sees them."""
    return column.where(column != "")


def column_kinds(frame: "pandas.DataFrame", *, categorical: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = ()) -> dict[str, tuple[str, Any]]:
    """Each column → ("numeric", floats) | ("categorical", texts) | ("skipped", Text reason)."""
    for name in (*categorical, *exclude):
        if name not in frame.columns:
            raise Invalid("unknown_column", Text(f"数据中没有列 {name}", f"The data has no column {name}"),
                          "categorical" if name in categorical else "exclude")
    kinds: dict[str, tuple[str, Any]] = {}
    for name in frame.columns:
        column = frame[name]
        if name in exclude:
            kinds[name] = ("skipped", Text("按要求排除", "excluded as asked"))
            continue
        numbers = None if name in categorical else as_numbers(column)
        if numbers is not None:
            if numbers.nunique(dropna=True) < 2:
                kinds[name] = ("skipped", Text("只有一个取值", "has a single value"))
            else:
                kinds[name] = ("numeric", numbers)
            continue
        categories = as_categories(column)
        distinct = categories.nunique(dropna=True)
        if distinct < 2:
            kinds[name] = ("skipped", Text("只有一个取值", "has a single value"))
        elif distinct > MAX_CATEGORIES and distinct > 0.5 * categories.notna().sum():
            kinds[name] = ("skipped", Text(f"像是编号（{distinct} 个不同取值）", f"looks like an identifier ({distinct} distinct values)"))
        else:
            kinds[name] = ("categorical", categories)
    return kinds
