"""Module C lists and modify/revoke requests (C-8..C-18): pure rules."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Mapping, Sequence

from rules.lifecycle import Actor, lifecycle_of
from rules.lifecycles_collection import MODIFIABLE
from rules.violations import Violation

LIST_TYPE_NAMES = {"IMPORT_GENERAL": "进口一般贸易集报清单", "IMPORT_BONDED": "进口保税货物集报清单",
                   "EXPORT_GENERAL": "出口一般贸易集报清单", "EXPORT_BONDED": "出口保税货物集报清单"}
LISTS = lifecycle_of("list_heads")
EDITABLE_STATUSES = LISTS.editable_statuses(Actor.ENTERPRISE)    # C-14
CHANGE_REQUEST_STATUSES = MODIFIABLE                             # C-16
LICENCE_USING_STATUSES = (2, 7, 9, 10, 11, 12, 13, 15)    # C-12
# C-11: trade mode of general lists by the filing's goods nature.
GENERAL_TRADE_MODES = {"GENERAL": "0110", "BORDER_SMALL": "4019", "CONTRACT_EXPORT": "3422"}
# C-11: fallback trade mode of bonded lists by list type when the trade-mode table names no default_for.
BONDED_TRADE_MODES = {"IMPORT_BONDED": "1233", "EXPORT_BONDED": "1233"}
WATERWAY = "2"
MODIFIABLE_HEAD_FIELDS = ("transport_mode", "vessel_name", "voyage_no", "bill_no", "packages", "gross_weight",
                          "net_weight", "license_no")
MODIFIABLE_ITEM_FIELDS = ("qty", "unit_price", "currency", "country", "spec")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-\d{7,8}(-\d{1,6})?)$")


def is_bonded(list_type: str) -> bool:
    """Tell whether a list type is bonded (C-8)."""
    return list_type.endswith("BONDED")


def ie_flag(list_type: str) -> str:
    """Return 'I' for import lists and 'E' for export lists."""
    return "I" if list_type.startswith("IMPORT") else "E"


def goods_natures_for(list_type: str) -> tuple[str, ...]:
    """C-9: the filing goods natures a list type may use."""
    if is_bonded(list_type):
        return ("BONDED",)
    if list_type == "EXPORT_GENERAL":
        return ("GENERAL", "BORDER_SMALL", "CONTRACT_EXPORT")
    return ("GENERAL", "BORDER_SMALL")


def list_save_violations(head: Mapping, list_types: Iterable[str] = LIST_TYPE_NAMES) -> list[Violation]:
    """C-8: saving needs only a known list type and the declaration customs."""
    found = []
    if head.get("list_type") not in set(list_types):
        found.append(Violation("C-8", "list_type", "清单类型必须为进口/出口一般贸易或保税货物集报清单"))
    if not head.get("customs_code"):
        found.append(Violation("C-8", "customs_code", "申报地海关不能为空"))
    return found


def trade_mode_for(list_type: str, goods_nature: str | None,
                   bonded_defaults: Mapping[str, str] | None = None) -> str | None:
    """C-11: system-filled trade mode from the filing's goods nature (general) or the list type (bonded).

    `bonded_defaults` maps a bonded list type to the trade-mode table's default (its default_for
    column); list types it does not name fall back to BONDED_TRADE_MODES.
    """
    if is_bonded(list_type):
        return (bonded_defaults or {}).get(list_type) or BONDED_TRADE_MODES.get(list_type)
    if goods_nature == "CONTRACT_EXPORT" and list_type != "EXPORT_GENERAL":
        return None
    return GENERAL_TRADE_MODES.get(goods_nature or "")


def _decimal(value) -> Decimal | None:
    try:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def item_total(qty, unit_price) -> Decimal:
    """C-11: total = qty × unit price rounded half-up to 2 decimals."""
    return (Decimal(str(qty)) * Decimal(str(unit_price))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def head_violations(head: Mapping) -> list[Violation]:
    """C-11 on the head: packages > 0, weights not negative, net ≤ gross."""
    found = []
    packages = _decimal(head.get("packages"))
    if packages is None or packages <= 0 or packages != packages.to_integral_value():
        found.append(Violation("C-11", "packages", "件数必须为大于 0 的整数"))
    gross, net = _decimal(head.get("gross_weight")), _decimal(head.get("net_weight"))
    if gross is None or gross <= 0:
        found.append(Violation("C-11", "gross_weight", "毛重必须大于 0"))
    if net is None or net <= 0:
        found.append(Violation("C-11", "net_weight", "净重必须大于 0"))
    if gross is not None and net is not None and net > gross:
        found.append(Violation("C-11", "net_weight", "净重不能大于毛重"))
    if not head.get("transport_mode"):
        found.append(Violation("C-11", "transport_mode", "运输方式不能为空"))
    return found


def item_violations(item: Mapping, index: int, currencies: Iterable[str], countries: Iterable[str]) -> list[Violation]:
    """C-11 on an item: qty > 0, price ≥ 0, currency and country from code tables, total consistent."""
    where = f"items[{index}]"
    found = []
    qty, price = _decimal(item.get("qty")), _decimal(item.get("unit_price"))
    if qty is None or qty <= 0:
        found.append(Violation("C-11", f"{where}.qty", "数量必须大于 0"))
    if price is None or price < 0:
        found.append(Violation("C-11", f"{where}.unit_price", "单价必须为不小于 0 的数字"))
    if item.get("currency") not in set(currencies):
        found.append(Violation("C-11", f"{where}.currency", f"币制 {item.get('currency') or ''} 不在参数表中"))
    if item.get("country") not in set(countries):
        found.append(Violation("C-11", f"{where}.country", f"国别（地区） {item.get('country') or ''} 不在参数表中"))
    total = _decimal(item.get("total"))
    if total is not None and qty is not None and price is not None and total != item_total(qty, price):
        found.append(Violation("C-11", f"{where}.total", f"总价应为数量×单价（{item_total(qty, price)}）"))
    return found


@dataclass(frozen=True)
class FilingInfo:
    """A collection filing as C-9 sees it."""

    customs_code: str
    goods_nature: str
    status: str
    valid_until: date | None


def filing_match_violations(list_type: str, customs_code: str, filings: Sequence[FilingInfo],
                            today: date) -> list[Violation]:
    """C-9: an APPROVED, unexpired filing at the declaration customs with a matching goods nature."""
    natures = goods_natures_for(list_type)
    candidates = [f for f in filings if f.customs_code == customs_code and f.goods_nature in natures]
    if any(f.status == "APPROVED" and (f.valid_until is None or today <= f.valid_until) for f in candidates):
        return []
    if any(f.status == "APPROVED" for f in candidates):
        return [Violation("C-9", "customs_code", "该申报地海关的集报备案已过核准有效期，请先办理延期")]
    return [Violation("C-9", "customs_code",
                      f"申报地海关 {customs_code} 没有本企业已审批通过的{'保税货物' if is_bonded(list_type) else '一般贸易'}集报备案")]


@dataclass(frozen=True)
class FiledItem:
    """An item of a volume or bonded book a list item refers to by seq (C-10)."""

    seq: int
    hs_code: str
    name: str
    spec: str | None
    unit: str
    license_no: str | None = None
    active: bool = True


def item_reference_violations(filing_no: str | None, found_book: bool, items: Sequence[Mapping],
                              filed: Mapping[int, FiledItem], bonded: bool) -> list[Violation]:
    """C-10: 12-character 备案号 of an approved volume / the enterprise's book; each seq an active item."""
    found = []
    if not filing_no or len(filing_no) != 12:
        found.append(Violation("C-10", "filing_no", "备案号必须为 12 位"))
    elif not found_book:
        what = "本企业账册/手册" if bonded else "本企业已审批通过的商品分册（备案分册海关编号）"
        found.append(Violation("C-10", "filing_no", f"备案号 {filing_no} 不是{what}"))
    if not items:
        found.append(Violation("C-10", "items", "清单表体至少需要一项商品"))
    for index, item in enumerate(items):
        seq = item.get("filing_seq")
        entry = filed.get(int(seq)) if str(seq or "").isdigit() else None
        if found_book and (entry is None or not entry.active):
            found.append(Violation("C-10", f"items[{index}].filing_seq", f"备案序号 {seq} 不是该备案号下有效的商品"))
    return found


