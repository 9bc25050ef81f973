"""资质备案: qualifications, applications and their sections, attachments, certificates (SPEC §3)."""
from __future__ import annotations

import json

from flask import g, has_request_context
from flask_babel import gettext

from admin_views import readable
from admin_views.base import ReadOnlyView
from admin_views.lifecycle_view import LifecycleView
from admin_views.labels import (APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS, LICENSE_NAMES, LOGIN_MODE_NAMES,
                                PERSON_TYPE_NAMES, QUALIFICATION_NAMES, choices, status_choices)
from portal import clock
from portal import models as m
from portal.extensions import db
from portal.i18n import translate
from portal.qualification.masking import shown_to
from portal.qualification.state import reference_data
from rules.qualification_sections import (declaration_personnel_violations, investor_violations,
                                          license_row_format_violations, management_personnel_violations)
from rules.violations import Violation

CATEGORY = "资质备案"
SECTION_COLUMNS = ["id", "enterprise_id", "application_id"]


class QualificationAdmin(LifecycleView):
    """Qualifications come from approvals; staff may load a held one (e.g. DUAL) by hand."""

    allow_create = True
    column_list = ["id", "enterprise_id", "qualification_type", "status", "filed_date", "valid_until",
                   "registration_code", "cancelled_at"]
    column_choices = {"qualification_type": choices(QUALIFICATION_NAMES), "status": status_choices("qualifications")}
    column_searchable_list = ["registration_code"]
    column_filters = ["enterprise_id", "qualification_type", "status", "filed_date", "valid_until"]
    system_filled = ("registration_code", "application_id", "cancelled_at")


# Columns holding a filed enterprise's personal identifiers: a proxy sees them masked on the details page;
# enterprise users export applications without them (an export row is not formatted per reader).
PERSONAL_JSON = ("data", "snapshot")  # the enterprise block; the whole submitted body


def _masked_json(view, context, model, name) -> str:
    """The application's body as the reader may see it: masked for the proxy that filed it (Q-23)."""
    value = getattr(model, name)
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    identity = getattr(g, "identity", None)
    if name == "data":  # the enterprise block of the body (records.application_body)
        value = shown_to(identity, {"enterprise": value}, application=model)["enterprise"]
    else:
        value = shown_to(identity, value, application=model)
    return json.dumps(value, ensure_ascii=False)


class ApplicationAdmin(LifecycleView):
    """Submitted data is immutable (Q-20): staff act on applications through actions only.

    A proxy's enterprise user sees the target's personal identifiers masked (Q-23), as on the pages."""

    allow_edit = False
    large_register = True
    column_list = ["id", "application_no", "application_type", "status", "enterprise_id", "acting_enterprise_id",
                   "login_mode", "qualification_types", "submitted_at", "decided_at"]
    column_choices = {"application_type": choices(APPLICATION_TYPE_NAMES), "status": status_choices("applications"),
                      "login_mode": choices(LOGIN_MODE_NAMES)}
    column_searchable_list = ["application_no"]
    column_filters = ["status", "application_type", "enterprise_id", "login_mode", "submitted_at", "decided_at"]
    column_formatters = {"qualification_types": lambda view, context, row, name: qualification_type_names(row)}
    # A change application's data beside the enterprise's filed data; any other as labelled fields; a proxy's
    # enterprise user sees the target's personal identifiers masked.
    column_formatters_detail = {**column_formatters, "data": lambda view, context, application, name:
                                application_data(view, application), "snapshot": _masked_json}

    @property
    def _export_columns(self):
        identity = getattr(g, "identity", None) if has_request_context() else None
        columns = self.__dict__.get("_all_export_columns", [])
        if identity is not None and identity.is_enterprise:
            return [(name, label) for name, label in columns if name not in PERSONAL_JSON]
        return columns

    @_export_columns.setter
    def _export_columns(self, columns):
        self.__dict__["_all_export_columns"] = columns


def qualification_type_names(row) -> str:
    """The applied qualification types by name ("进出口货物收发货人、报关企业"), not their codes."""
    codes = [code for code in (row.qualification_types or "").split(",") if code]
    return gettext("、").join(translate(QUALIFICATION_NAMES.get(code, code)) for code in codes)


