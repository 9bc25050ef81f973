"""Import of the reference registers the list checks read: licences (C-12), waterway manifests (C-13)
and bonded books / manuals (C-10), from CSV or XLSX.

The columns of each register are data (REGISTERS), shown on the staff import page and in the
templates under seed/templates/. An import is all-or-nothing per file: every row is checked and
any problem refuses the whole file with a 422 listing row, field and message. Rows whose key
already exists update that record (licence goods and book items are replaced by the file's).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

import seed
from portal.codes import code_resolver, code_set
from portal.collection.reference_files import Column, FileProblem, parse_rows, read_table, row_violation
from portal.models import BondedBook, BondedBookItem, Enterprise, Licence, LicenceGood, Manifest
from rules.violations import RuleError, Violation

TEMPLATE_DIR = Path(seed.__file__).resolve().parent / "templates"
CODE_TEXT = r"[A-Za-z0-9\-]+"


@dataclass(frozen=True)
class Register:
    """One importable register: its columns, the rule its data serves, its template file."""

    name: str
    label: str
    rule: str
    columns: tuple[Column, ...]

    @property
    def template(self) -> Path:
        return TEMPLATE_DIR / f"{self.name}.csv"


LICENCES = Register("licences", "许可证", "C-12", (
    Column("license_no", "许可证编号", length=40, pattern=CODE_TEXT, note="字母、数字、-"),
    Column("license_code", "许可证代码", length=10, pattern=r"[A-Za-z0-9]+", note="字母、数字"),
    Column("enterprise_uscc", "企业统一社会信用代码", required=False, note="可空；填写时须为已登记企业"),
    Column("quantity", "许可数量", kind="decimal"),
    Column("valid_until", "有效期至", kind="date", required=False, note="YYYY-MM-DD 或 yyyyMMdd"),
    Column("hs_codes", "商品编码", kind="hs_list", note="10 位数字，多个用分号分隔"),
))
MANIFESTS = Register("manifests", "水路舱单", "C-13", (
    Column("bill_no", "提运单号", length=40),
    Column("vessel_name", "运输工具名称", length=100),
    Column("voyage_no", "航次号", length=40),
    Column("packages", "件数", kind="int"),
    Column("gross_weight", "毛重（千克）", kind="decimal"),
    Column("net_weight", "净重（千克）", kind="decimal", note="不大于毛重"),
))
BONDED_BOOKS = Register("bonded_books", "账册/手册", "C-10", (
    Column("book_no", "账册/手册编号", length=12, exact=True, pattern=r"[A-Za-z0-9]{12}", note="12 位字母或数字"),
    Column("enterprise_uscc", "企业统一社会信用代码", note="须为已登记企业"),
    Column("book_type", "类型", kind="choice", choices=(("BOOK", "账册"), ("MANUAL", "手册"))),
    Column("valid_until", "有效期至", kind="date", required=False, note="同一账册各行须一致"),
    Column("seq", "备案序号", kind="int"),
    Column("hs_code", "商品编码", kind="hs", note="10 位数字"),
    Column("name", "商品名称", length=200),
    Column("spec", "规格型号", required=False),
    Column("unit", "计量单位", kind="unit", note="计量单位代码或名称，如 007 或 个"),
))
REGISTERS = {r.name: r for r in (LICENCES, MANIFESTS, BONDED_BOOKS)}


def _column(register: Register, key: str) -> Column:
    return next(c for c in register.columns if c.key == key)


def _enterprises(session, rows) -> dict[str, int]:
    usccs = {row["enterprise_uscc"] for _, row in rows if row.get("enterprise_uscc")}
    if not usccs:
        return {}
    return dict(session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs))).all())


def _cross_violations(session, register: Register, rows) -> tuple[dict[str, int], list[Violation]]:
    """Checks across columns and rows: known enterprises and units, duplicates, weights, book heads."""
    enterprises = _enterprises(session, rows)
    units = code_set("units") if register is BONDED_BOOKS else frozenset()
    violations, seen, heads = [], {}, {}

    def problem(row_number: int, key: str, text: str) -> None:
        violations.append(row_violation(register.rule, row_number, _column(register, key), text))

    for number, row in rows:
        uscc = row.get("enterprise_uscc")
        if uscc and uscc not in enterprises:
            problem(number, "enterprise_uscc", f"企业 {uscc} 未在企业登记簿中登记")
        if register is MANIFESTS and row["gross_weight"] and row["net_weight"] and \
                row["net_weight"] > row["gross_weight"]:
            problem(number, "net_weight", "净重不能大于毛重")
        if register is BONDED_BOOKS:
            if row["unit"] and row["unit"] not in units:
                problem(number, "unit", f"计量单位“{row['unit']}”既不是参数表中的代码也不是名称（如 007 或 个）")
            head = (row["enterprise_uscc"], row["book_type"], row["valid_until"])
            if row["book_no"] and heads.setdefault(row["book_no"], (number, head))[1] != head:
                problem(number, "book_no", f"同一账册的企业、类型、有效期须与第 {heads[row['book_no']][0]} 行一致")
        key_fields = {LICENCES: ("license_no",), MANIFESTS: ("bill_no",), BONDED_BOOKS: ("book_no", "seq")}[register]
        key = tuple(row[k] for k in key_fields)
        if all(v is not None for v in key):
            if key in seen:
                problem(number, key_fields[-1], f"与第 {seen[key]} 行重复")
            seen.setdefault(key, number)
    return enterprises, violations


def _write_licences(session, rows, enterprises) -> dict:
    existing = {r.license_no: r for r in session.scalars(select(Licence).where(
        Licence.license_no.in_([row["license_no"] for _, row in rows])))}
    counts = {"created": 0, "updated": 0}
    for _, row in rows:
        licence = existing.get(row["license_no"])
        counts["updated" if licence else "created"] += 1
        if licence is None:
            licence = Licence(license_no=row["license_no"])
            session.add(licence)
        licence.license_code = row["license_code"]
        licence.enterprise_id = enterprises.get(row["enterprise_uscc"]) if row["enterprise_uscc"] else None
        licence.quantity = row["quantity"]
        licence.valid_until = row["valid_until"]
        wanted = list(dict.fromkeys(row["hs_codes"]))
        for good in list(licence.goods):
            if good.hs_code not in wanted:
                licence.goods.remove(good)
                session.delete(good)
        held = {good.hs_code for good in licence.goods}
        for hs_code in wanted:
            if hs_code not in held:
                licence.goods.append(LicenceGood(hs_code=hs_code))
    return counts


def _write_manifests(session, rows, _enterprises) -> dict:
    existing = {r.bill_no: r for r in session.scalars(select(Manifest).where(
        Manifest.bill_no.in_([row["bill_no"] for _, row in rows])))}
    counts = {"created": 0, "updated": 0}
    for _, row in rows:
        manifest = existing.get(row["bill_no"])
        counts["updated" if manifest else "created"] += 1
        if manifest is None:
            manifest = Manifest(bill_no=row["bill_no"])
            session.add(manifest)
        for key in ("vessel_name", "voyage_no", "packages", "gross_weight", "net_weight"):
            setattr(manifest, key, row[key])
    return counts


def _write_bonded_books(session, rows, enterprises) -> dict:
    books: dict[str, list[dict]] = {}
    for _, row in rows:
        books.setdefault(row["book_no"], []).append(row)
    existing = {b.book_no: b for b in session.scalars(select(BondedBook).where(BondedBook.book_no.in_(list(books))))}
    counts = {"created": 0, "updated": 0}
    for book_no, items in books.items():
        book = existing.get(book_no)
        counts["updated" if book else "created"] += 1
        if book is None:
            book = BondedBook(book_no=book_no)
            session.add(book)
        first = items[0]
        book.enterprise_id = enterprises[first["enterprise_uscc"]]
        book.book_type = first["book_type"]
        book.valid_until = first["valid_until"]
        by_seq = {item["seq"]: item for item in items}
        for current in list(book.items):
            if current.seq not in by_seq:
                book.items.remove(current)
                session.delete(current)
        held = {current.seq: current for current in book.items}
        for seq, item in by_seq.items():
            target = held.get(seq)
            if target is None:
                target = BondedBookItem(seq=seq, active=True)
                book.items.append(target)
            for key in ("hs_code", "name", "spec", "unit"):
                setattr(target, key, item[key])
    return counts


WRITERS = {"licences": _write_licences, "manifests": _write_manifests, "bonded_books": _write_bonded_books}


def import_register(session, name: str, file_name: str, data: bytes) -> dict:
    """Check every row of the file and write all of it, or nothing (422 with every row problem)."""
    register = REGISTERS.get(name)
    if register is None:
        raise RuleError([Violation("A-2", "register", "请选择要导入的登记簿")])
    try:
        table = read_table(file_name, data)
    except FileProblem as exc:
        raise RuleError([Violation(register.rule, "file", str(exc))]) from None
    rows, violations = parse_rows(register.columns, table, register.rule)
    if register is BONDED_BOOKS:  # a unit typed as 007, "007 个" or 个 becomes its code
        unit_code = code_resolver("units")
        rows = [(number, {**row, "unit": unit_code(row["unit"])}) for number, row in rows]
    enterprises, more = _cross_violations(session, register, rows)
    violations += more
    if violations:
        raise RuleError(violations)
    counts = WRITERS[name](session, rows, enterprises)
    session.flush()
    return {"register": name, "rows": len(rows), **counts}


def template_csv(name: str) -> bytes:
    """Return the CSV template of a register (header with labels and keys, one example row)."""
    return REGISTERS[name].template.read_bytes()


def template_xlsx(name: str) -> bytes:
    """Return the same template as an XLSX workbook, generated from the CSV."""
    from openpyxl import Workbook
    table = read_table("template.csv", template_csv(name))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REGISTERS[name].label.replace("/", "、")
    for row in table:
        sheet.append(row)
    for cells in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
        for cell in cells:
            cell.number_format = "@"  # text: keeps leading zeros of codes
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
