"""汇总与报关单: aggregation requests, declarations, their items and consolidation mappings (SPEC §4.4)."""
from __future__ import annotations

from admin_views.base import LifecycleView, ReadOnlyView
from admin_views.labels import (AGGREGATION_STATUS_NAMES, DECLARATION_STATUS_NAMES, IE_FLAG_NAMES, choices)
from portal import models as m

CATEGORY = "汇总与报关单"


class AggregationRequestAdmin(LifecycleView):
    allow_edit = False
    column_list = ["id", "enterprise_id", "agent_code", "agent_name", "status", "year", "period", "requested_at",
                   "processed_at"]
    column_choices = {"status": choices(AGGREGATION_STATUS_NAMES)}
    column_filters = ["status", "enterprise_id", "year", "requested_at"]


class DeclarationAdmin(LifecycleView):
    """Declarations are built by the aggregation run (C-21); staff decide them through actions."""

    allow_edit = False
    large_register = True
    column_list = ["id", "unified_no", "enterprise_id", "agent_enterprise_id", "customs_code", "ie_flag",
                   "trade_mode", "filing_no", "transport_mode", "status", "declare_date", "item_count"]
    column_choices = {"status": choices(DECLARATION_STATUS_NAMES), "ie_flag": choices(IE_FLAG_NAMES)}
    column_searchable_list = ["unified_no"]
    column_filters = ["status", "ie_flag", "customs_code", "enterprise_id", "agent_enterprise_id", "declare_date",
                      "filing_no"]
    labels = {"enterprise_id": "收发货人", "customs_code": "申报地海关"}


class DeclarationItemAdmin(ReadOnlyView):
    large_register = True
    column_list = ["id", "declaration_id", "item_no", "hs_code", "name", "spec", "unit", "qty", "total", "currency",
                   "country"]
    column_filters = ["declaration_id", "enterprise_id", "currency", "country"]
    labels = {"name": "商品名称"}


class ConsolidationMappingAdmin(ReadOnlyView):
    """归并关系 both ways (C-25): filter by list no. or declaration no."""

    large_register = True
    column_list = ["id", "list_id", "list_item_id", "declaration_id", "declaration_item_id", "enterprise_id"]
    column_filters = ["list_id", "declaration_id", "enterprise_id"]


def add_views(admin) -> None:
    """Add the aggregation and declaration registers."""
    for view, model in [(AggregationRequestAdmin, m.AggregationRequest), (DeclarationAdmin, m.Declaration),
                        (DeclarationItemAdmin, m.DeclarationItem),
                        (ConsolidationMappingAdmin, m.ConsolidationMapping)]:
        admin.add_view(view(model, category=CATEGORY))
