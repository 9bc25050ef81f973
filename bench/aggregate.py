"""Time the month-end aggregation (C-21..C-23) against a raw SQL GROUP BY over the same rows, and its memory.

    .venv/bin/python bench/aggregate.py                     # SQLite in a temporary file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/aggregate.py
                                                            # PostgreSQL: creates and drops bench_aggregate

For each size (100,000 and 1,000,000 list items by default; 10 items per list, 100 enterprises with
auto-aggregation on, every list cleared in December 2026) a fresh database is built with bulk
inserts (executemany on SQLite, COPY on PostgreSQL) in one child process; a second child process
then runs --rounds rounds of: the floor (bench/aggregate_floor.py: the raw SQL GROUP BY of the same
items by the C-21 group and merge keys, rows fetched, plus the same per-list writes as bare set-based
SQL — UPDATE of the lists to 13 with their request, INSERT … SELECT of a receipt and of an audit row per
list — committed, then undone), the real month_end_aggregation('2026-12') at 2027-01-01 02:00 (100
requests, the lists' moves with receipts and audit rows, the declarations, one transaction), the C-22
invariants in SQL (through the consolidation_mappings view), and the undoing of the month-end. It prints
medians, the ratios (month-end ≤ 1.3 × floor, building the declarations ≤ 1.0 × GROUP BY), its peak
RSS (getrusage) and, with --tracemalloc, the peak of Python allocations during the aggregation. The
building process is separate so its memory does not hide the aggregation's.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import text  # noqa: E402

from bench import aggregate_floor as floor  # noqa: E402
from bench.benchdb import migrated_with_enterprises, scratch_database  # noqa: E402

BENCH_DB = "bench_aggregate"
ITEMS_PER_LIST = 10
ENTERPRISES = 100
PERIOD, RUN_AT = floor.PERIOD, "2027-01-01T02:00:00"
BUILD_PHASES = ("fill_stage", "insert_declarations", "insert_declaration_items")
STAMP = datetime(2026, 12, 31, 18, 0, 0)
CUSTOMS = ("5300", "5301")
TRANSPORT = ("2", "4")
HEAD_COLUMNS = ("id", "center_no", "enterprise_id", "list_type", "customs_code", "filing_no", "transport_mode",
                "declare_date", "trade_mode", "status", "overdue", "version", "created_at", "updated_at",
                "status_changed_at")
ITEM_COLUMNS = ("id", "list_id", "enterprise_id", "seq", "filing_seq", "hs_code", "name", "spec", "qty", "unit",
                "unit_price", "total", "currency", "country", "created_at", "updated_at")


# ---- databases -----------------------------------------------------------------------------------
def create_database(size: int) -> tuple[str, callable]:
    """Return a fresh bench database URL and a function that removes it."""
    return scratch_database(BENCH_DB if os.environ.get("DATABASE_URL", "").startswith("postgres")
                            else f"bench-aggregate-{size}")


def make_app(url: str):
    from portal import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "FAST_HASHES": True,
                       "UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-uploads-"), "SERVER_NAME": "localhost"})


# ---- phase 1: build ------------------------------------------------------------------------------
def product(enterprise: int, n: int) -> tuple:
    """Return (hs, name, spec, unit, currency, country) of product variant n of an enterprise (repeats merge)."""
    return (f"8471{enterprise % 10:02d}{n % 40:04d}", f"商品{n % 40}", None if n % 7 == 0 else f"型号:{n % 5}",
            "007" if n % 2 else "035", "USD" if n % 3 else "CNY", "AUS" if n % 4 else "USA")


def head_rows(lists: int, enterprise_ids: list[int]):
    for n in range(1, lists + 1):
        enterprise = enterprise_ids[n % len(enterprise_ids)]
        yield (n, f"L2026120{n:010d}", enterprise, "IMPORT_GENERAL" if n % 3 else "EXPORT_GENERAL",
               CUSTOMS[n % 2], f"B2026{enterprise:04d}{n % 2:03d}", TRANSPORT[(n // 2) % 2], date(2026, 12, 1 + n % 31),
               "0110", 15, False, 1, STAMP, STAMP, STAMP)


def item_rows(lists: int, enterprise_ids: list[int]):
    ident = 0
    for head in range(1, lists + 1):
        enterprise = enterprise_ids[head % len(enterprise_ids)]
        for seq in range(1, ITEMS_PER_LIST + 1):
            ident += 1
            hs, name, spec, unit, currency, country = product(enterprise, head * 7 + seq * 13)
            yield (ident, head, enterprise, seq, seq, hs, name, spec, seq, unit, 12.5, seq * 12.5, currency, country,
                   STAMP, STAMP)


def bulk_insert(connection, table: str, columns: tuple, rows) -> None:
    """COPY on PostgreSQL, executemany in chunks on SQLite."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    cursor = raw.cursor()
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 50_000:
            cursor.executemany(statement, chunk)
            chunk = []
    if chunk:
        cursor.executemany(statement, chunk)


