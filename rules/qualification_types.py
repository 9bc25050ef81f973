"""Qualification types (SPEC §2), application statuses (§3.4) and the default rule tables.

The exclusion and dependency tables are data: staff edit them in the database and the rule
functions receive them as arguments; the constants below are the SPEC defaults (Q-4, Q-5).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

CB = "CB"
IE = "IE"
CB_BRANCH = "CB_BRANCH"
IE_BRANCH = "IE_BRANCH"
TEMP = "TEMP"
CBEC_ECOM = "CBEC_ECOM"
CBEC_AGENT = "CBEC_AGENT"
CBEC_PLATFORM = "CBEC_PLATFORM"
CBEC_LOGISTICS = "CBEC_LOGISTICS"
CBEC_LOGISTICS_B2B = "CBEC_LOGISTICS_B2B"
CBEC_PAYMENT = "CBEC_PAYMENT"
CBEC_SITE = "CBEC_SITE"
DUAL = "DUAL"

QUALIFICATION_NAMES = MappingProxyType({
    CB: "报关企业",
    IE: "进出口货物收发货人",
    CB_BRANCH: "报关企业分支机构",
    IE_BRANCH: "进出口货物收发货人分支机构",
    TEMP: "临时备案单位",
    CBEC_ECOM: "跨境电子商务电商企业",
    CBEC_AGENT: "境外跨境电商企业的境内代理人",
    CBEC_PLATFORM: "跨境电子商务平台企业",
    CBEC_LOGISTICS: "跨境电子商务物流企业",
    CBEC_LOGISTICS_B2B: "跨境电子商务物流企业（仅B2B）",
    CBEC_PAYMENT: "跨境电子商务支付企业",
    CBEC_SITE: "跨境电子商务监管场所运营人",
    DUAL: "特殊监管区域双重身份企业",
})
ALL_TYPES = tuple(QUALIFICATION_NAMES)
SELECTABLE_TYPES = tuple(t for t in ALL_TYPES if t != DUAL)

# Types whose approval yields a customs registration code and which may print a certificate.
REGISTRATION_CODE_TYPES = frozenset({CB, IE, CB_BRANCH, IE_BRANCH, TEMP})
CERTIFICATE_TYPES = frozenset({CB, IE, CB_BRANCH, IE_BRANCH, TEMP})
# Types that need management personnel and the annual-report categories.
MANAGEMENT_REQUIRED_TYPES = frozenset({IE, CB, IE_BRANCH, CB_BRANCH})
ANNUAL_REPORT_TYPES = frozenset({IE, IE_BRANCH, CB, CB_BRANCH, DUAL})
# Branch type -> the head qualification its parent unit must hold.
BRANCH_HEAD_TYPES = MappingProxyType({CB_BRANCH: CB, IE_BRANCH: IE})
# Types that allow "express operator = yes".
EXPRESS_OPERATOR_TYPES = frozenset({CB, DUAL})
# Losing the last of these cancels the enterprise's collection filings (Q-26, C-3).
COLLECTION_FILING_TYPES = frozenset({IE, IE_BRANCH})


def qualification_name(code: str) -> str:
    """Return the Chinese name of a qualification type (the code itself when unknown)."""
    return QUALIFICATION_NAMES.get(code, code)


def _default_exclusions() -> tuple[tuple[str, str], ...]:
    """Return the SPEC Q-4 exclusion pairs."""
    pairs = [(IE, IE_BRANCH), (CB, CB_BRANCH), (IE, CB_BRANCH), (CB, IE_BRANCH)]
    pairs += [(TEMP, other) for other in (CB, IE, CB_BRANCH, IE_BRANCH)]
    pairs += [(DUAL, other) for other in ALL_TYPES if other != DUAL]
    return tuple(pairs)


DEFAULT_EXCLUSIONS: tuple[tuple[str, str], ...] = _default_exclusions()
DEFAULT_DEPENDENCIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CBEC_ECOM: (IE, IE_BRANCH),
    CBEC_AGENT: (IE, IE_BRANCH),
})
DEFAULT_EXTENSION_WINDOW_DAYS = 30

# Required external licences per type (alternatives, Q-17) and required scans.
LICENSE_NAMES = MappingProxyType({
    "EXPRESS": "快递业务经营许可证",
    "FINANCE": "金融许可证",
    "PAYMENT": "支付业务许可证",
})
DEFAULT_LICENSE_REQUIREMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CBEC_LOGISTICS: ("EXPRESS",),
    CBEC_PAYMENT: ("FINANCE", "PAYMENT"),
})
ATTACHMENT_KINDS = MappingProxyType({
    "INFO_TABLE": "《报关单位备案信息表》",
    "FINANCE_LICENSE": "《金融许可证》",
    "PAYMENT_LICENSE": "《支付业务许可证》",
    "EXPRESS_LICENSE": "《快递业务经营许可证》",
    "CANCELLATION_LETTER": "《注销申请书》",
    "OTHER": "其他附件",
})
DEFAULT_ATTACHMENT_REQUIREMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CBEC_PAYMENT: ("FINANCE_LICENSE", "PAYMENT_LICENSE"),
    CBEC_LOGISTICS: ("EXPRESS_LICENSE",),
})

# Application types and statuses (§3.4).
FILING = "FILING"
CHANGE = "CHANGE"
EXTENSION = "EXTENSION"
CANCELLATION = "CANCELLATION"
APPLICATION_TYPE_NAMES = MappingProxyType({
    FILING: "备案申请", CHANGE: "变更申请", EXTENSION: "延续申请", CANCELLATION: "注销申请",
})
# Submitted and not finally decided: RECEIPT_FAILED can still be resubmitted.
OPEN_STATUSES = frozenset({"SUBMITTED", "RECEIPT_FAILED", "RECEIVED", "UNDER_REVIEW"})
FINAL_STATUSES = frozenset({"NOT_ACCEPTED", "APPROVED", "REJECTED"})
# An open cancellation in one of these blocks a new cancellation (Q-26: not yet RECEIVED).
NOT_YET_RECEIVED_STATUSES = frozenset({"SUBMITTED", "RECEIPT_FAILED"})

CANCELLATION_OTHER_REASON_CODE = "99"
LONG_TERM_DATE_ISO = "2099-12-31"


@dataclass(frozen=True)
class RuleTables:
    """The staff-editable rule tables and settings that submit checks read."""

    exclusions: tuple[tuple[str, str], ...] = DEFAULT_EXCLUSIONS
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_DEPENDENCIES)
    extension_window_days: int = DEFAULT_EXTENSION_WINDOW_DAYS
    license_requirements: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: DEFAULT_LICENSE_REQUIREMENTS)
    attachment_requirements: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: DEFAULT_ATTACHMENT_REQUIREMENTS)
