"""参数表、规则表、服务目录: one view per code table, the staff-editable rule tables (Q-4, Q-5, C-20,
S-2) and the service catalog (K-1)."""
from __future__ import annotations

from admin_views import codecache
from admin_views.base import SecureModelView, rule_validator
from admin_views.labels import QUALIFICATION_NAMES, choices
from portal import models as m
from portal.codes import CODE_TABLE_LABELS, CODE_TABLES
from rules.identifiers import uscc_violations
from seed.codes import pinyin_initials

CODES_CATEGORY = "参数表"
RULES_CATEGORY = "规则表"
CATALOG_CATEGORY = "服务目录"
TYPE_CHOICES = choices(QUALIFICATION_NAMES)


class CodeTableAdmin(SecureModelView):
    """One code table (CodeEntry rows of one table_name): every logged-in user reads, staff edit."""

    readable_by_all = True
    prefix_search = False
    column_list = ["code", "name_zh", "name_en", "parent_code", "pinyin", "active"]
    column_searchable_list = ["code", "name_zh", "pinyin"]
    column_filters = ["active", "parent_code"]
    column_default_sort = ("code", False)
    page_size = 50  # short rows: most tables fit on one or two pages
    column_editable_list = ["active"]
    system_filled = ("table_name", "pinyin", "extra")
    code_columns = {}
    labels = {"name_zh": "中文名称", "code": "代码"}

    def __init__(self, table_name: str, **kwargs):
        self.table_name = table_name
        kwargs.setdefault("name", CODE_TABLE_LABELS.get(table_name, table_name))
        kwargs.setdefault("endpoint", f"codes_{table_name}")
        super().__init__(m.CodeEntry, **kwargs)

    def get_query(self):
        return super().get_query().filter(m.CodeEntry.table_name == self.table_name)

    def get_count_query(self):
        return super().get_count_query().filter(m.CodeEntry.table_name == self.table_name)

    def on_model_change(self, form, model, is_created):
        model.table_name = self.table_name
        model.pinyin = pinyin_initials(model.name_zh or "")

    def after_model_change(self, form, model, is_created):
        codecache.invalidate(self.table_name)

    def after_model_delete(self, model):
        codecache.invalidate(self.table_name)


class QualificationExclusionAdmin(SecureModelView):
    column_list = ["id", "type_a", "type_b", "note"]
    column_choices = {"type_a": TYPE_CHOICES, "type_b": TYPE_CHOICES}
    column_filters = ["type_a", "type_b"]


class QualificationDependencyAdmin(SecureModelView):
    column_list = ["id", "qualification_type", "requires_any", "note"]
    column_choices = {"qualification_type": TYPE_CHOICES}
    column_description = {"requires_any": "资质类型代码，逗号分隔，具备其一即可"}


class AgentQualificationRuleAdmin(SecureModelView):
    column_list = ["id", "qualification_type"]
    column_choices = {"qualification_type": TYPE_CHOICES}


class WatchListEntryAdmin(SecureModelView):
    column_list = ["id", "uscc", "opinion", "active", "created_at"]
    column_searchable_list = ["uscc"]
    column_filters = ["active"]
    form_args = {"uscc": {"validators": [rule_validator(uscc_violations)]}}


class CatalogCategoryAdmin(SecureModelView):
    column_list = ["id", "seq", "name", "agency"]
    column_default_sort = ("seq", False)
    column_searchable_list = ["name"]
    prefix_search = False


class CatalogItemAdmin(SecureModelView):
    column_list = ["id", "category_id", "seq", "name"]
    column_searchable_list = ["name"]
    prefix_search = False
    column_filters = ["category_id"]


class CatalogServiceAdmin(SecureModelView):
    column_list = ["id", "item_id", "seq", "name", "endpoint"]
    column_searchable_list = ["name", "search_text"]
    prefix_search = False
    column_filters = ["item_id", "endpoint"]
    system_filled = ("search_text",)
    labels = {"item_id": "二级目录", "name": "服务名称"}


def add_views(admin) -> None:
    """Add one view per code table, the rule tables and the service catalog."""
    for table in CODE_TABLES:
        admin.add_view(CodeTableAdmin(table, category=CODES_CATEGORY))
    for view, model in [(QualificationExclusionAdmin, m.QualificationExclusion),
                        (QualificationDependencyAdmin, m.QualificationDependency),
                        (AgentQualificationRuleAdmin, m.AgentQualificationRule),
                        (WatchListEntryAdmin, m.WatchListEntry)]:
        admin.add_view(view(model, category=RULES_CATEGORY))
    for view, model in [(CatalogCategoryAdmin, m.CatalogCategory), (CatalogItemAdmin, m.CatalogItem),
                        (CatalogServiceAdmin, m.CatalogService)]:
        admin.add_view(view(model, category=CATALOG_CATEGORY))
