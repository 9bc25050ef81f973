"""Every declare-time check of a list (C-3, C-9..C-13), used by declaring, the bulk import and modify requests.

`declare_violations` reads the database (filings, volumes / books, licence, manifest) and feeds
plain values to the pure rules in rules/lists.py, collecting every violation. The licence check
(C-12) locks the licence row before summing what other lists already use, so two concurrent
declarations against one licence are serialised: on PostgreSQL with `SELECT … FOR UPDATE`, on
SQLite with an UPDATE of the licence row, which takes the database write lock until commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, update

from portal import clock
from portal.collection.list_values import FiledBook, Lookups
from portal.database import is_postgres
from portal.models import CollectionFiling, Licence, LicenceGood, ListHead, ListItem, Manifest
from rules.collection import LICENSE_NO
from rules.lists import (LICENCE_USING_STATUSES, FilingInfo, ManifestInfo, filing_match_violations,
                         goods_natures_for, head_violations, is_bonded, item_reference_violations, item_violations,
                         licence_violations, manifest_violations, trade_mode_for)
from rules.violations import Violation


@dataclass
class Checked:
    """The outcome of the declare checks: violations and what the checks resolved."""

    violations: list[Violation] = field(default_factory=list)
    filing: CollectionFiling | None = None
    book: FiledBook | None = None
    trade_mode: str | None = None


def matching_filing(lookups: Lookups, list_type: str, customs_code: str) -> CollectionFiling | None:
    """C-9: the approved, unexpired filing at the declaration customs with a matching goods nature."""
    today = clock.today()
    natures = goods_natures_for(list_type)
    return next((f for f in lookups.filings() if f.customs_code == customs_code and f.goods_nature in natures
                 and f.status == "APPROVED" and (f.approval_valid_until is None or today <= f.approval_valid_until)),
                None)


def _filing_violations(lookups: Lookups, head: ListHead | None, values: dict, draft: bool) -> list[Violation]:
    """C-9 and C-3: an approved filing matches, and a draft's own filing has not been cancelled."""
    infos = [FilingInfo(f.customs_code, f.goods_nature, f.status, f.approval_valid_until) for f in lookups.filings()]
    found = filing_match_violations(values["list_type"], values["customs_code"], infos, clock.today())
    own = lookups.filing(head.filing_id) if head is not None else None
    if draft and own is not None and own.status == "CANCELLED":
        found.append(Violation("C-3", "customs_code",
                               f"清单所属集报备案 {own.center_no} 已取消资质，暂存清单不能再申报，请重新录入"))
    return found


def _book_found(book: FiledBook | None, bonded: bool, filing: CollectionFiling | None) -> bool:
    """C-10: general lists need an APPROVED volume of the matched filing; bonded ones a book of the enterprise."""
    if book is None:
        return False
    if bonded:
        return True
    return book.status == "APPROVED" and (filing is None or book.filing_id == filing.id)


def find_licence(session, enterprise_id: int, license_no: str | None) -> Licence | None:
    """Return the licence `<licence code>:<licence number>` names, if it is the enterprise's or general."""
    if not license_no or not LICENSE_NO.fullmatch(license_no):
        return None
    code, number = license_no.split(":", 1)
    licence = session.scalar(select(Licence).where(Licence.license_code == code, Licence.license_no == number))
    if licence is None or licence.enterprise_id not in (None, enterprise_id):
        return None
    return licence


def lock_licence(session, licence: Licence) -> None:
    """Hold the licence row until commit, so quantity checks against it run one at a time (C-12)."""
    if is_postgres(session):
        session.execute(select(Licence.id).where(Licence.id == licence.id).with_for_update())
    else:
        session.execute(update(Licence.__table__).where(Licence.__table__.c.id == licence.id)
                        .values(updated_at=clock.now_naive()))


