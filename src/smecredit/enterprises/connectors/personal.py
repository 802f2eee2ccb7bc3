"""Personal information inside snapshot content, declared per source kind, and its masking.

Snapshot content is about an enterprise, but some of it is about people (个人信息保护法): the
registry's legal representative and natural-person shareholders, people named in registry
changes of officers, the actual controller's personal credit history in the bureau report, and
individuals among bank counterparties. :data:`PERSONAL_FIELDS` declares, per kind, which content
paths hold such data and how each is masked; :func:`mask_personal` returns a masked copy for
roles that may not reveal it; :func:`personal_paths` lists the paths.

Masks (display masking from :mod:`smecredit.standards.resident_id`, not anonymisation): names
``张**``, 身份证号 ``110***********1234``, phones ``138****5678``. A *record* (the controller's
loans, overdue history …) is withheld whole: its value becomes ``None`` and the object that held
it lists the withheld keys under ``"masked_fields"``. Masked content is for display; features
are computed from the stored content. Pure: standard library only.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from smecredit.standards.resident_id import mask_name, mask_phone, mask_resident_id

from .vocabulary import SourceKind

__all__ = ["PERSONAL_FIELDS", "PersonalField", "mask_personal", "personal_fields", "personal_paths"]

#: What a masked field holds.
CATEGORIES = ("name", "name_if_person", "people_text", "free_text", "id_number", "phone", "record")


@dataclass(frozen=True)
class PersonalField:
    """One content path holding personal data. ``[*]`` steps into every item of a list.

    ``unless``: leave the value when the object holding it has ``key`` in ``values`` (e.g. a
    shareholder that is an enterprise). ``when_mentions``: mask only when the object's ``key``
    text mentions one of the words (e.g. a registry change of the legal representative).
    """

    path: str
    category: str
    unless: tuple[str, tuple[str, ...]] | None = None
    when_mentions: tuple[str, tuple[str, ...]] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")


_OFFICERS = ("法定代表人", "负责人", "股东", "投资人", "出资", "董事", "监事", "经理", "主要人员", "高级管理人员", "联络员", "财务负责人")

PERSONAL_FIELDS: dict[SourceKind, tuple[PersonalField, ...]] = {
    SourceKind.REGISTRY: (
        PersonalField("legal_representative", "name", note="法定代表人 / legal representative"),
        PersonalField("shareholders[*].name", "name", unless=("type", ("enterprise", "other")),
                      note="自然人股东 / natural-person shareholders"),
        PersonalField("changes[*].before", "people_text", when_mentions=("item", _OFFICERS),
                      note="人员变更的原内容 / officers before a change"),
        PersonalField("changes[*].after", "people_text", when_mentions=("item", _OFFICERS),
                      note="人员变更的新内容 / officers after a change"),
    ),
    SourceKind.TAX: (),
    SourceKind.BANK_STATEMENT: (
        PersonalField("account.account_name", "name_if_person", note="个体户的户名 / a sole trader's account name"),
        PersonalField("rows[*].counterparty", "name_if_person", note="个人对方户名 / individuals as counterparties"),
        PersonalField("rows[*].memo", "free_text", note="摘要中的身份证号、手机号 / ID and phone numbers in memos"),
    ),
    SourceKind.FINANCIAL_STATEMENTS: (),
    SourceKind.CREDIT_BUREAU: (
        PersonalField("controller.name", "name", note="实际控制人 / actual controller"),
        PersonalField("controller.current_overdue", "record", note="实际控制人个人信用记录 / the controller's personal credit history"),
        PersonalField("controller.overdue_history", "record"),
        PersonalField("controller.loans", "record"),
        PersonalField("controller.guarantees", "record"),
        PersonalField("controller.queries", "record"),
        PersonalField("controller.totals", "record"),
        PersonalField("enterprise.guarantees[*].debtor", "name_if_person", note="为个人担保 / guarantees for individuals"),
    ),
    SourceKind.JUDICIAL: (),
}


def personal_fields(kind: SourceKind | str) -> tuple[PersonalField, ...]:
    return PERSONAL_FIELDS[SourceKind(kind)]


def personal_paths(kind: SourceKind | str) -> tuple[str, ...]:
    """The content paths of ``kind`` that hold personal information (``[*]``: every item)."""
    return tuple(f.path for f in personal_fields(kind))


# -- masks ------------------------------------------------------------------------------------------

#: Organisation words: a counterparty containing one of these, or ending with one of the
#: single characters, is not a person. Unsure cases are masked (over-masking is the safe side).
_ORG_WORDS = (
    "公司", "银行", "集团", "中心", "协会", "基金", "合作", "专户", "金库", "财政", "税务", "有限", "企业", "商贸",
    "科技", "实业", "工作室", "超市", "医院", "大学", "学校", "政府", "支付", "财付通", "支付宝", "工资", "社保", "公积金",
)
_ORG_ENDINGS = tuple("厂店部局所院校社会站行馆处委办队场室")
_PERSON_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_NAME_SPLIT = re.compile(r"([、，,；;/\s]+)")


def _looks_like_person(text: str) -> bool:
    t = text.strip()
    return bool(_PERSON_NAME.match(t)) and not t.endswith(_ORG_ENDINGS) and not any(w in t for w in _ORG_WORDS)


def _free_text(text: str) -> str:
    text = _ID_IN_TEXT.sub(lambda m: mask_resident_id(m.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def _people_text(text: str) -> str:
    """Each name in a list of people (``张三丰、李四``) masked; numbers in it too."""
    parts = _NAME_SPLIT.split(text)
    return _free_text("".join(p if _NAME_SPLIT.fullmatch(p) or not p else mask_name(p) for p in parts))


def _mask_value(category: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if category == "name":
        return mask_name(value)
    if category == "name_if_person":
        return mask_name(value) if _looks_like_person(value) else _free_text(value)
    if category == "people_text":
        return _people_text(value)
    if category == "free_text":
        return _free_text(value)
    if category == "id_number":
        return mask_resident_id(value)
    if category == "phone":
        return mask_phone(value)
    raise AssertionError(category)


def _steps(path: str) -> list[str]:
    out: list[str] = []
    for part in path.split("."):
        while part.endswith("[*]"):
            part = part[:-3]
            out.append(part)
            out.append("*")
            part = ""
        if part:
            out.append(part)
    return [s for s in out if s]


def _apply(node: Any, steps: list[str], f: PersonalField) -> None:
    if not steps:
        return
    head, rest = steps[0], steps[1:]
    if head == "*":
        if isinstance(node, list):
            for item in node:
                _apply(item, rest, f)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _apply(node[head], rest, f)
        return
    if f.unless is not None and node.get(f.unless[0]) in f.unless[1]:
        return
    if f.when_mentions is not None:
        subject = node.get(f.when_mentions[0])
        if not (isinstance(subject, str) and any(w in subject for w in f.when_mentions[1])):
            return
    if f.category == "record":
        if node[head] is not None:
            node[head] = None
            node.setdefault("masked_fields", []).append(head)
        return
    node[head] = _mask_value(f.category, node[head])


def mask_personal(kind: SourceKind | str, content: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``content`` with the personal information of ``kind`` masked (input untouched)."""
    masked = copy.deepcopy(dict(content))
    for f in personal_fields(kind):
        _apply(masked, _steps(f.path), f)
    return masked
