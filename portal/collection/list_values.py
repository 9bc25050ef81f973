"""List values: parse a list body into column values, and look up the filings and filed items it refers to.

Used by saving (C-8), the bulk import (C-15), declaring (C-9..C-13) and modify requests (C-17).
Parsing only checks what a stored draft needs (known type and customs, numbers that are
numbers, lengths that fit); the business checks live in rules/lists.py and list_checks.py.
`Lookups` loads the enterprise's filings, the referenced volumes / bonded books with their
items and the code sets once per operation, so a 10,000-item import reads each only once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal.codes import code_map, code_set
from portal.models import BondedBook, BondedBookItem, CollectionFiling, ListHead, ListItem, Product, ProductVolume
from portal.models.collection import LIST_TYPES
from portal.print_guard import refuse_unprintable_rows
from rules.lists import FiledItem, goods_natures_for, is_bonded, item_total, list_save_violations
from rules.violations import Violation

HEAD_FIELDS = ("list_type", "customs_code", "filing_no", "transport_mode", "vessel_name", "voyage_no", "bill_no",
               "packages", "gross_weight", "net_weight", "license_no")
ITEM_FIELDS = ("filing_seq", "qty", "unit_price", "currency", "country", "spec")
# Text columns: (maximum length, rule id of the field).
TEXT_LIMITS = {"list_type": (20, "C-8"), "customs_code": (4, "C-8"), "filing_no": (12, "C-10"),
               "transport_mode": (1, "C-11"), "vessel_name": (100, "C-13"), "voyage_no": (40, "C-13"),
               "bill_no": (40, "C-13"), "license_no": (60, "C-12"), "currency": (3, "C-11"), "country": (3, "C-11"),
               "spec": (500, "C-10")}
LABELS = {"list_type": "清单类型", "customs_code": "申报地海关", "filing_no": "备案号", "transport_mode": "运输方式",
          "vessel_name": "运输工具名称", "voyage_no": "航次号", "bill_no": "提运单号", "packages": "件数",
          "gross_weight": "毛重", "net_weight": "净重", "license_no": "许可证号", "filing_seq": "备案序号",
          "qty": "数量", "unit_price": "单价", "currency": "币制", "country": "国别（地区）", "spec": "规格型号（申报要素）"}
UPPER_FIELDS = ("list_type", "currency", "country", "transport_mode")
DECIMAL_FIELDS = {"gross_weight": "C-11", "net_weight": "C-11", "qty": "C-11", "unit_price": "C-11"}
INTEGER_FIELDS = {"packages": "C-11", "filing_seq": "C-10"}
INTEGER_MINIMUM = {"packages": 0, "filing_seq": 1}  # packages > 0 is a declare check (C-11)
MAX_DECIMALS = 4
MAX_NUMBER = Decimal(10) ** 12
MAX_TOTAL = Decimal(10) ** 16
MAX_INTEGER = 2 ** 31 - 1


def text(value) -> str | None:
    """Return the value as stripped text, None when blank."""
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def parse_field(name: str, value) -> tuple[object, Violation | None]:
    """Convert one head or item field to its column value; a value that cannot be stored is a violation."""
    label = LABELS.get(name, name)
    if name in DECIMAL_FIELDS or name in INTEGER_FIELDS:
        rule = DECIMAL_FIELDS.get(name) or INTEGER_FIELDS[name]
        raw = text(value)
        if raw is None:
            return None, None
        try:
            number = Decimal(raw)
        except (InvalidOperation, ValueError):
            return None, Violation(rule, name, f"{label}必须是数字")
        if not number.is_finite():
            return None, Violation(rule, name, f"{label}必须是数字")
        if name in INTEGER_FIELDS:
            if number != number.to_integral_value() or not INTEGER_MINIMUM[name] <= number <= MAX_INTEGER:
                kind = "正整数" if INTEGER_MINIMUM[name] else "不小于 0 的整数"
                return None, Violation(rule, name, f"{label}必须为{kind}")
            return int(number), None
        if abs(number) >= MAX_NUMBER:
            return None, Violation(rule, name, f"{label}过大")
        if -number.as_tuple().exponent > MAX_DECIMALS:
            return None, Violation(rule, name, f"{label}最多 {MAX_DECIMALS} 位小数")
        return number, None
    result = text(value)
    if result is not None and name in UPPER_FIELDS:
        result = result.upper()
    limit, rule = TEXT_LIMITS.get(name, (200, "C-8"))
    if result is not None and len(result) > limit:
        return None, Violation(rule, name, f"{label}不能超过 {limit} 个字符")
    return result, None


def _renamed(violation: Violation, prefix: str) -> Violation:
    return Violation(violation.rule, prefix + violation.field, violation.message)


def clean_head(body: dict, customs_codes) -> tuple[dict, list[Violation]]:
    """C-8: parse the head fields of a body; saving needs a known list type and declaration customs."""
    values, found = {}, []
    for name in HEAD_FIELDS:
        values[name], problem = parse_field(name, body.get(name))
        if problem:
            found.append(problem)
    found += list_save_violations(values, LIST_TYPES)
    customs = values.get("customs_code")
    if customs and customs not in customs_codes:
        found.append(Violation("C-8", "customs_code", f"申报地海关 {customs} 不在关区代码表中"))
    return values, found


def clean_items(items, prefix: str = "items") -> tuple[list[dict], list[Violation]]:
    """Parse list items; a stored item needs its 备案序号, quantity and unit price (C-10, C-11)."""
    rows, found = [], []
    for index, item in enumerate(items or []):
        where = f"{prefix}[{index}]."
        if not isinstance(item, dict):
            found.append(Violation("C-11", f"{prefix}[{index}]", "表体商品必须是对象"))
            continue
        row = {}
        for name in ITEM_FIELDS:
            row[name], problem = parse_field(name, item.get(name))
            if problem:
                found.append(_renamed(problem, where))
        for name in ("filing_seq", "qty", "unit_price"):
            if text(item.get(name)) is None:
                rule = INTEGER_FIELDS.get(name) or DECIMAL_FIELDS[name]
                found.append(Violation(rule, where + name, f"{LABELS[name]}不能为空"))
        if row.get("qty") is not None and row.get("unit_price") is not None:
            row["total"] = item_total(row["qty"], row["unit_price"])
            if abs(row["total"]) >= MAX_TOTAL:
                found.append(Violation("C-11", where + "total", "总价过大"))
        rows.append(row)
    return rows, found


def head_values(head: ListHead) -> dict:
    """Return a stored list head's fields as parsed values."""
    return {name: getattr(head, name) for name in HEAD_FIELDS}


