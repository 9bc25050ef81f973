"""Import templates of lists (C-15): CSV, XLSX and JSON, with Chinese headers and the user's own 备案号.

The example lists are filled from the logged-in enterprise's own records, so a downloaded
template imports (and declares) as it is: the 备案号 is the customs volume no. of one of its
APPROVED volumes of an APPROVED general filing — or, failing that, one of its bonded books when
it has an APPROVED bonded filing — with that filing's customs and the first active, licence-free
items (备案序号) of the volume or book. An enterprise with neither gets a template whose 备案号
column is blank, and the import page says why. Example lists travel by road (运输方式 4), so
no manifest record is needed (C-13); the vessel columns stay in the header, blank.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.collection.list_values import HEAD_FIELDS, ITEM_FIELDS, LABELS
from portal.models import BondedBook, BondedBookItem, CollectionFiling, Enterprise, Product, ProductVolume
from rules.violations import RuleError, Violation

COLUMNS = ("list_ref",) + HEAD_FIELDS + ITEM_FIELDS
HEADER_LABELS = {"list_ref": "清单标识", **LABELS}
EXAMPLE_ITEMS = 2


@dataclass
class TemplateSource:
    """Where the template's example lists come from: a real 备案号 and its customs, or nothing."""

    filing_no: str | None
    customs_code: str | None
    list_types: tuple[str, str]
    seqs: list[int] = field(default_factory=list)


def _general_source(session, enterprise_id: int) -> TemplateSource | None:
    """An APPROVED volume of an APPROVED general filing of the enterprise, newest first."""
    rows = session.execute(
        select(ProductVolume, CollectionFiling).join(CollectionFiling, CollectionFiling.id == ProductVolume.filing_id)
        .where(ProductVolume.enterprise_id == enterprise_id, ProductVolume.status == "APPROVED",
               ProductVolume.customs_volume_no.is_not(None), CollectionFiling.status == "APPROVED",
               CollectionFiling.goods_nature != "BONDED")
        .order_by(ProductVolume.id.desc())).all()
    for volume, filing in rows:
        seqs = list(session.scalars(select(Product.seq).where(
            Product.volume_id == volume.id, Product.active.is_(True), Product.license_no.is_(None))
            .order_by(Product.seq).limit(EXAMPLE_ITEMS)))
        if seqs:
            types = (("EXPORT_GENERAL", "EXPORT_GENERAL") if filing.goods_nature == "CONTRACT_EXPORT"
                     else ("IMPORT_GENERAL", "EXPORT_GENERAL"))
            return TemplateSource(volume.customs_volume_no, filing.customs_code, types, seqs)
    return None


def _bonded_source(session, enterprise_id: int) -> TemplateSource | None:
    """A bonded book of the enterprise, at the customs of its APPROVED bonded filing."""
    customs = session.scalar(select(CollectionFiling.customs_code).where(
        CollectionFiling.enterprise_id == enterprise_id, CollectionFiling.status == "APPROVED",
        CollectionFiling.goods_nature == "BONDED").order_by(CollectionFiling.id.desc()).limit(1))
    if customs is None:
        return None
    for book in session.scalars(select(BondedBook).where(BondedBook.enterprise_id == enterprise_id)
                                .order_by(BondedBook.id.desc())):
        seqs = list(session.scalars(select(BondedBookItem.seq).where(
            BondedBookItem.book_id == book.id, BondedBookItem.active.is_(True))
            .order_by(BondedBookItem.seq).limit(EXAMPLE_ITEMS)))
        if seqs:
            return TemplateSource(book.book_no, customs, ("IMPORT_BONDED", "EXPORT_BONDED"), seqs)
    return None


def template_source(session, enterprise_id: int) -> TemplateSource:
    """Return the enterprise's real 备案号 for the template (a volume first, then a bonded book)."""
    found = _general_source(session, enterprise_id) or _bonded_source(session, enterprise_id)
    if found is not None:
        return found
    customs = session.scalar(select(Enterprise.customs_code).where(Enterprise.id == enterprise_id))
    return TemplateSource(None, customs, ("IMPORT_GENERAL", "EXPORT_GENERAL"), [1])


def example_lists(source: TemplateSource) -> list[dict]:
    """Two example lists in the body shape of POST /api/v1/lists."""
    head = {"customs_code": source.customs_code or "", "filing_no": source.filing_no or "", "transport_mode": "4"}
    first = {"list_type": source.list_types[0], **head, "packages": 3, "gross_weight": "120.5", "net_weight": "100",
             "items": [{"filing_seq": seq, "qty": "10", "unit_price": "12.5", "currency": "USD", "country": "AUS"}
                       for seq in source.seqs]}
    second = {"list_type": source.list_types[1], **head, "packages": 1, "gross_weight": "20", "net_weight": "18",
              "items": [{"filing_seq": source.seqs[0], "qty": "5", "unit_price": "30", "currency": "CNY",
                         "country": "USA"}]}
    return [first, second]


def template_rows(lists: list[dict]) -> list[list]:
    """The sheet of the example lists: a row of Chinese headers, then one row per item."""
    rows = [[HEADER_LABELS[name] for name in COLUMNS]]
    for ref, body in enumerate(lists, 1):
        for item in body["items"]:
            values = {"list_ref": ref, **{k: v for k, v in body.items() if k != "items"}, **item}
            rows.append(["" if values.get(name) is None else str(values.get(name)) for name in COLUMNS])
    return rows


def template_bytes(session, identity, kind: str) -> bytes:
    """Return the import template of `kind` (csv, xlsx, json) for the logged-in enterprise."""
    identity.require_module_c()
    if kind not in ("csv", "xlsx", "json"):
        raise RuleError([Violation("C-15", "format", "模板格式须为 csv、xlsx 或 json")], status=404)
    lists = example_lists(template_source(session, identity.enterprise_id))
    if kind == "json":
        return json.dumps({"lists": lists}, ensure_ascii=False, indent=2).encode()
    rows = template_rows(lists)
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "清单导入"
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.number_format = "@"  # text, so Excel keeps 备案号 and codes as typed
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
