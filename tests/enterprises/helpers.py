"""Shared builders for the stage-1 tests (valid codes and ID numbers, a registration payload)."""

from __future__ import annotations

from datetime import date

from smecredit.standards.resident_id import make_resident_id
from smecredit.standards.uscc import make_uscc

ID_ZHANG = make_resident_id("110105", date(1980, 5, 17), 123)
ID_LI = make_resident_id("350102", date(1975, 2, 3), 246)


def code(n: int = 1) -> str:
    """A valid 统一社会信用代码 (Fuzhou, enterprise), different for each n."""
    return make_uscc("9", "1", "350100", f"MA{n:06d}")


def registration(n: int = 1, **overrides) -> dict:
    body = {
        "uscc": code(n), "name": f"福州示例贸易有限公司{n}", "industry": "wholesale",
        "address": "福州市鼓楼区示例路 1 号", "founded_on": "2018-05-01", "employees": 12,
        "revenue_wan": "1500", "assets_wan": "800",
        "legal_rep": {"name": "张三丰", "id_number": ID_ZHANG, "phone": "13812345678"},
        "controller": {"name": "张三丰", "id_number": ID_ZHANG, "phone": "13812345678"},
        "contact": {"name": "李四", "phone": "13900001111", "address": "福州市鼓楼区示例路 1 号 302 室"},
    }
    body.update(overrides)
    return body
