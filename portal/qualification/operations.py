"""Application operations: save (暂存), delete, submit, customs transitions (Q-13, Q-19..Q-21, Q-23).

Operations take the session first, flush and leave the audit to the session events; the caller
commits. They raise RuleError (422 rules, 409 state conflicts, 403, 404) and never touch HTTP.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, numbering
from portal.transitions import performs, transition
from portal.models import Application, Attachment, Enterprise
from portal.qualification import records
from portal.qualification.masking import resolve_masked
from portal.qualification.records import BASIC_FIELDS, SECTIONS
from portal.qualification.state import enterprise_state, reference_data, rule_tables
from rules.identifiers import org_code_from_uscc, uscc_violations
from rules.lifecycles_qualification import (APPLICATIONS, APPROVE_APPLICATION, FAIL_APPLICATION_RECEIPT,
                                            NOT_ACCEPT_APPLICATION, RECEIVE_APPLICATION, REJECT_APPLICATION,
                                            START_REVIEW, SUBMIT_APPLICATION)
from rules.qualification import (application_data_from_body, body_system_field_violations, change_violations,
                                 edit_violations, held_types, save_violations, submit_violations,
                                 transition_violations)
from rules.qualification_basic import ENTERPRISE_LABELS
from rules.qualification_sections import (DECLARATION_LABELS, INVESTOR_LABELS, LICENSE_LABELS, MANAGEMENT_LABELS,
                                          PERSON_TYPES)
from rules.qualification_types import CANCELLATION, CHANGE, EXTENSION, FILING, FINAL_STATUSES, TEMP
from rules.violations import RuleError, Violation

SECTION_LABELS = {"management_personnel": MANAGEMENT_LABELS, "investors": INVESTOR_LABELS,
                  "declaration_personnel": DECLARATION_LABELS, "external_licenses": LICENSE_LABELS}
PREFILLED_TYPES = (FILING, CHANGE)  # forms that open with the filed data
MAX_AMOUNT = 10 ** 14  # Numeric(18, 4) in 万


def flush(session) -> None:
    """Flush; a row another request changed meanwhile is a 409, not a crash."""
    try:
        session.flush()
    except StaleDataError:
        raise RuleError([Violation("Q-19", "status", "记录已被其他操作修改，请刷新后重试")], status=409) from None


def find_application(session, identity, application_no: str) -> Application:
    """Return an application the enterprise user may see (own or filed as proxy), else 404."""
    identity.require_module_q()
    application = session.scalar(select(Application).where(
        Application.application_no == (application_no or "").strip(),
        Application.tenant_clause(identity.enterprise_id)))
    if application is None:
        raise RuleError([Violation("A-2", "application_no", "申请单不存在")], status=404)
    return application


def require_editor(identity, application: Application) -> None:
    """Let only the enterprise that files the application change it; a proxy needs its card (Q-23)."""
    identity.require_module_q()
    owner = application.acting_enterprise_id or application.enterprise_id
    if identity.enterprise_id != owner:
        raise RuleError([Violation("Q-23", "application_no", "该申请单由代理企业办理，本企业仅可查看")], status=403)
    if application.acting_enterprise_id:
        identity.require_card("为其他主体备案")


def _target(session, identity, body: dict) -> tuple[Enterprise | None, str, bool]:
    """Return (existing target enterprise or None, target USCC, is proxy) after the Q-23 checks."""
    own = session.get(Enterprise, identity.enterprise_id)
    target_uscc = str(body.get("target_uscc") or "").strip()
    if not target_uscc or target_uscc == own.uscc:
        return own, own.uscc, False
    identity.require_card("为其他主体备案")
    violations = []
    if body.get("type", FILING) == CANCELLATION:
        violations.append(Violation("Q-26", "target_uscc", "注销申请无法为其他主体代理"))
    if not body.get("commitment"):
        violations.append(Violation("Q-23", "commitment", "为其他主体备案须勾选承诺书"))
    violations += uscc_violations(target_uscc, "target_uscc", "被代理主体统一社会信用代码")
    target = None if violations else session.scalar(select(Enterprise).where(Enterprise.uscc == target_uscc))
    if target is None and not violations and not str((body.get("enterprise") or {}).get("name_zh") or "").strip():
        violations.append(Violation("Q-23", "enterprise.name_zh", "被代理主体尚未登记，请填写其企业中文名称"))
    if violations:
        raise RuleError(violations)
    return target, target_uscc, True


def proxy_change_target(session, identity, target_uscc: str) -> Enterprise:
    """Return the enterprise a card login opens a proxy change for (Q-23, Q-24), or refuse with the reasons.

    A change needs a filed enterprise with a valid qualification; its form opens with that enterprise's
    filed data, as for the enterprise itself."""
    identity.require_card("为其他主体备案")
    target_uscc = str(target_uscc or "").strip().upper()
    if not target_uscc:
        raise RuleError([Violation("Q-23", "target_uscc", "请填写被代理主体统一社会信用代码")])
    violations = uscc_violations(target_uscc, "target_uscc", "被代理主体统一社会信用代码")
    if violations:
        raise RuleError(violations)
    own = session.get(Enterprise, identity.enterprise_id)
    if target_uscc == own.uscc:
        raise RuleError([Violation("Q-23", "target_uscc", "被代理主体不能是本企业，本企业的变更请直接点击“变更”")])
    target = session.scalar(select(Enterprise).where(Enterprise.uscc == target_uscc))
    if target is None or not held_types(enterprise_state(session, target), clock.today()):
        raise RuleError([Violation("Q-24", "target_uscc",
                                   "被代理主体没有有效的备案资质（未备案、已注销或备案有效期超期），无法申请变更")])
    return target


def _org_code(target: Enterprise | None, target_uscc: str) -> str:
    """Return the organization code: the filed one, else USCC positions 9–17 (Q-8)."""
    return (target.org_code if target is not None else None) or org_code_from_uscc(target_uscc)


def _system_values(session, application: Application | None, target: Enterprise | None, target_uscc: str) -> dict:
    """Return the current system-filled values a body may repeat but not change (Q-13)."""
    enterprise = {"uscc": target_uscc, "org_code": _org_code(target, target_uscc)}
    if target is not None:
        enterprise.update(registration_code=target.registration_code, ciq_no=target.ciq_no,
                          local_ciq_authority=target.local_ciq_authority)
    current = {"enterprise": enterprise, "status": "DRAFT"}
    if application is not None:
        current.update(application_no=application.application_no, status=application.status,
                       customs_opinion=application.customs_opinion, updated_at=records.iso(application.updated_at),
                       declaration_personnel=records.sections_of(
                           session, application.enterprise_id, application.id)["declaration_personnel"])
    elif target is not None:
        numbers = records.filed_personnel_numbers(session, target.id)
        current["declaration_personnel"] = [{"id_no": key[1], "personnel_filing_no": no}
                                            for key, no in numbers.items()]
    return current


def prefill_body(session, application_type: str, target: Enterprise | None) -> dict:
    """Return the body a new application starts from: the filed data (Q-9 prefill, Q-24)."""
    body = {"enterprise": records.enterprise_basic(target), "qualification_types": []}
    if target is not None and application_type in PREFILLED_TYPES:
        filed = records.sections_of(session, target.id, None)
        body.update({name: [{k: v for k, v in row.items() if k != "personnel_filing_no"} for row in rows]
                     for name, rows in filed.items()})
        if application_type == CHANGE:
            body["qualification_types"] = sorted(held_types(enterprise_state(session, target), clock.today()))
    if application_type == EXTENSION:
        body["qualification_types"] = [TEMP]
    return body


def _merge(current: dict, body: dict, target_uscc: str, target: Enterprise | None) -> dict:
    """Overlay the body on the current data: basic info field by field, sections as whole lists."""
    merged = dict(current)
    for key, value in body.items():
        if key == "enterprise":
            merged["enterprise"] = {**(current.get("enterprise") or {}), **(value or {})}
        else:
            merged[key] = value
    block = {k: v for k, v in (merged.get("enterprise") or {}).items() if k in BASIC_FIELDS}
    block["uscc"] = target_uscc
    block["org_code"] = _org_code(target, target_uscc)
    merged["enterprise"] = block
    merged["qualification_types"] = list(dict.fromkeys(merged.get("qualification_types") or ()))
    return merged


def _column_violations(model, values: dict, field: str, labels: dict) -> list[Violation]:
    """Refuse text longer than its column (Q-10) so a draft never fails in the database."""
    violations = []
    for name, value in values.items():
        column = model.__table__.c.get(name)
        length = getattr(column.type, "length", None) if column is not None else None
        if length and isinstance(value, str) and len(value.strip()) > length:
            violations.append(Violation("Q-10", f"{field}{name}", f"{labels.get(name, name)}不能超过{length}个字符"))
    return violations


def _storage_violations(merged: dict) -> list[Violation]:
    """Check what the format rules leave to storage: lengths, person type, amount size, reason code."""
    violations = _column_violations(Enterprise, merged["enterprise"], "enterprise.", ENTERPRISE_LABELS)
    for section, (model, _) in SECTIONS.items():
        for index, row in enumerate(merged.get(section) or ()):
            violations += _column_violations(model, row, f"{section}[{index}].", SECTION_LABELS[section])
    for index, row in enumerate(merged.get("management_personnel") or ()):
        if row.get("person_type") not in PERSON_TYPES:
            violations.append(Violation("Q-14", f"management_personnel[{index}].person_type",
                                        f"管理人员信息第{index + 1}行：人员类型须为关务负责人或财务负责人"))
    for index, row in enumerate(merged.get("investors") or ()):
        try:
            too_big = abs(float(str(row.get("amount") or 0))) >= MAX_AMOUNT
        except ValueError:
            too_big = False
        if too_big:
            violations.append(Violation("Q-15", f"investors[{index}].amount", f"出资者信息第{index + 1}行：出资金额过大"))
    reason = str((merged.get("cancellation") or {}).get("reason_code") or "").strip()
    if len(reason) > 2:
        violations.append(Violation("Q-26", "cancellation.reason_code", "注销原因须为两位代码"))
    return violations


def _write_sections(session, application: Application, merged: dict, names) -> None:
    """Replace the application's rows of the named sections with the merged rows."""
    for name in names:
        model, _ = SECTIONS[name]
        for row in session.scalars(select(model).where(model.application_id == application.id)):
            session.delete(row)
        for row in merged.get(name) or ():
            session.add(model(enterprise_id=application.enterprise_id, application_id=application.id,
                              **records.row_values(name, row)))


