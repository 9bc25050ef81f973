"""Collection filings (集报企业资质备案): save, declare, delete, copy and customs decisions (C-1..C-3, C-5).

Enterprise operations take (session, identity, …) and need a card login of the owning enterprise
(U-5); customs and staff decisions take (session, filing, message) and are called by the
simulator, the staff admin and tests. All flush and never commit; every status change goes
through portal.transitions.transition (receipt + audit, exactly once).
"""
from __future__ import annotations

from sqlalchemy import select

from portal import clock, numbering
from portal.collection.filing_common import (FILING_FIELDS, config_value, filing_values, filing_violations, flush,
                                             lock, not_found, require_own, stored_values, system_values)
from portal.models import CollectionFiling, Enterprise, FilingRequest, ListHead, ProductVolume
from portal.transitions import performs, transition
from rules.collection import GOODS_NATURE_NAMES, approval_valid_until
from rules.lifecycle import Actor
from rules.lifecycles_collection import (APPROVE_FILING, CANCEL_FILING, CANCEL_VOLUME, COLLECTION_FILINGS, DECLARE_FILING,
                                         FAIL_FILING_RECEIPT, REFUSE_FILING, REFUSE_OPEN_FILING_REQUEST,
                                         SEND_WAITING_VOLUME)
from rules.violations import RuleError, Violation

FILING_EDITABLE = COLLECTION_FILINGS.editable_statuses(Actor.ENTERPRISE)   # saved again and (re)declared
FILING_DELETABLE = COLLECTION_FILINGS.deletable_statuses(Actor.ENTERPRISE)
OPEN_FILING_STATUSES = ("DECLARED", "APPROVED")              # one per enterprise, customs and goods nature


def find_filing(session, identity, center_no: str) -> CollectionFiling:
    """Return the enterprise's own filing by center unified no.; others' are 404 (U-5, §0)."""
    identity.require_module_c()
    filing = session.scalar(select(CollectionFiling).where(
        CollectionFiling.center_no == str(center_no or "").strip(),
        CollectionFiling.tenant_clause(identity.enterprise_id)))
    if filing is None:
        raise not_found("center_no", "集报备案")
    return filing


def _state_error(filing: CollectionFiling, action: str) -> RuleError:
    return RuleError([Violation("C-3", "status",
                                f"集报备案当前状态为“{COLLECTION_FILINGS.status_name(filing.status)}”，"
                                f"不能{action}")], status=409)


def save_filing(session, identity, body: dict, filing: CollectionFiling | None = None) -> CollectionFiling:
    """Save (暂存) a filing: code, name filled from the enterprise; number on first save (C-1, C-2)."""
    identity.require_module_c()
    if filing is not None:
        require_own(identity, filing)
        if filing.status not in FILING_EDITABLE:
            raise _state_error(filing, "修改")
    return _store_filing(session, session.get(Enterprise, identity.enterprise_id), body, filing)


def correct_filing(session, filing: CollectionFiling, body: dict) -> CollectionFiling:
    """Staff correct a filing not yet declared (admin): the checks and effects of save_filing (C-1, C-2, C-3)."""
    filing = lock(session, filing)
    if filing.status not in FILING_EDITABLE:
        raise _state_error(filing, "修改")
    return _store_filing(session, session.get(Enterprise, filing.enterprise_id), body, filing)


def _store_filing(session, enterprise: Enterprise, body: dict, filing: CollectionFiling | None) -> CollectionFiling:
    body = {k: v for k, v in (body or {}).items() if k in FILING_FIELDS}
    data = {**(filing_values(filing) if filing is not None else {}), **body, **system_values(enterprise)}
    if enterprise.guarantee_mode and data.get("goods_nature") != "BONDED":
        data["guarantee_mode"] = enterprise.guarantee_mode  # C-2: filled from the enterprise's record
    violations = filing_violations(session, enterprise, data)
    if filing is not None and data.get("goods_nature") == "BONDED" and filing.volumes:
        violations.append(Violation("C-2", "goods_nature", "保税货物无需商品信息备案，请先删除该备案下的分册"))
    if violations:
        raise RuleError(violations)
    if filing is None:
        filing = CollectionFiling(center_no=numbering.next_number(session, "filing"), enterprise_id=enterprise.id,
                                  status="ENTERED")
        session.add(filing)
    for field, value in stored_values(data).items():
        setattr(filing, field, value)
    filing.updated_at = clock.now_naive()  # always an UPDATE, so a concurrent declare makes this a 409
    flush(session)
    return filing


def _duplicate_violations(session, filing: CollectionFiling) -> list[Violation]:
    """C-1: one declared or approved filing per enterprise, declaration customs and goods nature."""
    other = session.scalar(select(CollectionFiling.center_no).where(
        CollectionFiling.enterprise_id == filing.enterprise_id, CollectionFiling.customs_code == filing.customs_code,
        CollectionFiling.goods_nature == filing.goods_nature, CollectionFiling.id != filing.id,
        CollectionFiling.status.in_(OPEN_FILING_STATUSES)))
    if other is None:
        return []
    return [Violation("C-1", "goods_nature", f"本企业在申报地海关 {filing.customs_code} 已有"
                                             f"{GOODS_NATURE_NAMES[filing.goods_nature]}集报备案 {other}，不能重复申报")]


