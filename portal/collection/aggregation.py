"""Aggregation (集报清单汇总, C-19..C-23): requests, the scheduler's processing, month-end and overdue.

An enterprise asks for an aggregation of its cleared lists (request_aggregation): the checks of
C-19 / C-20 run, the request is recorded PENDING and its lists move 15 → 12 in one conditional
UPDATE (a list someone else took meanwhile makes it a 409). The scheduler then builds the
declarations (process_pending_aggregations → aggregate_batch → consolidation.build_declarations),
a batch of requests per transaction (a failed batch is retried request by request), claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; on both
databases the conditional UPDATEs (lists 12 → 13, request PENDING → DONE) make a second run of the
same request change nothing. Month-end (C-23) creates one request per auto-aggregating enterprise
for the previous month's general-trade lists and processes it; day 11 flags what is left overdue.

The scheduler calls month_end_aggregation(session, period, now), flag_overdue(session, period,
now) and process_pending_aggregations(session, now) by name (scheduler/jobs.py).
"""
from __future__ import annotations

import contextlib
import logging

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select, text, update

from portal import clock
from portal.collection.bulk_log import COUNTED, log_transition, move_rows, write_audit
from portal.collection.consolidation import DECLARATIONS, HEADS, build_declarations
from portal.collection.filing_common import not_found
from portal.database import is_postgres
from portal.models import (AgentQualificationRule, AggregationRequest, Declaration, Enterprise, ListHead,
                           Qualification)
from rules.aggregation import (AGGREGATABLE_STATUS, DONE_STATUS, GENERAL_TRADE_MODE, SelectedList,
                               agent_violations, is_overdue, period_bounds, selection_violations)
from rules.lifecycles_collection import (AGGREGATE_LIST_AT_MONTH_END, FINISH_AGGREGATION, LIST_HEADS,
                                         REQUEST_LIST_AGGREGATION)
from rules.violations import RuleError, Violation

log = logging.getLogger(__name__)
REQUESTS = AggregationRequest.__table__
MAX_LISTS_PER_REQUEST = 10_000
BATCH_REQUESTS = 200   # requests built in one pass (one transaction) by the scheduler
ANSWER = "汇总成功"
MONTH_END_MESSAGE = "月末自动汇总（不指定报关申报单位）"


class AggregationFailed(RuntimeError):
    """One or more pending requests could not be processed; they stay PENDING for the next run."""


@contextlib.contextmanager
def _clock_at(now):
    """Run as if it were `now` (the scheduler's time), or at the real clock when None (S-5)."""
    if now is None:
        yield
    else:
        with clock.frozen(now):
            yield


# ---- C-19, C-20: the enterprise's request -----------------------------------------------------
def find_agent(session, agent_code: str | None):
    """Check a named declaring agent (C-20); return (enterprise or None, violations)."""
    code = (agent_code or "").strip()
    if not code:
        return None, []
    agent = session.scalar(select(Enterprise).where(Enterprise.registration_code == code))
    held = session.scalars(select(Qualification.qualification_type).where(
        Qualification.enterprise_id == agent.id, Qualification.status == "VALID",
        or_(Qualification.valid_until.is_(None), Qualification.valid_until >= clock.today()))).all() if agent else []
    allowed = session.scalars(select(AgentQualificationRule.qualification_type)).all()
    return agent, agent_violations(code, agent is not None, held, allowed)


def _unique_numbers(list_nos) -> list[str]:
    numbers = [str(no).strip() for no in (list_nos or []) if str(no or "").strip()]
    return list(dict.fromkeys(numbers))


