"""Request and response schemas of the module-Q API (API.md "Module Q").

Fields are loosely typed on purpose (text, not enums): the module-Q rules check values and
answer in Chinese with their rule ids. Read-only fields (Q-13) are accepted so that a body may
echo them back unchanged; a different value is refused with 422 Q-13.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from portal.models.qualification import APPLICATION_STATUSES, APPLICATION_TYPES, ATTACHMENT_KINDS, QUALIFICATION_TYPES

Text = str | None
READ_ONLY = "系统填写，只读（Q-13）"


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A response: documents the fields, may carry more."""

    model_config = ConfigDict(extra="allow")


class EnterpriseIn(Body):
    uscc: Text = Field(None, description=READ_ONLY)
    org_code: Text = Field(None, description=READ_ONLY)
    registration_code: Text = Field(None, description=READ_ONLY)
    ciq_no: Text = Field(None, description=READ_ONLY)
    local_ciq_authority: Text = Field(None, description=READ_ONLY)
    name_zh: Text = None
    name_en: Text = None
    region_code: Text = None
    customs_code: Text = None
    economic_zone_code: Text = None
    ciq_enterprise_type_code: Text = None
    postal_code: Text = None
    address_zh: Text = None
    address_en: Text = None
    market_entity_type_code: Text = None
    org_type_code: Text = None
    industry_code: Text = None
    legal_rep_name: Text = None
    legal_rep_nationality: Text = None
    legal_rep_id_type: Text = None
    legal_rep_id_no: Text = None
    contact_name: Text = None
    contact_phone: Text = None
    contact_mobile: Text = None
    email: Text = None
    fax: Text = None
    website: Text = None
    parent_code: Text = None
    parent_name: Text = None
    express_operator: bool | None = None


class ManagementPersonIn(Body):
    person_type: Text = Field(None, json_schema_extra={"enum": ["CUSTOMS", "FINANCE"]})
    name: Text = None
    id_type: Text = None
    id_no: Text = None
    nationality: Text = None
    mobile: Text = None


class InvestorIn(Body):
    name: Text = None
    nationality: Text = None
    currency: Text = None
    amount: str | int | float | None = Field(None, description="出资金额（万），最多4位小数")
    amount_usd: str | int | float | None = Field(None, description="海关返填，只读（Q-15）")


class DeclarationPersonIn(Body):
    name: Text = None
    id_type: Text = None
    id_no: Text = None
    mobile: Text = None
    personnel_filing_no: Text = Field(None, description=READ_ONLY)


class ExternalLicenseIn(Body):
    license_code: Text = Field(None, json_schema_extra={"enum": ["EXPRESS", "FINANCE", "PAYMENT"]})
    number: Text = None
    authority: Text = None
    valid_until: Text = Field(None, description="YYYY-MM-DD")
    long_term: bool = False


class CancellationIn(Body):
    reason_code: Text = None
    other_reason: Text = None


class ApplicationPatch(Body):
    """Any field of the create body (PATCH /applications/<no>)."""

    type: Text = Field(None, json_schema_extra={"enum": list(APPLICATION_TYPES)})
    target_uscc: Text = Field(None, description="为其他主体备案时被代理主体的统一社会信用代码（仅卡介质登录）")
    commitment: bool | None = None
    qualification_types: list[str] | None = Field(None, json_schema_extra={"items": {"enum": list(QUALIFICATION_TYPES)}})
    enterprise: EnterpriseIn | None = None
    management_personnel: list[ManagementPersonIn] | None = None
    investors: list[InvestorIn] | None = None
    declaration_personnel: list[DeclarationPersonIn] | None = None
    external_licenses: list[ExternalLicenseIn] | None = None
    cancellation: CancellationIn | None = None
    application_no: Text = Field(None, description=READ_ONLY)
    status: Text = Field(None, description=READ_ONLY)
    customs_opinion: Text = Field(None, description=READ_ONLY)
    updated_at: Text = Field(None, description=READ_ONLY)


class ApplicationCreate(ApplicationPatch):
    """POST /applications: `type` is required."""

    type: str = Field(json_schema_extra={"enum": list(APPLICATION_TYPES)})


class ApplicationCreated(Answer):
    application_no: str
    status: str = Field(json_schema_extra={"enum": list(APPLICATION_STATUSES)})


class StatusAnswer(Answer):
    status: str


class AttachmentCreated(Answer):
    id: int
    file_name: str
    size: int
    kind: str = Field(json_schema_extra={"enum": list(ATTACHMENT_KINDS)})


class Receipt(Answer):
    at: str
    from_: str | None = Field(None, alias="from")
    to: str
    message: str


class ApplicationDetail(Answer):
    application_no: str
    type: str
    status: str
    customs_opinion: str | None = None
    qualification_types: list[str]
    enterprise: dict
    receipts: list[Receipt]


class ApplicationPage(Answer):
    items: list[dict]
    next: str | None = Field(None, description="下一页的不透明游标；没有更多时为 null")


class QualificationItem(Answer):
    type: str
    status: str = Field(json_schema_extra={"enum": ["VALID", "CANCELLED", "EXPIRED"]})
    valid_until: str | None = None
    registration_code: str | None = None


class QualificationList(Answer):
    items: list[QualificationItem]


class CertificateCreated(Answer):
    id: int
    status: str


class CertificateList(Answer):
    items: list[dict]
