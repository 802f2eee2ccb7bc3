"""Scorecards (信用评级): a points table read from a JSON file and applied to a set of features.

A scorecard file (format ``smecredit-scorecard/1``, described in docs/scorecards.md) lists
characteristics; each splits the values of one feature into bins, and each bin carries its points,
a label and a reason. The score is the intercept plus the points of the bin each feature falls in,
rounded half-up to a whole number. Every contribution says which bin, how many points it gave, and
how many the best bin of that characteristic would have given; the *reason codes* are the
characteristics that cost the most points (best minus actual).

`parse` checks a card completely and names the field of every problem
(``characteristics[2].bins[1].upper``): numeric bins must run without gap or overlap from −∞ to
+∞ (lower bound inclusive, upper exclusive), categorical bins may not share a value and need an
``other`` bin, and every characteristic needs a ``missing`` bin, so that every value there can be
is scored in exactly one bin. Parsing also builds the lookups (sorted bounds for bisect, a dict of
categories), so scoring parses nothing.

Pure: no database, no web, and none of the training libraries (those live in `training.py`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import rfc8785

from smecredit.kernel.errors import Invalid
from smecredit.kernel.inputs import clean_text, json_syntax_error
from smecredit.kernel.text import Text

FORMAT = "smecredit-scorecard/1"
KINDS = ("expert", "statistical")
TYPES = ("numeric", "categorical")
CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
MAX_CHARACTERISTICS = 200
MAX_BINS = 100
MAX_FILE_BYTES = 5_000_000
#: texts a numeric feature counts as missing (lower case), besides None and NaN; a categorical
#: feature is missing only when empty (``none`` may well be a category)
MISSING_NUMBER_TEXTS = frozenset({"", "na", "n/a", "nan", "null", "none"})

_TOP_KEYS = {"format", "code", "name", "kind", "scaling", "intercept_points", "characteristics", "metadata",
             "metrics", "iv", "training_reference", "description", "version"}
_CHARACTERISTIC_KEYS = {"feature", "label", "type", "bins", "stats"}
_BIN_KEYS = {"lower", "upper", "values", "other", "missing", "points", "label", "reason", "stats"}
_ONE = Decimal(1)


# --- the parsed card ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bin:
    label: Text
    reason: Text
    points: Decimal
    lower: Decimal | None = None  # numeric: inclusive; None = −∞
    upper: Decimal | None = None  # numeric: exclusive; None = +∞
    values: tuple[str, ...] = ()  # categorical, as category keys (see `category_key`)
    other: bool = False  # categorical: every value no other bin lists
    missing: bool = False  # no value (None, NaN, empty text)
    stats: Mapping[str, Any] | None = None  # statistical cards: count, bad rate, WOE … (shown, not used)


@dataclass(frozen=True)
class Characteristic:
    feature: str
    label: Text
    type: str  # numeric | categorical
    bins: tuple[Bin, ...]  # in the file's order
    stats: Mapping[str, Any] | None = None
    # lookups built once (see __post_init__)
    max_points: Decimal = field(init=False, compare=False)
    _bounds: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _ordered: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _by_value: dict[str, int] = field(init=False, repr=False, compare=False)
    _missing: int = field(init=False, repr=False, compare=False)
    _other: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "max_points", max(b.points for b in self.bins))
        missing = other = -1
        ranged: list[tuple[float, int]] = []
        by_value: dict[str, int] = {}
        for i, b in enumerate(self.bins):
            if b.missing:
                missing = i
            elif b.other:
                other = i
            elif self.type == "numeric":
                ranged.append((-math.inf if b.lower is None else float(b.lower), i))
            else:
                for v in b.values:
                    by_value[v] = i
        ranged.sort()
        put(self, "_ordered", tuple(i for _, i in ranged))
        put(self, "_bounds", tuple(lo for lo, _ in ranged[1:]))
        put(self, "_by_value", by_value)
        put(self, "_missing", missing)
        put(self, "_other", other)

    def bin_index(self, value: Any) -> int:
        """The position (in `bins`) of the bin the value falls in. `Invalid` for a numeric
        characteristic given text that is not a number."""
        if self.type == "numeric":
            number = _number(value, self.feature)
            if number is None:
                return self._missing
            return self._ordered[bisect_right(self._bounds, number)]
        key = category_key(value)
        if key is None:
            return self._missing
        return self._by_value.get(key, self._other)


@dataclass(frozen=True)
class Scaling:
    """Points to odds: score = offset + factor · ln(good:bad odds), factor = pdo / ln 2, so the
    score is ``base_score`` at odds ``base_odds``:1 and every ``pdo`` points double the odds."""

    base_score: Decimal
    base_odds: Decimal
    pdo: Decimal

    @property
    def factor(self) -> float:
        return float(self.pdo) / math.log(2)

    @property
    def offset(self) -> float:
        return float(self.base_score) - self.factor * math.log(float(self.base_odds))

    def odds_at(self, score: float) -> float:
        """Good:bad odds the scale gives a score."""
        return math.exp((float(score) - self.offset) / self.factor)

    def pd_at(self, score: float) -> float:
        """Probability of default (bad) the scale gives a score: 1 / (1 + odds)."""
        return 1.0 / (1.0 + self.odds_at(score))

    def score_at(self, pd: float) -> float:
        """The score whose odds are (1 − pd) : pd."""
        return self.offset + self.factor * math.log((1.0 - pd) / pd)


@dataclass(frozen=True)
class Scorecard:
    code: str
    name: Text
    kind: str
    scaling: Scaling
    intercept_points: Decimal
    characteristics: tuple[Characteristic, ...]
    description: Text | None = None
    version: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    iv: Sequence[Mapping[str, Any]] = ()
    training_reference: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c.feature for c in self.characteristics)

    @cached_property
    def max_score(self) -> Decimal:
        return self.intercept_points + sum((c.max_points for c in self.characteristics), Decimal(0))

    @cached_property
    def min_score(self) -> Decimal:
        return self.intercept_points + sum((min(b.points for b in c.bins) for c in self.characteristics), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the card's canonical JSON (RFC 8785): the same card always hashes the same,
        whatever the key order or whitespace of its file."""
        return hashlib.sha256(canonical_json(self.to_dict())).hexdigest()

    def score(self, features: Mapping[str, Any]) -> "ScoreResult":
        return score(self, features)


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    label: Text  # the characteristic's
    value: Any  # as given
    bin_label: Text
    points: Decimal
    max_points: Decimal  # the best bin of this characteristic
    reason: Text  # the bin's reason text
    bin_index: int  # position of the bin in the characteristic's bins

    @property
    def lost(self) -> Decimal:
        """Points this characteristic cost: best bin minus this one."""
        return self.max_points - self.points

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "label": self.label.as_dict(), "value": _plain(self.value),
                "bin": self.bin_index, "bin_label": self.bin_label.as_dict(), "points": _num(self.points),
                "max_points": _num(self.max_points), "reason": self.reason.as_dict()}


