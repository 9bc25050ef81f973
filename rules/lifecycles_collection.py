"""Module C lifecycles: collection filings (C-3), volumes (C-4, C-5), filing requests (C-6, C-7), lists
(C-14, C-17, C-19, C-23), modify/revoke requests (C-17), aggregation requests (C-19..C-22) and
declarations (C-24). Read through rules/lifecycle.py; the names are SPEC §4's.
"""
from __future__ import annotations

from rules.lifecycles_base import (ACT, CUSTOMS_ONLY, FAIL, FILERS, REJECT, A, C, E, Lifecycle, Move, S, Status,
                                   T)

ANYONE_FILING = frozenset({E, A, S})
DELAY = "delay_list_seconds"

# ---- collection filings (C-3) ------------------------------------------------------------------
R = "collection_filings"
FILING_REDECLARABLE = ("ENTERED", "RECEIPT_FAILED", "REFUSED")
DECLARE_FILING = Move(R, "declare_filing", FILING_REDECLARABLE, "DECLARED", FILERS, "C-3", "申报")
APPROVE_FILING = Move(R, "approve_filing", ("DECLARED",), "APPROVED", CUSTOMS_ONLY, "C-3", "审批通过",
                      simulate=ACT, delay=DELAY)
REFUSE_FILING = Move(R, "refuse_filing", ("DECLARED",), "REFUSED", CUSTOMS_ONLY, "C-3", "核准拒绝", opinion=True)
FAIL_FILING_RECEIPT = Move(R, "fail_filing_receipt", ("DECLARED",), "RECEIPT_FAILED", CUSTOMS_ONLY, "C-3", "接受失败",
                           simulate=FAIL, delay=DELAY)
CANCEL_FILING = Move(R, "cancel_filing", ("APPROVED",), "CANCELLED", frozenset({S}), "C-3", "取消资质", opinion=True)
# The enterprise lost its last valid IE / IE_BRANCH (an approved cancellation, Q-26).
CANCEL_FILING_WITH_QUALIFICATION = Move(R, "cancel_collection_filings", (*FILING_REDECLARABLE, "DECLARED", "APPROVED"),
                                        "CANCELLED", CUSTOMS_ONLY, "C-3", "取消资质", effect=True)

COLLECTION_FILINGS = Lifecycle(
    R, "集报备案", "C-3",
    statuses=(Status("ENTERED", "录入", "Entered"),
              Status("DECLARED", "已申报", "Declared"),
              Status("APPROVED", "海关审批通过", "Approved by customs"),
              Status("RECEIPT_FAILED", "接受失败", "Receipt failed"),
              Status("REFUSED", "核准拒绝", "Approval refused"),
              Status("CANCELLED", "取消资质", "Qualification cancelled")),
    moves=(DECLARE_FILING, APPROVE_FILING, REFUSE_FILING, FAIL_FILING_RECEIPT, CANCEL_FILING,
           CANCEL_FILING_WITH_QUALIFICATION),
    editable_in={s: ANYONE_FILING for s in FILING_REDECLARABLE},
    deletable_in={s: ANYONE_FILING for s in ("ENTERED", "RECEIPT_FAILED", "REFUSED", "CANCELLED")},
    initial="ENTERED", number="center_no")

# ---- product volumes (C-4, C-5) ----------------------------------------------------------------
R = "product_volumes"
VOLUME_DECLARABLE = ("ENTERED", "RECEIPT_FAILED", "REFUSED")
DECLARE_VOLUME = Move(R, "declare_volume", VOLUME_DECLARABLE, "DECLARED", FILERS, "C-5", "申报")
QUEUE_VOLUME = Move(R, "declare_volume", VOLUME_DECLARABLE, "WAITING", FILERS, "C-5", "申报（待发送）")
SEND_WAITING_VOLUME = Move(R, "send_waiting_volume", ("WAITING",), "DECLARED", frozenset({C, T}), "C-5",
                           "发往海关", effect=True)
APPROVE_VOLUME = Move(R, "approve_volume", ("DECLARED",), "APPROVED", CUSTOMS_ONLY, "C-5", "审批通过",
                      simulate=ACT, delay=DELAY)
REFUSE_VOLUME = Move(R, "refuse_volume", ("DECLARED",), "REFUSED", CUSTOMS_ONLY, "C-5", "核准拒绝", opinion=True)
FAIL_VOLUME_RECEIPT = Move(R, "fail_volume_receipt", ("DECLARED",), "RECEIPT_FAILED", CUSTOMS_ONLY, "C-5", "接受失败",
                           simulate=FAIL, delay=DELAY)
# A filing change adds items beyond the last approved volume: the new volume is approved with it (C-6).
APPROVE_CHANGED_VOLUME = Move(R, "approve_filing_request", ("ENTERED",), "APPROVED", CUSTOMS_ONLY, "C-6",
                              "备案变更审批通过", effect=True)
