"""Demo data: `flask --app wsgi demo` — enterprises, users of every role with passwords and card PINs,
and records in the registers, created through the same operations as real users (idempotent)."""
from __future__ import annotations

import os
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.identity import Identity
from portal.messaging import keys
from portal.models import Card, Enterprise, User
from rules.identifiers import make_id_card, make_uscc

# Short simulator delays (seconds) so a filing submitted in the demo is approved within a minute with
# the 10-second tick: received after 5 s, under review 5 s later, decided 10 s after that (S-2).
DEMO_DELAYS = {"delay_receive_seconds": "5", "delay_review_seconds": "5", "delay_decide_seconds": "10",
               "delay_certificate_seconds": "5", "delay_list_seconds": "5"}
PASSWORD = "Demo2026pass"
PIN = "123456"
ACCOUNTS_NOTE = "（口令均为演示用途，生产环境请删除演示数据）"

ENTERPRISES = [
    # key, name, uscc prefix, registration code, qualifications held (type, valid_until)
    ("huanan", "深圳市华南进出口贸易有限公司", "91440300", "5300100001", [("IE", None)]),
    ("jietong", "深圳市捷通报关服务有限公司", "91440300", "5300300001", [("CB", None)]),
    ("xinchuang", "深圳市新创科技有限公司", "91440300", None, []),
]
BASIC = {"region_code": "440304", "customs_code": "5300", "market_entity_type_code": "1100",
         "org_type_code": "1", "industry_code": "F", "economic_zone_code": "1", "ciq_enterprise_type_code": "01",
         "postal_code": "518000", "legal_rep_name": "陈建国", "legal_rep_nationality": "CHN",
         "legal_rep_id_type": "ID_CARD", "legal_rep_id_no": make_id_card("440304", "19750310", "011"),
         "contact_name": "林晓", "contact_phone": "0755-83211234", "contact_mobile": "13800138000",
         "email": "service@example.cn"}


def _user(session, enterprise, username, role, name, serial):
    from portal.auth.passwords import hash_secret
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, name=name, password_hash=hash_secret(PASSWORD),
                    enterprise_id=enterprise.id if enterprise else None, id_type="ID_CARD",
                    id_no=make_id_card("440304", "19880808", serial), mobile="13912345678")
        session.add(user)
        session.flush()
    return user


def _card(session, user, card_no, card_type):
    from portal.auth.passwords import hash_secret
    card = session.scalar(select(Card).where(Card.card_no == card_no))
    if card is None:
        card = Card(card_no=card_no, card_type=card_type, user_id=user.id, enterprise_id=user.enterprise_id,
                    holder_name=user.name, holder_id_type=user.id_type, holder_id_no=user.id_no,
                    pin_hash=hash_secret(PIN))
        session.add(card)
        session.flush()
    return keys.card_with_key(session, card)  # demo cards sign their messages like bound cards (issue 16)


def _enterprise(session, serial, name, prefix, registration_code, held):
    from portal.models import Qualification
    uscc = make_uscc(prefix, 90000 + serial)
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, org_code=uscc[8:17], name_zh=name, registration_code=registration_code,
                                filed_at=date(2024, 3, 1) if held else None, **BASIC)
        session.add(enterprise)
        session.flush()
        for qualification_type, valid_until in held:
            session.add(Qualification(enterprise_id=enterprise.id, qualification_type=qualification_type,
                                      status="VALID", filed_date=date(2024, 3, 1), valid_until=valid_until,
                                      registration_code=registration_code))
        session.flush()
    return enterprise


def _demo_application(session, identity):
    """A complete IE filing draft of the enterprise without qualifications: its legal card submits it."""
    from portal.models import Application
    from portal.qualification import operations
    if session.scalar(select(Application.id).where(Application.enterprise_id == identity.enterprise_id).limit(1)):
        return
    person = {"name": "王敏", "id_type": "ID_CARD", "id_no": make_id_card("440304", "19900515", "123"),
              "nationality": "CHN", "mobile": "13900139000"}
    enterprise = {"name_zh": "深圳市新创科技有限公司", "address_zh": "深圳市南山区科技园科苑路8号", **BASIC}
    body = {"type": "FILING", "qualification_types": ["IE"], "enterprise": enterprise,
            "management_personnel": [{"person_type": "CUSTOMS", **person}, {"person_type": "FINANCE", **person}]}
    operations.save_application(session, identity, body)


def load_demo(session) -> list[tuple[str, str, str]]:
    """Create the demo records; return (role, login, secret) rows to print."""
    audit.set_actor("demo")
    logins = [("staff", "staff", PASSWORD), ("auditor", "auditor", PASSWORD)]
    _user(session, None, "staff", "staff", "数据中心值班员", 1)
    _user(session, None, "auditor", "auditor", "审计员", 2)
    enterprises = {}
    for serial, (key, name, prefix, code, held) in enumerate(ENTERPRISES, start=1):
        enterprise = _enterprise(session, serial, name, prefix, code, held)
        enterprises[key] = enterprise
        admin = _user(session, enterprise, f"{key}_admin", "ent_admin", f"{name[:4]}管理员", 10 + serial)
        operator = _user(session, enterprise, f"{key}_op", "ent_operator", f"{name[:4]}操作员", 20 + serial)
        legal = _card(session, admin, f"DEMO{serial:02d}LEGAL", "LEGAL")
        op_card = _card(session, operator, f"DEMO{serial:02d}OPER", "OPERATOR")
        logins += [(f"ent_admin · {name}", admin.username, PASSWORD), (f"ent_operator · {name}", operator.username, PASSWORD),
                   (f"法人卡 · {name}", legal.card_no, "PIN " + PIN), (f"操作员卡 · {name}", op_card.card_no, "PIN " + PIN)]
    xinchuang_admin = session.scalar(select(User).where(User.username == "xinchuang_admin"))
    _demo_application(session, Identity(user=xinchuang_admin, login_mode="account"))
    try:
        from seed.demo_collection import load_collection_demo
    except ModuleNotFoundError:
        pass
    else:
        huanan_card = session.scalar(select(Card).where(Card.card_no == "DEMO01OPER"))
        load_collection_demo(session, Identity(user=huanan_card.user, login_mode="card", card=huanan_card),
                             enterprises)
    return logins


def set_demo_delays(session) -> None:
    """Give the customs simulator the demo's short delays (validated like a staff edit)."""
    from scheduler.settings import update_setting
    for key, value in DEMO_DELAYS.items():
        update_setting(session, key, value)


@click.command("demo")
@click.option("--keep-delays", is_flag=True, help="不修改模拟海关延迟（默认改为演示用的几秒）")
@with_appcontext
def demo_command(keep_delays):
    """Load demo enterprises, users, cards and records, set short customs delays, print the logins."""
    rows = load_demo(db.session)
    if not keep_delays:
        set_demo_delays(db.session)
    db.session.commit()
    if not keep_delays:
        click.echo("模拟海关：演示用短延迟（入库 5 秒、开始审核 5 秒、决定 10 秒），提交的申请约一分钟内通过；"
                   "员工可在管理后台首页点“立即运行模拟海关（不等延迟）”。")
    port = os.environ.get("PORT", "5000")
    click.echo(f"演示数据已就绪。登录地址：http://127.0.0.1:{port}/login " + ACCOUNTS_NOTE)
    width = max(len(r[0]) for r in rows)
    for role, login, secret in rows:
        click.echo(f"  {role.ljust(width)}  {login:<18} {secret}")


def register(app) -> None:
    """Add the demo command."""
    app.cli.add_command(demo_command)
