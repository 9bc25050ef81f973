"""汇总与报关单: aggregation requests, declarations, their items and consolidation mappings (SPEC §4.4)."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from admin_views.base import ReadOnlyView, _identity
from admin_views.lifecycle_view import LifecycleView
from admin_views.labels import IE_FLAG_NAMES, choices, status_choices
from portal import models as m

CATEGORY = "汇总与报关单"


class AggregationRequestAdmin(LifecycleView):
    allow_edit = False
    column_list = ["id", "enterprise_id", "agent_code", "agent_name", "status", "year", "period", "requested_at",
                   "processed_at"]
    column_choices = {"status": status_choices("aggregation_requests")}
    column_filters = ["status", "enterprise_id", "year", "requested_at"]


class DeclarationAdmin(LifecycleView):
    """Declarations are built by the aggregation run (C-21); staff decide them through actions."""

    allow_edit = False
    large_register = True
    column_list = ["id", "unified_no", "enterprise_id", "agent_enterprise_id", "customs_code", "ie_flag",
                   "trade_mode", "filing_no", "transport_mode", "status", "declare_date", "item_count"]
    column_choices = {"status": status_choices("declarations"), "ie_flag": choices(IE_FLAG_NAMES)}
    column_searchable_list = ["unified_no"]
    column_filters = ["status", "ie_flag", "customs_code", "enterprise_id", "agent_enterprise_id", "declare_date",
                      "filing_no"]
    labels = {"enterprise_id": "收发货人", "customs_code": "申报地海关"}


class DeclarationItemAdmin(ReadOnlyView):
    large_register = True
    column_list = ["id", "declaration_id", "item_no", "hs_code", "name", "spec", "unit", "qty", "total", "currency",
                   "country"]
    column_searchable_list = ["name"]
    column_filters = ["declaration_id", "enterprise_id", "currency", "country"]
    labels = {"name": "商品名称"}


class ConsolidationMappingAdmin(ReadOnlyView):
    """归并关系 both ways (C-25): staff filter by list, declaration or enterprise.

    The register is a view computed from lists and declarations (migration 0002): by list or by
    declaration it answers in milliseconds at a million items, but a page of the whole unfiltered
    register would evaluate it entirely, so staff are asked for a filter first.
    """

    large_register = True
    column_list = ["id", "list_id", "list_item_id", "declaration_id", "declaration_item_id", "enterprise_id"]
    column_filters = ["list_id", "declaration_id", "enterprise_id"]
    labels = {"id": "清单商品ID"}
    FILTER_FIRST = "归并关系按清单或报关单查询（C-25）：请先添加“清单ID”“报关单ID”或“企业”筛选条件。"

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        if execute and not filters and not getattr(_identity(), "is_enterprise", True):
            flash(_(self.FILTER_FIRST), "info")
            self._template_args["pager"] = {"mode": "keyset", "direction": "after", "cursor": 0, "page": 0,
                                            "capped": False, "more": False, "first_id": None, "last_id": None}
            return None, []
        return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)


def add_views(admin) -> None:
    """Add the aggregation and declaration registers."""
    for view, model in [(AggregationRequestAdmin, m.AggregationRequest), (DeclarationAdmin, m.Declaration),
                        (DeclarationItemAdmin, m.DeclarationItem),
                        (ConsolidationMappingAdmin, m.ConsolidationMapping)]:
        admin.add_view(view(model, category=CATEGORY))