def _draft_context(session, identity, body: dict, application: Application | None):
    """Return (target enterprise or None, target USCC, is proxy, current data) for a new or existing draft."""
    if application is None:
        target, target_uscc, is_proxy = _target(session, identity, body)
        application_type = str(body.get("type") or FILING)
        return target, target_uscc, is_proxy, {**prefill_body(session, application_type, target), "type": application_type}
    require_editor(identity, application)
    violations = edit_violations(application.status)
    if violations:
        raise RuleError(violations, status=409)
    if (body.get("type") or application.application_type) != application.application_type:
        raise RuleError([Violation("Q-20", "type", "申请类型保存后不能修改")])
    target = application.enterprise
    if str(body.get("target_uscc") or target.uscc).strip() != target.uscc:
        raise RuleError([Violation("Q-23", "target_uscc", "被代理主体保存后不能修改")])
    return target, target.uscc, bool(application.acting_enterprise_id), records.application_body(session, application)


def save_application(session, identity, body: dict, application: Application | None = None) -> Application:
    """Create or update a DRAFT (暂存): format checks, and Q-24 for a change; number on first save (Q-20, Q-13, Q-23)."""
    body = dict(body or {})
    identity.require_module_q()
    target, target_uscc, is_proxy, current = _draft_context(session, identity, body, application)
    violations = []
    if is_proxy:  # masked personal identifiers stand for the originals
        body, typed, violations = resolve_masked(body, current, application.proxy_typed if application else None)
    violations += body_system_field_violations(body, _system_values(session, application, target, target_uscc))
    body = {k: v for k, v in body.items() if k not in ("application_no", "status", "customs_opinion", "updated_at")}
    merged = _merge(current, body, target_uscc, target)
    data = application_data_from_body(merged, login_mode=identity.login_mode, acting_uscc=target_uscc)
    violations += save_violations(data, clock.today()) + _storage_violations(merged)
    if data.application_type == CHANGE:
        # Q-24 is about the enterprise, not the form: a change it cannot file is refused before any draft exists.
        violations += change_violations(data, enterprise_state(session, target), clock.today()) if target else \
            [Violation("Q-24", "target_uscc", "被代理主体未备案，无法申请变更")]
    if violations:
        raise RuleError(violations)

    if application is None:
        if target is None:
            target = Enterprise(uscc=target_uscc, org_code=org_code_from_uscc(target_uscc),
                                name_zh=str(merged["enterprise"]["name_zh"]).strip())
            session.add(target)
            session.flush()
        application = Application(application_no=numbering.next_number(session, "application"),
                                  application_type=data.application_type, status="DRAFT", enterprise_id=target.id,
                                  acting_enterprise_id=identity.enterprise_id if is_proxy else None,
                                  login_mode=identity.login_mode, created_by_id=identity.user.id)
        session.add(application)
        session.flush()
        changed_sections = SECTIONS.keys() if data.application_type in PREFILLED_TYPES else ()
    else:
        changed_sections = [name for name in SECTIONS if name in body]
    cancellation = merged.get("cancellation") or {}
    application.qualification_types = ",".join(merged["qualification_types"])
    application.commitment = bool(merged.get("commitment"))
    application.data = merged["enterprise"]
    application.cancellation_reason_code = str(cancellation.get("reason_code") or "").strip() or None
    application.cancellation_other = str(cancellation.get("other_reason") or "").strip() or None
    application.login_mode = identity.login_mode
    if is_proxy:
        application.proxy_typed = typed
    application.updated_at = clock.now_naive()  # always an UPDATE, so a concurrent submit makes this a 409
    _write_sections(session, application, merged, changed_sections)
    flush(session)
    return application


