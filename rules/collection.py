"""Module C collection filings and product volumes (C-1..C-7): pure rules."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping

from rules.violations import Violation

GOODS_NATURE_NAMES = {"GENERAL": "一般贸易", "BONDED": "保税货物", "BORDER_SMALL": "边境小额（同一般贸易）",
                      "CONTRACT_EXPORT": "对外承包出口货物（同一般贸易）"}
# C-1: goods natures that only some declaration customs may use (customs-code prefix).
GOODS_NATURE_CUSTOMS_PREFIX = {"BORDER_SMALL": "07", "CONTRACT_EXPORT": "57"}
FILING_HEAD_TYPES = ("IE", "IE_BRANCH")
FILING_CHANGEABLE_FIELDS = ("ie_batches", "guarantee_mode", "guarantee_amount", "guarantee_valid_until")
GUARANTEE_FIELDS = ("guarantee_mode", "guarantee_amount", "guarantee_valid_until")
MAX_VOLUME_ITEMS = 99
LONG_TERM = date(2099, 12, 31)
HS_CODE = re.compile(r"^\d{10}$")
LICENSE_NO = re.compile(r"^[A-Za-z0-9]{1,10}:[A-Za-z0-9\-]{1,40}$")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_yyyymmdd(value) -> date | None:
    """Parse a yyyyMMdd string (C-2) into a date; None when malformed or not a real date."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def goods_nature_violations(goods_nature: str | None, customs_code: str | None) -> list[Violation]:
    """C-1: a known goods nature; 边境小额 only at customs 07xx, 对外承包 only at 57xx."""
    if goods_nature not in GOODS_NATURE_NAMES:
        return [Violation("C-1", "goods_nature", "集中申报货物性质必须为一般贸易、保税货物、边境小额或对外承包出口货物")]
    prefix = GOODS_NATURE_CUSTOMS_PREFIX.get(goods_nature)
    if prefix and not str(customs_code or "").startswith(prefix):
        return [Violation("C-1", "goods_nature",
                          f"{GOODS_NATURE_NAMES[goods_nature]}仅限申报地海关代码以 {prefix} 开头的关区")]
    return []


def filing_qualification_violations(held_types: Iterable[str]) -> list[Violation]:
    """C-1: the enterprise must hold a valid IE or IE_BRANCH qualification."""
    if not set(held_types) & set(FILING_HEAD_TYPES):
        return [Violation("C-1", "enterprise", "企业须具有有效的进出口货物收发货人（或其分支机构）资质方可办理集报备案")]
    return []


def filing_save_violations(data: Mapping, customs_codes: Iterable[str], guarantee_modes: Iterable[str]) -> list[Violation]:
    """C-2: required fields, guarantee amount in 万元, valid-until yyyyMMdd; bonded has no guarantee."""
    found = []
    for field, label in (("customs_code", "申报地海关"), ("enterprise_customs_code", "企业海关编码"),
                         ("enterprise_name", "企业名称"), ("goods_nature", "集中申报货物性质")):
        if _blank(data.get(field)):
            found.append(Violation("C-2", field, f"{label}不能为空"))
    customs = data.get("customs_code")
    if not _blank(customs) and customs not in set(customs_codes):
        found.append(Violation("C-2", "customs_code", f"申报地海关 {customs} 不在关区代码表中"))
    if not _blank(data.get("goods_nature")):
        found += goods_nature_violations(data.get("goods_nature"), customs)
    batches = data.get("ie_batches")
    if not _blank(batches):
        try:
            if int(batches) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            found.append(Violation("C-2", "ie_batches", "进出口批次必须为正整数"))
    if data.get("goods_nature") == "BONDED":
        for field in GUARANTEE_FIELDS:
            if not _blank(data.get(field)):
                found.append(Violation("C-2", field, "保税货物的担保方式、担保额度、担保有效期必须为空"))
        return found
    mode = data.get("guarantee_mode")
    if not _blank(mode) and mode not in set(guarantee_modes):
        found.append(Violation("C-2", "guarantee_mode", f"担保方式 {mode} 不在参数表中"))
    amount = data.get("guarantee_amount")
    if not _blank(amount):
        try:
            value = Decimal(str(amount))
            if value <= 0 or value.as_tuple().exponent < -4:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            found.append(Violation("C-2", "guarantee_amount", "担保额度（万元）必须为大于 0 的数字，最多 4 位小数"))
    until = data.get("guarantee_valid_until")
    if not _blank(until) and parse_yyyymmdd(until) is None:
        found.append(Violation("C-2", "guarantee_valid_until", "担保有效期格式为 yyyyMMdd（如 20190101），且须为真实日期"))
    return found