def item_values(head: ListHead) -> list[dict]:
    """Return a stored list's items as parsed values (with their filed copies)."""
    return [{"filing_seq": i.filing_seq, "qty": i.qty, "unit_price": i.unit_price, "currency": i.currency,
             "country": i.country, "spec": i.spec, "total": i.total, "hs_code": i.hs_code, "name": i.name,
             "unit": i.unit} for i in sorted(head.items, key=lambda i: i.seq)]


@dataclass
class FiledBook:
    """A volume (general lists) or bonded book the 备案号 names, with its items by seq (C-10)."""

    number: str
    status: str
    filing_id: int | None
    items: dict[int, FiledItem] = field(default_factory=dict)


def item_rows(items: list[dict], book: FiledBook | None, list_id: int, enterprise_id: int,
              first_seq: int = 1) -> list[dict]:
    """Build list item rows: HS code, name, unit (and spec unless re-classified) copied from the filed item."""
    rows = []
    for offset, item in enumerate(items):
        filed = book.items.get(item["filing_seq"]) if book is not None else None
        spec = item.get("spec") if item.get("spec") is not None else (filed.spec if filed else None)
        rows.append({"list_id": list_id, "enterprise_id": enterprise_id, "seq": first_seq + offset,
                     "filing_seq": item["filing_seq"], "hs_code": filed.hs_code if filed else "",
                     "name": filed.name if filed else "", "unit": filed.unit if filed else "", "spec": spec,
                     "qty": item["qty"], "unit_price": item["unit_price"],
                     "total": item.get("total", item_total(item["qty"], item["unit_price"])),
                     "currency": item.get("currency") or "", "country": item.get("country") or ""})
    refuse_unprintable_rows(ListItem, rows, "items")  # a Core INSERT: no flush sees these rows (P-3)
    return rows


def refresh_copies(items: list[ListItem], book: FiledBook | None) -> None:
    """Copy HS code, name and unit of each item again from its filed item (read-only copies, C-10)."""
    if book is None:
        return
    for item in items:
        filed = book.items.get(item.filing_seq)
        if filed is None:
            continue
        for name in ("hs_code", "name", "unit"):
            if getattr(item, name) != getattr(filed, name):
                setattr(item, name, getattr(filed, name))