def delete_application(session, identity, application: Application) -> None:
    """Delete a DRAFT with its rows and files; anything submitted is immutable (409, Q-20)."""
    from portal.qualification.uploads import remove_stored_file
    require_editor(identity, application)
    violations = edit_violations(application.status)
    if violations:
        raise RuleError(violations, status=409)
    attachments = list(session.scalars(select(Attachment).where(Attachment.application_id == application.id)))
    for model, _ in SECTIONS.values():
        for row in session.scalars(select(model).where(model.application_id == application.id)):
            session.delete(row)
    for attachment in attachments:
        session.delete(attachment)
    session.delete(application)
    flush(session)
    for attachment in attachments:
        remove_stored_file(attachment)


def submit_application(session, identity, application: Application) -> Application:
    """Submit (申报): every module-Q rule at once (422), snapshot kept, DRAFT/RECEIPT_FAILED → SUBMITTED."""
    require_editor(identity, application)
    violations = transition_violations(application.status, "SUBMITTED", "enterprise")
    if violations:
        raise RuleError(violations, status=409)
    target = application.enterprise
    acting = application.acting_enterprise or target
    data = records.application_data(session, application, identity.login_mode, acting.uscc)
    today = clock.today()
    ref = reference_data(session, target, str(data.enterprise.get("parent_code") or ""), today)
    violations = submit_violations(data, enterprise_state(session, target), ref, rule_tables(session), today)
    if violations:
        raise RuleError(violations)
    snapshot = records.application_snapshot(session, application)
    snapshot["login_mode"] = identity.login_mode
    transition(session, application, SUBMIT_APPLICATION, source="enterprise",
               message=APPLICATIONS.status_name("SUBMITTED"), record_no=application.application_no,
               values={"snapshot": snapshot, "submitted_at": clock.now_naive(), "login_mode": identity.login_mode})
    return application