def request_aggregation(session, identity, list_nos, agent_code: str | None = None) -> AggregationRequest:
    """Record a PENDING aggregation of own cleared lists and move them 15 → 12 (C-19, C-20; answer 汇总成功)."""
    identity.require_module_c()
    wanted = _unique_numbers(list_nos)
    if len(wanted) > MAX_LISTS_PER_REQUEST:
        raise RuleError([Violation("C-19", "list_nos", f"一次最多汇总 {MAX_LISTS_PER_REQUEST} 票清单")])
    rows = session.execute(select(HEADS.c.id, HEADS.c.center_no, HEADS.c.status, HEADS.c.declare_date,
                                  HEADS.c.aggregation_id)
                           .where(HEADS.c.center_no.in_(wanted), HEADS.c.enterprise_id == identity.enterprise_id)
                           ).all() if wanted else []
    found = {row.center_no for row in rows}
    violations = selection_violations(
        [SelectedList(r.center_no, r.status, r.declare_date, r.aggregation_id) for r in rows],
        missing=[no for no in wanted if no not in found])
    agent, agent_problems = find_agent(session, agent_code)
    violations += agent_problems
    if violations:
        raise RuleError(violations)
    now = clock.now_naive()
    years = {r.declare_date.year for r in rows if r.declare_date}
    request = AggregationRequest(enterprise_id=identity.enterprise_id, status="PENDING", requested_at=now,
                                 year=years.pop() if years else now.year,
                                 agent_enterprise_id=agent.id if agent else None,
                                 agent_code=agent.registration_code if agent else None,
                                 agent_name=agent.name_zh if agent else None)
    session.add(request)
    session.flush()
    ids = [r.id for r in rows]
    moved = move_rows(session, HEADS, and_(HEADS.c.id.in_(ids), HEADS.c.aggregation_id.is_(None)),
                      REQUEST_LIST_AGGREGATION, values={"aggregation_id": request.id}, source="enterprise",
                      moved=and_(HEADS.c.enterprise_id == identity.enterprise_id, HEADS.c.aggregation_id == request.id),
                      number_column="center_no", new_columns={"aggregation_id": HEADS.c.aggregation_id}, at=now)
    if moved != len(ids):
        raise RuleError([Violation("C-19", "list_nos", "所选清单已被其他汇总申请占用或状态已变化，请刷新后重试")],
                        status=409)
    for head in [obj for obj in session.identity_map.values() if isinstance(obj, ListHead) and obj.id in ids]:
        session.expire(head)
    return request


# ---- the scheduler's processing ---------------------------------------------------------------
def aggregate_batch(session, requests: list[AggregationRequest]) -> dict:
    """Build the declarations of PENDING requests in one pass and mark them DONE; the caller commits.

    Requests another run finished meanwhile are left out; when none is left: 409 (C-21, C-22).
    """
    ids = [request.id for request in requests]
    # The first write takes the row locks (SQLite: the database lock); what is still PENDING then is ours.
    session.execute(update(REQUESTS).where(REQUESTS.c.id.in_(ids), REQUESTS.c.status == "PENDING")
                    .values(version=REQUESTS.c.version + 1))
    claimed = set(session.scalars(select(REQUESTS.c.id).where(REQUESTS.c.id.in_(ids),
                                                               REQUESTS.c.status == "PENDING")))
    if not claimed:
        raise RuleError([Violation("C-22", "status", "汇总申请已处理")], status=409)
    for request in requests:
        session.expire(request)
    result = _finish(session, [request for request in requests if request.id in claimed], clock.now_naive())
    return {**result, "skipped": len(ids) - len(claimed)}


def _finish(session, requests: list[AggregationRequest], now, lists_where=None) -> dict:
    """Build the requests' declarations and close each request with its counts (C-21, C-22)."""
    ids = sorted(request.id for request in requests)
    counts = build_declarations(session, ids, now, lists_where)
    _close_requests(session, ids, now)
    for request in requests:
        session.expire(request)
    return {**counts, "requests": len(ids)}


def _close_requests(session, ids: list[int], now) -> None:
    """Move the batch's requests PENDING → DONE in one conditional UPDATE, each with its counts in its
    message, one receipt and one audit row (C-22); a request someone else closed meanwhile: 409."""
    def count(table):
        return cast(select(func.count()).where(table.c.aggregation_id == REQUESTS.c.id).scalar_subquery(), String)
    message = (literal("汇总完成：", String) + count(HEADS) + literal(" 票清单生成 ", String) + count(DECLARATIONS)
               + literal(" 份集报报关单", String))
    closing = and_(REQUESTS.c.id.in_(ids), REQUESTS.c.status == "PENDING")
    closed = session.execute(update(REQUESTS).where(closing).values(
        status=FINISH_AGGREGATION.target, processed_at=now, message=message, version=REQUESTS.c.version + 1, updated_at=now)).rowcount
    if closed != len(ids):
        raise RuleError([Violation("C-22", "status", "汇总申请已处理")], status=409)
    done = and_(REQUESTS.c.id.in_(ids), REQUESTS.c.status == FINISH_AGGREGATION.target, REQUESTS.c.processed_at == now)
    log_transition(session, REQUESTS, done, FINISH_AGGREGATION, REQUESTS.c.message)


def _claim_batch(session, tried: set[int], period: str | None, size: int,
                 only: int | None = None) -> list[AggregationRequest]:
    """Take up to `size` of the oldest PENDING requests not tried yet (or just `only`); others' locked
    rows are skipped (S-4)."""
    query = select(AggregationRequest).where(AggregationRequest.status == "PENDING")
    if only is not None:
        query = query.where(AggregationRequest.id == only)
    if tried:
        query = query.where(AggregationRequest.id.not_in(tried))
    if period is not None:
        query = query.where(AggregationRequest.period == period)
    query = query.order_by(AggregationRequest.id).limit(size).execution_options(populate_existing=True)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _note_failure(session, request_id: int, exc: Exception) -> None:
    """Keep the request PENDING for the next run and record why this one failed."""
    session.execute(update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.status == "PENDING")
                    .values(message=f"汇总处理失败，将重试：{type(exc).__name__}: {exc}"[:2000],
                            version=REQUESTS.c.version + 1))
    session.commit()


