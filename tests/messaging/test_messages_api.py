"""GET /api/v1/messages?business_no= (API.md "Module C", issue 16 item 6): the caller's own messages and receipts
of a business number with their XML, oldest first; another enterprise's number gives an empty list; staff read
every message; an account token reads module Q messages only (U-5); the OpenAPI document states the call."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import CustomsMessage
from tests.messaging import builders as mb
from tests.messaging import records

URL = "/api/v1/messages"
FIELDS = {"message_id", "direction", "type", "business_no", "status", "signed", "signature_valid", "created_at",
          "xml"}


def test_own_messages_and_receipts_oldest_first_with_the_xml(client, make):
    who, head, out, receipts = mb.conversation(make, client)
    answer = client.get(URL, query_string={"business_no": head.center_no}, headers=who.headers)
    assert answer.status_code == 200
    items = answer.json["items"]
    assert [i["message_id"] for i in items] == [out.message_id, *(r.message_id for r in receipts)]
    assert all(FIELDS <= set(item) for item in items)
    first, last = items[0], items[-1]
    assert (first["direction"], first["type"], first["status"], first["signed"], first["signature_valid"]) == \
        ("OUT", out.msg_type, "SENT", out.signed, True)
    assert first["xml"] == out.xml and first["business_no"] == head.center_no
    assert (last["direction"], last["type"], last["status"], last["signature_valid"]) == \
        ("IN", receipts[1].msg_type, "APPLIED", None)
    assert (last["in_reply_to"], last["seq"], last["return_status"], last["return_info"]) == \
        (out.message_id, 2, "15", "已结关")
    assert first["created_at"][:4].isdigit() and "T" in first["created_at"]


def test_a_message_waiting_in_the_outbox_is_listed_pending(client, make):
    who, head, out = mb.declared_list(make, client)
    items = client.get(URL, query_string={"business_no": head.center_no}, headers=who.headers).json["items"]
    assert [(i["message_id"], i["status"]) for i in items] == [(out.message_id, "PENDING")]


def test_another_enterprises_number_gives_an_empty_list(client, make):
    _who, head, _out, _receipts = mb.conversation(make, client)
    other, _other_head, _theirs = mb.declared_list(make, client)
    answer = client.get(URL, query_string={"business_no": head.center_no}, headers=other.headers)
    assert answer.status_code == 200 and answer.json == {"items": []}


def test_staff_read_every_enterprises_messages(client, make):
    _who, head, out, receipts = mb.conversation(make, client)
    staff = make.user(None, role="staff")
    items = client.get(URL, query_string={"business_no": head.center_no},
                       headers=make.token(client, user=staff)).json["items"]
    assert len(items) == 1 + len(receipts) and items[0]["message_id"] == out.message_id


def test_account_token_reads_module_q_messages_only_U_5(client, make):
    who, head, _out, _receipts = mb.conversation(make, client)
    account = make.token(client, user=who.user)
    assert client.get(URL, query_string={"business_no": head.center_no}, headers=account).json == {"items": []}
    application = records.sending(make, "applications")
    sent = db.session.scalars(select(CustomsMessage).where(CustomsMessage.register == "applications",
                                                           CustomsMessage.record_id == application.id)).one()
    owner = make.token(client, user=make.user(application.enterprise))
    items = client.get(URL, query_string={"business_no": application.application_no}, headers=owner).json["items"]
    assert [item["message_id"] for item in items] == [sent.message_id]


def test_token_and_business_no_are_required_A_2(client, make):
    who, _head, _out = mb.declared_list(make, client)
    assert client.get(URL, query_string={"business_no": "X1"}).status_code == 401
    missing = client.get(URL, headers=who.headers)
    assert missing.status_code == 422
    assert missing.json["error"]["violations"] == [{"rule": "A-2", "field": "business_no", "message": "必填项不能为空"}]
    wrong = client.get(URL, query_string={"business_no": "<script>"}, headers=who.headers)
    assert wrong.status_code == 422 and wrong.json["error"]["violations"][0]["field"] == "business_no"
    assert client.get(URL, query_string={"business_no": "9" * 65}, headers=who.headers).status_code == 422


def test_openapi_documents_the_call_with_its_parameter_constraints_A_3(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/messages"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "business_no")
    assert parameter["required"] is True and parameter["in"] == "query"
    assert parameter["schema"]["maxLength"] == 64 and parameter["schema"]["pattern"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert operation["security"] == [{"bearer": []}]
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert set(schemas["MessageOut"]["required"]) >= FIELDS
    assert schemas["MessageOut"]["properties"]["direction"]["enum"] == ["OUT", "IN"]