def licence_violations(head_license_no: str | None, items: Sequence[Mapping], filed: Mapping[int, FiledItem],
                       licence_hs_codes: Iterable[str] | None, licensed_qty: Decimal | None,
                       used_qty: Decimal) -> list[Violation]:
    """C-12: licence-controlled goods need the licence; goods must be of it; quantity not exceeded."""
    found = []
    hs_codes = set(licence_hs_codes or ())
    this_qty = Decimal(0)
    for index, item in enumerate(items):
        entry = filed.get(int(item["filing_seq"])) if str(item.get("filing_seq") or "").isdigit() else None
        if entry is None:
            continue
        if entry.license_no and not head_license_no:
            found.append(Violation("C-12", f"items[{index}].filing_seq",
                                   f"第 {index + 1} 项为涉证商品（{entry.license_no}），表头须填写许可证号"))
        if head_license_no:
            if entry.hs_code not in hs_codes:
                found.append(Violation("C-12", f"items[{index}].filing_seq",
                                       f"第 {index + 1} 项商品 {entry.hs_code} 不属于许可证 {head_license_no} 的商品"))
            else:
                this_qty += _decimal(item.get("qty")) or Decimal(0)
    if head_license_no:
        if licensed_qty is None:
            found.append(Violation("C-12", "license_no", f"许可证 {head_license_no} 不存在"))
        elif used_qty + this_qty > licensed_qty:
            left = licensed_qty - used_qty
            found.append(Violation("C-12", "license_no",
                                   f"超出许可证数量：许可数量 {licensed_qty}，已使用 {used_qty}，本次 {this_qty}，剩余 {left}"))
    return found