@dataclass(frozen=True, slots=True)
class ScoreResult:
    score: int  # intercept + Σ points, rounded half-up (half away from zero, ROUND_HALF_UP)
    points: Decimal  # the same before rounding
    contributions: tuple[Contribution, ...]  # one per characteristic, in the card's order

    def reason_codes(self, n: int = 4) -> tuple[Contribution, ...]:
        """The (at most) n characteristics that cost the most points (max_points − points), largest
        first, ties in the card's order; characteristics in their best bin cost nothing and are
        never reasons."""
        losing = [c for c in self.contributions if c.points < c.max_points]
        losing.sort(key=lambda c: c.points - c.max_points)  # stable: ties keep the card's order
        return tuple(losing[:max(n, 0)])

    def as_dict(self, reasons: int = 4) -> dict[str, Any]:
        return {"score": self.score, "points": _num(self.points),
                "contributions": [c.as_dict() for c in self.contributions],
                "reason_codes": [c.feature for c in self.reason_codes(reasons)]}


# --- scoring -----------------------------------------------------------------------------------------

def score(card: Scorecard, features: Mapping[str, Any]) -> ScoreResult:
    """Score one set of features (a profile's features, a CSV row). A feature absent from the
    mapping, None, NaN or empty text falls in its characteristic's missing bin."""
    total = card.intercept_points
    contributions = []
    get = features.get
    for ch in card.characteristics:
        value = get(ch.feature)
        index = ch.bin_index(value)
        b = ch.bins[index]
        total += b.points
        contributions.append(Contribution(ch.feature, ch.label, value, b.label, b.points, ch.max_points,
                                          b.reason, index))
    return ScoreResult(int(total.quantize(_ONE, ROUND_HALF_UP)), total, tuple(contributions))