CANCEL_VOLUME = Move(R, "cancel_volume", ("ENTERED", "WAITING", "DECLARED", "APPROVED", "RECEIPT_FAILED", "REFUSED"),
                     "CANCELLED", frozenset({C, S}), "C-3", "取消资质", effect=True)

PRODUCT_VOLUMES = Lifecycle(
    R, "商品分册", "C-5",
    statuses=(Status("ENTERED", "暂存", "Draft"),
              Status("WAITING", "待发送", "Waiting to send"),
              Status("DECLARED", "已申报", "Declared"),
              Status("APPROVED", "海关审批通过", "Approved by customs"),
              Status("RECEIPT_FAILED", "接受失败", "Receipt failed"),
              Status("REFUSED", "核准拒绝", "Approval refused"),
              Status("CANCELLED", "取消资质", "Qualification cancelled")),
    moves=(DECLARE_VOLUME, QUEUE_VOLUME, SEND_WAITING_VOLUME, APPROVE_VOLUME, REFUSE_VOLUME, FAIL_VOLUME_RECEIPT,
           APPROVE_CHANGED_VOLUME, CANCEL_VOLUME),
    editable_in={"ENTERED": ANYONE_FILING},           # C-4: items inserted and deleted in drafts only
    deletable_in={s: ANYONE_FILING for s in ("ENTERED", "RECEIPT_FAILED", "REFUSED", "CANCELLED")},
    initial="ENTERED", number="volume_no")

# ---- filing change / extension requests (C-6, C-7) ---------------------------------------------
R = "filing_requests"
DECLARE_FILING_REQUEST = Move(R, "declare_filing_request", ("ENTERED",), "DECLARED", FILERS, "C-6", "申报")
APPROVE_FILING_REQUEST = Move(R, "approve_filing_request", ("DECLARED",), "APPROVED", CUSTOMS_ONLY, "C-6", "审批通过",
                              simulate=ACT, delay=DELAY)
REFUSE_FILING_REQUEST = Move(R, "refuse_filing_request", ("DECLARED",), "REFUSED", CUSTOMS_ONLY, "C-6", "核准拒绝",
                             opinion=True)
FAIL_FILING_REQUEST_RECEIPT = Move(R, "fail_filing_request_receipt", ("DECLARED",), "RECEIPT_FAILED", CUSTOMS_ONLY,
                                   "C-6", "接受失败", simulate=FAIL, delay=DELAY)
# Open requests of a filing whose qualification staff cancel (C-3).
REFUSE_OPEN_FILING_REQUEST = Move(R, "cancel_filing", ("ENTERED", "DECLARED"), "REFUSED", frozenset({S}), "C-3",
                                  "取消资质", effect=True)

FILING_REQUESTS = Lifecycle(
    R, "备案变更/延期", "C-6",
    statuses=(Status("ENTERED", "录入", "Entered"),
              Status("DECLARED", "已申报", "Declared"),
              Status("APPROVED", "海关审批通过", "Approved by customs"),
              Status("REFUSED", "核准拒绝", "Approval refused"),
              Status("RECEIPT_FAILED", "接受失败", "Receipt failed")),
    moves=(DECLARE_FILING_REQUEST, APPROVE_FILING_REQUEST, REFUSE_FILING_REQUEST, FAIL_FILING_REQUEST_RECEIPT,
           REFUSE_OPEN_FILING_REQUEST),
    initial="ENTERED")   # saved and declared in one go: never edited

# ---- lists (C-14, C-17, C-19, C-23) ------------------------------------------------------------
R = "list_heads"
CLEARABLE = (7, 9, 10, 11)
MODIFIABLE = (7, 9, 10, 11, 12, 15)                    # C-16: a modify or revoke request may be made
DECLARE_LIST = Move(R, "declare_list", (1,), 2, FILERS, "C-14", "申报")
ACCEPT_LIST = Move(R, "accept_list", (2,), 7, CUSTOMS_ONLY, "C-14", "海关审批通过", simulate=ACT, delay=DELAY)
FAIL_LIST_RECEIPT = Move(R, "fail_list_receipt", (2,), 3, CUSTOMS_ONLY, "C-14", "海关入库失败",
                         simulate=FAIL, delay=DELAY)
RETURN_LIST = Move(R, "return_list", (2,), 4, CUSTOMS_ONLY, "C-14", "退单", opinion=True)
CLEAR_LIST = Move(R, "clear_list", CLEARABLE, 15, CUSTOMS_ONLY, "C-14", "结关", simulate=ACT, delay=DELAY)
REQUEST_LIST_AGGREGATION = Move(R, "request_aggregation", (15,), 12, FILERS, "C-19", "汇总")
AGGREGATE_LIST = Move(R, "aggregate_batch", (12,), 13, frozenset({T}), "C-19", "已汇总", effect=True)
AGGREGATE_LIST_AT_MONTH_END = Move(R, "month_end_aggregation", (15,), 13, frozenset({T}), "C-23",
                                   "月末汇总", effect=True)
REVOKE_LIST = Move(R, "approve_change_request", MODIFIABLE, 16, CUSTOMS_ONLY, "C-17", "撤销", effect=True)

