"""集报备案 pages (seed 004 §6.1): 企业资质备案 form, 备案表查询, 企业备案变更, 延期, print (C-1..C-3, C-6, C-7).

The form posts the body of POST /api/v1/collection-filings and calls save_filing / declare_filing;
enterprise code, name and guarantee mode are filled by the operation from the enterprise record
(grey, never posted). Product volumes live in volumes.py.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.collection import filing_requests, filings
from portal.collection.filing_common import config_value, filing_values, plain_amount, yyyymmdd
from portal.collection_pages import bp
from portal.collection_pages.common import (Column, attempt, code_label, errors_by_field, flash_refusal, identity,
                                            keyset_page, next_page_url, pdf_response, posted_fields, posted_rows,
                                            query_cursor, receipts_of, text)
from portal.extensions import db
from portal.i18n import LocalizedNames, status_name
from portal.models import CollectionFiling, Enterprise, FilingRequest, Product, ProductVolume
from portal.pdf import Column as PrintedColumn
from portal.pdf import PrintedTable, render_pdf
from rules.collection import FILING_CHANGEABLE_FIELDS, GOODS_NATURE_NAMES, extension_violations
from rules.lifecycle import lifecycle_of
from rules.lifecycles_collection import COLLECTION_FILINGS

FORM_FIELDS = ("customs_code", "goods_nature", "ie_batches", "guarantee_amount", "guarantee_valid_until")
FILING_EDITABLE = filings.FILING_EDITABLE
QUERY_FILTERS = ("status", "goods_nature", "customs_code", "center_no")
PRODUCT_COLUMNS = (Column("hs_code", "商品编码", required=True, maxlength=10, width="9rem", placeholder="10 位数字"),
                   Column("name", "商品名称", required=True, maxlength=200, width="12rem"),
                   Column("spec", "规格型号（申报要素）", width="16rem"),
                   Column("unit", "计量单位", "datalist", required=True, table="units", width="7rem"),
                   Column("license_no", "许可证编号", maxlength=60, width="10rem", placeholder="代码:编号"))
PRODUCT_FIELDS = tuple(c.name for c in PRODUCT_COLUMNS)
REQUEST_KIND_NAMES = filing_requests.KIND_NAMES
PRINTED_PRODUCT_COLUMNS = (
    PrintedColumn("分册编号", "volume_no", 16), PrintedColumn("序号", "seq", 6, "center"),
    PrintedColumn("商品编码", "hs_code", 11), PrintedColumn("商品名称", "name", 17), PrintedColumn("规格型号", "spec", 24),
    PrintedColumn("计量单位", "unit", 8), PrintedColumn("许可证编号", "license_no", 12),
    PrintedColumn("状态", "active", 6, "center"))


def _find(center_no: str) -> CollectionFiling:
    return filings.find_filing(db.session, identity(), center_no)


def _enterprise() -> Enterprise:
    return db.session.get(Enterprise, identity().enterprise_id)


def _system_values(filing: CollectionFiling | None, goods_nature: str | None) -> dict:
    """The grey fields: what the declared filing holds, or what a save fills from the enterprise (C-2)."""
    if filing is not None and filing.status not in FILING_EDITABLE:
        code, name, mode = filing.enterprise_customs_code, filing.enterprise_name, filing.guarantee_mode
    else:
        enterprise = _enterprise()
        code, name = enterprise.registration_code or "", enterprise.name_zh
        mode = enterprise.guarantee_mode or (filing.guarantee_mode if filing is not None else None)
    return {"enterprise_customs_code": code, "enterprise_name": name,
            "guarantee_mode": "" if goods_nature == "BONDED" else code_label("guarantee_modes", mode),
            "center_no": filing.center_no if filing else "",
            "status": status_name("collection_filings", filing.status if filing else COLLECTION_FILINGS.initial)}


def extension_refusal(filing: CollectionFiling) -> list:
    """Return why an extension is not possible today (C-7), empty when it is."""
    return extension_violations(filing.goods_nature, filing.status, filing.approval_valid_until, clock.today(),
                                config_value("BONDED_EXTENSION_WINDOW_DAYS", 10))


def render_filing(filing: CollectionFiling | None, values: dict | None = None, violations=(), status: int = 200,
                  product_rows=None, product_violations=()):
    """Show the 企业资质备案 form with its volumes, requests and receipts; refusals beside their fields."""
    values = values if values is not None else (filing_values(filing) if filing else {"goods_nature": "GENERAL"})
    editable = filing is None or filing.status in FILING_EDITABLE
    volumes = list(filing.volumes) if filing else []
    counts = dict(db.session.execute(select(Product.volume_id, func.count()).where(
        Product.volume_id.in_([v.id for v in volumes])).group_by(Product.volume_id)).all()) if volumes else {}
    requests = list(db.session.scalars(select(FilingRequest).where(FilingRequest.filing_id == filing.id)
                                       .order_by(FilingRequest.id.desc()))) if filing else []
    return render_template(
        "collection/filing_form.html", filing=filing, values=values, editable=editable,
        system=_system_values(filing, values.get("goods_nature")), violations=list(violations),
        errors=errors_by_field(violations), volumes=volumes, counts=counts, requests=requests,
        receipts=receipts_of(filing) if filing else [], extension_refusal=extension_refusal(filing) if filing else [],
        product_columns=PRODUCT_COLUMNS, product_rows=product_rows or [{}] * 5,
        product_violations=list(product_violations), product_errors=errors_by_field(product_violations),
        request_kind_names=LocalizedNames(REQUEST_KIND_NAMES), goods_natures=LocalizedNames(GOODS_NATURE_NAMES),
        active_menu="collection.new_filing"), status


def _save(filing: CollectionFiling | None):
    """暂存 / 申报 a posted form: save first (the draft is kept), then declare when asked (C-2, C-3)."""
    body = posted_fields(request.form, FORM_FIELDS)
    saved, error = attempt(lambda: filings.save_filing(db.session, identity(), body, filing))
    if error is not None:
        return render_filing(filing, {**(filing_values(filing) if filing else {}), **body}, error.violations,
                             error.status)
    if request.form.get("action") == "declare":
        _done, error = attempt(lambda: filings.declare_filing(db.session, identity(), saved))
        if error is not None:
            db.session.refresh(saved)
            return render_filing(saved, violations=error.violations, status=error.status)
        flash(_("申报成功：集报备案 %(no)s 已发往海关，审批结果可在“备案表查询”中查看。", no=saved.center_no), "success")
    else:
        flash(_("暂存成功，备案企业中心统一编号：%(no)s（请记录，录入商品信息和集报清单时使用）", no=saved.center_no), "success")
    return redirect(url_for("collection.filing", center_no=saved.center_no))


@bp.route("/filings/new", methods=["GET", "POST"])
def new_filing():
    """企业资质备案: a new filing; 暂存 assigns the center unified no. (C-1, C-2)."""
    if request.method == "POST":
        return _save(None)
    return render_filing(None)


@bp.route("/filings/<center_no>", methods=["GET", "POST"])
def filing(center_no: str):
    """One filing: editable while 录入 / 接受失败 / 核准拒绝, read-only otherwise (C-3)."""
    found = _find(center_no)
    if request.method == "POST":
        return _save(found)
    return render_filing(found)


@bp.route("/filings/<center_no>/copy", methods=["POST"])
def copy_filing(center_no: str):
    """备案复制: a new 录入 filing with the same fields (C-3)."""
    copy, error = attempt(lambda: filings.copy_filing(db.session, identity(), _find(center_no)))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.filing", center_no=center_no))
    flash(_("已复制为新的集报备案 %(no)s（录入状态）", no=copy.center_no), "success")
    return redirect(url_for("collection.filing", center_no=copy.center_no))


@bp.route("/filings/<center_no>/delete", methods=["POST"])
def delete_filing(center_no: str):
    """备案删除: only 录入, 接受失败, 核准拒绝, 取消资质 filings, with their volumes (C-3)."""
    _done, error = attempt(lambda: filings.delete_filing(db.session, identity(), _find(center_no)))
    if error is not None:
        flash_refusal(error)
        return redirect(url_for("collection.filing", center_no=center_no))
    flash(_("已删除集报备案 %(no)s", no=center_no), "success")
    return redirect(url_for("collection.filings_query"))


@bp.route("/filings/<center_no>/print.pdf")
def filing_pdf(center_no: str):
    """备案打印: the filing with its volumes and products as a PDF (P-3)."""
    found = _find(center_no)
    products = [{"volume_no": v.volume_no, "seq": p.seq, "hs_code": p.hs_code, "name": p.name, "spec": p.spec or "—",
                 "unit": code_label("units", p.unit), "license_no": p.license_no or "—",
                 "active": "有效" if p.active else "停用"}
                for v in found.volumes for p in v.products]
    content = render_pdf("pdf/collection_filing.html",
                         tables={"products": PrintedTable("备案表体（商品信息）", PRINTED_PRODUCT_COLUMNS, products)},
                         caption=f"集报备案表 {found.center_no}", filing=found,
                         status_name=COLLECTION_FILINGS.status_name(found.status),
                         nature=GOODS_NATURE_NAMES.get(found.goods_nature, found.goods_nature),
                         customs=code_label("customs", found.customs_code),
                         guarantee_mode=code_label("guarantee_modes", found.guarantee_mode),
                         amount=plain_amount(found.guarantee_amount), until=yyyymmdd(found.guarantee_valid_until),
                         volumes=[(v, len(v.products)) for v in found.volumes],
                         volume_status_names=lifecycle_of("product_volumes").names(),
                         filing_status_names=COLLECTION_FILINGS.names(),
                         receipts=receipts_of(found),
                         printed_at=clock.now_naive().strftime("%Y-%m-%d %H:%M:%S"))
    return pdf_response(content, f"{found.center_no}.pdf")


@bp.route("/filings")
def filings_query():
    """备案表查询: the enterprise's filings by status, goods nature, customs or number, newest first."""
    return _filing_list("collection/filings.html", "collection.filings_query")