def used_licence_quantity(session, license_no: str, hs_codes, exclude_list_id: int | None) -> Decimal:
    """C-12: quantity of the licence's goods on lists in statuses 2, 7, 9–15 (other than this list)."""
    query = (select(func.coalesce(func.sum(ListItem.qty), 0)).join(ListHead, ListHead.id == ListItem.list_id)
             .where(ListHead.license_no == license_no, ListHead.status.in_(LICENCE_USING_STATUSES),
                    ListItem.hs_code.in_(list(hs_codes))))
    if exclude_list_id is not None:
        query = query.where(ListHead.id != exclude_list_id)
    return Decimal(str(session.scalar(query) or 0))


def licence_check(session, enterprise_id: int, list_id: int | None, license_no: str | None, items: list[dict],
                  filed: dict) -> list[Violation]:
    """C-12: licence on the head for licence-controlled goods, goods of that licence, quantity left."""
    if license_no and not LICENSE_NO.fullmatch(license_no):
        return [Violation("C-12", "license_no", "许可证号格式应为“许可证代码:许可证编号”")]
    licence = find_licence(session, enterprise_id, license_no)
    if licence is None:
        return licence_violations(license_no, items, filed, None, None, Decimal(0))
    lock_licence(session, licence)
    hs_codes = set(session.scalars(select(LicenceGood.hs_code).where(LicenceGood.licence_id == licence.id)))
    used = used_licence_quantity(session, license_no, hs_codes, list_id)
    found = licence_violations(license_no, items, filed, hs_codes, licence.quantity, used)
    if licence.valid_until is not None and clock.today() > licence.valid_until:
        found.append(Violation("C-12", "license_no", f"许可证 {license_no} 已于 {licence.valid_until:%Y-%m-%d} 过期"))
    return found


def manifest_check(session, values: dict) -> list[Violation]:
    """C-13: a waterway list matches the manifest record of its B/L."""
    manifest = None
    if values.get("bill_no"):
        row = session.scalar(select(Manifest).where(Manifest.bill_no == values["bill_no"]))
        if row is not None:
            manifest = ManifestInfo(row.vessel_name, row.voyage_no, row.packages, row.gross_weight, row.net_weight)
    return manifest_violations(values, manifest)


def declare_violations(session, lookups: Lookups, head: ListHead | None, values: dict, items: list[dict],
                       draft: bool = True) -> Checked:
    """Run C-3 (drafts), C-9, C-10, C-11, C-12 and C-13 on head values and items; return every violation.

    `head` is the stored list, or None for a list not stored yet (the bulk import, C-15).
    """
    list_type, bonded = values["list_type"], is_bonded(values["list_type"])
    checked = Checked()
    checked.violations += _filing_violations(lookups, head, values, draft)
    checked.filing = matching_filing(lookups, list_type, values["customs_code"])
    book = lookups.book(list_type, values.get("filing_no"))
    found_book = _book_found(book, bonded, checked.filing)
    checked.book = book if found_book else None
    filed = book.items if found_book else {}
    checked.violations += item_reference_violations(values.get("filing_no"), found_book, items, filed, bonded)
    checked.violations += head_violations(values)
    mode = values.get("transport_mode")
    if mode and mode not in lookups.codes("transport_modes"):
        checked.violations.append(Violation("C-11", "transport_mode", f"运输方式 {mode} 不在参数表中"))
    currencies, countries = lookups.codes("currencies"), lookups.codes("countries")
    for index, item in enumerate(items):
        checked.violations += item_violations(item, index, currencies, countries)
    if checked.filing is not None:
        checked.trade_mode = trade_mode_for(list_type, checked.filing.goods_nature, lookups.bonded_trade_modes())
        if checked.trade_mode is None:
            checked.violations.append(Violation("C-11", "trade_mode", "无法根据集报备案的货物性质确定贸易方式"))
    list_id = head.id if head is not None else None
    checked.violations += licence_check(session, lookups.enterprise_id, list_id, values.get("license_no"), items,
                                        filed)
    checked.violations += manifest_check(session, values)
    return checked