LIST_HEADS = Lifecycle(
    R, "集报清单", "C-14",
    statuses=(Status(1, "暂存", "Draft"),
              Status(2, "已申报", "Declared"),
              Status(3, "海关入库失败", "Customs receipt failed"),
              Status(4, "退单", "Returned"),
              Status(7, "海关审批通过", "Approved by customs"),
              Status(9, "已委托", "Entrusted"),
              Status(10, "已承运", "Carried"),
              Status(11, "已过境", "In transit"),
              Status(12, "待汇总", "Awaiting aggregation"),
              Status(13, "已汇总", "Aggregated"),
              Status(15, "已结关", "Customs cleared"),
              Status(16, "已撤销", "Revoked")),
    moves=(DECLARE_LIST, ACCEPT_LIST, FAIL_LIST_RECEIPT, RETURN_LIST, CLEAR_LIST, REQUEST_LIST_AGGREGATION,
           AGGREGATE_LIST, AGGREGATE_LIST_AT_MONTH_END, REVOKE_LIST),
    editable_in={1: ANYONE_FILING},                   # C-14: only 1 is editable
    deletable_in={1: ANYONE_FILING},
    initial=1, number="center_no")

# ---- modify / revoke requests (C-17) -----------------------------------------------------------
R = "change_requests"
DECLARE_CHANGE_REQUEST = Move(R, "declare_change_request", ("ENTERED",), "DECLARED", FILERS, "C-17", "申报")
APPROVE_CHANGE_REQUEST = Move(R, "approve_change_request", ("DECLARED",), "APPROVED", CUSTOMS_ONLY, "C-17",
                              "审批通过", simulate=ACT, delay=DELAY)
REJECT_CHANGE_REQUEST = Move(R, "reject_change_request", ("DECLARED",), "REJECTED", CUSTOMS_ONLY, "C-17",
                             "审批不通过", opinion=True)

CHANGE_REQUESTS = Lifecycle(
    R, "修撤单", "C-17",
    statuses=(Status("ENTERED", "暂存", "Draft"),
              Status("DECLARED", "已申报", "Declared"),
              Status("APPROVED", "海关审批通过", "Approved by customs"),
              Status("REJECTED", "海关审批不通过", "Not approved by customs")),
    moves=(DECLARE_CHANGE_REQUEST, APPROVE_CHANGE_REQUEST, REJECT_CHANGE_REQUEST),
    editable_in={"ENTERED": ANYONE_FILING},
    deletable_in={"ENTERED": ANYONE_FILING},
    initial="ENTERED")

# ---- aggregation requests (C-19..C-22) ---------------------------------------------------------
R = "aggregation_requests"
FINISH_AGGREGATION = Move(R, "aggregate_batch", ("PENDING",), "DONE", frozenset({T}), "C-22", "已汇总")

AGGREGATION_REQUESTS = Lifecycle(
    R, "汇总申请", "C-20",
    statuses=(Status("PENDING", "待处理", "Pending"),
              Status("DONE", "已汇总", "Aggregated"),
              Status("FAILED", "失败", "Failed")),
    moves=(FINISH_AGGREGATION,),
    initial="PENDING")

# ---- declarations (C-24) -----------------------------------------------------------------------
R = "declarations"
DECLARE_DECLARATION = Move(R, "declare_declaration", ("DRAFT",), "DECLARED", FILERS, "C-24", "申报")
CONCLUDE_DECLARATION = Move(R, "conclude_declaration", ("DECLARED", "INSPECTION"), "CONCLUDED", CUSTOMS_ONLY, "C-24",
                            "审结", simulate=ACT, delay=DELAY)
INSPECT_DECLARATION = Move(R, "inspect_declaration", ("DECLARED",), "INSPECTION", CUSTOMS_ONLY, "C-24", "查验")
REFUSE_DECLARATION = Move(R, "refuse_declaration", ("DECLARED",), "NOT_ACCEPTED", CUSTOMS_ONLY, "C-24", "不受理",
                          opinion=True, simulate=REJECT, delay=DELAY)
CLOSE_DECLARATION = Move(R, "close_declaration", ("CONCLUDED",), "CLOSED", CUSTOMS_ONLY, "C-24", "结关",
                         simulate=ACT, delay=DELAY)

DECLARATIONS = Lifecycle(
    R, "集报报关单", "C-24",
    statuses=(Status("DRAFT", "暂存", "Draft"),
              Status("DECLARED", "已申报", "Declared"),
              Status("NOT_ACCEPTED", "不受理", "Not accepted"),
              Status("INSPECTION", "查验", "Inspection"),
              Status("CONCLUDED", "审结", "Concluded"),
              Status("CLOSED", "结关", "Closed")),
    moves=(DECLARE_DECLARATION, CONCLUDE_DECLARATION, INSPECT_DECLARATION, REFUSE_DECLARATION, CLOSE_DECLARATION),
    initial="DRAFT", number="unified_no")   # built by aggregation (C-21): never edited, only declared
