"""Load the scheduler: 500 filings submitted in parallel through gunicorn while the scheduler process
moves them to APPROVED (S-1, S-3, S-4).

    .venv/bin/python bench/scheduler_load.py          # PostgreSQL at DATABASE_URL (default: local postgres)

The bench creates (and afterwards drops) its own PostgreSQL database `bench_scheduler`, runs
`flask --app wsgi init` on it, bulk-inserts the enterprises with an administrator and a card each
(one production argon2 PIN hash shared by every card), sets the simulator delays to one second with
`flask --app wsgi customs set`, then starts gunicorn with 4 workers and TWO `flask --app wsgi scheduler`
processes (SCHEDULER_TICK_SECONDS=1) racing for the lease. A thread pool logs in with each card, saves
a filing and submits it over loopback HTTP; the bench then waits until every application is APPROVED
and checks: one receipt per transition, no 5xx answer, no failed job run, exactly one lease holder,
clean scheduler stops. Every process it started is stopped in a finally block. Exit 1 if a check fails.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from bench.benchdb import scratch_database  # noqa: E402
from bench.harness import Client, Processes, free_port, processes_log  # noqa: E402

BENCH_DB = "bench_scheduler"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PIN = "135790"
SETTINGS = {"simulation_enabled": "1", "receipt_failure_rate": "0", "delay_receive_seconds": "1",
            "delay_review_seconds": "1", "delay_decide_seconds": "1"}
TRANSITIONS = {"SUBMITTED", "RECEIVED", "UNDER_REVIEW", "APPROVED"}
LEASE_LOG = "scheduler lease acquired by"


# ---- database and data ---------------------------------------------------------------------------
def create_database():
    """Drop and create the bench database; return its URL and a function that drops it."""
    base = os.environ.get("DATABASE_URL", "") or DEFAULT_SERVER
    if not base.startswith("postgres"):
        raise SystemExit("this bench needs PostgreSQL: set DATABASE_URL=postgresql://…")
    os.environ["DATABASE_URL"] = base
    return scratch_database(BENCH_DB)


def fill(url: str, count: int) -> list[str]:
    """Bulk-insert `count` enterprises, each with an ent_admin user and a card; return the card numbers."""
    from argon2 import PasswordHasher

    from portal.models import Card, Enterprise, User
    from rules.identifiers import make_id_card, make_uscc
    pin_hash = PasswordHasher().hash(PIN)  # production parameters, hashed once and shared
    engine = create_engine(url)
    numbers = range(1, count + 1)
    with engine.begin() as conn:
        conn.execute(insert(Enterprise.__table__), [
            {"uscc": make_uscc("91440300", n), "org_code": make_uscc("91440300", n)[8:17],
             "name_zh": f"深圳市压测{n}贸易有限公司", "region_code": "440304", "customs_code": "5300",
             "market_entity_type_code": "1100"} for n in numbers])
        enterprises = dict(conn.execute(select(Enterprise.uscc, Enterprise.id)).all())
        conn.execute(insert(User.__table__), [
            {"username": f"bench{n}", "password_hash": pin_hash, "name": f"压测员{n}", "role": "ent_admin",
             "enterprise_id": enterprises[make_uscc("91440300", n)], "id_type": "ID_CARD",
             "id_no": make_id_card("440304", "19900101", n)} for n in numbers])
        users = conn.execute(select(User.id, User.username, User.enterprise_id, User.name, User.id_no)).all()
        conn.execute(insert(Card.__table__), [
            {"card_no": f"BENCH{int(user.username[5:]):08d}", "card_type": "OPERATOR", "user_id": user.id,
             "enterprise_id": user.enterprise_id, "holder_name": user.name, "holder_id_type": "ID_CARD",
             "holder_id_no": user.id_no, "pin_hash": pin_hash} for user in users])
        cards = list(conn.scalars(select(Card.card_no).order_by(Card.id)))
    engine.dispose()
    return cards


def filing(card_no: str) -> dict:
    """Return a valid IE filing body with this enterprise's own name and people."""
    from rules.identifiers import make_id_card
    from tests.qualification.conftest import basic_info, declarant, filing_body, manager
    n = int(card_no[5:])
    person = make_id_card("440304", "19850101", n)
    return filing_body(enterprise=basic_info(name_zh=f"深圳市压测{n}贸易有限公司"),
                       management_personnel=[manager("CUSTOMS", id_no=person), manager("FINANCE", id_no=person)],
                       declaration_personnel=[declarant(id_no=make_id_card("110105", "19851231", n))])


class FilingClient(Client):
    """The loopback client with the bench's one journey: card login, save a filing, submit it."""

    def file(self, card_no: str) -> str:
        """Log in with the card, save a filing and submit it; return the application no."""
        status, answer = self.call("token", "POST", "/api/v1/tokens", {"card_no": card_no, "pin": PIN})
        if status != 201:
            raise RuntimeError(f"token {card_no}: {status} {answer}")
        token = answer["token"]
        status, answer = self.call("save", "POST", "/api/v1/applications", filing(card_no), token)
        if status != 201:
            raise RuntimeError(f"save {card_no}: {status} {answer}")
        number = answer["application_no"]
        status, answer = self.call("submit", "POST", f"/api/v1/applications/{number}/submit", None, token)
        if status != 200:
            raise RuntimeError(f"submit {number}: {status} {answer}")
        return number