@dataclass(frozen=True)
class ManifestInfo:
    """A waterway manifest record (C-13)."""

    vessel_name: str
    voyage_no: str
    packages: int
    gross_weight: Decimal
    net_weight: Decimal


def manifest_violations(head: Mapping, manifest: ManifestInfo | None) -> list[Violation]:
    """C-13: a waterway list's vessel, voyage, B/L, packages and weights match the manifest."""
    if head.get("transport_mode") != WATERWAY:
        return []
    if not head.get("bill_no"):
        return [Violation("C-13", "bill_no", "水路运输须填写提运单号")]
    if manifest is None:
        return [Violation("C-13", "bill_no", f"提运单号 {head.get('bill_no')} 在舱单中不存在")]
    found = []
    pairs = (("vessel_name", "运输工具名称", manifest.vessel_name), ("voyage_no", "航次号", manifest.voyage_no),
             ("packages", "件数", manifest.packages), ("gross_weight", "毛重", manifest.gross_weight),
             ("net_weight", "净重", manifest.net_weight))
    for name, label, expected in pairs:
        given = head.get(name)
        if isinstance(expected, (int, Decimal)):
            same = _decimal(given) is not None and _decimal(given) == Decimal(str(expected))
        else:
            same = str(given or "").strip().upper() == str(expected).strip().upper()
        if not same:
            found.append(Violation("C-13", name, f"{label}与舱单不一致（舱单：{expected}）"))
    return found


def editable_violations(status: int) -> list[Violation]:
    """C-14: only status 1 (暂存) lists can be edited or declared."""
    if status not in EDITABLE_STATUSES:
        return [Violation("C-14", "status", f"清单状态为“{LISTS.status_name(status)}”，只有暂存状态可以修改")]
    return []


def change_request_violations(status: int, has_open_request: bool, request_type: str, reason: str | None,
                              contact: str | None, phone: str | None, changes: Mapping | None) -> list[Violation]:
    """C-16/C-17: allowed list statuses, one open request, reason/contact/phone, modifiable fields."""
    found = []
    if status not in CHANGE_REQUEST_STATUSES:
        found.append(Violation("C-16", "status", f"清单状态为“{LISTS.status_name(status)}”，不能申请修撤单"))
    if has_open_request:
        found.append(Violation("C-16", "list", "该清单已有未办结的修撤单"))
    if request_type not in ("MODIFY", "REVOKE"):
        found.append(Violation("C-17", "type", "修撤类型必须为修改或撤销"))
    for name, label, value in (("reason", "修撤原因", reason), ("contact", "联系人", contact), ("phone", "联系电话", phone)):
        if not (value or "").strip():
            found.append(Violation("C-17", name, f"{label}不能为空"))
    if phone and not PHONE.fullmatch(phone.strip()):
        found.append(Violation("C-17", "phone", "联系电话格式不正确"))
    if request_type == "MODIFY":
        if not changes:
            found.append(Violation("C-17", "changes", "修改申请须至少修改一个字段"))
        for key in (changes or {}):
            head_ok = key in MODIFIABLE_HEAD_FIELDS
            item_ok = re.fullmatch(r"items\[(\d+)\]\.(\w+)", key) and key.split(".")[-1] in MODIFIABLE_ITEM_FIELDS
            if not (head_ok or item_ok):
                found.append(Violation("C-17", f"changes.{key}", "该字段不能通过修改申请变更"))
    return found