def build(url: str, items: int) -> dict:
    """Create the schema and the reference data, then enterprises, cleared lists and items in bulk."""
    from portal.extensions import db
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        ids = migrated_with_enterprises(db.session, ENTERPRISES)
        db.session.commit()
        connection = db.session.connection()
        lists = items // ITEMS_PER_LIST
        connection = db.session.connection()
        bulk_insert(connection, "list_heads", HEAD_COLUMNS, head_rows(lists, ids))
        bulk_insert(connection, "list_items", ITEM_COLUMNS, item_rows(lists, ids))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.dialect.name == "postgresql":
                for table in ("list_heads", "list_items"):
                    conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
                conn.execute(text("VACUUM ANALYZE"))
            else:
                conn.execute(text("ANALYZE"))
        db.session.remove()
    return {"lists": lists, "items": lists * ITEMS_PER_LIST, "build_seconds": round(time.perf_counter() - started, 1)}


# ---- phase 2: floor, aggregation, invariants ---------------------------------------------------------
def invariants(db) -> dict:
    """Check C-22 in SQL: every item mapped once, sums per enterprise equal, ≤ 50 items per declaration."""
    checks = {
        "lists_not_aggregated": "SELECT count(*) FROM list_heads WHERE status <> 13",
        "items_unmapped": "SELECT count(*) FROM list_items i WHERE NOT EXISTS "
                          "(SELECT 1 FROM consolidation_mappings m WHERE m.list_item_id = i.id)",
        "mappings_minus_items": "SELECT (SELECT count(*) FROM consolidation_mappings) - "
                                "(SELECT count(*) FROM list_items)",
        "enterprise_sums_differing": """
            SELECT count(*)
            FROM (SELECT enterprise_id, SUM(qty) q, SUM(total) t FROM list_items GROUP BY enterprise_id) l
            LEFT JOIN (SELECT enterprise_id, SUM(qty) q, SUM(total) t FROM declaration_items GROUP BY enterprise_id) d
              ON d.enterprise_id = l.enterprise_id
            WHERE d.enterprise_id IS NULL OR abs(l.q - d.q) > 0.0001 OR abs(l.t - d.t) > 0.005""",
        "declarations_over_50": "SELECT count(*) FROM declarations WHERE item_count > 50",
        "declaration_item_sums_differing": """
            SELECT count(*) FROM declaration_items di JOIN (SELECT m.declaration_item_id, SUM(i.qty) q, SUM(i.total) t
              FROM consolidation_mappings m JOIN list_items i ON i.id = m.list_item_id GROUP BY m.declaration_item_id) s
              ON s.declaration_item_id = di.id WHERE abs(s.q - di.qty) > 0.0001 OR abs(s.t - di.total) > 0.005""",
    }
    with db.engine.connect() as conn:
        return {name: conn.execute(text(sql)).scalar() for name, sql in checks.items()}


