"""Declarations (集报报关单, C-24) and consolidation mappings (归并关系, C-25).

A declaration is seen by its consignee (收发货人, the enterprise whose lists it holds) and by its
declaring agent (报关申报单位); anyone else gets 404. It is declared (申报) by the agent, or by the
consignee itself when the agent is 不指定; the other party gets 403. Customs then moves it
DECLARED → CONCLUDED 审结 (or NOT_ACCEPTED 不受理 for a watch-listed consignee, or INSPECTION 查验
first) → CLOSED 结关; the simulator calls the decisions below. Only the consignee may export the
lists of a declaration. Every status change goes through portal.transitions.transition.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterator

from sqlalchemy import and_, or_, select

from admin_views.export import neutralise
from portal import clock
from portal.collection.filing_common import not_found
from portal.models import ConsolidationMapping, Declaration, DeclarationItem, ListHead, ListItem
from portal.models.declaration import DECLARATION_STATUSES
from portal.transitions import performs, transition
from rules.lifecycles_collection import (CLOSE_DECLARATION, CONCLUDE_DECLARATION, DECLARE_DECLARATION,
                                         INSPECT_DECLARATION, REFUSE_DECLARATION)
from rules.violations import RuleError, Violation

ROLES = ("AGENT", "CONSIGNEE")
NOTICE_STATUSES = ("NOT_ACCEPTED", "INSPECTION", "CONCLUDED")   # 回执通知书 (C-24, P-3)
CLEARED = "CLOSED"
EXPORT_HEADER = ["清单中心统一编号", "清单类型", "申报日期", "商品序号", "备案序号", "商品编码", "商品名称", "规格型号",
                 "数量", "单位", "单价", "总价", "币制", "国别（地区）", "报关单统一编号", "报关单商品序号"]


def declarant_id(declaration: Declaration) -> int:
    """Return the enterprise that declares: the named agent, else the consignee itself (C-24)."""
    return declaration.agent_enterprise_id or declaration.enterprise_id


def find_declaration(session, identity, unified_no: str) -> Declaration:
    """Return a declaration the enterprise is consignee or agent of; others' are 404 (C-24, U-5)."""
    identity.require_module_c()
    declaration = session.scalar(select(Declaration).where(Declaration.unified_no == str(unified_no or "").strip(),
                                                           Declaration.tenant_clause(identity.enterprise_id)))
    if declaration is None:
        raise not_found("unified_no", "集报报关单")
    return declaration


def declare_declaration(session, identity, declaration: Declaration) -> Declaration:
    """Declare (申报) a 暂存 declaration: only its agent, or the consignee when no agent (C-24)."""
    identity.require_module_c()
    if declaration is None or identity.enterprise_id not in (declaration.enterprise_id,
                                                             declaration.agent_enterprise_id):
        raise not_found("unified_no", "集报报关单")
    if declarant_id(declaration) != identity.enterprise_id:
        raise RuleError([Violation("C-24", "agent_code", f"该报关单的报关申报单位为 {declaration.agent_code}"
                                   f"（{declaration.agent_name}），只能由其申报")], status=403)
    transition(session, declaration, DECLARE_DECLARATION, source="enterprise", record_no=declaration.unified_no,
               values={"declared_at": clock.now_naive(), "declare_date": clock.today()})
    return declaration


def _decide(session, declaration: Declaration, move, message: str, source: str):
    transition(session, declaration, move, source=source, message=message, record_no=declaration.unified_no)
    return declaration


@performs(CONCLUDE_DECLARATION)
def conclude_declaration(session, declaration: Declaration, message: str = "", source: str = "customs"):
    """Customs concludes (审结) a declared or inspected declaration."""
    return _decide(session, declaration, CONCLUDE_DECLARATION, message, source)


@performs(REFUSE_DECLARATION)
def refuse_declaration(session, declaration: Declaration, opinion: str = "", source: str = "customs"):
    """Customs does not accept (不受理) a declared declaration, with its opinion."""
    return _decide(session, declaration, REFUSE_DECLARATION, opinion, source)


@performs(INSPECT_DECLARATION)
def inspect_declaration(session, declaration: Declaration, message: str = "", source: str = "customs"):
    """Customs orders an inspection (查验) of a declared declaration."""
    return _decide(session, declaration, INSPECT_DECLARATION, message, source)


@performs(CLOSE_DECLARATION)
def close_declaration(session, declaration: Declaration, message: str = "", source: str = "customs"):
    """Customs closes (结关) a concluded declaration."""
    return _decide(session, declaration, CLOSE_DECLARATION, message, source)


def _day_start(value: date) -> datetime:
    return datetime.combine(value, time.min)


def declares_clause(enterprise_id: int):
    """Declarations this enterprise declares: as the named agent, or as the consignee when 不指定 (C-24)."""
    return or_(Declaration.agent_enterprise_id == enterprise_id,
               and_(Declaration.agent_enterprise_id.is_(None), Declaration.enterprise_id == enterprise_id))


def own_role(session, identity) -> str:
    """Return the role the query opens on (C-24): CONSIGNEE when the enterprise only receives declarations,
    AGENT when it only declares others', "" (both) when it does both or has none yet. Two indexed look-ups."""
    me = identity.enterprise_id
    consignee = session.scalar(select(Declaration.id).where(Declaration.enterprise_id == me).limit(1))
    agent = session.scalar(select(Declaration.id).where(Declaration.agent_enterprise_id == me,
                                                        Declaration.enterprise_id != me).limit(1))
    if (consignee is None) == (agent is None):
        return ""
    return "CONSIGNEE" if consignee is not None else "AGENT"


