"""Product volumes (商品分册) and their items: add, insert, delete, declare, copy, customs decisions (C-4, C-5).

A volume holds at most 99 items numbered 1..n without gaps; adding more starts new volumes
automatically. Items are inserted and deleted only in draft (暂存) volumes; approved items are
never edited (C-6 only adds or disables them, see portal.collection.filing_requests).
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import flag_modified

from portal import audit, clock, numbering
from portal.codes import code_resolver, code_set
from portal.collection.filing_common import flush, lock, not_found, require_own
from portal.models import CollectionFiling, Product, ProductVolume
from portal.transitions import performs, transition
from rules.collection import (MAX_VOLUME_ITEMS, plan_volume_fill, product_item_violations, renumber_after_delete,
                              renumber_after_insert, volume_declare_status)
from rules.lifecycle import Actor
from rules.lifecycles_collection import (APPROVE_VOLUME, DECLARE_VOLUME, FAIL_VOLUME_RECEIPT, PRODUCT_VOLUMES,
                                         QUEUE_VOLUME, REFUSE_VOLUME)
from rules.violations import RuleError, Violation

VOLUME_EDITABLE = PRODUCT_VOLUMES.editable_statuses(Actor.ENTERPRISE)
VOLUME_DECLARABLE = DECLARE_VOLUME.sources
VOLUME_DELETABLE = PRODUCT_VOLUMES.deletable_statuses(Actor.ENTERPRISE)
ITEM_FIELDS = ("hs_code", "name", "spec", "unit", "license_no")
NAME_LENGTH = 200


def find_volume(session, identity, volume_no: str) -> ProductVolume:
    """Return the enterprise's own volume by volume no.; others' are 404 (U-5, §0)."""
    identity.require_module_c()
    volume = session.scalar(select(ProductVolume).where(ProductVolume.volume_no == str(volume_no or "").strip(),
                                                        ProductVolume.tenant_clause(identity.enterprise_id)))
    if volume is None:
        raise not_found("volume_no", "分册")
    return volume


def clean_item(item: dict) -> dict:
    """Return an item's fields stripped, blanks as None."""
    values = {}
    for field in ITEM_FIELDS:
        value = item.get(field)
        text = str(value).strip() if value is not None else ""
        values[field] = text or None
    return values


def typed_items(items) -> list[dict]:
    """Return copies of the items with the unit as typed (001, "001 台" or 台) turned into its code (C-4)."""
    unit_code = code_resolver("units")
    return [{**item, "unit": unit_code(item.get("unit"))} for item in (dict(i or {}) for i in items or ())]


def item_violations(items: list[dict], indexed: bool = True, field: str = "items") -> list[Violation]:
    """C-4: every item checked (HS code, name, unit from the code table, licence no. code:number)."""
    units = code_set("units")
    found = []
    for index, item in enumerate(items):
        where = index if indexed else None
        violations = product_item_violations(item, units, where)
        if len(item.get("name") or "") > NAME_LENGTH:
            violations.append(Violation("C-4", f"items[{index}].name" if indexed else "name",
                                        f"商品名称不能超过 {NAME_LENGTH} 个字符"))
        if field != "items":
            violations = [Violation(v.rule, field + v.field[len("items"):], v.message) for v in violations]
        found += violations
    return found


def filing_volume_violations(filing: CollectionFiling) -> list[Violation]:
    """C-2/C-3/C-4: volumes hang under a live non-bonded filing that is not past its valid-until."""
    if filing.goods_nature == "BONDED":
        return [Violation("C-4", "center_no", "保税货物集报备案无需商品信息备案，不能新增分册")]
    if filing.status == "CANCELLED":
        return [Violation("C-3", "status", "集报备案已取消资质，不能新增分册")]
    if filing.approval_valid_until is not None and clock.today() > filing.approval_valid_until:
        return [Violation("C-3", "approval_valid_until",
                          f"集报备案已于 {filing.approval_valid_until:%Y-%m-%d} 超过核准有效期，不能新增分册")]
    return []


def item_count(session, volume: ProductVolume) -> int:
    """Return how many items a volume holds."""
    return session.scalar(select(func.count()).select_from(Product).where(Product.volume_id == volume.id)) or 0


def _open_volume(session, filing: CollectionFiling) -> ProductVolume | None:
    """Return the filing's newest draft volume, the one new items fill first (C-4)."""
    return session.scalar(select(ProductVolume).where(ProductVolume.filing_id == filing.id,
                                                      ProductVolume.status == "ENTERED")
                          .order_by(ProductVolume.id.desc()).limit(1))


def _add_items(session, volume: ProductVolume, items: list[dict], first_seq: int) -> None:
    for offset, item in enumerate(items):
        session.add(Product(volume=volume, enterprise_id=volume.enterprise_id, seq=first_seq + offset, active=True,
                            **clean_item(item)))