def category_key(value: Any) -> str | None:
    """The text a categorical value is matched by: text trimmed, ``true``/``false`` for flags, whole
    numbers without a decimal point (``3``, ``3.0`` and ``"3"`` match alike); None when missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        if value != value:  # NaN
            return None
        number = Decimal(str(value)) if isinstance(value, float) else value
        if not number.is_finite():
            return str(value)
        if number == number.to_integral_value():
            return str(int(number))
        return format(number.normalize(), "f")
    return str(value)


def _number(value: Any, feature: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, (int, Decimal)):
        if isinstance(value, Decimal) and value.is_nan():
            return None
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in MISSING_NUMBER_TEXTS:
            return None
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            number = None
        if number is not None and number == number:
            return number
    raise Invalid("not_a_number", Text(f"{feature} 应为数字，收到 {value!r}", f"{feature} should be a number, got {value!r}"),
                  feature)


# --- writing -----------------------------------------------------------------------------------------

def _num(value: Decimal) -> int | float:
    """A Decimal as a JSON number: whole numbers as ints, others as the float that prints the same."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _num(value) if value.is_finite() else None
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _bin_dict(ch: Characteristic, b: Bin) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if b.missing:
        out["missing"] = True
    elif b.other:
        out["other"] = True
    elif ch.type == "numeric":
        if b.lower is not None:
            out["lower"] = _num(b.lower)
        if b.upper is not None:
            out["upper"] = _num(b.upper)
    else:
        out["values"] = list(b.values)
    out["points"] = _num(b.points)
    out["label"] = b.label.as_dict()
    out["reason"] = b.reason.as_dict()
    if b.stats is not None:
        out["stats"] = copy.deepcopy(dict(b.stats))
    return out


def to_dict(card: Scorecard) -> dict[str, Any]:
    """The card as JSON-ready data; ``parse(to_dict(card)) == card``."""
    out: dict[str, Any] = {
        "format": FORMAT, "code": card.code, "name": card.name.as_dict(), "kind": card.kind,
        "scaling": {"base_score": _num(card.scaling.base_score), "base_odds": _num(card.scaling.base_odds),
                    "pdo": _num(card.scaling.pdo)},
        "intercept_points": _num(card.intercept_points),
        "characteristics": [],
    }
    if card.version is not None:
        out["version"] = card.version
    if card.description is not None:
        out["description"] = card.description.as_dict()
    for ch in card.characteristics:
        item: dict[str, Any] = {"feature": ch.feature, "label": ch.label.as_dict(), "type": ch.type,
                                "bins": [_bin_dict(ch, b) for b in ch.bins]}
        if ch.stats is not None:
            item["stats"] = copy.deepcopy(dict(ch.stats))
        out["characteristics"].append(item)
    out["metadata"] = copy.deepcopy(dict(card.metadata))
    out["metrics"] = copy.deepcopy(dict(card.metrics))
    out["iv"] = copy.deepcopy([dict(row) for row in card.iv])
    out["training_reference"] = copy.deepcopy(dict(card.training_reference))
    return out