def approval_valid_until(goods_nature: str, guarantee_valid_until: date | None, approved_on: date,
                         bonded_days: int = 365) -> date:
    """C-3: bonded filings valid for the configured period; others until the guarantee or long-term."""
    if goods_nature == "BONDED":
        return approved_on + timedelta(days=bonded_days)
    return guarantee_valid_until or LONG_TERM


def filing_active_violations(status: str, valid_until: date | None, today: date, rule: str = "C-9") -> list[Violation]:
    """C-3/C-9: an approved filing not past its approval valid-until."""
    if status != "APPROVED":
        return [Violation(rule, "filing", "集报备案尚未经海关审批通过")]
    if valid_until is not None and today > valid_until:
        return [Violation(rule, "filing", f"集报备案已于 {valid_until:%Y-%m-%d} 到期，请先办理延期")]
    return []


def filing_change_violations(status: str, has_open_change: bool, changes: Mapping) -> list[Violation]:
    """C-6: only approved filings, one open change, only batches and guarantee fields."""
    found = []
    if status != "APPROVED":
        found.append(Violation("C-6", "status", "仅海关审批通过的集报备案可以变更"))
    if has_open_change:
        found.append(Violation("C-6", "status", "已有一笔已申报的变更等待海关审批，不能再次变更"))
    for field in changes:
        if field not in FILING_CHANGEABLE_FIELDS + ("add_items", "disable_items"):
            found.append(Violation("C-6", field, "企业资质备案仅可变更进出口批次、担保方式、担保额度、担保有效期"))
    return found


def extension_violations(goods_nature: str, status: str, valid_until: date | None, today: date,
                         window_days: int = 10) -> list[Violation]:
    """C-7: bonded filings only, within the window_days before approval valid-until (inclusive)."""
    if goods_nature != "BONDED":
        return [Violation("C-7", "goods_nature", "仅集中申报货物性质为保税货物的备案可以延期")]
    if status != "APPROVED" or valid_until is None:
        return [Violation("C-7", "status", "仅海关审批通过的备案可以延期")]
    if not (valid_until - timedelta(days=window_days) <= today <= valid_until):
        return [Violation("C-7", "valid_until",
                          f"延期日须在核准有效期（{valid_until:%Y-%m-%d}）到期前 {window_days} 天内")]
    return []


def product_item_violations(item: Mapping, units: Iterable[str], index: int | None = None) -> list[Violation]:
    """C-4: HS code 10 digits, name, unit from the code table, licence no. as code:number."""
    where = f"items[{index}]." if index is not None else ""
    found = []
    if not HS_CODE.fullmatch(str(item.get("hs_code") or "")):
        found.append(Violation("C-4", f"{where}hs_code", "商品编码必须为 10 位数字"))
    if _blank(item.get("name")):
        found.append(Violation("C-4", f"{where}name", "商品名称不能为空"))
    if _blank(item.get("unit")):
        found.append(Violation("C-4", f"{where}unit", "计量单位不能为空"))
    elif item.get("unit") not in set(units):
        found.append(Violation("C-4", f"{where}unit",
                               f"计量单位“{item.get('unit')}”既不是参数表中的代码也不是名称（如 001 或 台）"))
    license_no = item.get("license_no")
    if not _blank(license_no) and not LICENSE_NO.fullmatch(str(license_no)):
        found.append(Violation("C-4", f"{where}license_no", "许可证号格式应为“许可证代码:许可证编号”"))
    return found


def plan_volume_fill(last_volume_count: int | None, new_items: int, new_volume: bool = False,
                     limit: int = MAX_VOLUME_ITEMS) -> list[int]:
    """C-4: how many items go to the open volume and each new volume (first entry: the open one).

    `last_volume_count` is the item count of the draft volume being filled (None when there is none).
    Returns counts per volume in order; the first applies to the open volume when one is used.
    """
    plan = []
    remaining = new_items
    if last_volume_count is not None and not new_volume:
        room = max(limit - last_volume_count, 0)
        plan.append(min(room, remaining))
        remaining -= plan[0]
    else:
        plan.append(0)
    while remaining > 0:
        take = min(limit, remaining)
        plan.append(take)
        remaining -= take
    return plan


def renumber_after_insert(seqs: Iterable[int], before: int) -> dict[int, int]:
    """C-4/C-10: insert before `before` shifts that seq and later ones by +1; returns old→new."""
    return {s: s + 1 for s in seqs if s >= before}


def renumber_after_delete(seqs: Iterable[int], deleted: int) -> dict[int, int]:
    """C-4/C-10: delete shifts later seqs by −1 so numbering stays 1..n; returns old→new."""
    return {s: s - 1 for s in seqs if s > deleted}


def volume_declare_status(filing_status: str) -> str | None:
    """C-5: a volume declared before its filing is approved waits as WAITING; None if not declarable."""
    if filing_status == "APPROVED":
        return "DECLARED"
    if filing_status == "DECLARED":
        return "WAITING"
    return None