@bp.route("/filings/changes")
def filing_changes():
    """企业备案变更: approved filings, each with 变更 and 延期 where allowed (C-6, C-7)."""
    return _filing_list("collection/filing_changes.html", "collection.filing_changes", status="APPROVED")


def _filing_list(template: str, endpoint: str, status: str | None = None):
    filters = {name: text(request.args.get(name)) or "" for name in QUERY_FILTERS}
    query = select(CollectionFiling).where(CollectionFiling.tenant_clause(identity().enterprise_id))
    if status:
        filters["status"] = status
    for name in QUERY_FILTERS:
        if filters[name]:
            query = query.where(getattr(CollectionFiling, name) == filters[name])
    rows, cursor = keyset_page(db.session, query, CollectionFiling, query_cursor())
    counts = dict(db.session.execute(select(ProductVolume.filing_id, func.count()).where(
        ProductVolume.filing_id.in_([f.id for f in rows])).group_by(ProductVolume.filing_id)).all()) if rows else {}
    return render_template(template, rows=rows, counts=counts, filters=filters,
                           next_url=next_page_url(endpoint, cursor), paged=query_cursor() is not None,
                           extension_refusal=extension_refusal,
                           active_menu=endpoint)


def _disable_refs(values) -> list[dict]:
    """Turn ticked "volume_no:seq" boxes into the API's disable_items."""
    refs = []
    for value in values:
        volume_no, _sep, seq = value.partition(":")
        if seq.isdigit():
            refs.append({"volume_no": volume_no, "seq": int(seq)})
    return refs


