"""Scorecards as data: a card is refused unless every value falls in exactly one bin (numeric
ranges from −∞ to +∞, categories once each plus an other bin, a missing bin everywhere), each
problem named by its field path; scoring adds the bins' points, and the reason codes are the
characteristics that cost the most points."""

from __future__ import annotations

import copy
import json
import math
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.decisioning import scorecard
from smecredit.decisioning.scorecard import parse, score
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text


def card_dict() -> dict:
    return {
        "format": "smecredit-scorecard/1", "code": "test-card", "name": {"zh": "测试评分卡", "en": "Test card"},
        "kind": "expert", "scaling": {"base_score": 600, "base_odds": 50, "pdo": 20}, "intercept_points": 100,
        "characteristics": [
            {"feature": "years_in_operation", "label": {"zh": "经营年限", "en": "Years in operation"}, "type": "numeric",
             "bins": [
                 {"upper": 1, "points": 10, "label": {"zh": "不满1年", "en": "under 1 year"},
                  "reason": {"zh": "经营不满 1 年", "en": "In business under a year"}},
                 {"lower": 1, "upper": 3, "points": 30, "label": {"zh": "1–3年", "en": "1–3 years"}},
                 {"lower": 3, "points": 55, "label": {"zh": "3年及以上", "en": "3 years or more"}},
                 {"missing": True, "points": 15},
             ]},
            {"feature": "tax_credit_grade", "label": {"zh": "纳税信用等级", "en": "Tax credit grade"}, "type": "categorical",
             "bins": [
                 {"values": ["A"], "points": 60},
                 {"values": ["B", "M"], "points": 35},
                 {"other": True, "points": 0, "reason": {"zh": "纳税信用等级较低", "en": "Low tax credit grade"}},
                 {"missing": True, "points": 10},
             ]},
            {"feature": "dishonest_debtor_flag", "type": "categorical",
             "bins": [{"values": [False], "points": 40}, {"other": True, "points": 0}, {"missing": True, "points": 20}]},
        ],
    }


def errors_of(data) -> list[dict]:
    with pytest.raises(Invalid) as caught:
        parse(data)
    return caught.value.details["errors"]


def codes_at(data) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in errors_of(data)}


CARD = parse(card_dict())


# --- every value lands in exactly one bin -----------------------------------------------------------

@pytest.mark.parametrize("value, points", [
    (-5, 10), (0, 10), (Decimal("0.99"), 10), (1, 30), (Decimal("1.00"), 30), (2.999, 30), (3, 55), ("3", 55),
    (1e12, 55), (math.inf, 55), (-math.inf, 10), (None, 15), (math.nan, 15), ("", 15), (Decimal("NaN"), 15),
])
def test_numeric_bins_take_lower_bounds_inclusive_upper_exclusive_and_missing_values(value, points):
    result = score(CARD, {"years_in_operation": value})
    assert result.contributions[0].points == points


def test_an_absent_feature_counts_as_missing():
    result = score(CARD, {})
    assert [c.points for c in result.contributions] == [15, 10, 20]
    assert result.score == 100 + 15 + 10 + 20


@pytest.mark.parametrize("value, points", [("A", 60), (" A ", 60), ("B", 35), ("M", 35), ("C", 0), ("D", 0),
                                           ("a", 0), (None, 10), ("", 10)])
def test_categorical_values_not_listed_fall_in_the_other_bin(value, points):
    assert score(CARD, {"tax_credit_grade": value}).contributions[1].points == points


def test_flags_match_true_and_false():
    assert score(CARD, {"dishonest_debtor_flag": False}).contributions[2].points == 40
    assert score(CARD, {"dishonest_debtor_flag": True}).contributions[2].points == 0
    assert score(CARD, {"dishonest_debtor_flag": "false"}).contributions[2].points == 40


def test_a_numeric_feature_given_words_is_refused_with_its_name():
    with pytest.raises(Invalid) as caught:
        score(CARD, {"years_in_operation": "ten"})
    assert caught.value.field == "years_in_operation"


def test_bins_in_any_order_cover_the_same_values():
    data = card_dict()
    data["characteristics"][0]["bins"].reverse()
    shuffled = parse(data)
    for value in (-1, 0.5, 1, 2, 3, 99, None):
        assert (score(shuffled, {"years_in_operation": value}).contributions[0].points
                == score(CARD, {"years_in_operation": value}).contributions[0].points)


# --- refused cards --------------------------------------------------------------------------------------

def test_overlapping_numeric_bins_are_refused_with_the_bin_named():
    data = card_dict()
    data["characteristics"][0]["bins"][1]["lower"] = 0.5
    assert ("characteristics[0].bins[1].lower", "overlap") in codes_at(data)