class Lookups:
    """What one operation reads about an enterprise: code sets, filings, volumes and books (loaded once)."""

    def __init__(self, session, enterprise_id: int):
        self.session = session
        self.enterprise_id = enterprise_id
        self._codes: dict[str, frozenset] = {}
        self._filings: list[CollectionFiling] | None = None
        self._books: dict[tuple[bool, str], FiledBook | None] = {}
        self._bonded_defaults: dict[str, str] | None = None

    def codes(self, table: str) -> frozenset:
        """Return the active codes of a code table."""
        if table not in self._codes:
            self._codes[table] = code_set(table)
        return self._codes[table]

    def bonded_trade_modes(self) -> dict[str, str]:
        """C-11: the trade-mode table's default mode per bonded list type (its default_for column)."""
        if self._bonded_defaults is None:
            self._bonded_defaults = {}
            for code, entry in sorted(code_map("trade_modes").items()):
                for list_type in (entry.extra or {}).get("default_for") or ():
                    self._bonded_defaults.setdefault(list_type, code)
        return self._bonded_defaults

    def filings(self) -> list[CollectionFiling]:
        """Return every collection filing of the enterprise."""
        if self._filings is None:
            self._filings = list(self.session.scalars(select(CollectionFiling).where(
                CollectionFiling.enterprise_id == self.enterprise_id).order_by(CollectionFiling.id)))
        return self._filings

    def filing(self, filing_id: int | None) -> CollectionFiling | None:
        """Return one of the enterprise's filings by id."""
        return next((f for f in self.filings() if f.id == filing_id), None)

    def filing_for_save(self, list_type: str, customs_code: str) -> CollectionFiling | None:
        """Return the filing a draft belongs to: approved first, then any other, cancelled last (C-3, C-9)."""
        natures = goods_natures_for(list_type)
        candidates = [f for f in self.filings() if f.customs_code == customs_code and f.goods_nature in natures]
        order = {"APPROVED": 0, "CANCELLED": 2}
        return min(candidates, key=lambda f: (order.get(f.status, 1), -f.id), default=None)

    def preload(self, pairs) -> None:
        """Load the volumes / books of many (list_type, filing_no) pairs with their items in a few queries."""
        wanted = {(is_bonded(t), n) for t, n in pairs if t in LIST_TYPES and n} - set(self._books)
        general = {n for bonded, n in wanted if not bonded}
        bonded = {n for b, n in wanted if b}
        for number in general:
            self._books[(False, number)] = None
        for number in bonded:
            self._books[(True, number)] = None
        if general:
            volumes = {v.id: v for v in self.session.scalars(select(ProductVolume).where(
                ProductVolume.enterprise_id == self.enterprise_id, ProductVolume.customs_volume_no.in_(general)))}
            books = {vid: FiledBook(v.customs_volume_no, v.status, v.filing_id) for vid, v in volumes.items()}
            for product in self.session.scalars(select(Product).where(Product.volume_id.in_(list(volumes)))):
                books[product.volume_id].items[product.seq] = FiledItem(
                    product.seq, product.hs_code, product.name, product.spec, product.unit, product.license_no,
                    product.active)
            for book in books.values():
                self._books[(False, book.number)] = book
        if bonded:
            rows = {b.id: b for b in self.session.scalars(select(BondedBook).where(
                BondedBook.enterprise_id == self.enterprise_id, BondedBook.book_no.in_(bonded)))}
            books = {bid: FiledBook(b.book_no, "APPROVED", None) for bid, b in rows.items()}
            for item in self.session.scalars(select(BondedBookItem).where(BondedBookItem.book_id.in_(list(rows)))):
                books[item.book_id].items[item.seq] = FiledItem(item.seq, item.hs_code, item.name, item.spec,
                                                                item.unit, None, item.active)
            for book in books.values():
                self._books[(True, book.number)] = book

    def book(self, list_type: str | None, filing_no: str | None) -> FiledBook | None:
        """Return the volume (general) or bonded book a 备案号 names, whatever its status."""
        if not filing_no or list_type not in LIST_TYPES:
            return None
        self.preload([(list_type, filing_no)])
        return self._books.get((is_bonded(list_type), filing_no))
