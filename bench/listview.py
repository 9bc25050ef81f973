"""Time the admin list view against a stock Flask-Admin ModelView at 100,000 list heads,
1,000,000 list items and 100,000 enterprises: first page, deep page, number search, name search
anywhere in the name, sort, CSV export (medians in ms).

    .venv/bin/python bench/listview.py                      # SQLite in a temporary file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/listview.py
                                                            # PostgreSQL: creates and drops bench_listview

Both views run in the same app and process, logged in as staff through the Flask test client; the
stock view is a plain flask_admin ModelView of the same model with the same columns, search
columns, page size and default sort, registered on a second Admin at /stock.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_admin import Admin  # noqa: E402
from flask_admin.contrib.sqla import ModelView  # noqa: E402
from flask_admin.theme import Bootstrap4Theme  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from bench.aggregate import bulk_insert  # noqa: E402
from bench.benchdb import grams_after_load, scratch_database  # noqa: E402

BENCH_DB = "bench_listview"
PASSWORD = "Bench1234"
CUSTOMS = ("5300", "5301", "5316", "5320", "2200", "0100", "4200", "5100")
LIST_TYPES = ("IMPORT_GENERAL", "EXPORT_GENERAL", "IMPORT_BONDED", "EXPORT_BONDED")
STATUSES = (1, 2, 7, 15, 13, 16)
# Names built from these parts (seeded, so every run and both databases hold the same rows).
CITIES = ("深圳市", "广州市", "东莞市", "上海", "北京", "杭州", "宁波", "厦门", "青岛", "天津", "苏州", "成都")
CITIES_EN = ("Shenzhen", "Guangzhou", "Dongguan", "Shanghai", "Beijing", "Hangzhou", "Ningbo", "Xiamen",
             "Qingdao", "Tianjin", "Suzhou", "Chengdu")
MIDDLES = ("华南", "联想", "海信", "腾达", "恒通", "远航", "金桥", "宏图", "佳美", "新纪元", "瑞丰", "东方",
           "长城", "中联", "天宇", "富源", "鸿运", "博雅", "信达", "安泰", "盛世", "永兴", "环球", "诚信")
MIDDLES_EN = ("Huanan", "Lianxiang", "Hisense", "Tengda", "Hengtong", "Yuanhang", "Jinqiao", "Hongtu", "Jiamei",
              "Xinjiyuan", "Ruifeng", "Dongfang", "Changcheng", "Zhonglian", "Tianyu", "Fuyuan", "Hongyun", "Boya",
              "Xinda", "Antai", "Shengshi", "Yongxing", "Huanqiu", "Chengxin")
TRADES = (("进出口贸易", "Import & Export Trading"), ("电子科技", "Electronic Technology"), ("物流", "Logistics"),
          ("实业", "Industrial"), ("供应链管理", "Supply Chain Management"), ("国际货运代理", "International Freight"))
BRANDS = ("联想", "华为", "小米", "海尔", "格力", "美的", "大疆", "Lenovo", "Canon", "Sony", "飞利浦", "松下")
PRODUCTS = ("笔记本电脑", "平板电脑", "智能手机", "液晶显示器", "蓝牙耳机", "锂离子电池", "不锈钢餐具",
            "棉制针织T恤", "塑料玩具", "空调压缩机", "电动牙刷", "数码相机", "路由器", "移动电源", "电饭煲")
SUFFIXES = ("", " X", " Pro")
NAME_SEARCHES = (  # (label, register, term): 2 and 3 Chinese characters, a common term, Latin, a miss
    ("企业 名称 2字 华南", "enterprises", "华南"),
    ("企业 名称 3字 新纪元", "enterprises", "新纪元"),
    ("企业 名称 常见 有限公司", "enterprises", "有限公司"),
    ("企业 英文名 freight", "enterprises", "freight"),
    ("企业 名称 未命中", "enterprises", "量子计算"),
    ("清单表体 名称 2字 耳机", "list_items", "耳机"),
    ("清单表体 名称 3字 笔记本", "list_items", "笔记本"),
    ("清单表体 名称 常见 电脑", "list_items", "电脑"),
    ("清单表体 名称 拉丁 canon", "list_items", "canon"),
    ("清单表体 名称 未命中", "list_items", "量子计算机"),
    ("清单表体 名称 1字 联", "list_items", "联"),
)
ITEM_COLUMNS = ("id", "list_id", "enterprise_id", "seq", "filing_seq", "hs_code", "name", "spec", "qty", "unit",
                "unit_price", "total", "currency", "country", "created_at", "updated_at")


def enterprise_names(rng: random.Random) -> tuple[str, str]:
    """A generated enterprise's (Chinese name, English name): city, middle word and trade drawn from rng."""
    city, middle, trade = rng.randrange(len(CITIES)), rng.randrange(len(MIDDLES)), rng.choice(TRADES)
    return (f"{CITIES[city]}{MIDDLES[middle]}{trade[0]}有限公司",
            f"{CITIES_EN[city]} {MIDDLES_EN[middle]} {trade[1]} Co., Ltd.")


