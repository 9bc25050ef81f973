"""企业商品信息备案 pages (seed 004 §6.1.2): add products in rows, volumes of 99, insert, delete, declare (C-4, C-5).

Rows post the body of POST /api/v1/collection-filings/<center_no>/products and call add_products;
the 100th item starts a new volume automatically and the page says which volume each row went to.
A volume's items are inserted and deleted with insert_product_before / delete_product (drafts only).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.collection import filings, volumes
from portal.collection_pages import bp
from portal.collection_pages.common import (attempt, errors_by_field, flash_refusal, identity, posted_fields,
                                            posted_rows, receipts_of, text)
from portal.collection_pages.filings import PRODUCT_COLUMNS, PRODUCT_FIELDS, render_filing
from portal.extensions import db
from portal.models import Product, ProductVolume
from rules.violations import Violation


def _find(volume_no: str) -> ProductVolume:
    return volumes.find_volume(db.session, identity(), volume_no)


def _counts(filing) -> dict[int, int]:
    """Return the item count of each volume of the filing."""
    return dict(db.session.execute(select(Product.volume_id, func.count()).join(ProductVolume).where(
        ProductVolume.filing_id == filing.id).group_by(Product.volume_id)).all())


def fill_report(before: dict[int, int], touched: list[ProductVolume]) -> list[str]:
    """Say which rows went to which volume: ["第 1–99 项 → 分册 X（现有 99 项）", …] (C-4)."""
    parts, first = [], 1
    for volume in touched:
        total = volumes.item_count(db.session, volume)
        added = total - before.get(volume.id, 0)
        parts.append(_("第 %(a)s–%(b)s 项 → 分册 %(no)s（现有 %(n)s 项）", a=first, b=first + added - 1,
                       no=volume.volume_no, n=total))
        first += added
    return parts


@bp.route("/filings/products")
def product_entry():
    """企业商品信息备案: type the 备案企业中心统一编号 and go to its volumes (seed 004 §6.1.2)."""
    center_no = text(request.args.get("center_no"))
    if center_no:
        found = filings.find_filing(db.session, identity(), center_no)
        return redirect(url_for("collection.filing", center_no=found.center_no, _anchor="products"))
    return render_template("collection/product_entry.html", active_menu="collection.product_entry")


@bp.route("/filings/<center_no>/products", methods=["POST"])
def add_products(center_no: str):
    """新增商品 rows (or 新增分册 with them): fill the draft volume to 99, then new volumes (C-4)."""
    found = filings.find_filing(db.session, identity(), center_no)
    rows = posted_rows(request.form, "items", PRODUCT_FIELDS)
    new_volume = request.form.get("action") == "new_volume"
    before = _counts(found)

    def add():
        touched = volumes.add_products(db.session, identity(), found, rows, new_volume)
        return fill_report(before, touched)
    report, error = attempt(add)
    if error is not None:
        db.session.refresh(found)
        return render_filing(found, status=error.status, product_rows=rows or [{}] * 5,
                             product_violations=error.violations)
    message = _("已录入 %(n)s 项商品：%(report)s。", n=len(rows), report="；".join(report))
    if len(report) > 1:
        message += _("每一分册最多 99 项，超出部分已自动新增分册（C-4）。")
    flash(message, "success")
    return redirect(url_for("collection.filing", center_no=center_no, _anchor="products"))


def render_volume(volume: ProductVolume, violations=(), status: int = 200, item: dict | None = None):
    """Show a volume: its items by seq, the insert form and the volume actions."""
    return render_template("collection/volume.html", volume=volume, filing=volume.filing,
                           products=list(volume.products), editable=volume.status in volumes.VOLUME_EDITABLE,
                           declarable=volume.status in volumes.VOLUME_DECLARABLE,
                           receipts=receipts_of(volume), item=item or {}, product_columns=PRODUCT_COLUMNS,
                           violations=list(violations), errors=errors_by_field(violations),
                           active_menu="collection.product_entry"), status


@bp.route("/volumes/<volume_no>")
def volume(volume_no: str):
    """One volume (分册) with its items."""
    return render_volume(_find(volume_no))


@bp.route("/volumes/<volume_no>/items", methods=["POST"])
def insert_product(volume_no: str):
    """商品插入: insert an item before the chosen seq; it and the later ones move +1 (C-4)."""
    found = _find(volume_no)
    item = posted_fields(request.form, PRODUCT_FIELDS)
    before = text(request.form.get("seq"))
    if before is None or not before.isdigit():
        return render_volume(found, [Violation("C-4", "seq", "请选择要在哪一项商品之前插入")], 422, item)
    _done, error = attempt(lambda: volumes.insert_product_before(db.session, identity(), found, int(before), item))
    if error is not None:
        db.session.refresh(found)
        return render_volume(found, error.violations, error.status, {**item, "seq": before})
    flash(_("已在第 %(seq)s 项前插入商品，其后各项序号加 1", seq=before), "success")
    return redirect(url_for("collection.volume", volume_no=volume_no))


@bp.route("/volumes/<volume_no>/items/<int:seq>/delete", methods=["POST"])
def delete_product(volume_no: str, seq: int):
    """商品删除: delete an item of a draft volume; later items move −1 (C-4)."""
    _done, error = attempt(lambda: volumes.delete_product(db.session, identity(), _find(volume_no), seq))
    if error is not None:
        flash_refusal(error)
    else:
        flash(_("已删除第 %(seq)s 项商品，其后各项序号减 1", seq=seq), "success")
    return redirect(url_for("collection.volume", volume_no=volume_no))


@bp.route("/volumes/<volume_no>/declare", methods=["POST"])
def declare_volume(volume_no: str):
    """分册申报: sent when the filing is approved, else waits as 待发送 (C-5)."""
    declared, error = attempt(lambda: volumes.declare_volume(db.session, identity(), _find(volume_no)))
    if error is not None:
        flash_refusal(error)
    elif declared.status == "WAITING":
        flash(_("分册已申报，待集报备案海关审批通过后自动发往海关（待发送）"), "success")
    else:
        flash(_("分册已申报并发往海关"), "success")
    return redirect(url_for("collection.volume", volume_no=volume_no))


@bp.route("/volumes/<volume_no>/copy", methods=["POST"])
def copy_volume(volume_no: str):
    """分册复制: the active items into a new draft volume of the same filing (C-4)."""
    copy, error = attempt(lambda: volumes.copy_volume(db.session, identity(), _find(volume_no)))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.volume", volume_no=volume_no))
    flash(_("已复制为新的暂存分册 %(no)s", no=copy.volume_no), "success")
    return redirect(url_for("collection.volume", volume_no=copy.volume_no))


@bp.route("/volumes/<volume_no>/delete", methods=["POST"])
def delete_volume(volume_no: str):
    """分册删除: 暂存, 接受失败, 核准拒绝 or 取消资质 volumes only (C-3, C-4)."""
    found = _find(volume_no)
    center_no = found.filing.center_no
    _done, error = attempt(lambda: volumes.delete_volume(db.session, identity(), found))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.volume", volume_no=volume_no))
    flash(_("已删除分册 %(no)s", no=volume_no), "success")
    return redirect(url_for("collection.filing", center_no=center_no, _anchor="products"))
