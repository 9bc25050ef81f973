"""海关报文: every message sent to customs and every receipt it answered, read-only (issue 16).

Staff and auditors read them all, an enterprise user its own (CustomsMessage.tenant_clause). The list pages
by keyset like every large register; the details page shows the XML indented, the signature verdict, the
receipts answering a message or the message a receipt answers, and the record they are about. 重新发送 puts
a FAILED or PENDING message back in the outbox through portal.messaging.resend (staff, confirmed, audited).
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import LazyString, gettext, lazy_gettext
from werkzeug.routing import BuildError

from admin_views.base import ReadOnlyView
from admin_views.formrules import violation_text
from admin_views.labels import status_choices
from admin_views.system import register_names
from portal import models as m
from portal.extensions import db
from portal.inputs import parse_id
from portal.messaging.display import message_direction_name, message_status_name, message_type_choices, pretty_xml
from portal.messaging.queries import related_messages
from portal.messaging.resend import resend_message
from rules.lifecycles_messages import CUSTOMS_MESSAGES, DIRECTIONS, may_resend
from rules.violations import RuleError
from wire.catalog import TYPE_FOR_REGISTER

CATEGORY = "系统"
RESEND_LABEL = "重新发送"
DETAILS = ["id", "message_id", "direction", "msg_type", "business_no", "register", "record_id", "enterprise_id",
           "status", "in_reply_to", "seq", "return_status", "return_info", "signed", "key_serial",
           "signature_valid", "attempts", "last_error", "created_at", "sent_at", "applied_at"]


class CustomsMessageAdmin(ReadOnlyView):
    """Messages and receipts: filters by direction, type, status, business number, enterprise and time."""

    large_register = True
    details_template = "admin/customs_message_details.html"
    column_list = ["id", "direction", "msg_type", "business_no", "register", "enterprise_id", "status",
                   "created_at", "sent_at", "applied_at", "signed", "signature_valid"]
    column_details_list = DETAILS
    column_export_list = DETAILS
    column_searchable_list = ["business_no", "message_id"]
    column_filters = ["direction", "msg_type", "status", "business_no", "register", "enterprise_id", "in_reply_to",
                      "created_at", "sent_at", "applied_at", "signed", "signature_valid"]
    labels = {"direction": "方向", "message_id": "报文编号", "msg_type": "报文类型", "business_no": "业务编号",
              "register": "业务登记簿", "record_id": "业务记录ID", "in_reply_to": "回执所答报文",
              "seq": "回执序号", "return_status": "回执状态码", "return_info": "回执信息", "signed": "已签名",
              "key_serial": "签名证书序列号", "signature_valid": "验签通过", "attempts": "发送尝试次数",
              "last_error": "最近错误", "sent_at": "发送时间", "applied_at": "处理时间", "created_at": "生成时间",
              "xml": "报文内容"}

    def __init__(self, model, **kwargs):
        self.column_choices = {
            "direction": [(d.code, LazyString(message_direction_name, d.code)) for d in DIRECTIONS],
            "status": status_choices(CUSTOMS_MESSAGES.register), "msg_type": message_type_choices(),
            "register": [(table, lazy_gettext(register_names()[table])) for table in TYPE_FOR_REGISTER]}
        super().__init__(model, **kwargs)

    # ---- details: the XML, the answers, the record ---------------------------------------------
    @expose("/details/")
    def details_view(self):
        message = self.get_one(request.args.get("id"))
        self._template_args.update(
            xml=pretty_xml(message.xml), related=related_messages(db.session, message, self._scope_clause()),
            record_url=self._record_url(message), may_resend=self._is_staff and may_resend(message.direction,
                                                                                           message.status),
            resend_label=RESEND_LABEL)
        return super().details_view()

    def _scope_clause(self):
        """The rows of this register the user may read, as a condition (related messages stay in scope)."""
        return self.get_query().whereclause

    @staticmethod
    def _record_url(message) -> str | None:
        """Return the admin details page of the record a message is about, if that register has one."""
        if not message.register or message.record_id is None:
            return None
        try:
            return url_for(f"{message.register}.details_view", id=message.record_id)
        except BuildError:
            return None

    # ---- 重新发送 ------------------------------------------------------------------------------
    def is_action_allowed(self, name: str) -> bool:
        """Only staff send again; nobody deletes here."""
        if name == "resend":
            return self._is_staff
        return super().is_action_allowed(name)

    @expose("/resend/", methods=("POST",))
    def resend_view(self):
        """Ask for confirmation, then send one message again (staff)."""
        if not self._is_staff:
            return self.inaccessible_callback("resend_view")
        message = self.get_one(request.form.get("id"))
        back = self.get_url(".details_view", id=message.id)
        if request.form.get("confirmed") != "1":
            return self.render("admin/confirm_resend.html", message=message, back=back,
                               label=RESEND_LABEL, status_name=message_status_name(message.status))
        try:
            resend_message(db.session, message)
            db.session.commit()
            flash(gettext("报文 %(id)s 已重新放入发送队列，下一次处理时发送", id=message.message_id), "success")
        except RuleError as exc:
            db.session.rollback()
            flash(violation_text(exc.violations), "error")
        return redirect(back)

    @action("resend", lazy_gettext(RESEND_LABEL), lazy_gettext("确定将所选的发送失败或待发送报文重新发送？"))
    def action_resend(self, ids):
        """Send every selected FAILED or PENDING message again; report the others."""
        done, refused = 0, []
        for message in self.get_query().filter(self.model.id.in_([parse_id(i) for i in ids])):
            try:
                resend_message(db.session, message)
                done += 1
            except RuleError as exc:
                refused.append(f"{message.message_id}：{violation_text(exc.violations)}")
        db.session.commit()
        if done:
            flash(gettext("已重新发送 %(num)s 条报文", num=done), "success")
        if refused:
            flash("；".join(refused), "error")


def add_views(admin) -> None:
    """Add the customs messages register."""
    admin.add_view(CustomsMessageAdmin(m.CustomsMessage, category=CATEGORY))
