"""集中申报: collection filings, volumes, products, lists, modify/revoke requests, and the reference
registers the list checks read (licences, manifests, bonded books) (SPEC §4.1–4.3)."""
from __future__ import annotations

from admin_views.base import SecureModelView
from admin_views.lifecycle_view import LifecycleView
from admin_views.corrections import CorrectionMixin
from admin_views.labels import (BOOK_TYPE_NAMES, CHANGE_REQUEST_TYPE_NAMES, FILING_REQUEST_KIND_NAMES,
                                GOODS_NATURE_NAMES, LIST_TYPE_NAMES, choices, status_choices)
from portal import models as m
from portal.collection.corrections import correct_final_list
from portal.collection.filings import correct_filing
from portal.collection.lists import correct_list, correct_list_item, discard_list
from rules.lists import MODIFIABLE_HEAD_FIELDS, MODIFIABLE_ITEM_FIELDS

CATEGORY = "集中申报"
REFERENCE_CATEGORY = "清单核对登记簿"


class CollectionFilingAdmin(LifecycleView):
    column_list = ["id", "center_no", "enterprise_id", "customs_code", "goods_nature", "status",
                   "guarantee_mode", "guarantee_valid_until", "approval_valid_until", "declared_at"]
    column_choices = {"goods_nature": choices(GOODS_NATURE_NAMES), "status": status_choices("collection_filings")}
    column_searchable_list = ["center_no"]
    column_filters = ["status", "goods_nature", "customs_code", "enterprise_id", "approval_valid_until",
                      "declared_at"]
    system_filled = ("center_no", "enterprise", "enterprise_customs_code", "enterprise_name",
                     "approval_valid_until", "declared_at", "volumes")
    code_rule = "C-2"
    update_operation = staticmethod(correct_filing)  # the save checks and effects of the pages (C-1, C-2)


class FilingRequestAdmin(LifecycleView):
    allow_edit = False
    column_list = ["id", "filing_id", "enterprise_id", "kind", "status", "created_at", "status_changed_at"]
    column_choices = {"kind": choices(FILING_REQUEST_KIND_NAMES), "status": status_choices("filing_requests")}
    column_filters = ["filing_id", "enterprise_id", "kind", "status", "created_at"]


class ProductVolumeAdmin(LifecycleView):
    allow_edit = False
    column_list = ["id", "volume_no", "customs_volume_no", "filing_id", "enterprise_id", "status",
                   "status_changed_at"]
    column_choices = {"status": status_choices("product_volumes")}
    column_searchable_list = ["volume_no", "customs_volume_no"]
    column_filters = ["status", "filing_id", "enterprise_id"]


class ProductAdmin(LifecycleView):
    """Approved items are never edited, only disabled (C-6)."""

    form_columns = ("active",)
    column_list = ["id", "volume_id", "seq", "hs_code", "name", "spec", "unit", "license_no", "active"]
    column_searchable_list = ["hs_code", "name"]
    column_filters = ["volume_id", "enterprise_id", "unit", "active"]
    labels = {"name": "商品名称"}


class ListHeadAdmin(CorrectionMixin, LifecycleView):
    """Drafts are edited and deleted here; a cleared or aggregated list is corrected by 更正 (C-17 fields, C-22)."""

    large_register = True
    column_list = ["id", "center_no", "list_type", "status", "enterprise_id", "customs_code", "filing_no",
                   "transport_mode", "bill_no", "declare_date", "trade_mode", "overdue"]
    column_choices = {"list_type": choices(LIST_TYPE_NAMES), "status": status_choices("list_heads")}
    column_searchable_list = ["center_no", "filing_no"]
    column_filters = ["status", "list_type", "customs_code", "filing_no", "enterprise_id", "declare_date",
                      "transport_mode", "overdue"]
    system_filled = ("center_no", "enterprise", "filing_id", "declare_date", "trade_mode",
                     "aggregation_id", "overdue", "items")
    labels = {"customs_code": "申报地海关"}
    code_rules = {"customs_code": "C-8", "transport_mode": "C-11"}
    update_operation = staticmethod(correct_list)  # the save checks and effects of the pages (C-8, C-10)
    allow_delete = True                             # 暂存 lists only (C-14), confirmed with an opinion (S-3)
    delete_operation = staticmethod(discard_list)
    correction_fields = MODIFIABLE_HEAD_FIELDS

    def correct(self, session, record, values, reason):
        correct_final_list(session, record, values, reason)