def declare_filing(session, identity, filing: CollectionFiling) -> CollectionFiling:
    """Declare (申报) a saved filing: every C-1/C-2 rule again, then → DECLARED (C-3)."""
    require_own(identity, filing)
    filing = lock(session, filing)
    if filing.status not in FILING_EDITABLE:
        raise _state_error(filing, "申报")
    enterprise = session.get(Enterprise, filing.enterprise_id)
    data = {**filing_values(filing), **system_values(enterprise)}
    violations = filing_violations(session, enterprise, data)
    if violations:
        raise RuleError(violations)
    duplicates = _duplicate_violations(session, filing)
    if duplicates:
        raise RuleError(duplicates, status=409)
    transition(session, filing, DECLARE_FILING, source="enterprise", record_no=filing.center_no,
               values={"declared_at": clock.now_naive(), **stored_values(system_values(enterprise))})
    return filing


def delete_filing(session, identity, filing: CollectionFiling) -> None:
    """Delete a filing in 录入, 接受失败, 核准拒绝 or 取消资质 with its volumes and requests (C-3)."""
    from portal.collection.volumes import remove_volume
    require_own(identity, filing)
    filing = lock(session, filing)
    if filing.status not in FILING_DELETABLE:
        raise _state_error(filing, "删除")
    if session.scalar(select(ListHead.id).where(ListHead.filing_id == filing.id).limit(1)) is not None:
        raise RuleError([Violation("C-3", "center_no", "已有集报清单引用该备案，不能删除")], status=409)
    for volume in list(filing.volumes):
        remove_volume(session, volume)
    for request in session.scalars(select(FilingRequest).where(FilingRequest.filing_id == filing.id)):
        session.delete(request)
    session.delete(filing)
    flush(session)


def copy_filing(session, identity, filing: CollectionFiling) -> CollectionFiling:
    """Copy any saved filing into a new 录入 filing with a new center unified no. (C-3)."""
    require_own(identity, filing)
    enterprise = session.get(Enterprise, filing.enterprise_id)
    copy = CollectionFiling(center_no=numbering.next_number(session, "filing"), enterprise_id=filing.enterprise_id,
                            status="ENTERED", customs_code=filing.customs_code, goods_nature=filing.goods_nature,
                            enterprise_customs_code=enterprise.registration_code or filing.enterprise_customs_code,
                            enterprise_name=enterprise.name_zh, ie_batches=filing.ie_batches,
                            guarantee_mode=filing.guarantee_mode, guarantee_amount=filing.guarantee_amount,
                            guarantee_valid_until=filing.guarantee_valid_until)
    session.add(copy)
    flush(session)
    return copy


def _move_volumes(session, filing: CollectionFiling, move, message: str, source: str) -> int:
    """Make `move` on each of the filing's volumes in one of its source statuses (C-3, C-5)."""
    volumes = list(session.scalars(select(ProductVolume).where(ProductVolume.filing_id == filing.id,
                                                               ProductVolume.status.in_(move.sources))
                                   .order_by(ProductVolume.id)))
    for volume in volumes:
        transition(session, volume, move, message=message, source=source, record_no=volume.volume_no)
    return len(volumes)


@performs(APPROVE_FILING)
def approve_filing(session, filing: CollectionFiling, message: str = "", source: str = "customs") -> CollectionFiling:
    """Customs approves: DECLARED → APPROVED with the approval valid-until; waiting volumes are sent (C-3, C-5)."""
    until = approval_valid_until(filing.goods_nature, filing.guarantee_valid_until, clock.today(),
                                 config_value("BONDED_FILING_VALID_DAYS", 365))
    transition(session, filing, APPROVE_FILING, source=source, message=message, record_no=filing.center_no,
               values={"approval_valid_until": until})
    _move_volumes(session, filing, SEND_WAITING_VOLUME, "集报备案已审批通过，分册已发往海关", "system")
    return filing


@performs(REFUSE_FILING)
def refuse_filing(session, filing: CollectionFiling, message: str = "", source: str = "customs") -> CollectionFiling:
    """Customs refuses (核准拒绝): DECLARED → REFUSED; the enterprise may correct and declare again."""
    transition(session, filing, REFUSE_FILING, source=source, message=message, record_no=filing.center_no)
    return filing


@performs(FAIL_FILING_RECEIPT)
def fail_filing_receipt(session, filing: CollectionFiling, message: str = "",
                        source: str = "customs") -> CollectionFiling:
    """Customs could not accept it (接受失败): DECLARED → RECEIPT_FAILED; may be declared again."""
    transition(session, filing, FAIL_FILING_RECEIPT, source=source, message=message, record_no=filing.center_no)
    return filing


@performs(CANCEL_FILING)
def cancel_filing(session, filing: CollectionFiling, message: str = "", source: str = "staff") -> CollectionFiling:
    """Staff cancel (取消资质) a filing, with their opinion, and its volumes; open change/extension requests
    are refused (C-3, S-3)."""
    transition(session, filing, CANCEL_FILING, source=source, message=message, record_no=filing.center_no)
    _move_volumes(session, filing, CANCEL_VOLUME, message, source)
    requests = session.scalars(select(FilingRequest).where(FilingRequest.filing_id == filing.id,
                                                           FilingRequest.status.in_(REFUSE_OPEN_FILING_REQUEST.sources)))
    for request in list(requests):
        transition(session, request, REFUSE_OPEN_FILING_REQUEST, source=source, message=message,
                   record_no=filing.center_no)
    return filing
