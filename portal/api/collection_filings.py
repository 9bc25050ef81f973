"""Collection filings and product volumes API (API.md "Module C"; C-1..C-7, U-5).

Every call needs a card-login token of the owning enterprise: an account token is 403 (U-5),
another enterprise's filing or volume is 404.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.api import base
from portal.api.collection_filing_schemas import (FilingChange, FilingCreate, FilingCreated, FilingOut, FilingPage,
                                                  FilingRequestCreated, FilingStatus, ProductInsert, ProductsAdd,
                                                  ProductsAdded, VolumeOut)
from portal.collection import filing_requests, filings, volumes
from portal.collection.filing_common import plain_amount, yyyymmdd
from portal.extensions import db
from portal.models import CollectionFiling, FilingRequest, Product, ProductVolume
from rules.collection import GOODS_NATURE_NAMES
from rules.lifecycle import lifecycle_of

PAGE_SIZE = 20
LIST_FILTERS = {"status": base.Param("备案状态", enum=lifecycle_of("collection_filings").codes),
                "goods_nature": base.Param("集中申报货物性质", enum=tuple(GOODS_NATURE_NAMES)),
                "customs_code": base.Param("申报地海关", max_length=10), "cursor": base.cursor_param(),
                "limit": base.limit_param(PAGE_SIZE, 100)}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def product_dict(product: Product) -> dict:
    """Return one filed product as the API shows it."""
    return {"seq": product.seq, "hs_code": product.hs_code, "name": product.name, "spec": product.spec,
            "unit": product.unit, "license_no": product.license_no, "active": product.active}


def volume_dict(volume: ProductVolume) -> dict:
    """Return a volume with its items by seq."""
    items = [product_dict(p) for p in sorted(volume.products, key=lambda p: p.seq)]
    return {"volume_no": volume.volume_no, "version": volume.version, "customs_volume_no": volume.customs_volume_no,
            "status": volume.status, "item_count": len(items), "items": items}


def filing_dict(session, filing: CollectionFiling) -> dict:
    """Return a filing with its volumes and change / extension requests (C-3..C-7)."""
    requests = session.scalars(select(FilingRequest).where(FilingRequest.filing_id == filing.id)
                               .order_by(FilingRequest.id))
    return {"center_no": filing.center_no, "status": filing.status, "customs_code": filing.customs_code,
            "enterprise_customs_code": filing.enterprise_customs_code, "enterprise_name": filing.enterprise_name,
            "goods_nature": filing.goods_nature, "ie_batches": filing.ie_batches,
            "guarantee_mode": filing.guarantee_mode, "guarantee_amount": plain_amount(filing.guarantee_amount),
            "guarantee_valid_until": yyyymmdd(filing.guarantee_valid_until),
            "approval_valid_until": _iso(filing.approval_valid_until), "declared_at": _iso(filing.declared_at),
            "volumes": [volume_dict(v) for v in filing.volumes],
            "requests": [{"id": r.id, "kind": r.kind, "status": r.status, "payload": r.payload} for r in requests]}


def _filing(center_no: str) -> CollectionFiling:
    return filings.find_filing(db.session, base.identity(), center_no)


def _volume(volume_no: str) -> ProductVolume:
    return volumes.find_volume(db.session, base.identity(), volume_no)


def _counts(touched: list[ProductVolume]) -> list[dict]:
    return [{"volume_no": v.volume_no, "item_count": volumes.item_count(db.session, v)} for v in touched]


@base.endpoint("/collection-filings", methods=("POST",), body=FilingCreate, response=FilingCreated, status=201,
               summary="暂存集报备案：企业海关编码、名称取自企业记录，首次保存分配中心统一编号 (C-1, C-2)")
def create_collection_filing():
    """Save a new collection filing in 录入 (ENTERED)."""
    body = base.parse_body(FilingCreate).model_dump(exclude_unset=True)
    filing = filings.save_filing(db.session, base.identity(), body)
    db.session.commit()
    return base.ok({"center_no": filing.center_no, "status": filing.status}, 201)


@base.endpoint("/collection-filings/<center_no>", methods=("PATCH",), body=FilingCreate, response=FilingCreated,
               summary="修改集报备案（录入、接受失败、核准拒绝状态，否则 409）(C-2, C-3)")
def update_collection_filing(center_no: str):
    """Save changes to a filing that has not been declared (or was sent back)."""
    body = base.parse_body(FilingCreate).model_dump(exclude_unset=True)
    filing = filings.save_filing(db.session, base.identity(), body, _filing(center_no))
    db.session.commit()
    return base.ok({"center_no": filing.center_no, "status": filing.status})


@base.endpoint("/collection-filings/<center_no>", methods=("DELETE",), status=204,
               summary="删除集报备案（录入、接受失败、核准拒绝、取消资质状态，否则 409）(C-3)")
def delete_collection_filing(center_no: str):
    """Delete a filing with its volumes."""
    filings.delete_filing(db.session, base.identity(), _filing(center_no))
    db.session.commit()
    return "", 204


@base.endpoint("/collection-filings/<center_no>/copy", methods=("POST",), response=FilingCreated, status=201,
               summary="复制集报备案为新的录入备案 (C-3)")
def copy_collection_filing(center_no: str):
    """Copy a filing into a new ENTERED filing."""
    filing = filings.copy_filing(db.session, base.identity(), _filing(center_no))
    db.session.commit()
    return base.ok({"center_no": filing.center_no, "status": filing.status}, 201)


@base.endpoint("/collection-filings/<center_no>/declare", methods=("POST",), response=FilingStatus,
               summary="申报集报备案：再次校验 C-1、C-2 (C-3)")
def declare_collection_filing(center_no: str):
    """Declare a saved filing to customs."""
    filing = filings.declare_filing(db.session, base.identity(), _filing(center_no))
    db.session.commit()
    return base.ok({"status": filing.status})


@base.endpoint("/collection-filings/<center_no>/products", methods=("POST",), body=ProductsAdd,
               response=ProductsAdded, status=201,
               summary="录入备案商品：填满当前暂存分册至 99 项后自动新增分册 (C-4)")
def add_collection_products(center_no: str):
    """Add products to the filing's volumes."""
    body = base.parse_body(ProductsAdd)
    touched = volumes.add_products(db.session, base.identity(), _filing(center_no),
                                   [item.model_dump() for item in body.items], body.new_volume)
    db.session.commit()
    return base.ok({"volumes": _counts(touched)}, 201)


