"""Command line: flask --app wsgi init | create-user | demo | customs tick | aggregate | scheduler."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal import audit
from portal.extensions import db


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database and load the reference data (idempotent)."""
    from flask_migrate import upgrade
    from portal.messaging.keys import ensure_platform_keys
    from seed.load import load_reference
    upgrade()
    audit.set_actor("init")
    counts = load_reference(db.session)
    ensure_platform_keys(db.session)  # the card authority and the platform signing key (issue 16)
    db.session.commit()
    click.echo("数据库已就绪。参数表：" + ", ".join(f"{k}={v}" for k, v in counts["codes"].items()))
    click.echo("服务目录：{categories} 个一级目录，{items} 个二级目录，{services} 项服务".format(**counts["catalog"]))


@click.command("create-user")
@click.option("--role", type=click.Choice(["staff", "auditor"]), required=True)
@click.option("--username", required=True)
@click.option("--name", default=None, help="姓名")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(role, username, name, password):
    """Create a staff or auditor account."""
    from portal.accounts import create_internal_user
    from rules.violations import RuleError
    audit.set_actor("cli")
    try:
        create_internal_user(db.session, role=role, username=username, name=name or username, password=password)
    except RuleError as exc:
        db.session.rollback()
        raise click.ClickException("；".join(f"{v.message}（{v.rule}）" for v in exc.violations)) from None
    db.session.commit()
    click.echo(f"已创建 {role} 用户 {username}")


def register_commands(app) -> None:
    """Attach every command group to the app."""
    app.cli.add_command(init_command)
    app.cli.add_command(create_user_command)
    for module in ("seed.demo", "scheduler.cli", "portal.qualification.cli"):
        try:
            imported = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        imported.register(app)
