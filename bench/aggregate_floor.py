"""The floor of the month-end run for bench/aggregate.py, and the reset that lets it repeat on one database.

The floor is what the month-end must at least do, written as bare SQL on the same schema and indexes:
the read-only GROUP BY of the month's items by the C-21 group and merge keys (rows fetched), plus the
same per-list writes set-based — the 100 requests, one UPDATE of the month's lists to 13 with their
request, one INSERT … SELECT of a receipt per list and one of an audit row per list — committed like the
month-end's. reset() then undoes them (and a month-end run) and VACUUMs, so every round starts from the
same data.
"""
from __future__ import annotations

import time

from sqlalchemy import text

PERIOD, MONTH_START, MONTH_END = "2026-12", "2026-12-01", "2027-01-01"
MONTH = f"declare_date >= '{MONTH_START}' AND declare_date < '{MONTH_END}'"
GROUP_BY = f"""
SELECT h.enterprise_id, h.customs_code, CASE WHEN h.list_type LIKE 'IMPORT%' THEN 'I' ELSE 'E' END,
       COALESCE(h.trade_mode, ''), COALESCE(h.filing_no, ''), COALESCE(h.transport_mode, ''),
       i.hs_code, i.name, COALESCE(i.spec, ''), i.unit, i.country, i.currency, SUM(i.qty), SUM(i.total), COUNT(*)
FROM list_items i JOIN list_heads h ON h.id = i.list_id
WHERE h.status = 15 AND h.trade_mode = '0110' AND h.{MONTH.replace(' AND declare_date', ' AND h.declare_date')}
GROUP BY h.enterprise_id, h.customs_code, CASE WHEN h.list_type LIKE 'IMPORT%' THEN 'I' ELSE 'E' END,
         COALESCE(h.trade_mode, ''), COALESCE(h.filing_no, ''), COALESCE(h.transport_mode, ''),
         i.hs_code, i.name, COALESCE(i.spec, ''), i.unit, i.country, i.currency
"""
STAMP = "'2027-01-01 02:00:00'"
WRITES = {
    "requests": f"""INSERT INTO aggregation_requests (enterprise_id, status, requested_at, year, period, message,
                        version, created_at, updated_at)
                    SELECT id, 'PENDING', {STAMP}, 2026, '{PERIOD}', 'floor', 1, {STAMP}, {STAMP}
                    FROM enterprises WHERE auto_aggregate""",
    "update": f"""UPDATE list_heads SET status = 13, aggregation_id = r.id FROM aggregation_requests r
                  WHERE r.enterprise_id = list_heads.enterprise_id AND r.period = '{PERIOD}'
                    AND list_heads.status = 15 AND list_heads.trade_mode = '0110' AND list_heads.{MONTH}""",
    "receipts": f"""INSERT INTO receipts (enterprise_id, record_type, record_id, record_no, at, from_status, to_status,
                        message, source, created_at, updated_at)
                    SELECT enterprise_id, 'list_heads', id, center_no, {STAMP}, '15', '13', '已汇总', 'system',
                           {STAMP}, {STAMP}
                    FROM list_heads WHERE status = 13 AND {MONTH}""",
    "audit": f"""INSERT INTO audit_log (at, created_at, updated_at, user_id, username, login_mode, ip, table_name,
                     record_id, action, diff)
                 SELECT {STAMP}, {STAMP}, {STAMP}, NULL, 'system', 'system', NULL, 'list_heads', id, 'status',
                        '{{"status": [15, 13]}}'
                 FROM list_heads WHERE status = 13 AND {MONTH}""",
}
RESET = [
    "DELETE FROM declaration_items", "DELETE FROM declarations", "DELETE FROM receipts", "DELETE FROM audit_log",
    "UPDATE list_heads SET status = 15, aggregation_id = NULL, version = 1, updated_at = '2026-12-31 18:00:00', "
    "status_changed_at = '2026-12-31 18:00:00' WHERE aggregation_id IS NOT NULL",
    "DELETE FROM aggregation_requests",
]


def vacuum(engine) -> None:
    """Clean dead rows (PostgreSQL) so every round starts from the same state; refresh statistics."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def time_group_by(engine) -> tuple[float, int]:
    """Time the raw GROUP BY, every group fetched; return (seconds, groups)."""
    started = time.perf_counter()
    with engine.connect() as conn:
        groups = len(conn.execute(text(GROUP_BY)).fetchall())
    return time.perf_counter() - started, groups


def time_writes(engine) -> dict:
    """Time the bare per-list writes statement by statement and their commit, then undo them (reset)."""
    seconds, rows = {}, {}
    with engine.connect() as conn:
        transaction = conn.begin()
        for name, sql in WRITES.items():
            started = time.perf_counter()
            rows[name] = conn.execute(text(sql)).rowcount
            seconds[name] = time.perf_counter() - started
        started = time.perf_counter()
        transaction.commit()
        seconds["commit"] = time.perf_counter() - started
    reset(engine)
    return {"seconds": seconds, "rows": rows}


def reset(engine) -> None:
    """Undo a month-end run: the month's lists back to 15 without request, its records gone; then VACUUM."""
    with engine.begin() as conn:
        for sql in RESET:
            conn.execute(text(sql))
    vacuum(engine)