def canonical_json(data: Any) -> bytes:
    """RFC 8785 canonical JSON. (Not `audit.canonical.canonical_json`: that one refuses floats, and
    a card's bounds and metrics are JSON numbers.)"""
    return rfc8785.dumps(data)


def dumps(card: Scorecard) -> str:
    """The card as a readable JSON file (UTF-8, Chinese as is, two-space indent)."""
    return json.dumps(to_dict(card), ensure_ascii=False, indent=2) + "\n"


# --- reading -----------------------------------------------------------------------------------------

class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, path: str, code: str, message: Text) -> None:
        self.items.append({"field": path, "code": code, "message": message.as_dict()})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        count = len(self.items)
        raise Invalid("invalid_scorecard",
                      Text(f"评分卡有 {count} 处错误：{first['field']}：{first['message']['zh']}",
                           f"The scorecard has {count} error(s): {first['field']}: {first['message']['en']}"),
                      first["field"], {"errors": self.items})


def _decimal(value: Any, path: str, errors: _Errors, what: Text, *, positive: bool = False) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        errors.add(path, "wrong_type", Text(f"{what.zh}须为数字", f"{what.en} must be a number"))
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.copy_abs() >= Decimal("1e15"):
        errors.add(path, "invalid_number", Text(f"{what.zh}不是有效数字：{value}", f"{what.en} is not a valid number: {value}"))
        return None
    if positive and number <= 0:
        errors.add(path, "out_of_range", Text(f"{what.zh}须大于 0", f"{what.en} must be above 0"))
        return None
    return number


def _text(value: Any, path: str, errors: _Errors, what: Text, default: Text | None = None) -> Text:
    if value is None and default is not None:
        return default
    if not isinstance(value, Mapping):
        errors.add(path, "wrong_type", Text(f"{what.zh}须包含中文（zh）和英文（en）", f"{what.en} needs zh and en"))
        return Text("", "")
    parts = []
    for lang in ("zh", "en"):
        raw = value.get(lang)
        if not isinstance(raw, str):
            errors.add(f"{path}.{lang}", "required" if raw is None else "wrong_type",
                       Text(f"{what.zh}缺少{'中文' if lang == 'zh' else '英文'}", f"{what.en} needs {lang} text"))
            parts.append("")
            continue
        try:
            parts.append(clean_text(raw, f"{path}.{lang}", required=True, max_len=300, label=what) or "")
        except Invalid as error:
            errors.add(error.field or path, error.code, error.message)
            parts.append("")
    return Text(*parts)


def _unknown_keys(data: Mapping[str, Any], allowed: set[str], path: str, errors: _Errors) -> None:
    for key in data:
        if key not in allowed:
            errors.add(f"{path}.{key}" if path else str(key), "unknown_field",
                       Text(f"未知字段：{key}", f"Unknown field: {key}"))


def _json_object(value: Any, path: str, errors: _Errors, kind: type) -> Any:
    if value is None:
        return kind()
    if not isinstance(value, kind):
        errors.add(path, "wrong_type", Text("类型不正确", f"must be a JSON {'object' if kind is dict else 'list'}"))
        return kind()
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        errors.add(path, "not_json", Text("只能包含 JSON 数据（不含 NaN）", "may hold only JSON data (no NaN)"))
        return kind()
    return copy.deepcopy(value)


def _bound_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _default_label(b: dict[str, Any], type_: str) -> Text:
    if b.get("missing"):
        return Text("缺失", "missing")
    if b.get("other"):
        return Text("其他", "other")
    if type_ == "categorical":
        joined = "、".join(b.get("values") or ())
        return Text(joined, ", ".join(b.get("values") or ()))
    lower, upper = b.get("lower"), b.get("upper")
    if lower is None and upper is None:
        return Text("全部", "any")
    if lower is None:
        return Text(f"< {_bound_text(upper)}", f"< {_bound_text(upper)}")
    if upper is None:
        return Text(f"≥ {_bound_text(lower)}", f"≥ {_bound_text(lower)}")
    return Text(f"[{_bound_text(lower)}, {_bound_text(upper)})", f"[{_bound_text(lower)}, {_bound_text(upper)})")


