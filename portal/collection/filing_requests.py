"""Changes (备案变更, C-6) and extensions (延期, C-7) of approved collection filings.

A request is stored as a FilingRequest declared to customs at once; approval applies it: a change
sets the filing's batches / guarantee fields, adds new items and disables items (approved items
are never edited); an extension moves the approval valid-until on by the configured period.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.codes import code_set
from portal.collection.filing_common import (config_value, filing_values, flush, lock, not_found, require_own,
                                             stored_values)
from portal.collection.volumes import clean_item, fill_volumes, item_violations, typed_items
from portal.models import CollectionFiling, FilingRequest, Product, ProductVolume
from portal.numbering import next_number
from portal.transitions import performs, transition
from rules.collection import (FILING_CHANGEABLE_FIELDS, approval_valid_until, extension_violations,
                              filing_change_violations, filing_save_violations)
from rules.lifecycles_collection import (APPROVE_CHANGED_VOLUME, APPROVE_FILING_REQUEST, DECLARE_FILING_REQUEST,
                                         FAIL_FILING_REQUEST_RECEIPT, REFUSE_FILING_REQUEST)
from rules.violations import RuleError, Violation

KIND_RULES = {"CHANGE": "C-6", "EXTENSION": "C-7"}
KIND_NAMES = {"CHANGE": "备案变更", "EXTENSION": "延期"}
OPEN_REQUEST_STATUSES = ("ENTERED", "DECLARED")


def find_filing_request(session, identity, request_id) -> FilingRequest:
    """Return the enterprise's own change or extension request by id; others' are 404."""
    identity.require_module_c()
    try:
        key = int(request_id)
    except (TypeError, ValueError):
        raise not_found("id", "备案变更/延期申请") from None
    request = session.scalar(select(FilingRequest).where(FilingRequest.id == key,
                                                         FilingRequest.tenant_clause(identity.enterprise_id)))
    if request is None:
        raise not_found("id", "备案变更/延期申请")
    return request


def _open_request(session, filing: CollectionFiling, kind: str) -> FilingRequest | None:
    return session.scalar(select(FilingRequest).where(FilingRequest.filing_id == filing.id, FilingRequest.kind == kind,
                                                      FilingRequest.status.in_(OPEN_REQUEST_STATUSES)).limit(1))


def _declare(session, filing: CollectionFiling, kind: str, payload: dict) -> FilingRequest:
    """Store the request and declare it to customs (ENTERED → DECLARED with a receipt)."""
    request = FilingRequest(filing_id=filing.id, enterprise_id=filing.enterprise_id, kind=kind, status="ENTERED",
                            payload=payload)
    session.add(request)
    flush(session)
    transition(session, request, DECLARE_FILING_REQUEST, source="enterprise", rule=KIND_RULES[kind],
               message=f"{KIND_NAMES[kind]}已申报", record_no=filing.center_no)
    return request


def _disable_targets(session, filing: CollectionFiling, refs: list[dict]) -> tuple[list[dict], list[Violation]]:
    """Resolve {volume_no, seq} to active items of the filing's approved volumes (C-6)."""
    found, violations = [], []
    for index, ref in enumerate(refs):
        volume_no, seq = str(ref.get("volume_no") or "").strip(), ref.get("seq")
        product = session.scalar(select(Product).join(ProductVolume).where(
            ProductVolume.filing_id == filing.id, ProductVolume.status == "APPROVED",
            ProductVolume.volume_no == volume_no, Product.seq == seq))
        if product is None or not product.active:
            violations.append(Violation("C-6", f"disable_items[{index}]",
                                        f"分册 {volume_no} 中没有可停用的已审批商品（序号 {seq}）"))
        else:
            found.append({"volume_no": volume_no, "seq": product.seq, "hs_code": product.hs_code,
                          "name": product.name})
    return found, violations


def request_filing_change(session, identity, filing: CollectionFiling, body: dict) -> FilingRequest:
    """Declare a change of an approved filing: batches / guarantee fields, add or disable items (C-6)."""
    require_own(identity, filing)
    filing = lock(session, filing)
    changes = {k: v for k, v in (body or {}).items() if k not in ("add_items", "disable_items")}
    add_items = typed_items((body or {}).get("add_items"))
    disable = [dict(ref) for ref in (body or {}).get("disable_items") or ()]
    violations = filing_change_violations(filing.status, _open_request(session, filing, "CHANGE") is not None,
                                          changes)
    conflicts = [v for v in violations if v.field == "status"]
    if conflicts:
        raise RuleError(conflicts, status=409)
    current = filing_values(filing)
    fields = {k: v for k, v in changes.items() if k in FILING_CHANGEABLE_FIELDS}
    before = filing_values_after(current, {})
    new_values = {k: v for k, v in filing_values_after(current, fields).items() if before[k] != v}
    if not (new_values or add_items or disable):
        violations.append(Violation("C-6", "body", "没有需要变更的内容：请填写与现有备案不同的变更项，或新增、停用商品"))
    violations += filing_save_violations({**current, **fields}, code_set("customs"), code_set("guarantee_modes"))
    if add_items and filing.goods_nature == "BONDED":
        violations.append(Violation("C-6", "add_items", "保税货物集报备案没有商品信息，不能新增商品"))
    violations += item_violations(add_items, field="add_items")
    disabled, problems = _disable_targets(session, filing, disable)
    violations += problems
    if violations:
        raise RuleError(violations)
    payload = {"filing": {k: {"old": before[k], "new": v} for k, v in new_values.items()},
               "add_items": [clean_item(item) for item in add_items], "disable_items": disabled}
    return _declare(session, filing, "CHANGE", payload)


