"""Load: simulated clerks browse, search, export and declare lists through gunicorn + PostgreSQL while the
scheduler clears the declared lists (issue 13; S-1, S-4, C-14).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/load.py [--users 200] [--seconds 60]

The bench creates (and afterwards drops) its own database `bench_load`, runs `flask --app wsgi init`, gives
each of `--enterprises` enterprises an IE qualification, an approved collection filing with an approved
volume, an administrator and a card, sets the list delays to one second, then starts gunicorn (4 workers)
and one `flask --app wsgi scheduler` (1-second ticks) on loopback and runs locust headless
(bench/locustfile.py) for `--seconds`. It prints throughput, p50/p95/p99 and errors per kind of request,
waits until every declared list is cleared (2 → 7 → 15) and checks that each has exactly one receipt per
step. Every process it started is stopped in a finally block. Exit 1 if a check fails.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, text  # noqa: E402

from bench.benchdb import scratch_database  # noqa: E402
from bench.harness import Client, Processes, free_port, processes_log  # noqa: E402

BENCH_DB = "bench_load"
PIN = "135790"
SETTINGS = {"simulation_enabled": "1", "receipt_failure_rate": "0", "delay_list_seconds": "1"}
STEPS = ("2", "7", "15")


def seed(url: str, count: int) -> list[dict]:
    """Create `count` enterprises ready to declare lists; return their card numbers, PIN and volume no."""
    from portal import create_app
    from portal.extensions import db
    from tests.collection import builders_lists as b
    from tests.factories import Builder
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-" + "x" * 32,
                      "FAST_HASHES": True})
    enterprises = []
    with app.app_context():
        make = Builder(app)
        for n in range(1, count + 1):
            enterprise = make.enterprise(f"深圳市负载{n}贸易有限公司", registration_code=f"44039{n:05d}")
            make.qualification(enterprise, "IE")
            card = make.card(make.user(enterprise, "ent_admin"), pin=PIN)
            volume = b.volume(b.filing(enterprise))
            enterprises.append({"card_no": card.card_no, "pin": PIN, "volume": volume.customs_volume_no})
        db.session.remove()
        db.engine.dispose()
    return enterprises


def locust_figures(prefix: str) -> list[dict]:
    """Return the rows of locust's stats CSV (one per request name, then Aggregated)."""
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def print_figures(rows: list[dict], seconds: float) -> dict:
    print(f"{'request':24} {'count':>7} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        print(f"{row['Name'][:24]:24} {row['Request Count']:>7} {row['Failure Count']:>6} "
              f"{float(row['Requests/s']):7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}")
    return rows[-1]


def receipt_checks(engine, declared: list[str], seconds: float) -> dict:
    """Wait until every declared list is cleared (15), then count its receipts per step."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while True:
            waiting = conn.execute(text("SELECT count(*) FROM list_heads WHERE center_no = ANY(:n) AND status <> 15"),
                                   {"n": declared}).scalar()
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(1)
            conn.rollback()
        rows = conn.execute(text(
            "SELECT h.center_no, r.to_status, count(r.id) FROM list_heads h LEFT JOIN receipts r ON "
            "r.record_type = 'list_heads' AND r.record_id = h.id WHERE h.center_no = ANY(:n) "
            "GROUP BY h.center_no, r.to_status"), {"n": declared}).all()
    per_list: dict = {}
    for center_no, step, count in rows:
        per_list.setdefault(center_no, {})[str(step)] = count
    wrong = {n: steps for n, steps in per_list.items() if steps != {s: 1 for s in STEPS}}
    missing = set(declared) - set(per_list)
    return {f"every declared list cleared within {seconds:.0f} s": (not waiting, f"{waiting} not cleared"),
            "exactly one receipt per step (2, 7, 15) for each declared list": (
                not wrong and not missing, f"{len(declared)} lists; wrong {list(wrong.items())[:3]}; "
                                           f"missing {sorted(missing)[:3]}")}


def run(url: str, scratch: str, options) -> int:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret-" + "x" * 32, PORTAL_ENV="development",
               SCHEDULER_TICK_SECONDS="1", UPLOAD_DIR=os.path.join(scratch, "uploads"), PYTHONUNBUFFERED="1",
               LOAD_ENTERPRISES=os.path.join(scratch, "enterprises.json"),
               LOAD_DECLARED=os.path.join(scratch, "declared.json"))
    env.pop("PORTAL_NOW", None)
    processes = Processes(env, scratch)
    engine = create_engine(url)
    checks: dict = {}
    try:
        processes.run("init")
        with open(env["LOAD_ENTERPRISES"], "w") as handle:
            json.dump(seed(url, options.enterprises), handle)
        for key, value in SETTINGS.items():
            processes.run("customs", "set", key, value)
        port = free_port()
        processes.start("gunicorn", [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w",
                                     str(options.workers), "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"])
        processes.start("scheduler", [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"])
        Client(port).wait_ready(90)
        print(f"{options.users} clerks for {options.seconds} s against gunicorn on port {port} …", flush=True)
        prefix = os.path.join(scratch, "locust")
        locust = subprocess.run([sys.executable, "-m", "locust", "-f", os.path.join(ROOT, "bench", "locustfile.py"),
                                 "--headless", "-u", str(options.users), "-r", str(options.spawn_rate),
                                 "-t", f"{options.seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", prefix,
                                 "--only-summary", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=options.seconds + 300)
        total = print_figures(locust_figures(prefix), options.seconds)
        with open(env["LOAD_DECLARED"]) as handle:
            declared = json.load(handle)
        print(f"throughput {float(total['Requests/s']):.1f} requests/s; {len(declared)} lists declared", flush=True)
        checks["no failed request (locust: errors and 5xx)"] = (
            total["Failure Count"] == "0", f"{total['Failure Count']} of {total['Request Count']}; "
                                           f"{locust.stderr[-1500:] if total['Failure Count'] != '0' else ''}")
        checks["lists were declared"] = (bool(declared), f"{len(declared)}")
        checks.update(receipt_checks(engine, declared, options.deadline))
    finally:
        codes = processes.stop()
        engine.dispose()
    noisy = [name for name in ("gunicorn", "scheduler") if "Traceback" in processes_log(scratch, name)]
    checks["no traceback in the gunicorn and scheduler logs"] = (not noisy, f"{noisy}")
    checks["processes stopped cleanly"] = (all(code == 0 for code in codes.values()), f"exit codes {codes}")
    print("checks:")
    for name, (passed, detail) in checks.items():
        print(f"  [{'ok' if passed else 'FAILED'}] {name}: {detail}")
    if any(not passed for passed, _ in checks.values()):
        print(f"logs kept in {scratch}")
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated clerks")
    parser.add_argument("--spawn-rate", type=int, default=20, help="clerks started per second")
    parser.add_argument("--seconds", type=int, default=60, help="how long the clerks work")
    parser.add_argument("--enterprises", type=int, default=50, help="enterprises the clerks share")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--deadline", type=float, default=120, help="seconds to wait for the lists to clear")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:5432/postgres"
    scratch = tempfile.mkdtemp(prefix="bench-load-")
    url, drop = scratch_database(BENCH_DB)
    print(f"PostgreSQL database {BENCH_DB}; process logs in {scratch}", flush=True)
    try:
        return run(url, scratch, options)
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