def _parse_bin(raw: Any, path: str, type_: str, label: Text, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "wrong_type", Text("分箱须为 JSON 对象", "A bin must be a JSON object"))
        return None
    _unknown_keys(raw, _BIN_KEYS, path, errors)
    b: dict[str, Any] = {}
    for flag in ("missing", "other"):
        if flag in raw and raw[flag] is not None:
            if not isinstance(raw[flag], bool):
                errors.add(f"{path}.{flag}", "wrong_type", Text(f"{flag} 须为 true 或 false", f"{flag} must be true or false"))
            elif raw[flag]:
                b[flag] = True
    if b.get("other") and type_ == "numeric":
        errors.add(f"{path}.other", "not_allowed", Text("数值型特征的分箱不能用 other，请用区间覆盖全部数值",
                                                        "A numeric characteristic has no other bin: its ranges cover every number"))
    if b.get("other") and b.get("missing"):
        errors.add(path, "ambiguous_bin", Text("一个分箱不能既是 other 又是 missing", "A bin cannot be both other and missing"))
    special = b.get("missing") or b.get("other")
    if type_ == "numeric":
        for end in ("lower", "upper"):
            if raw.get(end) is None:
                continue
            if special:
                errors.add(f"{path}.{end}", "not_allowed", Text("缺失或其他分箱不能有区间", "A missing or other bin has no range"))
                continue
            if isinstance(raw[end], float) and math.isinf(raw[end]):
                continue  # ±Infinity written out: the same as leaving the end open
            b[end] = _decimal(raw[end], f"{path}.{end}", errors, Text("区间端点", "The bound"))
        if "values" in raw:
            errors.add(f"{path}.values", "not_allowed", Text("数值型特征的分箱用 lower/upper 区间，不用 values",
                                                             "A numeric characteristic's bins are lower/upper ranges, not values"))
        if b.get("lower") is not None and b.get("upper") is not None and b["lower"] >= b["upper"]:
            errors.add(f"{path}.upper", "empty_range", Text(f"上限须大于下限（{_bound_text(b['lower'])}）",
                                                            f"The upper bound must be above the lower bound ({_bound_text(b['lower'])})"))
    else:
        for end in ("lower", "upper"):
            if raw.get(end) is not None:
                errors.add(f"{path}.{end}", "not_allowed", Text("类别型特征的分箱用 values，不用区间",
                                                                "A categorical characteristic's bins list values, not ranges"))
        values = raw.get("values")
        if special:
            if values:
                errors.add(f"{path}.values", "not_allowed", Text("缺失或其他分箱不能列出取值", "A missing or other bin lists no values"))
        elif not isinstance(values, list) or not values:
            errors.add(f"{path}.values", "required", Text("请列出该分箱的取值（或设 other/missing）",
                                                          "List the bin's values (or make it the other or missing bin)"))
        else:
            keys = []
            for k, v in enumerate(values):
                key = category_key(v) if isinstance(v, (str, int, bool)) else None
                if key is None:
                    errors.add(f"{path}.values[{k}]", "invalid_value", Text("取值须为非空文字、整数或 true/false",
                                                                            "A value must be non-empty text, a whole number or true/false"))
                else:
                    keys.append(key)
            b["values"] = tuple(keys)
    if raw.get("points") is None:
        errors.add(f"{path}.points", "required", Text("缺少分值", "Points are required"))
        b["points"] = None
    else:
        b["points"] = _decimal(raw["points"], f"{path}.points", errors, Text("分值", "Points"))
    shown = dict(b)
    if "values" in shown:
        shown["values"] = list(shown["values"])
    b["label"] = _text(raw.get("label"), f"{path}.label", errors, Text("分箱名称", "The bin's label"),
                       default=_default_label(shown, type_))
    b["reason"] = _text(raw.get("reason"), f"{path}.reason", errors, Text("原因说明", "The reason"),
                        default=Text(f"{label.zh}：{b['label'].zh}", f"{label.en}: {b['label'].en}"))
    b["stats"] = _json_object(raw["stats"], f"{path}.stats", errors, dict) if raw.get("stats") is not None else None
    return b