def filing_values_after(current: dict, fields: dict) -> dict:
    """Return the changeable fields as text after applying `fields` (what the payload stores)."""
    result = {}
    for field in FILING_CHANGEABLE_FIELDS:
        value = fields.get(field, current.get(field))
        text = str(value).strip() if value is not None else ""
        result[field] = text or None
    return result


def request_filing_extension(session, identity, filing: CollectionFiling) -> FilingRequest:
    """Declare an extension: bonded filings only, within the window before the valid-until (C-7)."""
    require_own(identity, filing)
    filing = lock(session, filing)
    violations = extension_violations(filing.goods_nature, filing.status, filing.approval_valid_until, clock.today(),
                                      config_value("BONDED_EXTENSION_WINDOW_DAYS", 10))
    if violations:
        raise RuleError(violations)
    if _open_request(session, filing, "EXTENSION") is not None:
        raise RuleError([Violation("C-7", "status", "已有一笔延期申请等待海关审批")], status=409)
    until = filing.approval_valid_until
    return _declare(session, filing, "EXTENSION", {"valid_until": until.isoformat() if until else None})


def _append_approved_items(session, filing: CollectionFiling, items: list[dict], message: str) -> None:
    """Add changed-in items after the last approved volume's items; overflow volumes are approved too (C-4, C-6)."""
    last = session.scalar(select(ProductVolume).where(ProductVolume.filing_id == filing.id,
                                                      ProductVolume.status == "APPROVED")
                          .order_by(ProductVolume.id.desc()).limit(1))
    touched = fill_volumes(session, filing, items, last)
    session.flush()
    for volume in touched:
        if volume.status == "ENTERED":
            transition(session, volume, APPROVE_CHANGED_VOLUME, message=message, record_no=volume.volume_no,
                       values={"customs_volume_no": next_number(session, "customs_volume")})


def _apply_change(session, filing: CollectionFiling, payload: dict, message: str) -> None:
    for field, change in (payload.get("filing") or {}).items():
        for name, value in stored_values({field: change["new"]}).items():
            setattr(filing, name, value)
    if filing.goods_nature != "BONDED" and "guarantee_valid_until" in (payload.get("filing") or {}):
        filing.approval_valid_until = approval_valid_until(filing.goods_nature, filing.guarantee_valid_until,
                                                           clock.today())  # C-3: follows the guarantee
    for ref in payload.get("disable_items") or ():
        product = session.scalar(select(Product).join(ProductVolume).where(
            ProductVolume.filing_id == filing.id, ProductVolume.volume_no == ref["volume_no"],
            Product.seq == ref["seq"]))
        if product is not None:
            product.active = False
    if payload.get("add_items"):
        _append_approved_items(session, filing, payload["add_items"], message)


@performs(APPROVE_FILING_REQUEST)
def approve_filing_request(session, request: FilingRequest, message: str = "",
                           source: str = "customs") -> FilingRequest:
    """Customs approves a change (applied to the filing, C-6) or an extension (valid-until moved on, C-7)."""
    rule = KIND_RULES[request.kind]
    filing = lock(session, request.filing)
    if filing.status != "APPROVED":
        raise RuleError([Violation(rule, "status", "集报备案已不是海关审批通过状态，不能办理")], status=409)
    kind, payload = request.kind, dict(request.payload or {})
    message = message or f"{KIND_NAMES[kind]}审批通过"
    transition(session, request, APPROVE_FILING_REQUEST, source=source, rule=rule, message=message,
               record_no=filing.center_no)
    if kind == "CHANGE":
        _apply_change(session, filing, payload, message)
    else:
        start = filing.approval_valid_until or clock.today()
        filing.approval_valid_until = start + timedelta(days=config_value("BONDED_FILING_VALID_DAYS", 365))
    flush(session)
    return request


@performs(REFUSE_FILING_REQUEST)
def refuse_filing_request(session, request: FilingRequest, message: str = "",
                          source: str = "customs") -> FilingRequest:
    """Customs refuses a change or extension; the filing stays as it is."""
    transition(session, request, REFUSE_FILING_REQUEST, source=source, rule=KIND_RULES[request.kind],
               message=message, record_no=request.filing.center_no)
    return request


@performs(FAIL_FILING_REQUEST_RECEIPT)
def fail_filing_request_receipt(session, request: FilingRequest, message: str = "",
                                source: str = "customs") -> FilingRequest:
    """Customs could not accept the request (接受失败); the enterprise may request again."""
    transition(session, request, FAIL_FILING_REQUEST_RECEIPT, source=source, rule=KIND_RULES[request.kind],
               message=message or f"{KIND_NAMES[request.kind]}接受失败", record_no=request.filing.center_no)
    return request