@bp.route("/filings/<center_no>/change", methods=["GET", "POST"])
def filing_change(center_no: str):
    """变更企业资质/商品信息: batches and guarantee fields, add new items, disable items (C-6)."""
    found = _find(center_no)
    body, violations, status = None, [], 200
    if request.method == "POST":
        body = posted_fields(request.form, FILING_CHANGEABLE_FIELDS)
        body["add_items"] = posted_rows(request.form, "add_items", PRODUCT_FIELDS)
        body["disable_items"] = _disable_refs(request.form.getlist("disable"))
        change, error = attempt(lambda: filing_requests.request_filing_change(db.session, identity(), found, body))
        if error is None:
            flash(_("备案变更已申报（申请编号 %(id)s），海关审批通过后生效。", id=change.id), "success")
            return redirect(url_for("collection.filing", center_no=center_no))
        db.session.refresh(found)
        violations, status = error.violations, error.status
    current = filing_values(found)
    values = body or {name: current.get(name) for name in FILING_CHANGEABLE_FIELDS}
    approved = [(v, p) for v in found.volumes if v.status == "APPROVED" for p in v.products]
    disabled = {f"{ref['volume_no']}:{ref['seq']}" for ref in (body or {}).get("disable_items", [])}
    return render_template("collection/filing_change.html", filing=found, current=current, values=values,
                           add_rows=(body or {}).get("add_items") or [{}] * 3, approved=approved, disabled=disabled,
                           product_columns=PRODUCT_COLUMNS, violations=violations, errors=errors_by_field(violations),
                           editable=True, active_menu="collection.filing_changes"), status


@bp.route("/filings/<center_no>/extension", methods=["GET", "POST"])
def filing_extension(center_no: str):
    """企业资质延期申请: bonded filings within 10 days before the approval valid-until (C-7)."""
    found = _find(center_no)
    violations, status = [], 200
    if request.method == "POST":
        extension, error = attempt(lambda: filing_requests.request_filing_extension(db.session, identity(), found))
        if error is None:
            flash(_("延期申请已申报（申请编号 %(id)s），海关审批通过后核准有效期顺延。", id=extension.id), "success")
            return redirect(url_for("collection.filing", center_no=center_no))
        db.session.refresh(found)
        violations, status = error.violations, error.status
    return render_template("collection/filing_extension.html", filing=found, values=filing_values(found),
                           refusal=extension_refusal(found), violations=violations,
                           errors=errors_by_field(violations), editable=False,
                           active_menu="collection.filing_changes"), status