def _check_cover(bins: list[tuple[int, dict[str, Any]]], path: str, type_: str, errors: _Errors) -> None:
    """Every value falls in exactly one bin: numeric ranges contiguous from −∞ to +∞, categories
    listed once, one other bin, one missing bin."""
    missing = [i for i, b in bins if b.get("missing")]
    others = [i for i, b in bins if b.get("other")]
    if not missing:
        errors.add(f"{path}.bins", "no_missing_bin", Text("缺少缺失值分箱（\"missing\": true）",
                                                          "No bin for missing values (\"missing\": true)"))
    for i in missing[1:]:
        errors.add(f"{path}.bins[{i}].missing", "overlap", Text("缺失值分箱只能有一个", "Only one bin may take missing values"))
    if type_ == "categorical":
        if not others:
            errors.add(f"{path}.bins", "no_other_bin", Text("缺少其他取值分箱（\"other\": true）",
                                                            "No bin for other values (\"other\": true)"))
        for i in others[1:]:
            errors.add(f"{path}.bins[{i}].other", "overlap", Text("其他取值分箱只能有一个", "Only one bin may take other values"))
        seen: dict[str, int] = {}
        for i, b in bins:
            for k, key in enumerate(b.get("values", ())):
                if key in seen:
                    errors.add(f"{path}.bins[{i}].values[{k}]", "overlap",
                               Text(f"取值 {key} 已在第 {seen[key] + 1} 个分箱中", f"Value {key} is already in bin {seen[key] + 1}"))
                else:
                    seen[key] = i
        if not seen:
            errors.add(f"{path}.bins", "no_bins", Text("至少需要一个列出取值的分箱", "At least one bin must list values"))
        return
    ranged = [(i, b) for i, b in bins if not b.get("missing") and not b.get("other")]
    if not ranged:
        errors.add(f"{path}.bins", "no_bins", Text("至少需要一个数值区间分箱", "At least one bin must be a range"))
        return
    if any(("lower" in b and b["lower"] is None) or ("upper" in b and b["upper"] is None) for _, b in ranged):
        return  # a bound already refused; the cover cannot be checked
    ranged.sort(key=lambda item: (item[1].get("lower") is not None, item[1].get("lower") or 0))
    first_i, first = ranged[0]
    if first.get("lower") is not None:
        errors.add(f"{path}.bins[{first_i}].lower", "gap",
                   Text(f"小于 {_bound_text(first['lower'])} 的数值不在任何分箱中（最低的分箱不写 lower）",
                        f"Values below {_bound_text(first['lower'])} fall in no bin (leave out the lowest bin's lower)"))
    for (_, prev), (i, b) in zip(ranged, ranged[1:]):
        lower, upper = b.get("lower"), prev.get("upper")
        if lower is None or upper is None or upper > lower:
            errors.add(f"{path}.bins[{i}].lower", "overlap",
                       Text("与另一个分箱的区间重叠", "Overlaps another bin's range"))
        elif upper < lower:
            errors.add(f"{path}.bins[{i}].lower", "gap",
                       Text(f"[{_bound_text(upper)}, {_bound_text(lower)}) 的数值不在任何分箱中",
                            f"Values in [{_bound_text(upper)}, {_bound_text(lower)}) fall in no bin"))
    last_i, last = ranged[-1]
    if last.get("upper") is not None:
        errors.add(f"{path}.bins[{last_i}].upper", "gap",
                   Text(f"不小于 {_bound_text(last['upper'])} 的数值不在任何分箱中（最高的分箱不写 upper）",
                        f"Values from {_bound_text(last['upper'])} up fall in no bin (leave out the highest bin's upper)"))