def query_declarations(session, identity, *, role: str | None = None, ie: str | None = None,
                       date_from: date | None = None, date_to: date | None = None, cleared: bool | None = None,
                       unified_no: str | None = None, status: str | None = None, cursor: int | None = None,
                       limit: int = 20):
    """Basic query (role, I/E, date, cleared, status) or advanced (unified no.), newest first;
    return (rows, next id)."""
    identity.require_module_c()
    me = identity.enterprise_id
    query = select(Declaration).where(Declaration.tenant_clause(me))
    if role not in (None, "", *ROLES):
        raise RuleError([Violation("C-24", "role", "企业类别须为 AGENT（报关申报单位）或 CONSIGNEE（收发货人）")])
    if status not in (None, "", *DECLARATION_STATUSES):
        raise RuleError([Violation("C-24", "status", f"未知的报关单状态：{status}")])
    if status:
        query = query.where(Declaration.status == status)
    if role == "AGENT":
        query = query.where(declares_clause(me))
    elif role == "CONSIGNEE":
        query = query.where(Declaration.enterprise_id == me)
    if ie:
        if ie not in ("I", "E"):
            raise RuleError([Violation("C-24", "ie", "进出口标志须为 I 或 E")])
        query = query.where(Declaration.ie_flag == ie)
    if date_from:
        query = query.where(Declaration.created_at >= _day_start(date_from))
    if date_to:
        query = query.where(Declaration.created_at < _day_start(date_to + timedelta(days=1)))
    if cleared is not None:
        query = query.where((Declaration.status == CLEARED) if cleared else (Declaration.status != CLEARED))
    if unified_no:
        query = query.where(Declaration.unified_no == unified_no.strip())
    if cursor is not None:
        query = query.where(Declaration.id < cursor)
    rows = list(session.scalars(query.order_by(Declaration.id.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _mapping_query():
    return (select(ConsolidationMapping.id, ListHead.center_no, ListHead.list_type, ListHead.declare_date,
                   ListItem.seq, ListItem.filing_seq, ListItem.hs_code, ListItem.name, ListItem.spec, ListItem.qty,
                   ListItem.unit, ListItem.unit_price, ListItem.total, ListItem.currency, ListItem.country,
                   Declaration.unified_no, DeclarationItem.item_no)
            .select_from(ConsolidationMapping)
            .join(ListItem, ListItem.id == ConsolidationMapping.list_item_id)
            .join(ListHead, ListHead.id == ConsolidationMapping.list_id)
            .join(DeclarationItem, DeclarationItem.id == ConsolidationMapping.declaration_item_id)
            .join(Declaration, Declaration.id == ConsolidationMapping.declaration_id))


def query_mappings(session, identity, *, list_no: str | None = None, declaration_no: str | None = None,
                   cursor: str | None = None, limit: int = 500):
    """Consolidation mappings by list no. (in item order) or by declaration no. (in declaration item order),
    item by item (C-25); return (rows, next cursor "position:list item id")."""
    identity.require_module_c()
    if bool(list_no) == bool(declaration_no):
        raise RuleError([Violation("C-25", "list_no", "请输入清单中心统一编号或报关单统一编号（二选一）")])
    query = _mapping_query()
    if list_no:
        head = session.scalar(select(ListHead).where(ListHead.center_no == list_no.strip(),
                                                     ListHead.tenant_clause(identity.enterprise_id)))
        if head is None:
            raise not_found("list_no", "集报清单")
        query, position = query.where(ConsolidationMapping.list_id == head.id), ListItem.seq
    else:
        declaration = find_declaration(session, identity, declaration_no)
        query, position = query.where(ConsolidationMapping.declaration_id == declaration.id), DeclarationItem.item_no
    if cursor:
        try:
            after, after_id = (int(part) for part in cursor.split(":"))
        except ValueError:
            raise RuleError([Violation("A-2", "cursor", "分页参数无效")]) from None
        query = query.where(or_(position > after, and_(position == after,
                                                       ConsolidationMapping.list_item_id > after_id)))
    rows = session.execute(query.add_columns(position.label("position"), ConsolidationMapping.list_item_id)
                           .order_by(position, ConsolidationMapping.list_item_id).limit(limit + 1)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return rows[:limit], (f"{last.position}:{last.list_item_id}" if last is not None else None)


def export_rows(session, identity, declaration: Declaration, batch: int = 2000) -> Iterator[list[list]]:
    """Yield the lists of a declaration item by item, in batches, cells neutralised; only for its consignee (C-24)."""
    identity.require_module_c()
    if declaration.enterprise_id != identity.enterprise_id:
        raise RuleError([Violation("C-24", "role", "只有报关单的收发货人可以导出清单列表")], status=403)
    query = (_mapping_query().add_columns(ConsolidationMapping.list_item_id)
             .where(ConsolidationMapping.declaration_id == declaration.id).order_by(ConsolidationMapping.list_item_id))
    rows = session.execute(query.limit(batch)).all()

    def batches():
        current = rows
        while current:
            yield [[neutralise(value) for value in (  # text that starts like a formula stays text
                r.center_no, r.list_type, r.declare_date.isoformat() if r.declare_date else "", r.seq, r.filing_seq,
                r.hs_code, r.name, r.spec or "", format(r.qty, "f"), r.unit, format(r.unit_price, "f"),
                format(r.total, "f"), r.currency, r.country, r.unified_no, r.item_no)] for r in current]
            if len(current) < batch:
                return
            current = session.execute(query.where(ConsolidationMapping.list_item_id > current[-1].list_item_id)
                                      .limit(batch)).all()
    return batches()