class ListItemAdmin(CorrectionMixin, LifecycleView):
    """Items follow their list; only the spec may be re-classified (重新归类, C-10) in a draft; an item of a
    cleared or aggregated list is corrected by 更正 (C-17 fields, C-22)."""

    large_register = True
    form_columns = ("spec",)
    column_list = ["id", "list_id", "seq", "filing_seq", "hs_code", "name", "qty", "unit", "unit_price", "total",
                   "currency", "country"]
    column_searchable_list = ["name"]
    update_operation = staticmethod(correct_list_item)
    correction_fields = MODIFIABLE_ITEM_FIELDS

    def correct(self, session, record, values, reason):
        index = sorted(item.seq for item in record.head.items).index(record.seq)
        changes = {f"items[{index}].{name}": value for name, value in values.items()}
        correct_final_list(session, record.head, changes, reason)
    column_filters = ["list_id", "enterprise_id", "currency", "country"]
    labels = {"name": "商品名称"}


class ChangeRequestAdmin(LifecycleView):
    allow_edit = False
    column_list = ["id", "list_id", "request_type", "status", "enterprise_id", "reason", "contact", "phone",
                   "created_at"]
    column_choices = {"request_type": choices(CHANGE_REQUEST_TYPE_NAMES),
                      "status": status_choices("change_requests")}
    column_filters = ["request_type", "status", "list_id", "enterprise_id", "created_at"]


class LicenceAdmin(SecureModelView):
    form_columns = ("license_no", "license_code", "enterprise_id", "quantity", "valid_until")
    column_list = ["id", "license_no", "license_code", "enterprise_id", "quantity", "valid_until"]
    column_searchable_list = ["license_no"]
    column_filters = ["enterprise_id", "license_code", "valid_until"]
    labels = {"license_code": "许可证类别代码", "enterprise_id": "企业ID"}


class LicenceGoodAdmin(SecureModelView):
    column_list = ["id", "licence_id", "hs_code"]
    column_searchable_list = ["hs_code"]
    column_filters = ["licence_id", "hs_code"]


class ManifestAdmin(SecureModelView):
    column_list = ["id", "bill_no", "vessel_name", "voyage_no", "packages", "gross_weight", "net_weight"]
    column_searchable_list = ["bill_no"]
    column_filters = ["vessel_name", "voyage_no"]


class BondedBookAdmin(SecureModelView):
    form_columns = ("book_no", "book_type", "enterprise_id", "valid_until")
    column_list = ["id", "book_no", "book_type", "enterprise_id", "valid_until"]
    column_choices = {"book_type": choices(BOOK_TYPE_NAMES)}
    column_searchable_list = ["book_no"]
    column_filters = ["enterprise_id", "book_type", "valid_until"]
    labels = {"enterprise_id": "企业ID"}


class BondedBookItemAdmin(SecureModelView):
    column_list = ["id", "book_id", "seq", "hs_code", "name", "spec", "unit", "active"]
    column_searchable_list = ["hs_code", "name"]
    column_filters = ["book_id", "unit", "active"]
    labels = {"name": "商品名称"}


def add_views(admin) -> None:
    """Add the module C registers and the reference registers its checks read."""
    for view, model in [(CollectionFilingAdmin, m.CollectionFiling), (FilingRequestAdmin, m.FilingRequest),
                        (ProductVolumeAdmin, m.ProductVolume), (ProductAdmin, m.Product),
                        (ListHeadAdmin, m.ListHead), (ListItemAdmin, m.ListItem),
                        (ChangeRequestAdmin, m.ChangeRequest)]:
        admin.add_view(view(model, category=CATEGORY))
    for view, model in [(LicenceAdmin, m.Licence), (LicenceGoodAdmin, m.LicenceGood), (ManifestAdmin, m.Manifest),
                        (BondedBookAdmin, m.BondedBook), (BondedBookItemAdmin, m.BondedBookItem)]:
        admin.add_view(view(model, category=REFERENCE_CATEGORY))
