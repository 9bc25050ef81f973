"""Card signatures on the portal side (issue 16 item 4, U-3, U-5): keys at binding, encrypted at rest, the
signer chosen by the login, and customs' trust from the card authority's public key alone."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import select, text

from portal import accounts
from portal.extensions import db
from portal.identity import Identity
from portal.messaging import keys, signing
from portal.models import AuditLog, Card, SigningKey
from rules.violations import RuleError
from tests.wire.test_signature import LIST_XML
from wire import certs, signature, sm2


def _card_owner(make):
    enterprise = make.enterprise()
    admin = make.user(enterprise, "ent_admin")
    return enterprise, admin


def _bind(admin, card_no: str = "IC0000000001"):
    card = accounts.bind_card(db.session, Identity(admin, "account"), card_no=card_no, card_type="LEGAL",
                              username=admin.username, holder_name=admin.name, holder_id_type="ID_CARD",
                              holder_id_no=admin.id_no, pin="12345678")
    db.session.commit()
    return card


def _verify(xml):
    return signing.trust_from_db(db.session)(xml)


def test_binding_a_card_gives_it_a_key_pair_serial_and_certificate_U_3(make):
    enterprise, admin = _card_owner(make)
    card = _bind(admin)
    assert sm2.is_public_key(card.public_key) and len(card.cert_serial) == 20
    certificate = certs.parse(card.certificate)
    assert certificate.serial == card.cert_serial and certificate.public_key == card.public_key
    assert certificate.subject == f"card_no={card.card_no};uscc={enterprise.uscc}"
    ca = db.session.scalar(select(SigningKey).where(SigningKey.name == keys.AUTHORITY))
    assert certs.check(card.certificate, ca.public_key) == (True, "")
    pair = keys.key_pair(card)
    assert sm2.verify(card.public_key, b"data", sm2.sign(pair, b"data"))
    logged = db.session.scalars(select(AuditLog).where(AuditLog.table_name == "cards",
                                                       AuditLog.record_id == card.id)).all()
    assert [(row.action, row.diff["private_key_enc"]) for row in logged] == [("create", [None, "***"])]


def test_private_keys_are_not_stored_in_clear(make):
    _, admin = _card_owner(make)
    card = _bind(admin)
    platform = keys.platform(db.session)
    db.session.commit()
    for record, table in ((card, "cards"), (platform, "signing_keys"), (keys.authority(db.session), "signing_keys")):
        private = keys.key_pair(record).private_key
        stored = db.session.execute(text(f"SELECT private_key_enc FROM {table} WHERE id = :id"),
                                    {"id": record.id}).scalar_one()
        assert stored.startswith("v1:") and private not in stored and private.upper() not in stored
        assert private not in (record.certificate or "")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.table_name.in_(("cards", "signing_keys")))).all()
    assert {row.table_name for row in rows} == {"cards", "signing_keys"}
    assert all(row.diff["private_key_enc"][1] == "***" for row in rows if "private_key_enc" in row.diff)
    logged = " ".join(str(row.diff) for row in rows)
    assert card.private_key_enc not in logged and platform.private_key_enc not in logged


def test_a_stored_key_does_not_decrypt_on_another_row_or_with_another_secret(app, make):
    _, admin = _card_owner(make)
    card = _bind(admin)
    platform = keys.platform(db.session)
    with pytest.raises(keys.KeyStoreError):
        keys.decrypt_private_key(card.private_key_enc, f"signing_keys:{platform.name}:{platform.serial}")
    app.config["CARD_KEY_SECRET"] = "another-secret-another-secret-0123"
    try:
        with pytest.raises(keys.KeyStoreError):
            keys.key_pair(card)
    finally:
        app.config["CARD_KEY_SECRET"] = None
    assert keys.key_pair(card).public_key == card.public_key


def test_a_card_login_signs_with_its_card_and_customs_verifies_it(app, make):
    enterprise, admin = _card_owner(make)
    card = _bind(admin)
    with app.test_request_context("/"):
        g.identity = Identity(admin, "card", card)
        signed, serial = signing.sign_outgoing(db.session, LIST_XML)
    assert serial == card.cert_serial and signature.key_name(signed) == card.cert_serial
    assert tuple(_verify(signed)) == (True, "签名有效", card.cert_serial)


def test_one_byte_changed_after_signing_fails_verification(app, make):
    _, admin = _card_owner(make)
    card = _bind(admin)
    signed, _ = signing.sign_outgoing(db.session, LIST_XML, Identity(admin, "card", card))
    result = _verify(signed.replace(b"<ceb:qty>3<", b"<ceb:qty>8<"))
    assert (result.valid, result.reason, result.key_serial) == \
        (False, "报文摘要不符：报文内容在签名后被改动", card.cert_serial)


def test_an_unsigned_message_is_valid_none(make):
    assert tuple(_verify(LIST_XML)) == (None, "报文未签名", None)


def test_a_certificate_from_another_authority_fails(make):
    enterprise, admin = _card_owner(make)
    card = _bind(admin)
    stranger = sm2.generate_key_pair()
    forged = certs.issue(stranger, card.cert_serial, keys.card_subject(card, enterprise.uscc), card.public_key,
                         date(2099, 1, 1))
    result = _verify(signature.sign(LIST_XML, keys.key_pair(card), card.cert_serial, forged))
    assert result.valid is False and "不是由本平台卡证书签发机构签发的" in result.reason


def test_a_card_bound_before_signatures_gets_its_key_when_it_first_signs(make):
    enterprise, admin = _card_owner(make)
    card = make.card(admin)  # inserted directly, as cards bound before issue 16 are
    assert card.public_key is None and card.private_key_enc is None
    identity = Identity(admin, "card", card)
    first, serial = signing.sign_outgoing(db.session, LIST_XML, identity)
    db.session.commit()
    again, serial_again = signing.sign_outgoing(db.session, LIST_XML, identity)
    assert serial == serial_again == db.session.get(Card, card.id).cert_serial
    assert _verify(first).valid is True and _verify(again).valid is True
    assert first != again  # a fresh nonce each time, so the signature values differ


def test_staff_the_scheduler_and_account_logins_sign_with_the_platform_key_U_5(app, make):
    enterprise, admin = _card_owner(make)
    staff = make.user(None, "staff")
    platform_serial = keys.platform(db.session).serial
    _, without_request = signing.sign_outgoing(db.session, LIST_XML)
    with app.test_request_context("/"):
        g.identity = Identity(staff, "account")
        _, by_staff = signing.sign_outgoing(db.session, LIST_XML)
        g.identity = Identity(admin, "account")
        signed, by_account = signing.sign_outgoing(db.session, LIST_XML)
    assert without_request == by_staff == by_account == platform_serial
    assert tuple(_verify(signed)) == (True, "签名有效", platform_serial)


def test_account_login_still_cannot_act_in_module_c_U_5(make):
    _, admin = _card_owner(make)
    with pytest.raises(RuleError) as refused:
        Identity(admin, "account").require_module_c()
    assert refused.value.status == 403 and refused.value.violations[0].rule == "U-5"


def test_a_revoked_card_cannot_sign_U_3(make):
    _, admin = _card_owner(make)
    card = _bind(admin)
    accounts.revoke_card(db.session, Identity(admin, "account"), card.id)
    with pytest.raises(RuleError) as refused:
        signing.sign_outgoing(db.session, LIST_XML, Identity(admin, "card", card))
    assert refused.value.violations[0].rule == "U-3"


def test_nonces_differ_between_two_signatures_of_the_same_message(make):
    values = set()
    for _ in range(3):
        signed, _ = signing.sign_outgoing(db.session, LIST_XML)
        values.add(signed[signed.index(b"<ds:SignatureValue>"):signed.index(b"</ds:SignatureValue>")])
    assert len(values) == 3


def test_the_authority_and_platform_keys_are_made_once(make):
    first = keys.platform(db.session)
    db.session.commit()
    assert keys.platform(db.session).serial == first.serial
    assert db.session.scalar(select(SigningKey.name).where(SigningKey.name == keys.AUTHORITY)) == keys.AUTHORITY
    assert certs.check(first.certificate, keys.authority(db.session).public_key) == (True, "")


def test_init_makes_the_keys_and_demo_cards_get_theirs(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        assert set(db.session.scalars(select(SigningKey.name))) == {keys.AUTHORITY, keys.PLATFORM}
    result = runner.invoke(args=["demo", "--keep-delays"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        trust_key = keys.authority(db.session).public_key
        cards = db.session.scalars(select(Card)).all()
        assert cards and all(certs.check(card.certificate, trust_key)[0] for card in cards)
        db.session.remove()
