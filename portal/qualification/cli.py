"""Command line of module Q: `flask --app wsgi expire-qualifications [--today YYYY-MM-DD]` (Q-27)."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from portal import audit, clock
from portal.extensions import db


@click.command("expire-qualifications")
@click.option("--today", "today", default=None, help="按此日期（YYYY-MM-DD）执行，默认今天")
@with_appcontext
def expire_qualifications_command(today):
    """Mark TEMP qualifications past their validity as expired (Q-27)."""
    from portal.qualification.queries import expire_qualifications
    try:
        day = date.fromisoformat(today) if today else clock.today()
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--today") from None
    audit.set_actor("cli")
    count = expire_qualifications(db.session, day)
    db.session.commit()
    click.echo(f"{day.isoformat()}：{count} 项资质已标记为超期")


def register(app) -> None:
    """Add the module-Q commands to the app."""
    app.cli.add_command(expire_qualifications_command)