def test_a_gap_between_numeric_bins_is_refused():
    data = card_dict()
    data["characteristics"][0]["bins"][2]["lower"] = 4
    assert ("characteristics[0].bins[2].lower", "gap") in codes_at(data)


def test_numeric_bins_must_reach_both_infinities():
    data = card_dict()
    data["characteristics"][0]["bins"][0]["lower"] = 0
    data["characteristics"][0]["bins"][2]["upper"] = 50
    found = codes_at(data)
    assert ("characteristics[0].bins[0].lower", "gap") in found
    assert ("characteristics[0].bins[2].upper", "gap") in found


def test_two_open_ended_bins_overlap():
    data = card_dict()
    del data["characteristics"][0]["bins"][1]["lower"]
    assert ("characteristics[0].bins[1].lower", "overlap") in codes_at(data)


def test_an_empty_range_is_refused():
    data = card_dict()
    data["characteristics"][0]["bins"][1]["upper"] = 1
    assert ("characteristics[0].bins[1].upper", "empty_range") in codes_at(data)


def test_a_category_in_two_bins_is_refused():
    data = card_dict()
    data["characteristics"][1]["bins"][1]["values"] = ["B", "A"]
    assert ("characteristics[1].bins[1].values[1]", "overlap") in codes_at(data)


def test_every_characteristic_needs_a_missing_bin_and_categorical_ones_an_other_bin():
    data = card_dict()
    del data["characteristics"][0]["bins"][3]
    del data["characteristics"][1]["bins"][2]
    found = codes_at(data)
    assert ("characteristics[0].bins", "no_missing_bin") in found
    assert ("characteristics[1].bins", "no_other_bin") in found


def test_wrong_types_and_unknown_fields_are_named_and_all_reported_at_once():
    data = card_dict()
    data["characteristics"][2]["bins"][1]["points"] = "many"
    data["characteristics"][0]["bins"][0]["uper"] = 2
    data["scaling"]["pdo"] = 0
    data["kind"] = "magic"
    data["characteristics"].append(copy.deepcopy(data["characteristics"][0]))
    del data["characteristics"][-1]["bins"][0]["uper"]
    found = codes_at(data)
    assert {("characteristics[2].bins[1].points", "invalid_number"), ("characteristics[0].bins[0].uper", "unknown_field"),
            ("scaling.pdo", "out_of_range"), ("kind", "unknown_kind"), ("characteristics[3].feature", "duplicate")} <= found
    with pytest.raises(Invalid) as caught:
        parse(data)
    assert caught.value.field and "error" in caught.value.message.en