@base.endpoint("/collection-filings/<center_no>/changes", methods=("POST",), body=FilingChange,
               response=FilingRequestCreated, status=201,
               summary="备案变更：仅审批通过的备案、无未决变更；可改批次、担保，新增或停用商品 (C-6)")
def request_collection_filing_change(center_no: str):
    """Declare a change of an approved filing."""
    body = base.parse_body(FilingChange).model_dump(exclude_unset=True)
    change = filing_requests.request_filing_change(db.session, base.identity(), _filing(center_no), body)
    db.session.commit()
    return base.ok({"id": change.id, "status": change.status}, 201)


@base.endpoint("/collection-filings/<center_no>/extension", methods=("POST",), response=FilingRequestCreated,
               status=201, summary="备案延期：仅保税货物，核准有效期到期前 10 天内 (C-7)")
def request_collection_filing_extension(center_no: str):
    """Declare an extension of an approved bonded filing."""
    extension = filing_requests.request_filing_extension(db.session, base.identity(), _filing(center_no))
    db.session.commit()
    return base.ok({"id": extension.id, "status": extension.status}, 201)


@base.endpoint("/collection-filings/<center_no>", response=FilingOut,
               summary="集报备案详情：状态、分册（备案分册海关编号、商品）、变更/延期申请")
def get_collection_filing(center_no: str):
    """Return a filing with its volumes and requests."""
    return base.ok(filing_dict(db.session, _filing(center_no)))