def timed_phases(module, names: list[str], timings: dict) -> None:
    """Wrap the named functions of `module` to add up their wall time (phase breakdown)."""
    for name in names:
        function = getattr(module, name)

        def wrapper(*args, _function=function, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                timings[_name] = timings.get(_name, 0.0) + time.perf_counter() - started
        setattr(module, name, wrapper)


def median(values):
    return statistics.median(values)


def run(url: str, traced: bool, rounds: int) -> dict:
    """Rounds of: the floor (GROUP BY + bare writes, undone), the month-end, its invariants, its undoing.

    Every round starts from the same data (aggregate_floor.reset); medians are taken over the rounds.
    """
    from portal import clock
    from portal.collection import aggregation, bulk_log, consolidation
    from portal.extensions import db
    app = make_app(url)
    phases: dict = {}
    timed_phases(consolidation, ["fill_stage", "insert_declarations", "insert_declaration_items"], phases)
    timed_phases(aggregation, ["create_month_end_requests"], phases)
    timed_phases(bulk_log, ["write_receipts", "write_audit"], phases)  # per-list rows, inside the phases above
    samples: dict[str, list] = {"group_by": [], "writes": [], "floor": [], "aggregation": [], "build": [],
                                "moves": []}
    write_parts: dict[str, list] = {}
    checks, counts, rss_before, traced_peak = {}, {}, None, None
    with app.app_context():
        floor.reset(db.engine)  # the same heap layout as after a round (each round updates every list once)
        for _ in range(rounds):
            group_by, groups = floor.time_group_by(db.engine)
            writes = floor.time_writes(db.engine)
            for name, seconds in writes["seconds"].items():
                write_parts.setdefault(name, []).append(seconds)
            samples["group_by"].append(group_by)
            samples["writes"].append(sum(writes["seconds"].values()))
            samples["floor"].append(group_by + samples["writes"][-1])
            rss_before = rss_before or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            phases.clear()
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            counts = aggregation.month_end_aggregation(db.session, PERIOD, clock.parse_now(RUN_AT))
            samples["aggregation"].append(time.perf_counter() - started)
            if traced:
                traced_peak = max(traced_peak or 0, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            samples["build"].append(sum(phases.get(name, 0.0) for name in BUILD_PHASES))
            samples["moves"].append(phases.get("create_month_end_requests", 0.0))
            db.session.remove()
            round_checks = invariants(db)
            checks = {k: max(v, checks.get(k, 0)) for k, v in round_checks.items()}
            floor.reset(db.engine)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    medians = {name: round(median(values), 3) for name, values in samples.items()}
    return {"rounds": rounds, "groups": groups, "write_rows": writes["rows"], "medians": medians,
            "samples": {k: [round(v, 3) for v in values] for k, values in samples.items()},
            "write_parts": {k: round(median(v), 3) for k, v in write_parts.items()},
            "ratio": round(medians["aggregation"] / medians["floor"], 2),
            "build_ratio": round(medians["build"] / medians["group_by"], 2), "counts": counts,
            "phases_last_round": {k: round(v, 3) for k, v in phases.items()}, "invariants": checks,
            "peak_rss_mib_before": round(rss_before / 1024, 1), "peak_rss_mib": round(rss_after / 1024, 1),
            "tracemalloc_peak_mib": round(traced_peak / 2 ** 20, 2) if traced else None}


def child(phase: str, url: str, items: int, traced: bool = False, rounds: int = 3) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--phase", phase, "--url", url, "--items", str(items),
               "--rounds", str(rounds)]
    command += ["--tracemalloc"] if traced else []
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(engine: str, built: dict, result: dict) -> bool:
    """Print one size's figures; return True when the C-22 invariants held in every round."""
    bad = {k: v for k, v in result["invariants"].items() if v}
    m, parts = result["medians"], result["write_parts"]
    print(f"\n{engine}, {built['items']:,} items in {built['lists']:,} lists, {ENTERPRISES} enterprises "
          f"(built in {built['build_seconds']} s); medians of {result['rounds']} rounds")
    print(f"  GROUP BY ({result['groups']:,} groups): {m['group_by']:.3f} s; bare per-list writes "
          f"{m['writes']:.3f} s ({', '.join(f'{k} {v:.3f}' for k, v in parts.items())}; rows {result['write_rows']})")
    print(f"  floor = GROUP BY + bare writes: {m['floor']:.3f} s")
    print(f"  month-end aggregation: {m['aggregation']:.3f} s → {result['ratio']:.2f} × floor (target ≤ 1.3) "
          f"{'MET' if result['ratio'] <= 1.3 else 'NOT MET'}")
    print(f"    building the declarations: {m['build']:.3f} s → {result['build_ratio']:.2f} × GROUP BY (target ≤ 1.0) "
          f"{'MET' if result['build_ratio'] <= 1.0 else 'NOT MET'}")
    print(f"    requests and the per-list 15 → 13 moves with receipts and audit rows: {m['moves']:.3f} s "
          f"(bare: {m['writes']:.3f} s)")
    print(f"  samples (s): {result['samples']}")
    print(f"  phases of the last round (s): {result['phases_last_round']}; counts: {result['counts']}")
    print(f"  invariants C-22 after every round: {'ok' if not bad else 'FAILED ' + str(bad)}")
    traced = f"; Python allocations peak during aggregation: {result['tracemalloc_peak_mib']} MiB" \
        if result["tracemalloc_peak_mib"] is not None else ""
    print(f"  peak RSS of the aggregating process: {result['peak_rss_mib_before']} MiB before the first run, "
          f"{result['peak_rss_mib']} MiB after the last{traced}", flush=True)
    return not bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="list item counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="floor + month-end rounds per size (medians)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations during the aggregation (slows the Python part)")
    parser.add_argument("--phase", choices=("build", "run"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        result = build(options.url, options.items) if options.phase == "build" else \
            run(options.url, options.tracemalloc, options.rounds)
        print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    ok = True
    for size in (int(s) for s in options.sizes.split(",")):
        url, cleanup = create_database(size)
        try:
            built = child("build", url, size)
            result = child("run", url, size, options.tracemalloc, options.rounds)
        finally:
            cleanup()
        ok &= report(engine, built, result)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
