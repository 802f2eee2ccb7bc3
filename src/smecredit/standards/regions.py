"""Province-level administrative division codes — GB/T 2260 (中华人民共和国行政区划代码).

Only the first two digits (province level, 省级) are encoded here: they are stable, and checking
them catches most typing errors in a 6-digit region code. Prefecture and county codes change
every year (撤县设区 …), so a full table would be stale data; callers that need it should load
the current Ministry of Civil Affairs list as data, not code.

Pure data, standard library only. Used by :mod:`smecredit.standards.uscc` and
:mod:`smecredit.standards.resident_id`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    """A province-level division: 2-digit code, short and full Chinese names, English name."""

    code: str
    name_zh: str
    full_name_zh: str
    name_en: str


# GB/T 2260 province-level codes, in code order.
_PROVINCE_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("11", "北京", "北京市", "Beijing"),
    ("12", "天津", "天津市", "Tianjin"),
    ("13", "河北", "河北省", "Hebei"),
    ("14", "山西", "山西省", "Shanxi"),
    ("15", "内蒙古", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽宁", "辽宁省", "Liaoning"),
    ("22", "吉林", "吉林省", "Jilin"),
    ("23", "黑龙江", "黑龙江省", "Heilongjiang"),
    ("31", "上海", "上海市", "Shanghai"),
    ("32", "江苏", "江苏省", "Jiangsu"),
    ("33", "浙江", "浙江省", "Zhejiang"),
    ("34", "安徽", "安徽省", "Anhui"),
    ("35", "福建", "福建省", "Fujian"),
    ("36", "江西", "江西省", "Jiangxi"),
    ("37", "山东", "山东省", "Shandong"),
    ("41", "河南", "河南省", "Henan"),
    ("42", "湖北", "湖北省", "Hubei"),
    ("43", "湖南", "湖南省", "Hunan"),
    ("44", "广东", "广东省", "Guangdong"),
    ("45", "广西", "广西壮族自治区", "Guangxi"),
    ("46", "海南", "海南省", "Hainan"),
    ("50", "重庆", "重庆市", "Chongqing"),
    ("51", "四川", "四川省", "Sichuan"),
    ("52", "贵州", "贵州省", "Guizhou"),
    ("53", "云南", "云南省", "Yunnan"),
    ("54", "西藏", "西藏自治区", "Xizang (Tibet)"),
    ("61", "陕西", "陕西省", "Shaanxi"),
    ("62", "甘肃", "甘肃省", "Gansu"),
    ("63", "青海", "青海省", "Qinghai"),
    ("64", "宁夏", "宁夏回族自治区", "Ningxia"),
    ("65", "新疆", "新疆维吾尔自治区", "Xinjiang"),
    ("71", "台湾", "台湾省", "Taiwan"),
    ("81", "香港", "香港特别行政区", "Hong Kong SAR"),
    ("82", "澳门", "澳门特别行政区", "Macao SAR"),
)

PROVINCES: dict[str, Province] = {row[0]: Province(*row) for row in _PROVINCE_ROWS}

# "100000" is not a GB/T 2260 province, but registration authorities at central level
# (国务院各部委、中央编办 …) put it in positions 3–8 of a USCC, e.g. 北京大学
# 12100000400002259P. Only the USCC validator accepts it.
CENTRAL_REGION_CODE = "100000"
CENTRAL = Province("10", "中央", "中央（国家级登记管理机关）", "Central government")


@dataclass(frozen=True)
class Region:
    """A 6-digit GB/T 2260 region code and, when known, its province."""

    code: str
    province_code: str
    province_zh: str | None
    province_en: str | None

    @property
    def known(self) -> bool:
        return self.province_zh is not None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "province_code": self.province_code,
            "province_zh": self.province_zh,
            "province_en": self.province_en,
        }


def region(code6: str, *, allow_central: bool = False) -> Region:
    """Describe a 6-character region code; the province names are None when it is unknown.

    ``allow_central`` maps ``100000`` to the central level (USCC only, see CENTRAL_REGION_CODE).
    """
    prefix = code6[:2]
    found = PROVINCES.get(prefix)
    if found is None and allow_central and code6 == CENTRAL_REGION_CODE:
        found = CENTRAL
    if found is None:
        return Region(code6, prefix, None, None)
    return Region(code6, prefix, found.name_zh, found.name_en)