def _parse_characteristic(raw: Any, path: str, errors: _Errors) -> Characteristic | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "wrong_type", Text("特征须为 JSON 对象", "A characteristic must be a JSON object"))
        return None
    _unknown_keys(raw, _CHARACTERISTIC_KEYS, path, errors)
    feature = raw.get("feature")
    if not isinstance(feature, str) or not feature.strip():
        errors.add(f"{path}.feature", "required", Text("缺少特征名（feature）", "The feature name is required"))
        feature = ""
    else:
        try:
            feature = clean_text(feature, f"{path}.feature", required=True, max_len=100) or ""
        except Invalid as error:
            errors.add(error.field or path, error.code, error.message)
    type_ = raw.get("type")
    if type_ not in TYPES:
        errors.add(f"{path}.type", "unknown_type", Text("类型须为 numeric 或 categorical", "The type must be numeric or categorical"))
        return None
    label = _text(raw.get("label"), f"{path}.label", errors, Text("特征名称", "The label"), default=Text(feature, feature))
    raw_bins = raw.get("bins")
    if not isinstance(raw_bins, list) or not raw_bins:
        errors.add(f"{path}.bins", "required", Text("请列出分箱", "List the bins"))
        return None
    if len(raw_bins) > MAX_BINS:
        errors.add(f"{path}.bins", "too_many", Text(f"分箱最多 {MAX_BINS} 个", f"At most {MAX_BINS} bins"))
        return None
    before = len(errors.items)
    parsed = [(i, _parse_bin(b, f"{path}.bins[{i}]", type_, label, errors)) for i, b in enumerate(raw_bins)]
    bins = [(i, b) for i, b in parsed if b is not None]
    if len(bins) == len(parsed):
        _check_cover(bins, path, type_, errors)
    stats = _json_object(raw["stats"], f"{path}.stats", errors, dict) if raw.get("stats") is not None else None
    if len(errors.items) > before:
        return None
    return Characteristic(feature=feature, label=label, type=type_, stats=stats, bins=tuple(
        Bin(label=b["label"], reason=b["reason"], points=b["points"], lower=b.get("lower"), upper=b.get("upper"),
            values=b.get("values", ()), other=b.get("other", False), missing=b.get("missing", False),
            stats=b.get("stats")) for _, b in bins))


