"""Found by the API review of issue 8 (stage 2)."""

from __future__ import annotations

from smecredit.products import fit, limits
from smecredit.kernel.text import Text


def test_an_input_to_type_keeps_its_acronyms_in_english():
    class Missing:  # the two attributes _limit_reasons reads
        def __init__(self, key, label):
            self.key, self.label, self.source = key, label, limits.TYPED

    class Result:
        missing = [Missing("appraised_value", Text("知识产权评估价值", "Appraised value of the IP"))]
        note = None

    reason = fit._limit_reasons(None, Result())[0]
    assert reason.message.en == "Enter appraised value of the IP to estimate the limit"