def new_volumes(session, filing: CollectionFiling, counts: list[int], status: str = "ENTERED") -> list[ProductVolume]:
    """Create one volume per count with fresh volume numbers (no items yet)."""
    volumes = [ProductVolume(volume_no=number, filing=filing, enterprise_id=filing.enterprise_id, status=status)
               for number in numbering.next_numbers(session, "volume", len(counts))] if counts else []
    session.add_all(volumes)
    return volumes


def fill_volumes(session, filing: CollectionFiling, items: list[dict], open_volume: ProductVolume | None,
                 new_volume: bool = False) -> list[ProductVolume]:
    """Put items into the open volume up to 99, then into new volumes of 99 (C-4); return those touched."""
    count = item_count(session, open_volume) if open_volume is not None else None
    plan = plan_volume_fill(count, len(items), new_volume)
    touched = []
    position = 0
    if open_volume is not None and not new_volume and plan[0]:
        _add_items(session, open_volume, items[:plan[0]], count + 1)
        touched.append(open_volume)
        position = plan[0]
    for volume, size in zip(new_volumes(session, filing, plan[1:]), plan[1:]):
        _add_items(session, volume, items[position:position + size], 1)
        touched.append(volume)
        position += size
    return touched


def add_products(session, identity, filing: CollectionFiling, items: list[dict],
                 new_volume: bool = False) -> list[ProductVolume]:
    """Add products to the filing's draft volume, starting new volumes at 99 or on request (C-4)."""
    require_own(identity, filing)
    filing = lock(session, filing)
    violations = filing_volume_violations(filing)
    if violations:
        raise RuleError(violations, status=409 if filing.status == "CANCELLED" else 422)
    items = typed_items(items)
    if not items:
        raise RuleError([Violation("C-4", "items", "请至少录入一项商品")])
    violations = item_violations(items)
    if violations:
        raise RuleError(violations)
    touched = fill_volumes(session, filing, items, None if new_volume else _open_volume(session, filing), new_volume)
    flush(session)
    return touched


def _draft(session, identity, volume: ProductVolume, action: str) -> tuple[ProductVolume, list[Product]]:
    """Lock a draft volume for an item change and return it with its items by seq (C-4)."""
    require_own(identity, volume, "volume_no", "分册")
    volume = lock(session, volume)
    if volume.status not in VOLUME_EDITABLE:
        raise RuleError([Violation("C-4", "status", f"分册当前状态为“{PRODUCT_VOLUMES.status_name(volume.status)}”，"
                                                    f"仅暂存的分册可以{action}商品")], status=409)
    products = list(session.scalars(select(Product).where(Product.volume_id == volume.id).order_by(Product.seq)))
    return volume, products


def _touch(volume: ProductVolume) -> None:
    """Mark the volume changed even within one clock tick, so its version moves with every item change (C-4)."""
    volume.updated_at = clock.now_naive()
    flag_modified(volume, "updated_at")


def _renumber(session, volume: ProductVolume, products: list[Product], mapping: dict[int, int]) -> None:
    """Apply old→new seqs in two steps (negative first) so the unique (volume, seq) never clashes."""
    table = Product.__table__
    for old, new in mapping.items():
        session.execute(update(table).where(table.c.volume_id == volume.id, table.c.seq == old).values(seq=-new))
    session.execute(update(table).where(table.c.volume_id == volume.id, table.c.seq < 0).values(seq=-table.c.seq))
    for product in products:
        if product.seq in mapping:
            audit.record(session, table.name, product.id, "update", {"seq": (product.seq, mapping[product.seq])})
        session.expire(product)


def insert_product_before(session, identity, volume: ProductVolume, seq: int, item: dict) -> Product:
    """Insert an item before `seq` of a draft volume; that item and later ones move +1 (C-4)."""
    volume, products = _draft(session, identity, volume, "插入")
    item = typed_items([item])[0]
    violations = item_violations([item], indexed=False)
    seqs = [p.seq for p in products]
    if seq not in seqs:
        violations.append(Violation("C-4", "seq", f"分册中没有序号为 {seq} 的商品"))
    elif len(products) >= MAX_VOLUME_ITEMS:
        violations.append(Violation("C-4", "seq", f"分册已有 {MAX_VOLUME_ITEMS} 项商品，不能再插入"))
    if violations:
        raise RuleError(violations)
    _renumber(session, volume, products, renumber_after_insert(seqs, seq))
    product = Product(volume_id=volume.id, enterprise_id=volume.enterprise_id, seq=seq, active=True,
                      **clean_item(item))
    session.add(product)
    _touch(volume)
    flush(session)
    session.expire(volume, ["products"])
    return product


