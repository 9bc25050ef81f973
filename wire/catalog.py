"""The message types: one per thing the portal sends to customs, each with its receipt type (issue 16).

Element names follow the public China E-Port CEB models where they fit (a `CEBnnnMessage` root with
`guid` and `version`, a body with a `…Head` and `…List` rows, then `BaseTransfer` and an optional
`ds:Signature`). A message type `CEBnn1` is answered by receipts of type `CEBnn2`. The field names here
give the order of the head and row children; the XSD of each type (wire/xsd/CEBnnn.xsd) gives their
formats, and tests/messaging/test_wire_formats.py keeps the two equal.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
VERSION = "1.0"
# Children every head starts with (ceb_common.xsd group HeadStart), before the type's own fields.
HEAD_START = ("guid", "appType", "appTime", "appStatus", "copNo", "recordVersion")
TRANSFER_FIELDS = ("copCode", "copName", "dxpMode", "dxpId", "note")
RETURN_FIELDS = ("guid", "msgType", "copNo", "seq", "returnStatus", "returnTime", "returnInfo")


@dataclass(frozen=True)
class MessageType:
    """One business message type and its receipt type.

    code          message type code (root element `<code>Message`, XSD `<code>.xsd`)
    title         Chinese name shown to staff
    register      the lifecycle register whose records it carries
    body          the business element under the root (CEB: Inventory, Order …)
    head_fields   the head's own children after HEAD_START, in order
    row_fields    the children of each row, in order (empty: the type has no rows)
    receipt_body  the receipt's element under its root
    """

    code: str
    title: str
    register: str
    body: str
    head_fields: tuple
    row_fields: tuple = ()
    receipt_body: str = ""

    @property
    def root(self) -> str:
        return f"{self.code}Message"

    @property
    def head(self) -> str:
        return f"{self.body}Head"

    @property
    def row(self) -> str | None:
        return f"{self.body}List" if self.row_fields else None

    @property
    def xsd(self) -> str:
        return f"{self.code}.xsd"

    @property
    def receipt_code(self) -> str:
        return self.code[:-1] + "2"

    @property
    def receipt_root(self) -> str:
        return f"{self.receipt_code}Message"

    @property
    def receipt_xsd(self) -> str:
        return f"{self.receipt_code}.xsd"


_TYPES = (
    MessageType("CEB911", "资质申请", "applications", "QualificationApply",
                head_fields=("applicationType", "qualificationTypes", "entName", "registrationCode", "customsCode",
                             "regionCode", "address", "legalRepName", "contactName", "contactPhone", "agentCode",
                             "agentName", "cancelReasonCode", "cancelReason", "loginMode"),
                row_fields=("gnum", "name", "idType", "idNo", "mobile"), receipt_body="QualificationApplyReturn"),
    MessageType("CEB921", "备案证明申请", "certificates", "CertificateApply",
                head_fields=("requestDate", "entName", "registrationCode", "customsCode"),
                receipt_body="CertificateReturn"),
    MessageType("CEB931", "集报备案", "collection_filings", "CollectionFiling",
                head_fields=("customsCode", "entCustomsCode", "entName", "goodsNature", "ieBatches", "guaranteeMode",
                             "guaranteeAmount", "guaranteeValidUntil"),
                receipt_body="CollectionFilingReturn"),
    MessageType("CEB941", "商品分册", "product_volumes", "ProductVolume",
                head_fields=("centerNo", "customsCode", "entCustomsCode", "itemCount"),
                row_fields=("gnum", "gcode", "gname", "gmodel", "unit", "licenseNo"),
                receipt_body="ProductVolumeReturn"),
    MessageType("CEB951", "备案变更/延期", "filing_requests", "FilingChange",
                head_fields=("changeKind", "centerNo", "customsCode", "entCustomsCode", "validUntil"),
                row_fields=("gnum", "action", "field", "oldValue", "newValue", "volumeNo", "itemSeq", "gcode",
                            "gname", "gmodel", "unit", "licenseNo"),
                receipt_body="FilingChangeReturn"),
    MessageType("CEB961", "集报清单", "list_heads", "CollectionInventory",
                head_fields=("listType", "ieFlag", "customsCode", "entCustomsCode", "entName", "filingNo", "tradeMode",
                             "trafMode", "trafName", "voyageNo", "billNo", "packNo", "grossWeight", "netWeight",
                             "licenseNo", "declareDate"),
                row_fields=("gnum", "itemNo", "gcode", "gname", "gmodel", "qty", "unit", "price", "totalPrice",
                            "currency", "country"),
                receipt_body="CollectionInventoryReturn"),
    MessageType("CEB971", "修撤单", "change_requests", "InventoryModify",
                head_fields=("requestType", "centerNo", "customsCode", "reason", "contact", "phone"),
                row_fields=("gnum", "field", "oldValue", "newValue"), receipt_body="InventoryModifyReturn"),
    MessageType("CEB981", "集报报关单（汇总申报）", "declarations", "SummaryApply",
                head_fields=("customsCode", "ieFlag", "entName", "entCustomsCode", "agentCode", "agentName", "tradeMode",
                             "filingNo", "trafMode", "groupSeq", "itemCount", "declareDate"),
                row_fields=("gnum", "gcode", "gname", "gmodel", "unit", "country", "currency", "qty", "totalPrice"),
                receipt_body="SummaryResult"),
)

MESSAGE_TYPES: Mapping[str, MessageType] = MappingProxyType({t.code: t for t in _TYPES})
TYPE_FOR_REGISTER: Mapping[str, str] = MappingProxyType({t.register: t.code for t in _TYPES})
# Receipt type code → the message type it answers.
RECEIPT_TYPES: Mapping[str, MessageType] = MappingProxyType({t.receipt_code: t for t in _TYPES})

# The transfer mode and DXP ids of the Single Window: every enterprise sends as DXPENT + its USCC.
DXP_MODE = "DXP"
CUSTOMS_DXP_ID = "DXPEDCCEB0000001"


def enterprise_dxp_id(uscc: str) -> str:
    """Return the DXP id an enterprise sends under (its USCC behind the DXPENT prefix)."""
    return f"DXPENT{uscc}"
