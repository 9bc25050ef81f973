"""Commands: customs tick | customs serve | customs set | customs show | customs messages … | aggregate | scheduler
(S-1, S-5)."""
from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from portal import clock
from portal.extensions import db
from rules.violations import RuleError

NOW_HELP = "按此时间运行（ISO 格式，无时区按北京时间），例如 2026-03-01T01:00"


def _at(now: str | None):
    """Freeze the clock at --now for the command, or leave it alone."""
    return clock.frozen(now) if now else contextlib.nullcontext()


def _echo(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


@click.group("customs")
def customs_group():
    """Simulated customs: run a tick, serve as a message consumer, show or change the simulator settings."""


@customs_group.command("tick")
@click.option("--now", default=None, help=NOW_HELP)
@click.option("--limit", type=int, default=None, help="本次最多处理的记录数")
@with_appcontext
def tick_command(now, limit):
    """Move every due record one step along its lifecycle (one pass)."""
    from scheduler.simulator import customs_tick
    with _at(now):
        result = customs_tick(db.session, limit=limit)
    _echo(result)


@customs_group.command("serve")
@click.option("--idle", type=float, default=1.0, show_default=True, help="没有报文可处理时等待的秒数")
@with_appcontext
def serve_command(idle):
    """Run the simulated customs as a message consumer until SIGTERM (several may run side by side)."""
    from portal.messaging import transport
    from portal.messaging.signing import trust_from_db
    from scheduler.customs import CaseStore, serve
    from scheduler.simulator import load_policy
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def policy_now():
        """Read the settings and the watch list afresh for each round (staff edits apply at once)."""
        try:
            return load_policy(db.session)
        finally:
            db.session.remove()

    trust = trust_from_db(db.session)   # made on first use: kept, or the portal would sign with another authority
    db.session.commit()
    db.session.remove()
    store = CaseStore(db.engine)
    click.echo(f"模拟海关报文消费进程 {store.consumer} 启动（Ctrl+C 或 SIGTERM 停止）…")
    serve(transport(), store, policy_now, trust, clock.now, stop=stop, idle_seconds=idle)
    click.echo("模拟海关报文消费进程已停止")


@customs_group.command("set")
@click.argument("key")
@click.argument("value")
@with_appcontext
def set_command(key, value):
    """Change one simulator setting, e.g. `customs set receipt_failure_rate 0.1`."""
    from scheduler.settings import update_setting
    try:
        row = update_setting(db.session, key, value)
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{row.key} = {row.value}")


@customs_group.command("show")
@with_appcontext
def show_command():
    """Print the simulator settings."""
    from scheduler.settings import load_settings
    _echo(load_settings(db.session).values)


@click.command("aggregate")
@click.option("--now", default=None, help=NOW_HELP)
@with_appcontext
def aggregate_command(now):
    """Process pending aggregation requests and, when due, the month-end aggregation and overdue flags (C-19, C-23)."""
    from scheduler.jobs import process_aggregations, run_periodic
    with _at(now):
        pending = process_aggregations(db.session)
        month_end = run_periodic(db.session, "month_end")
        overdue = run_periodic(db.session, "overdue")
    _echo({"pending": pending, "month_end": month_end, "overdue": overdue})
    if "FAILED" in (pending["outcome"], month_end["outcome"], overdue["outcome"]):
        raise SystemExit(1)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler in the foreground (one lease holder across processes; SIGTERM stops it)."""
    from scheduler.process import SchedulerProcess
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Every 10-second run would log two lines; keep APScheduler's warnings, our own jobs log their work.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    click.echo("调度进程启动（等待调度租约）…")
    SchedulerProcess(current_app._get_current_object()).run()


def register(app) -> None:
    """Attach the scheduler commands to the app."""
    from scheduler.messages_cli import messages_group
    customs_group.add_command(messages_group)
    app.cli.add_command(customs_group)
    app.cli.add_command(aggregate_command)
    app.cli.add_command(scheduler_command)