@base.endpoint("/collection-filings", response=FilingPage, query=LIST_FILTERS, summary="本企业集报备案列表（新的在前）")
def list_collection_filings():
    """List the enterprise's collection filings, newest first."""
    identity = base.identity()
    identity.require_module_c()
    args = base.query_args()
    limit, cursor = args["limit"] or PAGE_SIZE, args["cursor"]
    query = select(CollectionFiling).where(CollectionFiling.tenant_clause(identity.enterprise_id))
    for name in ("status", "goods_nature", "customs_code"):
        if args[name] is not None:
            query = query.where(getattr(CollectionFiling, name) == args[name])
    if cursor is not None:
        query = query.where(CollectionFiling.id < cursor)
    rows = list(db.session.scalars(query.order_by(CollectionFiling.id.desc()).limit(limit + 1)))
    counts = dict(db.session.execute(select(ProductVolume.filing_id, func.count()).where(
        ProductVolume.filing_id.in_([f.id for f in rows])).group_by(ProductVolume.filing_id)).all())
    items = [{"center_no": f.center_no, "status": f.status, "customs_code": f.customs_code,
              "goods_nature": f.goods_nature, "approval_valid_until": _iso(f.approval_valid_until),
              "volume_count": counts.get(f.id, 0)} for f in rows[:limit]]
    return base.ok({"items": items, "next": str(rows[limit - 1].id) if len(rows) > limit else None})


@base.endpoint("/volumes/<volume_no>", response=VolumeOut, summary="分册详情：状态、备案分册海关编号、商品")
def get_product_volume(volume_no: str):
    """Return a volume with its items."""
    return base.ok(volume_dict(_volume(volume_no)))


@base.endpoint("/volumes/<volume_no>/declare", methods=("POST",), response=FilingStatus,
               summary="申报分册：备案已审批通过则发往海关（DECLARED），否则待发送（WAITING）(C-5)")
def declare_product_volume(volume_no: str):
    """Declare a volume."""
    volume = volumes.declare_volume(db.session, base.identity(), _volume(volume_no))
    db.session.commit()
    return base.ok({"status": volume.status})


@base.endpoint("/volumes/<volume_no>/copy", methods=("POST",), response=VolumeOut, status=201,
               summary="复制分册的有效商品为新的暂存分册 (C-4)")
def copy_product_volume(volume_no: str):
    """Copy a volume into a new draft volume of the same filing."""
    volume = volumes.copy_volume(db.session, base.identity(), _volume(volume_no))
    db.session.commit()
    return base.ok(volume_dict(volume), 201)


@base.endpoint("/volumes/<volume_no>", methods=("DELETE",), status=204,
               summary="删除分册（暂存、接受失败、核准拒绝、取消资质状态，否则 409）(C-3, C-4)")
def delete_product_volume(volume_no: str):
    """Delete a volume with its items."""
    volumes.delete_volume(db.session, base.identity(), _volume(volume_no))
    db.session.commit()
    return "", 204


@base.endpoint("/volumes/<volume_no>/items", methods=("POST",), body=ProductInsert, response=VolumeOut, status=201,
               summary="在暂存分册的某项商品前插入商品，其后序号加 1 (C-4)")
def insert_volume_item(volume_no: str):
    """Insert an item before a seq of a draft volume."""
    body = base.parse_body(ProductInsert)
    volume = _volume(volume_no)
    volumes.insert_product_before(db.session, base.identity(), volume, body.before, body.item.model_dump())
    db.session.commit()
    return base.ok(volume_dict(volume), 201)


@base.endpoint("/volumes/<volume_no>/items/<int:seq>", methods=("DELETE",), response=VolumeOut,
               query={"version": base.Param("分册的 version（上次读取的值）：不符时 409，重试不会删除重新编号后的下一项 (C-4)",
                                            "integer")},
               summary="删除暂存分册的一项商品，其后序号减 1；带 version 可安全重试 (C-4)")
def delete_volume_item(volume_no: str, seq: int):
    """Delete an item of a draft volume."""
    volume = _volume(volume_no)
    volumes.delete_product(db.session, base.identity(), volume, seq, base.query_args()["version"])
    db.session.commit()
    return base.ok(volume_dict(volume))