def delete_product(session, identity, volume: ProductVolume, seq: int, version: int | None = None) -> None:
    """Delete item `seq` of a draft volume; later items move −1 so seqs stay 1..n (C-4).

    With `version` (the volume's version the caller last read) a retried delete is refused with 409 instead of
    deleting the item renumbered into `seq` by the first attempt."""
    volume, products = _draft(session, identity, volume, "删除")
    if version is not None and volume.version != version:
        raise RuleError([Violation("C-4", "version", f"分册已被修改（当前版本 {volume.version}），请刷新后重试")],
                        status=409)
    target = next((p for p in products if p.seq == seq), None)
    if target is None:
        raise RuleError([Violation("C-4", "seq", f"分册中没有序号为 {seq} 的商品")])
    session.delete(target)
    session.flush()
    rest = [p for p in products if p is not target]
    _renumber(session, volume, rest, renumber_after_delete([p.seq for p in rest], seq))
    _touch(volume)
    flush(session)
    session.expire(volume, ["products"])


def declare_volume(session, identity, volume: ProductVolume) -> ProductVolume:
    """Declare a volume: sent (DECLARED) if its filing is approved, else waits (WAITING) until it is (C-5)."""
    require_own(identity, volume, "volume_no", "分册")
    filing = lock(session, volume.filing)  # the filing's approval then sees this volume waiting, or we see it
    volume = lock(session, volume)
    if volume.status not in VOLUME_DECLARABLE:
        raise RuleError([Violation("C-5", "status", f"分册当前状态为“{PRODUCT_VOLUMES.status_name(volume.status)}”，"
                                                    "不能申报")], status=409)
    target = volume_declare_status(filing.status)
    violations = []
    if item_count(session, volume) == 0:
        violations.append(Violation("C-4", "items", "分册中没有商品，不能申报"))
    if target is None:
        violations.append(Violation("C-5", "center_no", "所属集报备案尚未申报，分册须在备案申报后才能申报"))
    elif target == "DECLARED":
        violations += [v for v in filing_volume_violations(filing) if v.field == "approval_valid_until"]
    if violations:
        raise RuleError(violations)
    move = DECLARE_VOLUME if target == DECLARE_VOLUME.target else QUEUE_VOLUME
    message = "" if move is DECLARE_VOLUME else "已申报，待集报备案审批通过后发往海关"
    transition(session, volume, move, source="enterprise", message=message, record_no=volume.volume_no)
    return volume


def copy_volume(session, identity, volume: ProductVolume) -> ProductVolume:
    """Copy a saved volume's active items into a new draft volume of the same filing (C-4)."""
    require_own(identity, volume, "volume_no", "分册")
    filing = lock(session, volume.filing)
    violations = filing_volume_violations(filing)
    if violations:
        raise RuleError(violations, status=409 if filing.status == "CANCELLED" else 422)
    items = [{field: getattr(p, field) for field in ITEM_FIELDS} for p in volume.products if p.active]
    (copy,) = new_volumes(session, filing, [len(items)])
    _add_items(session, copy, items, 1)
    flush(session)
    return copy


def remove_volume(session, volume: ProductVolume) -> None:
    """Delete a volume with its items (no checks: callers check C-3)."""
    for product in list(session.scalars(select(Product).where(Product.volume_id == volume.id))):
        session.delete(product)
    session.delete(volume)


def delete_volume(session, identity, volume: ProductVolume) -> None:
    """Delete a volume in 暂存, 接受失败, 核准拒绝 or 取消资质 (C-4 as C-3)."""
    require_own(identity, volume, "volume_no", "分册")
    volume = lock(session, volume)
    if volume.status not in VOLUME_DELETABLE:
        raise RuleError([Violation("C-3", "status", f"分册当前状态为“{PRODUCT_VOLUMES.status_name(volume.status)}”，"
                                                    "不能删除")], status=409)
    remove_volume(session, volume)
    flush(session)


@performs(APPROVE_VOLUME)
def approve_volume(session, volume: ProductVolume, message: str = "", source: str = "customs") -> ProductVolume:
    """Customs approves: DECLARED → APPROVED with its 12-character customs volume no. (C-5)."""
    transition(session, volume, APPROVE_VOLUME, source=source, message=message, record_no=volume.volume_no,
               values={"customs_volume_no": numbering.next_number(session, "customs_volume")})
    return volume


@performs(REFUSE_VOLUME)
def refuse_volume(session, volume: ProductVolume, message: str = "", source: str = "customs") -> ProductVolume:
    """Customs refuses (核准拒绝): DECLARED → REFUSED; the enterprise may declare it again."""
    transition(session, volume, REFUSE_VOLUME, source=source, message=message, record_no=volume.volume_no)
    return volume


@performs(FAIL_VOLUME_RECEIPT)
def fail_volume_receipt(session, volume: ProductVolume, message: str = "", source: str = "customs") -> ProductVolume:
    """Customs could not accept it (接受失败): DECLARED → RECEIPT_FAILED; may be declared again."""
    transition(session, volume, FAIL_VOLUME_RECEIPT, source=source, message=message, record_no=volume.volume_no)
    return volume