def product_name(brand: int, product: int, suffix: int, seq: int) -> str:
    """A list item's name: brand, product, an optional model suffix and a number (indexes wrap around)."""
    return f"{BRANDS[brand % len(BRANDS)]}{PRODUCTS[product % len(PRODUCTS)]}{SUFFIXES[suffix % len(SUFFIXES)]}{seq}"


# ---- database ------------------------------------------------------------------------------------
def database_url(scratch: str):
    """Return the bench database URL and a function that drops it afterwards (SQLite: a file in scratch)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "sqlite:///" + os.path.join(scratch, "bench.sqlite3"), lambda: None
    return scratch_database(BENCH_DB)


def fill(db, heads: int, items_per_head: int, enterprise_count: int) -> dict:
    """Insert enterprises, a staff user, list heads and items with bulk inserts (COPY on PostgreSQL),
    the enterprises' and items' name bigrams filled after the load; return the fill's figures."""
    from portal.auth.passwords import hash_secret
    from portal.models import Enterprise, ListHead, User
    from rules.identifiers import make_uscc
    now = datetime(2026, 1, 15, 9, 0, 0)
    rng = random.Random(15)
    connection = db.session.connection()
    with grams_after_load(connection, ("enterprises", "list_items")) as grams:
        enterprise_rows = []
        for n in range(1, enterprise_count + 1):
            name_zh, name_en = enterprise_names(rng)
            enterprise_rows.append({
                "id": n, "uscc": make_uscc("91440300", n), "customs_code": "5300", "registration_code": f"{n:010d}",
                "name_zh": name_zh, "name_en": name_en, "express_operator": False, "auto_aggregate": False,
                "version": 1, "created_at": now, "updated_at": now})
        for start in range(0, enterprise_count, 20000):
            db.session.execute(insert(Enterprise.__table__), enterprise_rows[start:start + 20000])
        del enterprise_rows
        db.session.add(User(username="bench_staff", password_hash=hash_secret(PASSWORD), name="压测员工", role="staff"))
        db.session.flush()
        ent_ids = list(range(1, enterprise_count + 1))
        day0 = date(2025, 1, 1)
        head_rows = [{"id": n, "center_no": f"{5300_2025_0000_0000 + n:018d}",
                      "enterprise_id": ent_ids[n % len(ent_ids)],
                      "list_type": LIST_TYPES[n % 4], "customs_code": CUSTOMS[n % len(CUSTOMS)],
                      "filing_no": f"A{n % 5000:011d}", "transport_mode": "2", "vessel_name": "COSCO BENCH",
                      "voyage_no": f"V{n % 97:03d}", "bill_no": f"BL{n:010d}", "packages": n % 50 + 1,
                      "gross_weight": 1000 + n % 100, "net_weight": 900 + n % 100,
                      "declare_date": day0 + timedelta(n % 365),
                      "trade_mode": "0110", "status": STATUSES[n % len(STATUSES)], "overdue": False, "version": 1,
                      "created_at": now, "updated_at": now} for n in range(1, heads + 1)]
        for start in range(0, heads, 20000):
            db.session.execute(insert(ListHead.__table__), head_rows[start:start + 20000])
        del head_rows

        def item_rows():
            ident = 0
            for head in range(1, heads + 1):
                for seq in range(1, items_per_head + 1):
                    ident += 1
                    name = product_name(rng.randrange(len(BRANDS)), rng.randrange(len(PRODUCTS)), rng.randrange(3),
                                        seq)
                    yield (ident, head, ent_ids[head % len(ent_ids)], seq, seq, f"84713{seq:05d}", name,
                           "品牌:BENCH|型号:X1", 10, "007", 100, 1000, "USD" if seq % 2 else "CNY",
                           "CHN" if seq % 3 else "USA", now, now)

        bulk_insert(connection, "list_items", ITEM_COLUMNS, item_rows())
    db.session.commit()
    analyse = "VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("list_heads", "list_items", "enterprises", "name_grams"):
            conn.execute(text(f"{analyse} {table}"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('list_items_id_seq', (SELECT max(id) FROM list_items))"))
            conn.execute(text("SELECT setval('list_heads_id_seq', (SELECT max(id) FROM list_heads))"))
            conn.execute(text("SELECT setval('enterprises_id_seq', (SELECT max(id) FROM enterprises))"))
    return grams


def like_mismatches(db, items_window: tuple[int, int] | None = None) -> tuple[int, int]:
    """Check every NAME_SEARCHES term against a plain LIKE '%term%' (ILIKE on PostgreSQL; 'term%' for a
    short term) on each name column its register searches, as one search column and as an OR arm, over
    all enterprises and the list items with ids in `items_window` (all when None).
    Return (rows compared, rows where the name search and LIKE disagree)."""
    from sqlalchemy import and_, select, true

    from admin_views.name_search import name_clause
    from portal.models import Enterprise, ListItem
    from portal.name_search import searches_anywhere
    columns = {"enterprises": (Enterprise.__table__.c.name_zh, Enterprise.__table__.c.name_en),
               "list_items": (ListItem.__table__.c.name,)}
    postgres = db.session.get_bind().dialect.name == "postgresql"
    compared = differing = 0
    for _label, register, term in NAME_SEARCHES:
        for column in columns[register]:
            ident = column.table.c.id
            window = ident.between(*items_window) if items_window and register == "list_items" else true()
            pattern = f"%{term}%" if searches_anywhere(term) else f"{term}%"
            expected = set(db.session.scalars(select(ident).where(
                window, column.ilike(pattern) if postgres else column.like(pattern))))
            for alone in (True, False):
                found = set(db.session.scalars(select(ident).where(and_(window, name_clause(column, term, alone)))))
                compared += len(found | expected)
                differing += len(found ^ expected)
    return compared, differing


# ---- the two admins ------------------------------------------------------------------------------
def add_stock_admin(app, db) -> None:
    """Register plain ModelViews of the same models, with the same columns, on a second Admin at /stock."""
    from portal.models import Enterprise, ListHead, ListItem
    admin = app.extensions["admin"][0]
    ours = {view.endpoint: view for view in admin._views}
    stock = Admin(app, name="stock", url="/stock", endpoint="stock", theme=Bootstrap4Theme())
    for model, endpoint in ((ListHead, "list_heads"), (ListItem, "list_items"), (Enterprise, "enterprises")):
        mine = ours[endpoint]
        settings = {"column_list": [name for name, _label in mine._list_columns],
                    "column_searchable_list": mine.column_searchable_list,
                    "column_export_list": [name for name, _label in mine._export_columns],
                    "column_default_sort": ("id", True), "page_size": mine.page_size, "can_export": True}
        view_class = type(f"Stock{model.__name__}View", (ModelView,), settings)
        stock.add_view(view_class(model, db, endpoint=f"stock_{endpoint}", url=f"/stock/{endpoint}"))


def login(client) -> None:
    """Log in as the bench's staff user through the login page."""
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"mode": "account", "username": "bench_staff", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code


def _get(client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()  # read the whole (possibly streamed) body
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, body[:300])
    return elapsed, len(body)


def timed_pair(client, ours_url: str, stock_url: str, repeat: int, warmup: int = 1) -> tuple[float, float, int, int]:
    """Return the median ms of our URL and the stock URL, measured alternately after warm-up runs."""
    ours, stock = [], []
    for attempt in range(repeat + warmup):
        mine, ours_size = _get(client, ours_url)
        theirs, stock_size = _get(client, stock_url)
        if attempt >= warmup:
            ours.append(mine)
            stock.append(theirs)
    return statistics.median(ours), statistics.median(stock), ours_size, stock_size


def cursor_at(db, table: str, depth: int) -> int:
    """Return the id of the row just above position `depth` in newest-first order (the keyset cursor)."""
    return db.session.execute(text(f"SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET {depth - 1}")).scalar()


def name_search_urls(admin: str) -> list[tuple[str, str]]:
    """(label, URL) of every NAME_SEARCHES term in the search box of the admin mounted at `admin`."""
    return [(label, f"{admin}/{register}/?search={quote(term)}") for label, register, term in NAME_SEARCHES]


def cases(app, db, heads: int, page_size: int):
    """Yield (name, our url, stock url, target ratio or None) for every measurement."""
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "list_heads")
    sort = [name for name, _ in view._list_columns].index("customs_code")
    last_heads_page = heads // page_size - 1  # Flask-Admin counts pages from 0: this is page 5,000 of 5,000
    prefix = f"{5300_2025_0000_0000 + heads // 2:018d}"[:-1]
    yield "清单表头 首页", "/admin/list_heads/", "/stock/list_heads/", 2.5
    yield (f"清单表头 第 {last_heads_page + 1} 页",
           f"/admin/list_heads/?after={cursor_at(db, 'list_heads', last_heads_page * page_size)}",
           f"/stock/list_heads/?page={last_heads_page}", 5)
    yield "清单表头 编号搜索", f"/admin/list_heads/?search={prefix}", f"/stock/list_heads/?search={prefix}", None
    yield "清单表头 按海关排序", f"/admin/list_heads/?sort={sort}", f"/stock/list_heads/?sort={sort}", None
    yield "清单表体 首页", "/admin/list_items/", "/stock/list_items/", 2.5
    for page in (5000, 45000):
        yield (f"清单表体 第 {page + 1} 页",
               f"/admin/list_items/?after={cursor_at(db, 'list_items', page * page_size)}",
               f"/stock/list_items/?page={page}", 5)
    for (label, ours), (_label, stock) in zip(name_search_urls("/admin"), name_search_urls("/stock")):
        yield label, ours, stock, None
    yield "清单表头 导出 CSV", "/admin/list_heads/export/csv/", "/stock/list_heads/export/csv/", 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heads", type=int, default=100_000)
    parser.add_argument("--items-per-head", type=int, default=10)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--only", help="run only the measurements whose name contains this text")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--export-repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-listview-") as scratch:
        url, drop = database_url(scratch)
        try:
            return run(url, scratch, options)
        finally:
            drop()