def _run_batch(session, requests, counts: dict, failures: list[str]) -> bool:
    """Process one batch in its own transaction; on failure roll it back whole and return False."""
    try:
        result = aggregate_batch(session, requests)
        session.commit()
    except RuleError as exc:
        session.rollback()
        if exc.status == 409 and exc.violations[0].field == "status":
            counts["skipped"] += len(requests)  # another run finished them first
            return True
        if len(requests) == 1:
            failures.append(f"{requests[0].id}: {exc}")
            _note_failure(session, requests[0].id, exc)
        return False
    except Exception as exc:
        session.rollback()
        if len(requests) == 1:
            log.exception("aggregation request %s failed", requests[0].id)
            failures.append(f"{requests[0].id}: {type(exc).__name__}: {exc}")
            _note_failure(session, requests[0].id, exc)
        return False
    for key in ("requests", "lists", "items", "declarations", "declaration_items", "skipped"):
        counts[key] += result[key]
    return True


def process_pending_aggregations(session, now=None, *, period: str | None = None,
                                 batch_size: int = BATCH_REQUESTS) -> dict:
    """Process every PENDING request, a batch of requests per committed transaction; return the counts.

    A batch that fails is rolled back whole and its requests are retried one by one, so a request
    that cannot be processed fails alone: it is rolled back (its lists stay in 12) and stays
    PENDING; the others are still processed, then AggregationFailed reports the failures.
    """
    counts = {"requests": 0, "lists": 0, "items": 0, "declarations": 0, "declaration_items": 0, "skipped": 0}
    failures: list[str] = []
    tried: set[int] = set()
    with _clock_at(now):
        session.commit()
        while batch := _claim_batch(session, tried, period, batch_size):
            ids = [request.id for request in batch]
            tried.update(ids)
            if _run_batch(session, batch, counts, failures) or len(ids) == 1:
                continue
            log.warning("aggregation batch of %d requests failed; retrying them one by one", len(ids))
            for request_id in ids:  # one by one, so that only the failing request stays behind
                single = _claim_batch(session, set(), period, 1, only=request_id)
                if single:
                    _run_batch(session, single, counts, failures)
        session.rollback()
    if failures:
        raise AggregationFailed(f"{len(failures)} 个汇总申请处理失败（已回滚，保持待处理）：" + "；".join(failures))
    return counts


# ---- C-23: month-end and overdue ----------------------------------------------------------------
def _month_end_lists(start, end):
    """Cleared general-trade lists declared in [start, end) and in no aggregation (C-23)."""
    return and_(HEADS.c.status == AGGREGATABLE_STATUS, HEADS.c.aggregation_id.is_(None),
                HEADS.c.trade_mode == GENERAL_TRADE_MODE, HEADS.c.declare_date >= start, HEADS.c.declare_date < end)


def create_month_end_requests(session, period: str) -> dict:
    """Create one request per auto-aggregating enterprise with lists of `period` and give it its lists (C-23).

    The lists move 15 → 13 in one UPDATE: month-end builds the declarations in this same
    transaction (month_end_aggregation), so the 12 待汇总 between request and build is never seen;
    each list gets one receipt and one audit row for the move.
    """
    start, end = period_bounds(period)
    now = clock.now_naive()
    eligible = _month_end_lists(start, end)
    enterprises = Enterprise.__table__
    has_lists = exists().where(HEADS.c.enterprise_id == enterprises.c.id, eligible)
    has_request = exists().where(REQUESTS.c.enterprise_id == enterprises.c.id, REQUESTS.c.period == period)
    rows = select(enterprises.c.id, literal("PENDING"), literal(now), literal(start.year), literal(period),
                  literal(MONTH_END_MESSAGE), literal(1), literal(now), literal(now)) \
        .where(enterprises.c.auto_aggregate.is_(True), has_lists, ~has_request)
    created = session.execute(insert(REQUESTS).from_select(
        ["enterprise_id", "status", "requested_at", "year", "period", "message", "version", "created_at",
         "updated_at"], rows), execution_options=COUNTED).rowcount
    if not created:
        return {"requests_created": 0, "lists_selected": 0, "request_ids": []}
    new_requests = and_(REQUESTS.c.period == period, REQUESTS.c.status == "PENDING", REQUESTS.c.created_at == now)
    write_audit(session, REQUESTS, new_requests, "create", {"status": (None, "PENDING"), "period": (None, period)})
    request_ids = list(session.scalars(select(REQUESTS.c.id).where(new_requests)))
    moved = move_rows(session, HEADS, and_(eligible, HEADS.c.enterprise_id == REQUESTS.c.enterprise_id,
                                           REQUESTS.c.id.in_(request_ids)),  # UPDATE … FROM the new requests
                      AGGREGATE_LIST_AT_MONTH_END, values={"aggregation_id": REQUESTS.c.id},
                      moved=and_(HEADS.c.aggregation_id.in_(request_ids), HEADS.c.status == DONE_STATUS),
                      message=f"{MONTH_END_MESSAGE}：{LIST_HEADS.status_name(DONE_STATUS)}", number_column="center_no",
                      new_columns={"aggregation_id": HEADS.c.aggregation_id}, at=now)
    if is_postgres(session):
        # A month of lists changed status and request at once: refresh the planner's statistics of the two
        # columns the build selects them by (this transaction's rows included), so that it joins their
        # items by hashing instead of expecting a handful of lists; the other columns did not change.
        session.execute(text("ANALYZE list_heads (aggregation_id, status)"))
    return {"requests_created": created, "lists_selected": moved, "request_ids": request_ids}


