"""纳税信用等级 (taxpayer credit grade) — 《纳税信用管理办法（试行）》(税务总局公告2014年第40号)
as amended by 税务总局公告2018年第8号, which added grade M.

Grades from the annual evaluation score (out of 100):

* A — ≥ 90 points
* B — 70 to < 90
* M — a newly established enterprise, or one with no operating revenue in the evaluation year,
  scoring ≥ 70
* C — 40 to < 70
* D — < 40, or assigned D directly (严重失信 such as 偷税、骗税, regardless of the score)

Ordering for credit policies: A > B > M > C > D. M sits between B and C because an M firm has
cleared B's 70-point bar but has no full year of operating history behind the score, so it is
weaker evidence than B; it is still better than C, which means points were actually lost for
non-compliance. Typical admission rules ("A/B, sometimes C") are written as ``grade >= B``.

Pure: standard library only; scores are ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from functools import total_ordering

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text


@total_ordering
class TaxCreditGrade(Enum):
    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """Policy rank, higher is better: A 5, B 4, M 3, C 2, D 1."""
        return _RANK[self.value]

    @property
    def zh(self) -> str:
        return _DESCRIPTIONS[self.value][0]

    @property
    def en(self) -> str:
        return _DESCRIPTIONS[self.value][1]

    def __lt__(self, other: object) -> bool:  # @total_ordering derives <=, > and >=
        if not isinstance(other, TaxCreditGrade):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str | TaxCreditGrade) -> TaxCreditGrade:
        """'A', 'a', 'A级', ' m 级 ' …; unknown → ``DomainError('unknown_tax_credit_grade')``."""
        if isinstance(text, TaxCreditGrade):
            return text
        key = str(text or "").strip().upper().replace(" ", "").removesuffix("级")
        if key in _RANK:
            return cls(key)
        raise Invalid("unknown_tax_credit_grade", Text(f"未知纳税信用等级 '{text}'，应为 A、B、M、C、D 之一", f"Unknown tax credit grade '{text}'; expected one of A, B, M, C, D"), "tax_credit_grade")

    @classmethod
    def from_score(
        cls,
        points: Decimal | int,
        *,
        new_or_no_revenue: bool = False,
        assigned_d: bool = False,
    ) -> TaxCreditGrade:
        """Grade for an annual evaluation score (0–100).

        ``assigned_d`` wins over any score. ``new_or_no_revenue`` (新设立企业, or no operating
        revenue in the evaluation year) gives M from 70 points up, **including** 90+: such a
        firm cannot be A or B. Below 70 the score decides as usual (C or D).
        """
        if isinstance(points, bool) or not isinstance(points, (Decimal, int)):
            raise Invalid("invalid_tax_credit_score", Text("纳税信用评价得分须为 Decimal 数值", "The tax credit score must be a Decimal"), "tax_credit_score")
        score = Decimal(points)
        if not score.is_finite() or score < 0 or score > 100:
            raise Invalid("invalid_tax_credit_score", Text(f"纳税信用评价得分 {points} 应在 0–100 之间", f"Tax credit score {points} must be between 0 and 100"), "tax_credit_score")
        if assigned_d or score < 40:
            return cls.D
        if score < 70:
            return cls.C
        if new_or_no_revenue:
            return cls.M
        if score < 90:
            return cls.B
        return cls.A


_RANK = {"A": 5, "B": 4, "M": 3, "C": 2, "D": 1}
_DESCRIPTIONS = {
    "A": ("A级：年度评价指标得分90分以上", "Grade A: annual score of 90 or more"),
    "B": ("B级：年度评价指标得分70分以上不满90分", "Grade B: annual score from 70 to under 90"),
    "M": (
        "M级：新设立企业，或评价年度内无生产经营业务收入且年度评价指标得分70分以上",
        "Grade M: newly established, or no operating revenue in the year, with a score of 70 "
        "or more",
    ),
    "C": ("C级：年度评价指标得分40分以上不满70分", "Grade C: annual score from 40 to under 70"),
    "D": (
        "D级：年度评价指标得分不满40分或直接判级确定",
        "Grade D: annual score under 40, or assigned D directly",
    ),
}


__all__ = ["TaxCreditGrade"]