def run(url: str, scratch: str, options) -> int:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from seed.load import load_codes
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "FAST_HASHES": True,
                      "UPLOAD_DIR": os.path.join(scratch, "uploads"), "SERVER_NAME": "localhost"})
    add_stock_admin(app, db)
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        load_codes(db.session)
        grams = fill(db, options.heads, options.items_per_head, options.enterprises)
        print(f"{engine}: {options.enterprises:,} enterprises, {options.heads:,} list heads, "
              f"{options.heads * options.items_per_head:,} list items "
              f"filled in {time.perf_counter() - started:.1f} s, of which {grams['rows']:,} name bigrams "
              f"{grams['seconds']:.1f} s", flush=True)
        compared, differing = like_mismatches(db)
        print(f"name search = LIKE '%term%' for every searched term and name column: {compared:,} rows compared, "
              f"{differing} differing {'ok' if not differing else 'MISSED'}", flush=True)
        gc.collect()
        gc.freeze()  # the fill's garbage must not make later collections slow for either view
        client = app.test_client()
        login(client)
        page_size = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "list_heads").page_size
        results = []
        for name, ours_url, stock_url, target in list(cases(app, db, options.heads, page_size)):
            if options.only and options.only not in name:
                continue
            exporting = "export" in ours_url
            ours, stock, ours_size, stock_size = timed_pair(
                client, ours_url, stock_url, options.export_repeat if exporting else options.repeat)
            results.append((name, ours, stock, target))
            print(f"  {name}: ours {ours:.1f} ms ({ours_size:,} B), stock {stock:.1f} ms ({stock_size:,} B)",
                  flush=True)
        db.session.remove()
        db.engine.dispose()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{engine} — medians of {options.repeat} runs (export: {options.export_repeat}), ms; load average {load}\n")
    print(f"| {'measurement':<16} | {'ours':>9} | {'stock':>9} | {'stock/ours':>10} | target |")
    print(f"|{'-' * 18}|{'-' * 11}|{'-' * 11}|{'-' * 12}|--------|")
    missed = 1 if differing else 0  # a name search that differs from LIKE fails the run
    for name, ours, stock, target in results:
        ratio = stock / ours if ours else float("inf")
        limit = 30 if "名" in name else 10  # name searches: ≤ 30 ms (issue 15.2); pages: ≤ 10 ms
        page_ok = "导出" in name or ours < limit
        ratio_ok = target is None or ratio >= target
        verdict = "ok" if page_ok and ratio_ok else "MISSED"
        missed += verdict != "ok"
        goal = (f"≥{target}×" if target else "") + ("" if "导出" in name else f" <{limit}ms")
        print(f"| {name:<16} | {ours:>9.1f} | {stock:>9.1f} | {ratio:>9.1f}× | {goal} {verdict} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
