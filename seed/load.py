"""Load reference data into the database idempotently (run twice = same rows)."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import (AgentQualificationRule, CatalogCategory, CatalogItem, CatalogService, CodeEntry,
                           QualificationDependency, QualificationExclusion, Setting)
from rules.qualification import DEFAULT_DEPENDENCIES, DEFAULT_EXCLUSIONS

DEFAULT_AGENT_TYPES = ("CB", "CB_BRANCH")
DEFAULT_SETTINGS = {
    "simulation_enabled": ("1", "模拟海关开关（1 开 / 0 关）"),
    "delay_receive_seconds": ("60", "申报后多少秒海关入库"),
    "delay_review_seconds": ("3600", "入库后多少秒开始审核"),
    "delay_decide_seconds": ("86400", "审核开始后多少秒作出决定"),
    "delay_certificate_seconds": ("60", "证明申请后多少秒签发"),
    "delay_list_seconds": ("60", "清单/备案/分册每步的秒数"),
    "receipt_failure_rate": ("0", "入库失败比例（0–1，按记录号确定性抽取）"),
}
# Services of the catalog (K-2) this portal provides: (item name, service name) -> endpoint.
PROVIDED_SERVICES: dict[tuple[str, str], str] = {
    ("企业资质", "海关企业通用资质"): "enterprise.dashboard",
    ("用户注册与管理", "用户注册"): "auth.register",
    ("用户注册与管理", "用户管理"): "auth.operators",
    ("集中申报", "集报备案"): "collection.filings_query",
    ("集中申报", "集报清单"): "collection.lists_query",
    ("集中申报", "集报修撤单"): "collection.change_requests_query",
    ("集中申报", "集报清单汇总"): "collection.aggregation_page",
    ("集中申报", "查询统计"): "collection_stats.statistics",
    ("集中申报", "集中申报（导入）"): "collection.import_lists",
}


def load_codes(session) -> dict[str, int]:
    """Upsert every code table row; return row counts per table."""
    from seed.codes import load_code_tables
    tables = load_code_tables()
    existing = {(r.table_name, r.code): r for r in session.scalars(select(CodeEntry))}
    counts = {}
    for table, rows in tables.items():
        for row in rows:
            key = (table, row["code"])
            values = {"name_zh": row["name_zh"], "name_en": row.get("name_en"), "parent_code": row.get("parent_code"),
                      "pinyin": row.get("pinyin") or "", "extra": row.get("extra") or {}}
            if values["extra"].get("excluded"):  # e.g. ISO fund and metal codes: kept readable, never offered
                values["active"] = False
            current = existing.get(key)
            if current is None:
                session.add(CodeEntry(table_name=table, code=row["code"], **values))
            else:
                for name, value in values.items():
                    if getattr(current, name) != value:
                        setattr(current, name, value)
        counts[table] = len(rows)
    session.flush()
    return counts


def load_rule_tables(session) -> None:
    """Insert the default rule tables (Q-4, Q-5, C-20) and settings where missing."""
    pairs = {(r.type_a, r.type_b) for r in session.scalars(select(QualificationExclusion))}
    for a, b in DEFAULT_EXCLUSIONS:
        if (a, b) not in pairs and (b, a) not in pairs:
            session.add(QualificationExclusion(type_a=a, type_b=b))
            pairs.add((a, b))
    deps = {r.qualification_type for r in session.scalars(select(QualificationDependency))}
    for qualification_type, required in DEFAULT_DEPENDENCIES.items():
        if qualification_type not in deps:
            session.add(QualificationDependency(qualification_type=qualification_type, requires_any=",".join(required)))
    agents = set(session.scalars(select(AgentQualificationRule.qualification_type)))
    for qualification_type in DEFAULT_AGENT_TYPES:
        if qualification_type not in agents:
            session.add(AgentQualificationRule(qualification_type=qualification_type))
    settings = set(session.scalars(select(Setting.key)))
    for key, (value, note) in DEFAULT_SETTINGS.items():
        if key not in settings:
            session.add(Setting(key=key, value=value, note=note))
    session.flush()


def load_catalog_tables(session) -> dict[str, int]:
    """Upsert the service catalog (K-1) from the data file seed/data/service_catalog.csv; return the counts."""
    from seed.catalog_file import read_catalog
    catalog = read_catalog()
    categories = {c.seq: c for c in session.scalars(select(CatalogCategory))}
    counts = {"categories": 0, "items": 0, "services": 0}
    for cat in catalog:
        category = categories.get(cat["seq"])
        if category is None:
            category = CatalogCategory(seq=cat["seq"], name=cat["name"], agency=cat.get("agency"))
            session.add(category)
            session.flush()
        else:
            category.name, category.agency = cat["name"], cat.get("agency")
        counts["categories"] += 1
        items = {i.seq: i for i in category.items}
        for it in cat["items"]:
            item = items.get(it["seq"])
            if item is None:
                item = CatalogItem(category_id=category.id, seq=it["seq"], name=it["name"])
                session.add(item)
                session.flush()
            else:
                item.name = it["name"]
            counts["items"] += 1
            services = {s.seq: s for s in item.services}
            for sv in it["services"]:
                functions = list(sv.get("functions") or [])
                search = " ".join([sv["name"], *functions])
                service = services.get(sv["seq"])
                endpoint = PROVIDED_SERVICES.get((it["name"], sv["name"]))
                if service is None:
                    session.add(CatalogService(item_id=item.id, seq=sv["seq"], name=sv["name"], functions=functions,
                                               search_text=search, endpoint=endpoint))
                else:
                    service.name, service.functions, service.search_text = sv["name"], functions, search
                    service.endpoint = endpoint
                counts["services"] += 1
    session.flush()
    return counts


def load_reference(session) -> dict:
    """Load code tables, rule tables and the catalog; the caller commits."""
    return {"codes": load_codes(session), "catalog": load_catalog_tables(session),
            "rules": load_rule_tables(session)}