# ---- checks --------------------------------------------------------------------------------------
def status_counts(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(dict(conn.execute(text("SELECT status, count(*) FROM applications GROUP BY status")).all()))


def wait_approved(engine, count: int, seconds: float) -> float | None:
    """Poll until `count` applications are APPROVED; return when, or None at the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if status_counts(engine)["APPROVED"] >= count:
            return time.monotonic()
        time.sleep(0.5)
    return None


def database_checks(engine, count: int, holder: str | None) -> dict:
    """Return check name -> (passed, detail) from the database after the run."""
    with engine.connect() as conn:
        def q(sql: str) -> list:
            return conn.execute(text(sql)).all()
        statuses = status_counts(engine)
        per_transition = q("SELECT to_status, count(*), count(DISTINCT record_id) FROM receipts "
                           "WHERE record_type = 'applications' GROUP BY to_status")
        duplicates = q("SELECT count(*) FROM (SELECT record_id, to_status FROM receipts WHERE record_type = "
                       "'applications' GROUP BY record_id, to_status HAVING count(*) > 1) d")[0][0]
        incomplete = q("SELECT count(*) FROM applications a WHERE (SELECT count(DISTINCT to_status) FROM receipts r "
                       "WHERE r.record_type = 'applications' AND r.record_id = a.id AND r.to_status IN "
                       "('SUBMITTED', 'RECEIVED', 'UNDER_REVIEW', 'APPROVED')) <> 4")[0][0]
        failed_runs = q("SELECT job, period, message FROM job_runs WHERE outcome = 'FAILED'")
        refused = q("SELECT counts FROM job_runs WHERE job = 'customs_tick'")
        holders = [row[0] for row in q("SELECT DISTINCT holder FROM job_runs")]
        locks = q("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")[0][0]
    refused_total = sum(int((row[0] or {}).get("refused", 0)) for row in refused)
    receipts = {status: (total, distinct) for status, total, distinct in per_transition}
    return {
        f"all {count} applications APPROVED": (statuses == Counter({"APPROVED": count}), dict(statuses)),
        "one receipt per transition": (
            duplicates == 0 and incomplete == 0 and set(receipts) == TRANSITIONS
            and all(v == (count, count) for v in receipts.values()),
            f"{receipts}; duplicates {duplicates}; incomplete {incomplete}"),
        "no failed job run": (not failed_runs and refused_total == 0,
                              f"{len(failed_runs)} failed, {refused_total} refused {failed_runs[:3]}"),
        "job runs by the lease holder only": (holder is not None and holders == [holder], f"holders {holders}"),
        "one advisory lock granted": (locks == 1, f"{locks} granted"),
    }


def figures(engine) -> dict:
    """Return the submit → approved latency of the applications (seconds: median, p95, max)."""
    with engine.connect() as conn:
        waits = sorted(row[0] for row in conn.execute(text(
            "SELECT EXTRACT(EPOCH FROM decided_at - submitted_at) FROM applications WHERE decided_at IS NOT NULL")))
    if not waits:
        return {}
    return {"median": statistics.median(waits), "p95": waits[int(len(waits) * 0.95) - 1], "max": waits[-1]}


def tick_figures(engine) -> str:
    """Return the customs ticks that moved records: how many, transitions, seconds spent, ms per transition."""
    with engine.connect() as conn:
        ticks, moved, seconds = conn.execute(text(
            "SELECT count(*), coalesce(sum((counts->>'moved')::int), 0), "
            "coalesce(sum(EXTRACT(EPOCH FROM finished_at - started_at)), 0) FROM job_runs "
            "WHERE job = 'customs_tick'")).one()
    per = f", {float(seconds) * 1000 / moved:.1f} ms per transition" if moved else ""
    return f"{ticks} customs ticks moved {moved} records in {float(seconds):.1f} s{per}"


def failover(processes: Processes, scratch: str, schedulers: dict, holder: str, seconds: float) -> tuple[bool, str]:
    """Stop the lease holder with SIGTERM and wait for the standby to take the lease."""
    standby = next(name for name in schedulers if name != holder)
    stopped = time.monotonic()
    schedulers[holder].send_signal(signal.SIGTERM)
    code = schedulers[holder].wait(timeout=30)
    while time.monotonic() - stopped < seconds:
        if LEASE_LOG in processes_log(scratch, standby):
            return code == 0, f"{standby} took over {time.monotonic() - stopped:.1f} s after SIGTERM to {holder}"
        time.sleep(0.2)
    return False, f"{standby} did not take the lease within {seconds:.0f} s"


def milliseconds(values: list[float]) -> str:
    values = sorted(values)
    return (f"median {statistics.median(values) * 1000:.0f} ms, p95 {values[int(len(values) * 0.95) - 1] * 1000:.0f} "
            f"ms, max {values[-1] * 1000:.0f} ms")


def file_all(client: FilingClient, engine, cards: list[str], options) -> list[Exception]:
    """File and submit one application per card from the thread pool, wait for APPROVED, print the figures."""
    print(f"filing {len(cards)} applications with {options.threads} threads …", flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(options.threads) as pool:
        results = list(pool.map(lambda card: _attempt(client, card), cards))
    submitted = time.monotonic()
    errors = [r for r in results if isinstance(r, Exception)]
    print(f"  {len(cards) - len(errors)} submitted in {submitted - started:.1f} s; "
          f"{len(errors)} failed {[str(e)[:300] for e in errors[:3]]}", flush=True)
    approved = wait_approved(engine, len(cards) - len(errors), options.deadline)
    took = f"{approved - started:.1f} s after the first request, {approved - submitted:.1f} s after the last " \
           "submit" if approved else "NOT within the deadline"
    print(f"  all approved: {took}", flush=True)
    for kind in ("token", "save", "submit"):
        print(f"  {kind:6}: {milliseconds(client.times.get(kind, [0.0]))}")
    wait = figures(engine)
    if wait:
        print("  submitted → approved per application: " + ", ".join(f"{k} {v:.1f} s" for k, v in wait.items()))
    print("  " + tick_figures(engine))
    return errors


# ---- main ----------------------------------------------------------------------------------------
def run(url: str, scratch: str, options) -> int:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret-" + "x" * 32, PORTAL_ENV="development",
               SCHEDULER_TICK_SECONDS="1", UPLOAD_DIR=os.path.join(scratch, "uploads"), PYTHONUNBUFFERED="1")
    env.pop("PORTAL_NOW", None)
    processes = Processes(env, scratch)
    engine = create_engine(url)
    checks: dict = {}
    try:
        started = time.perf_counter()
        processes.run("init")
        cards = fill(url, options.count)
        setters = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "customs", "set", key, value],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                   for key, value in SETTINGS.items()]
        if [p.wait(timeout=120) for p in setters] != [0] * len(setters):
            raise SystemExit("flask customs set failed")
        print(f"set-up (init, {options.count} enterprises/users/cards, settings): "
              f"{time.perf_counter() - started:.1f} s", flush=True)

        port = free_port()
        processes.start("gunicorn", [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", "4",
                                     "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"])
        schedulers = {name: processes.start(name, [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"])
                      for name in ("scheduler-1", "scheduler-2")}
        client = FilingClient(port)
        client.wait_ready(90)

        errors = file_all(client, engine, cards, options)

        holders = [name for name in schedulers if LEASE_LOG in processes_log(scratch, name)]
        holder = f"{socket.gethostname()}:{schedulers[holders[0]].pid}"[:100] if len(holders) == 1 else None
        checks["filing calls all succeeded"] = (not errors, f"{len(errors)} failed")
        server_errors = {k: v for k, v in client.codes.items() if k[1] >= 500}
        checks["no 5xx answer"] = (not server_errors, f"answers {dict(client.codes)}")
        checks["exactly one scheduler took the lease"] = (len(holders) == 1, f"{holders}")
        checks["the other scheduler is still waiting"] = (
            all(p.poll() is None for p in schedulers.values()), "both processes alive")
        checks.update(database_checks(engine, options.count, holder))
        if len(holders) == 1:
            checks["standby takes over when the holder stops"] = failover(processes, scratch, schedulers,
                                                                          holders[0], 30)
    finally:
        codes = processes.stop()
        engine.dispose()
    logs = {name: processes_log(scratch, name) for name in ("gunicorn", "scheduler-1", "scheduler-2")}
    checks["processes stopped cleanly"] = (all(code == 0 for code in codes.values()), f"exit codes {codes}")
    noisy = [name for name, log in logs.items() if "Traceback" in log or " ERROR " in log]
    checks["no traceback or error in the logs"] = (not noisy, f"{noisy}")
    print("checks:")
    for name, (passed, detail) in checks.items():
        print(f"  [{'ok' if passed else 'FAILED'}] {name}: {detail}")
    failed = [name for name, (passed, _) in checks.items() if not passed]
    if failed:
        for name in noisy:
            print(f"--- {name} log (tail) ---\n{logs[name][-3000:]}")
        print(f"logs kept in {scratch}")
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _attempt(client: FilingClient, card_no: str):
    try:
        return client.file(card_no)
    except Exception as exc:  # reported and counted as a failed check
        return exc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="applications (one enterprise each)")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--deadline", type=float, default=180, help="seconds to wait for APPROVED after the submits")
    options = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-scheduler-")
    url, drop = create_database()
    print(f"PostgreSQL database {BENCH_DB}; process logs in {scratch}", flush=True)
    try:
        return run(url, scratch, options)
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