def application_data(view, application):
    """Enterprise users: the data labelled and masked (Q-23); staff: a change beside the filed data (S-3)."""
    identity = getattr(g, "identity", None)
    data = application.data or {}
    if identity is not None and identity.is_enterprise:
        return readable.document(view, shown_to(identity, {"enterprise": data}, application=application)["enterprise"])
    if application.application_type != "CHANGE" or application.enterprise is None:
        return readable.document(view, data)
    filed = {key: getattr(application.enterprise, key) for key in data if hasattr(type(application.enterprise), key)}
    return readable.change_table(view, filed, data)


class SectionAdmin(LifecycleView):
    """A child section of an application (or of the filed record when the application is empty).

    Staff edit a row of a draft application only (its lifecycle), checked by the section's rules as the
    filing form checks the same row; filed data changes through a change application (Q-24)."""

    column_filters = ["enterprise_id", "application_id"]
    labels = {"application_id": "申请单（空为已备案数据）"}
    orphan_refusal = Violation("Q-24", "application_id", "已备案数据只能通过变更申请修改，工作人员不能直接修改")

    @staticmethod
    def row_violations(row: dict, ref) -> list:
        """Return the violations of one row of the section."""
        return []

    def rule_violations(self, form, record):
        row = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        return self.row_violations(row, reference_data(db.session))


class ManagementPersonAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["person_type", "name", "id_type", "id_no", "nationality", "mobile"]
    column_choices = {"person_type": choices(PERSON_TYPE_NAMES)}
    column_searchable_list = ["name"]
    labels = {**SectionAdmin.labels, "name": "姓名"}
    code_rule = "Q-14"

    @staticmethod
    def row_violations(row, ref):
        return management_personnel_violations([row], (), ref, clock.today())


class InvestorAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["name", "nationality", "currency", "amount", "amount_usd"]
    column_searchable_list = ["name"]
    labels = {**SectionAdmin.labels, "name": "出资者名称（姓名）"}
    code_rule = "Q-15"

    @staticmethod
    def row_violations(row, ref):
        return investor_violations([row], None, ref)


class DeclarationPersonAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["name", "id_type", "id_no", "mobile", "personnel_filing_no"]
    column_searchable_list = ["personnel_filing_no", "name"]
    labels = {**SectionAdmin.labels, "name": "姓名"}
    system_filled = ("personnel_filing_no",)
    code_rule = "Q-16"

    @staticmethod
    def row_violations(row, ref):
        return declaration_personnel_violations([row], ref, clock.today())


class ExternalLicenseAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["license_code", "number", "authority", "valid_until", "long_term"]
    column_choices = {"license_code": choices(LICENSE_NAMES)}
    labels = {**SectionAdmin.labels, "number": "许可证编号"}
    code_rule = "Q-17"

    @staticmethod
    def row_violations(row, ref):
        return license_row_format_violations(row, 0)


class AttachmentAdmin(ReadOnlyView):
    column_list = ["id", "enterprise_id", "application_id", "kind", "file_name", "size", "content_type", "created_at"]
    column_choices = {"kind": choices(ATTACHMENT_KINDS)}
    column_filters = ["enterprise_id", "application_id", "kind", "created_at"]


class CertificateAdmin(ReadOnlyView):
    column_list = ["id", "enterprise_id", "request_date", "status", "certificate_no", "issued_at", "superseded"]
    column_choices = {"status": status_choices("certificates")}
    column_searchable_list = ["certificate_no"]
    column_filters = ["enterprise_id", "status", "request_date", "superseded"]


def add_views(admin) -> None:
    """Add the module Q registers."""
    for view, model in [(QualificationAdmin, m.Qualification), (ApplicationAdmin, m.Application),
                        (ManagementPersonAdmin, m.ManagementPerson), (InvestorAdmin, m.Investor),
                        (DeclarationPersonAdmin, m.DeclarationPerson), (ExternalLicenseAdmin, m.ExternalLicense),
                        (AttachmentAdmin, m.Attachment), (CertificateAdmin, m.Certificate)]:
        admin.add_view(view(model, category=CATEGORY))