def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path):
    path = tmp_path / "card.json"
    path.write_text('{"format": "smecredit-scorecard/1",\n "code": }', encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        scorecard.load(path)
    assert "line 2" in caught.value.message.en and "第 2 行" in caught.value.message.zh
    with pytest.raises(Invalid) as caught:
        scorecard.load(tmp_path / "absent.json")
    assert caught.value.code == "file_not_found"


# --- round trip and hash -----------------------------------------------------------------------------

def test_a_card_round_trips_and_its_hash_ignores_key_order_and_whitespace(tmp_path):
    again = parse(CARD.to_dict())
    assert again == CARD and again.sha256 == CARD.sha256
    path = tmp_path / "card.json"
    reordered = dict(reversed(list(CARD.to_dict().items())))
    path.write_text(json.dumps(reordered, indent=7, ensure_ascii=True), encoding="utf-8")
    assert scorecard.load(path).sha256 == CARD.sha256
    changed = card_dict()
    changed["characteristics"][0]["bins"][0]["points"] = 11
    assert parse(changed).sha256 != CARD.sha256


def test_default_labels_and_reasons_are_written_from_the_bounds():
    labels = [b.label for b in CARD.characteristics[2].bins]
    assert labels == [Text("false", "false"), Text("其他", "other"), Text("缺失", "missing")]
    assert CARD.characteristics[0].bins[3].label == Text("缺失", "missing")
    assert CARD.characteristics[0].bins[1].reason == Text("经营年限：1–3年", "Years in operation: 1–3 years")


# --- scores and reason codes ---------------------------------------------------------------------------

def test_the_score_and_its_reasons():
    result = score(CARD, {"years_in_operation": Decimal("0.5"), "tax_credit_grade": "B", "dishonest_debtor_flag": False})
    assert result.score == 100 + 10 + 35 + 40
    first, second = result.reason_codes()
    assert (first.feature, first.lost, first.reason) == ("years_in_operation", 45, Text("经营不满 1 年", "In business under a year"))
    assert (second.feature, second.lost) == ("tax_credit_grade", 25)
    assert result.reason_codes(1) == (first,)
    assert result.as_dict()["reason_codes"] == ["years_in_operation", "tax_credit_grade"]


def test_fractional_points_round_half_up():
    data = card_dict()
    data["intercept_points"] = 0.5
    card = parse(data)
    assert score(card, {"years_in_operation": 0, "tax_credit_grade": "C", "dishonest_debtor_flag": True}).score == 11
    data["intercept_points"] = -10.5
    assert score(parse(data), {"years_in_operation": 0, "tax_credit_grade": "C", "dishonest_debtor_flag": True}).score == -1  # −0.5: half away from zero


def test_the_scale_relates_points_odds_and_pd():
    scale = CARD.scaling
    assert scale.odds_at(600) == pytest.approx(50)
    assert scale.odds_at(620) == pytest.approx(100)
    assert scale.pd_at(600) == pytest.approx(1 / 51)
    assert scale.score_at(1 / 51) == pytest.approx(600)


points = st.integers(min_value=-50, max_value=120)


@st.composite
def cards_and_features(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    characteristics, features = [], {}
    for i in range(n):
        if draw(st.booleans()):
            cuts = sorted(draw(st.sets(st.integers(-100, 100), min_size=0, max_size=5)))
            ends = [None, *cuts, None]
            bins = [{**({"lower": lo} if lo is not None else {}), **({"upper": hi} if hi is not None else {}),
                     "points": draw(points)} for lo, hi in zip(ends, ends[1:])]
            value = draw(st.one_of(st.none(), st.integers(-150, 150), st.floats(-150, 150), st.just(math.nan),
                                   st.decimals(-150, 150, places=2)))
            characteristics.append({"feature": f"f{i}", "type": "numeric", "bins": [*bins, {"missing": True, "points": draw(points)}]})
        else:
            values = sorted(draw(st.sets(st.sampled_from("ABCDEFGH"), min_size=1, max_size=6)))
            groups = [values[j::2] for j in range(2) if values[j::2]]
            bins = [{"values": g, "points": draw(points)} for g in groups]
            characteristics.append({"feature": f"f{i}", "type": "categorical",
                                    "bins": [*bins, {"other": True, "points": draw(points)}, {"missing": True, "points": draw(points)}]})
            value = draw(st.one_of(st.none(), st.sampled_from("ABCDEFGHXYZ")))
        features[f"f{i}"] = value
    data = {**card_dict(), "characteristics": characteristics,
            "intercept_points": draw(st.decimals(-100, 100, places=1)).__str__()}
    return parse(data), features


@settings(max_examples=200, deadline=None)
@given(cards_and_features(), st.integers(0, 8))
def test_the_score_is_the_intercept_plus_the_contributions_and_the_reasons_are_the_largest_losses(case, n):
    card, features = case
    result = score(card, features)
    total = card.intercept_points + sum(c.points for c in result.contributions)
    assert result.points == total
    assert result.score == int(total.quantize(Decimal(1), ROUND_HALF_UP))
    assert card.min_score <= total <= card.max_score
    for ch, c in zip(card.characteristics, result.contributions):
        assert c.points == ch.bins[c.bin_index].points and c.max_points == max(b.points for b in ch.bins)
    reasons = result.reason_codes(n)
    losses = sorted((c.lost for c in result.contributions if c.lost > 0), reverse=True)
    assert [c.lost for c in reasons] == losses[:n]
    assert all(c.lost > 0 for c in reasons)
    chosen = {c.feature for c in reasons}
    for c in result.contributions:
        if c.feature not in chosen and reasons and len(reasons) == n:
            assert c.lost <= reasons[-1].lost


def test_scoring_is_fast():
    features = {"years_in_operation": Decimal("2.5"), "tax_credit_grade": "B", "dishonest_debtor_flag": False}
    wide = card_dict()
    wide["characteristics"] = [dict(copy.deepcopy(c), feature=f"{c['feature']}_{k}")
                               for k in range(5) for c in wide["characteristics"]]  # 15 characteristics
    card = parse(wide)
    rows = [{f"{key}_{k}": value for key, value in features.items() for k in range(5)}] * 2000
    start = time.perf_counter()
    for row in rows:
        score(card, row).reason_codes()
    per_score = (time.perf_counter() - start) / len(rows)
    assert per_score < 0.0005, f"{per_score * 1e6:.0f} µs per score"


def test_scoring_from_a_card_imports_none_of_the_training_libraries():
    import subprocess
    import sys

    code = ("import sys, smecredit.decisioning.scorecard as s\n"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'optbinning', 'numpy', 'pandas', 'scipy'})))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""
