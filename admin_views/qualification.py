"""资质备案: qualifications, applications and their sections, attachments, certificates (SPEC §3)."""
from __future__ import annotations

from admin_views.base import LifecycleView, ReadOnlyView
from admin_views.labels import (APPLICATION_TYPE_NAMES, ATTACHMENT_KINDS, LICENSE_NAMES, LOGIN_MODE_NAMES,
                                PERSON_TYPE_NAMES, QUALIFICATION_NAMES, choices, status_choices)
from portal import models as m

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


class ApplicationAdmin(LifecycleView):
    """Submitted data is immutable (Q-20): staff act on applications through actions only."""

    allow_edit = False
    large_register = True
    column_list = ["id", "application_no", "application_type", "status", "enterprise_id", "acting_enterprise_id",
                   "login_mode", "qualification_types", "submitted_at", "decided_at"]
    column_choices = {"application_type": choices(APPLICATION_TYPE_NAMES), "status": status_choices("applications"),
                      "login_mode": choices(LOGIN_MODE_NAMES)}
    column_searchable_list = ["application_no"]
    column_filters = ["status", "application_type", "enterprise_id", "login_mode", "submitted_at", "decided_at"]


class SectionAdmin(LifecycleView):
    """A child section of an application (or of the filed record when the application is empty)."""

    column_filters = ["enterprise_id", "application_id"]
    labels = {"application_id": "申请单（空为已备案数据）"}


class ManagementPersonAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["person_type", "name", "id_type", "id_no", "nationality", "mobile"]
    column_choices = {"person_type": choices(PERSON_TYPE_NAMES)}
    column_searchable_list = ["name"]
    labels = {**SectionAdmin.labels, "name": "姓名"}


class InvestorAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["name", "nationality", "currency", "amount", "amount_usd"]
    column_searchable_list = ["name"]
    labels = {**SectionAdmin.labels, "name": "出资者名称（姓名）"}


class DeclarationPersonAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["name", "id_type", "id_no", "mobile", "personnel_filing_no"]
    column_searchable_list = ["personnel_filing_no", "name"]
    labels = {**SectionAdmin.labels, "name": "姓名"}
    system_filled = ("personnel_filing_no",)


class ExternalLicenseAdmin(SectionAdmin):
    column_list = SECTION_COLUMNS + ["license_code", "number", "authority", "valid_until", "long_term"]
    column_choices = {"license_code": choices(LICENSE_NAMES)}
    labels = {**SectionAdmin.labels, "number": "许可证编号"}


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