def customs_transition(session, application: Application, move, *, message: str = "",
                       opinion: str | None = None, source: str = "customs") -> Application:
    """Make a customs move of an application (Q-19) with its receipt (Q-21); the opinion is shown to the enterprise."""
    violations = transition_violations(application.status, move.target, "customs")
    if violations:
        raise RuleError(violations, status=409)
    values = {}
    if opinion is not None:
        values["customs_opinion"] = opinion.strip()
    if move.target in FINAL_STATUSES:
        values["decided_at"] = clock.now_naive()
    transition(session, application, move, source=source,
               message=(message or opinion or APPLICATIONS.status_name(move.target)).strip(),
               record_no=application.application_no, values=values)
    return application


def _required_opinion(opinion: str | None) -> str:
    text = (opinion or "").strip()
    if not text:
        raise RuleError([Violation("Q-21", "customs_opinion", "请填写海关审核意见")])
    return text


@performs(RECEIVE_APPLICATION)
def receive_application(session, application, message: str = "", source: str = "customs"):
    """Customs stored the application: SUBMITTED → RECEIVED (海关入库成功)."""
    return customs_transition(session, application, RECEIVE_APPLICATION, message=message, source=source)


@performs(FAIL_APPLICATION_RECEIPT)
def fail_receipt(session, application, message: str = "", source: str = "customs"):
    """Customs could not store it: SUBMITTED → RECEIPT_FAILED; the enterprise may resubmit."""
    return customs_transition(session, application, FAIL_APPLICATION_RECEIPT, message=message, source=source)


@performs(NOT_ACCEPT_APPLICATION)
def not_accept_application(session, application, opinion: str, source: str = "customs"):
    """Customs returns it unreviewed: RECEIVED → NOT_ACCEPTED, with the opinion."""
    return customs_transition(session, application, NOT_ACCEPT_APPLICATION, opinion=_required_opinion(opinion), source=source)


@performs(START_REVIEW)
def start_review(session, application, message: str = "", source: str = "customs"):
    """Customs starts reviewing: RECEIVED → UNDER_REVIEW (海关受理中)."""
    return customs_transition(session, application, START_REVIEW, message=message, source=source)


@performs(APPROVE_APPLICATION)
def approve_application(session, application, opinion: str = "", source: str = "customs"):
    """Customs approves: UNDER_REVIEW → APPROVED, then the approval takes effect (Q-22, Q-24..Q-26)."""
    from portal.qualification.approval import apply_approval
    customs_transition(session, application, APPROVE_APPLICATION, opinion=(opinion or "").strip() or APPROVE_APPLICATION.label, source=source)
    apply_approval(session, application)
    flush(session)
    return application


@performs(REJECT_APPLICATION)
def reject_application(session, application, opinion: str, source: str = "customs"):
    """Customs rejects: UNDER_REVIEW → REJECTED with the opinion; the filed record stays unchanged."""
    return customs_transition(session, application, REJECT_APPLICATION, opinion=_required_opinion(opinion), source=source)