def parse(data: Mapping[str, Any]) -> Scorecard:
    """A scorecard from its JSON data; `Invalid` listing every problem with its field path."""
    errors = _Errors()
    if not isinstance(data, Mapping):
        errors.add("", "wrong_type", Text("评分卡须为 JSON 对象", "A scorecard must be a JSON object"))
        errors.raise_if_any()
    _unknown_keys(data, _TOP_KEYS, "", errors)
    if data.get("format") != FORMAT:
        errors.add("format", "wrong_format", Text(f"format 须为 \"{FORMAT}\"", f"format must be \"{FORMAT}\""))
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        errors.add("code", "invalid_code", Text("编码须为 2–40 位小写字母、数字、- 或 _，以字母开头",
                                                "The code must be 2–40 lowercase letters, digits, - or _, starting with a letter"))
    name = _text(data.get("name"), "name", errors, Text("名称", "The name"))
    kind = data.get("kind")
    if kind not in KINDS:
        errors.add("kind", "unknown_kind", Text("kind 须为 expert（专家）或 statistical（统计）", "kind must be expert or statistical"))
    description = _text(data["description"], "description", errors, Text("说明", "The description")) \
        if data.get("description") is not None else None
    version = data.get("version")
    if version is not None and not (isinstance(version, str) and 0 < len(version) <= 40):
        errors.add("version", "wrong_type", Text("版本须为不超过 40 字符的文字", "The version must be text of at most 40 characters"))
    scaling = None
    raw_scaling = data.get("scaling")
    if not isinstance(raw_scaling, Mapping):
        errors.add("scaling", "required", Text("缺少刻度（scaling：base_score、base_odds、pdo）",
                                               "scaling (base_score, base_odds, pdo) is required"))
    else:
        _unknown_keys(raw_scaling, {"base_score", "base_odds", "pdo"}, "scaling", errors)
        base_score = _decimal(raw_scaling.get("base_score"), "scaling.base_score", errors, Text("基准分", "The base score"))
        base_odds = _decimal(raw_scaling.get("base_odds"), "scaling.base_odds", errors, Text("基准好坏比", "The base odds"),
                             positive=True)
        pdo = _decimal(raw_scaling.get("pdo"), "scaling.pdo", errors, Text("翻倍分（PDO）", "PDO"), positive=True)
        if None not in (base_score, base_odds, pdo):
            scaling = Scaling(base_score, base_odds, pdo)
    intercept = Decimal(0)
    if data.get("intercept_points") is not None:
        intercept = _decimal(data["intercept_points"], "intercept_points", errors, Text("截距分", "The intercept points"))
    raw_chars = data.get("characteristics")
    characteristics: list[Characteristic] = []
    if not isinstance(raw_chars, list) or not raw_chars:
        errors.add("characteristics", "required", Text("请列出评分特征", "List the characteristics"))
    elif len(raw_chars) > MAX_CHARACTERISTICS:
        errors.add("characteristics", "too_many", Text(f"特征最多 {MAX_CHARACTERISTICS} 个", f"At most {MAX_CHARACTERISTICS} characteristics"))
    else:
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_chars):
            feature = raw.get("feature") if isinstance(raw, Mapping) else None
            if isinstance(feature, str) and feature.strip() in seen:
                feature = feature.strip()
                errors.add(f"characteristics[{i}].feature", "duplicate",
                           Text(f"特征 {feature} 已在第 {seen[feature] + 1} 项", f"Feature {feature} is already characteristic {seen[feature] + 1}"))
                continue
            if isinstance(feature, str):
                seen[feature.strip()] = i
            ch = _parse_characteristic(raw, f"characteristics[{i}]", errors)
            if ch is not None:
                characteristics.append(ch)
    metadata = _json_object(data.get("metadata"), "metadata", errors, dict)
    metrics = _json_object(data.get("metrics"), "metrics", errors, dict)
    iv = _json_object(data.get("iv"), "iv", errors, list)
    reference = _json_object(data.get("training_reference"), "training_reference", errors, dict)
    errors.raise_if_any()
    return Scorecard(code=code, name=name, kind=kind, scaling=scaling, intercept_points=intercept,
                     characteristics=tuple(characteristics), description=description, version=version,
                     metadata=metadata, metrics=metrics, iv=tuple(iv), training_reference=reference)


def loads(text: str | bytes, *, what: Text = Text("评分卡文件", "The scorecard file")) -> Scorecard:
    """A card from JSON text; `Invalid` with line and column when it does not parse."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid("invalid_json", json_syntax_error(what.zh, what.en, exc)) from None
    except UnicodeDecodeError:
        raise Invalid("invalid_json", Text(f"{what.zh}不是 UTF-8 编码", f"{what.en} is not UTF-8")) from None
    return parse(data)


def load(path: str | Path) -> Scorecard:
    """A card from a file; `Invalid` (never an OSError) when it cannot be read or checked."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Invalid("too_large", Text(f"评分卡文件过大（{size} 字节）：{p}", f"The scorecard file is too large ({size} bytes): {p}"),
                          "scorecard")
        data = p.read_bytes()
    except IsADirectoryError:
        raise Invalid("not_a_file", Text(f"不是文件：{p}", f"Not a file: {p}"), "scorecard") from None
    except FileNotFoundError:
        raise Invalid("file_not_found", Text(f"找不到评分卡文件：{p}", f"Scorecard file not found: {p}"), "scorecard") from None
    except OSError as exc:
        raise Invalid("unreadable", Text(f"无法读取评分卡文件：{p}（{exc.strerror}）", f"Cannot read the scorecard file {p}: {exc.strerror}"),
                      "scorecard") from None
    return loads(data, what=Text(f"评分卡文件 {p.name} ", f"The scorecard file {p.name}"))