def month_end_aggregation(session, period: str, now=None) -> dict:
    """Aggregate the cleared general-trade lists of `period` for auto-aggregating enterprises (C-23).

    Requests, list moves, declarations and the requests' closing are one transaction: a crash
    leaves nothing, and the rerun (job_runs catch-up) starts again from the cleared lists.
    Requests of the period left PENDING by an earlier version or a failure are processed after.
    """
    with _clock_at(now):
        session.commit()
        created = create_month_end_requests(session, period)
        request_ids = created.pop("request_ids")
        built = {"requests": 0, "lists": 0, "items": 0, "declarations": 0, "declaration_items": 0}
        if request_ids:
            requests = list(session.scalars(select(AggregationRequest).where(AggregationRequest.id.in_(request_ids))))
            moved = and_(HEADS.c.aggregation_id.in_(request_ids), HEADS.c.status == DONE_STATUS)
            built = {**_finish(session, requests, clock.now_naive(), moved), "lists": created["lists_selected"]}
        session.commit()
        leftover = process_pending_aggregations(session, period=period)
    totals = {key: built[key] + leftover[key] for key in built}
    return {**created, **totals, "skipped": leftover["skipped"]}


def flag_overdue(session, period: str, now=None) -> dict:
    """Flag general-trade lists of `period` (and before) still cleared and not aggregated as overdue (C-19)."""
    start, end = period_bounds(period)
    with _clock_at(now):
        if not is_overdue(start, GENERAL_TRADE_MODE, clock.today()):
            return {"flagged": 0}
        stamp = clock.now_naive()
        flagged = session.execute(update(HEADS).where(
            HEADS.c.status == AGGREGATABLE_STATUS, HEADS.c.aggregation_id.is_(None),
            HEADS.c.trade_mode == GENERAL_TRADE_MODE, HEADS.c.declare_date < end, HEADS.c.overdue.is_(False))
            .values(overdue=True, version=HEADS.c.version + 1, updated_at=stamp)).rowcount
        if flagged:
            write_audit(session, HEADS, and_(HEADS.c.overdue.is_(True), HEADS.c.updated_at == stamp), "update",
                        {"overdue": (False, True)})
        return {"flagged": flagged}


def find_request(session, identity, request_id: int) -> AggregationRequest:
    """Return one of the enterprise's aggregation requests; others' are 404 (C-19, U-5)."""
    identity.require_module_c()
    found = session.scalar(select(AggregationRequest).where(
        AggregationRequest.id == request_id, AggregationRequest.tenant_clause(identity.enterprise_id)))
    if found is None:
        raise not_found("id", "汇总申请")
    return found


def request_summary(session, request: AggregationRequest) -> dict:
    """Return a request with its status and the unified numbers of its declarations (API)."""
    numbers = session.scalars(select(Declaration.unified_no).where(Declaration.aggregation_id == request.id)
                              .order_by(Declaration.id)).all()
    lists = session.scalar(select(func.count()).where(HEADS.c.aggregation_id == request.id))
    return {"id": request.id, "status": request.status, "declaration_nos": list(numbers), "list_count": lists,
            "agent_code": request.agent_code, "agent_name": request.agent_name, "year": request.year,
            "period": request.period, "message": request.message,
            "requested_at": request.requested_at.isoformat(timespec="seconds"),
            "processed_at": request.processed_at.isoformat(timespec="seconds") if request.processed_at else None}
