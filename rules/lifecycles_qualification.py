"""Module Q lifecycles: applications (Q-19, Q-20), qualifications (Q-22, Q-25..Q-27), certificates (Q-28).

Read through rules/lifecycle.py; the names are SPEC §3.4 and the labels the enterprise sees.
"""
from __future__ import annotations

from rules.lifecycles_base import ACT, CUSTOMS_ONLY, FAIL, FILERS, REJECT, A, E, Lifecycle, Move, S, Status, T

R = "applications"
SUBMIT_APPLICATION = Move(R, "submit_application", ("DRAFT", "RECEIPT_FAILED"), "SUBMITTED", FILERS, "Q-19", "申报")
RECEIVE_APPLICATION = Move(R, "receive_application", ("SUBMITTED",), "RECEIVED", CUSTOMS_ONLY, "Q-19", "海关入库成功",
                           simulate=ACT, delay="delay_receive_seconds")
FAIL_APPLICATION_RECEIPT = Move(R, "fail_receipt", ("SUBMITTED",), "RECEIPT_FAILED", CUSTOMS_ONLY, "Q-19",
                                "海关入库失败", simulate=FAIL, delay="delay_receive_seconds")
NOT_ACCEPT_APPLICATION = Move(R, "not_accept_application", ("RECEIVED",), "NOT_ACCEPTED", CUSTOMS_ONLY, "Q-19",
                              "不予受理", opinion=True)
START_REVIEW = Move(R, "start_review", ("RECEIVED",), "UNDER_REVIEW", CUSTOMS_ONLY, "Q-19", "受理（开始审核）",
                    simulate=ACT, delay="delay_review_seconds")
APPROVE_APPLICATION = Move(R, "approve_application", ("UNDER_REVIEW",), "APPROVED", CUSTOMS_ONLY, "Q-19", "审批通过",
                           simulate=ACT, delay="delay_decide_seconds")
REJECT_APPLICATION = Move(R, "reject_application", ("UNDER_REVIEW",), "REJECTED", CUSTOMS_ONLY, "Q-19", "审批不通过",
                          opinion=True, simulate=REJECT, delay="delay_decide_seconds")

APPLICATIONS = Lifecycle(
    R, "申请单", "Q-19",
    statuses=(Status("DRAFT", "暂存", "Draft"),
              Status("SUBMITTED", "申报成功", "Declared"),
              Status("RECEIVED", "海关入库成功，请等待审核", "Received by customs; awaiting review"),
              Status("RECEIPT_FAILED", "海关入库失败", "Customs receipt failed"),
              Status("NOT_ACCEPTED", "海关不予受理", "Not accepted by customs"),
              Status("UNDER_REVIEW", "海关受理中", "Under customs review"),
              Status("APPROVED", "审批通过", "Approved"),
              Status("REJECTED", "审批不通过", "Not approved")),
    moves=(SUBMIT_APPLICATION, RECEIVE_APPLICATION, FAIL_APPLICATION_RECEIPT, NOT_ACCEPT_APPLICATION, START_REVIEW,
           APPROVE_APPLICATION, REJECT_APPLICATION),
    editable_in={"DRAFT": frozenset({E, A, S})},     # only drafts; submitted data is immutable
    deletable_in={"DRAFT": frozenset({E, A, S})},
    initial="DRAFT", number="application_no")

R = "qualifications"
# Effects of an approved application and the daily sweep.
EXTEND_QUALIFICATION = Move(R, "extend_qualification", ("VALID", "EXPIRED"), "VALID", CUSTOMS_ONLY, "Q-25",
                            "延续", effect=True)
CANCEL_QUALIFICATION = Move(R, "cancel_qualification", ("VALID",), "CANCELLED", CUSTOMS_ONLY, "Q-26", "注销",
                            effect=True)
EXPIRE_QUALIFICATION = Move(R, "expire_qualification", ("VALID",), "EXPIRED", frozenset({T}), "Q-27", "超期")

QUALIFICATIONS = Lifecycle(
    R, "资质", "Q-22",
    statuses=(Status("VALID", "有效", "Valid"),
              Status("CANCELLED", "已注销", "Cancelled"),
              Status("EXPIRED", "已超期", "Expired")),
    moves=(EXTEND_QUALIFICATION, CANCEL_QUALIFICATION, EXPIRE_QUALIFICATION),
    initial="VALID")   # granted on approval; changed only through applications, never edited

R = "certificates"
REQUEST_CERTIFICATE_AGAIN = Move(R, "request_certificate", ("RECEIPT_FAILED",), "REQUESTED", frozenset({E}), "Q-28",
                                 "重新申请备案证明")
ISSUE_CERTIFICATE = Move(R, "issue_certificate", ("REQUESTED",), "ISSUED", CUSTOMS_ONLY, "Q-28", "签发",
                         simulate=ACT, delay="delay_certificate_seconds")
FAIL_CERTIFICATE = Move(R, "fail_certificate", ("REQUESTED",), "RECEIPT_FAILED", CUSTOMS_ONLY, "Q-28", "海关入库失败",
                        simulate=FAIL, delay="delay_certificate_seconds")

CERTIFICATES = Lifecycle(
    R, "备案证明", "Q-28",
    statuses=(Status("REQUESTED", "已申请，等待签发", "Requested, awaiting issue"),
              Status("ISSUED", "已签发", "Issued"),
              Status("RECEIPT_FAILED", "海关入库失败", "Customs receipt failed")),
    moves=(REQUEST_CERTIFICATE_AGAIN, ISSUE_CERTIFICATE, FAIL_CERTIFICATE),
    initial="REQUESTED")
