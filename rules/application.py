"""Application lifecycle and whole-application checks: Q-19, Q-20, Q-23 to Q-26.

`save_violations` is the format-only check of 暂存; `submit_violations` applies every rule of
module Q that fits the application type (filing, change, extension, cancellation).
"""
from __future__ import annotations

from datetime import date

from rules.attachments import required_attachment_violations
from rules.formats import is_blank, length_violations
from rules.identifiers import org_code_violations, uscc_violations
from rules.lifecycle import ACTOR_NAMES, Actor, lifecycle_of
from rules.qualification_basic import (
    code_value_violations, enterprise_format_violations, express_operator_violations,
    parent_violations, region_customs_violations, required_field_violations,
)
from rules.qualification_data import (
    ApplicationData, EnterpriseState, ReferenceData, held_types, open_cancellations_not_received,
    days_before, open_change, other_open_applications,
)
from rules.qualification_sections import (
    DECLARATION_LABELS, DECLARATION_SECTION, MANAGEMENT_LABELS, MANAGEMENT_SECTION,
    declaration_personnel_violations, external_license_violations, investor_amount_violations,
    investor_violations, license_row_format_violations, management_personnel_violations,
    person_row_format_violations,
)
from rules.qualification_select import selection_violations, unique_types
from rules.qualification_types import (
    APPLICATION_TYPE_NAMES, CANCELLATION, CANCELLATION_OTHER_REASON_CODE, CHANGE, DUAL, EXTENSION,
    FILING, QUALIFICATION_NAMES, TEMP, RuleTables, qualification_name,
)
from rules.violations import Violation

APPLICATION_LIFECYCLE = lifecycle_of("applications")
OTHER_REASON_MAX_LENGTH = 500


def _status_name(status: str) -> str:
    """Return the Chinese name of an application status (the code when unknown)."""
    return APPLICATION_LIFECYCLE.status_name(status)


def application_move(current: str, target: str):
    """Return the move of the lifecycle table from `current` to `target`, None when there is none (Q-19)."""
    return next((m for m in APPLICATION_LIFECYCLE.moves_from(current) if m.target == target), None)


def transition_violations(current: str, target: str, actor: str | None = None) -> list[Violation]:
    """Refuse a status change the lifecycle table does not allow, or by the wrong actor (Q-19)."""
    move = application_move(current, target)
    if move is None:
        return [Violation(
            "Q-19", "status", f"申请单状态为“{_status_name(current)}”，不能变更为“{_status_name(target)}”",
        )]
    if actor is not None and not move.allows(actor):
        who = "、".join(ACTOR_NAMES[a] for a in sorted(move.actors))
        return [Violation(
            "Q-19", "status",
            f"只有{who}可以将申请单从“{_status_name(current)}”变更为“{_status_name(target)}”",
        )]
    return []


def edit_violations(status: str) -> list[Violation]:
    """Refuse editing or deleting an application that is no longer a draft (Q-20)."""
    if APPLICATION_LIFECYCLE.editable(status, Actor.ENTERPRISE):
        return []
    return [Violation("Q-20", "status", f"申请单状态为“{_status_name(status)}”，申报成功的数据不可修改或删除")]


def save_violations(data: ApplicationData, today: date | None = None) -> list[Violation]:
    """Check formats and lengths only, as 暂存 does (Q-20)."""
    violations = []
    if data.application_type not in APPLICATION_TYPE_NAMES:
        violations.append(Violation("Q-20", "type", f"未知的申请类型：{data.application_type}"))
    violations += [
        Violation("Q-1", "qualification_types", f"未知的资质类型：{code}")
        for code in unique_types(data.qualification_types) if code not in QUALIFICATION_NAMES
    ]
    violations += enterprise_format_violations(data.enterprise, today)
    for index, row in enumerate(data.management_personnel):
        violations += person_row_format_violations(row, MANAGEMENT_SECTION, index, MANAGEMENT_LABELS, today)
    for index, row in enumerate(data.declaration_personnel):
        violations += person_row_format_violations(row, DECLARATION_SECTION, index, DECLARATION_LABELS, today)
    for index, row in enumerate(data.investors):
        violations += investor_amount_violations(row, index)
    for index, row in enumerate(data.external_licenses):
        violations += license_row_format_violations(row, index)
    violations += length_violations(
        data.cancellation_other_reason, OTHER_REASON_MAX_LENGTH, "cancellation.other_reason", "其他注销原因", "Q-26",
    )
    return violations


def proxy_violations(data: ApplicationData) -> list[Violation]:
    """Check a proxy application: card login, commitment ticked, valid target USCC (Q-23, Q-7)."""
    violations = []
    if data.login_mode != "card":
        violations.append(Violation("Q-23", "target_uscc", "账号登录仅可办理本企业业务，为其他主体备案须使用卡介质登录"))
    if not data.commitment:
        violations.append(Violation("Q-23", "commitment", "为其他主体备案须勾选承诺书"))
    violations += uscc_violations(data.target_uscc, "target_uscc", "被代理主体统一社会信用代码")
    if data.target_uscc and data.target_uscc == data.acting_uscc:
        violations.append(Violation("Q-23", "target_uscc", "被代理主体不能是本企业"))
    return violations


def _enterprise_and_section_violations(
    data: ApplicationData, state: EnterpriseState, ref: ReferenceData, rule_tables: RuleTables,
    today: date, included: frozenset[str], selected_or_held: frozenset[str],
) -> list[Violation]:
    """Check basic info and every child section, shared by filings and changes."""
    enterprise = data.enterprise
    violations = required_field_violations(enterprise)
    violations += enterprise_format_violations(enterprise, today)
    violations += org_code_violations(enterprise.get("org_code"), state.uscc or data.target_uscc)
    violations += region_customs_violations(enterprise, ref)
    violations += parent_violations(enterprise, selected_or_held, ref, (state.uscc, state.registration_code))
    violations += express_operator_violations(enterprise, selected_or_held)
    violations += management_personnel_violations(data.management_personnel, included, ref, today)
    violations += investor_violations(data.investors, enterprise.get("market_entity_type_code"), ref)
    violations += declaration_personnel_violations(data.declaration_personnel, ref, today)
    violations += external_license_violations(
        data.external_licenses, selected_or_held, ref, today, rule_tables.license_requirements,
    )
    violations += required_attachment_violations(
        data.attachment_kinds, data.application_type, data.login_mode, data.is_proxy,
        data.qualification_types, rule_tables.attachment_requirements,
    )
    return violations


def filing_violations(
    data: ApplicationData, state: EnterpriseState, ref: ReferenceData, rule_tables: RuleTables, today: date
) -> list[Violation]:
    """Check a filing (备案申请) against Q-1 to Q-18 and Q-23."""
    violations = []
    if is_blank(state.uscc or data.target_uscc):
        violations.append(Violation(
            "Q-7", "uscc", "无统一社会信用代码的企业无法做资质备案，请到用户管理系统中补充统一社会信用代码",
        ))
    violations += selection_violations(data.qualification_types, state, rule_tables, today, data.application_no)
    selected = frozenset(data.qualification_types)
    violations += _enterprise_and_section_violations(
        data, state, ref, rule_tables, today, selected, selected | held_types(state, today),
    )
    return violations


def change_violations(data: ApplicationData, state: EnterpriseState, today: date) -> list[Violation]:
    """Check a change may be filed: a valid qualification held, no other open change, no new types (Q-24, Q-6)."""
    held = held_types(state, today)
    violations = []
    if state.cancelled or not held:
        violations.append(Violation("Q-24", "qualification_types", "企业未备案、已注销或备案有效期超期，无法申请变更"))
    other = open_change(state, data.application_no)
    if other is not None:
        violations.append(Violation(
            "Q-24", "type", f"已有变更申请（{other.application_no}）正在办理中，同一时间只能有一份变更申请",
        ))
    added = [code for code in unique_types(data.qualification_types) if code not in held]
    if added and DUAL in held:
        violations.append(Violation(
            "Q-6", "qualification_types",
            f"经营类别为{qualification_name(DUAL)}的企业不可变更或新增经营类别，请先注销后重新备案",
        ))
    elif added and held:
        names = "、".join(qualification_name(code) for code in added)
        violations.append(Violation("Q-24", "qualification_types", f"变更申请不能新增资质类型（{names}），请通过备案申请办理"))
    return violations


def change_application_violations(
    data: ApplicationData, state: EnterpriseState, ref: ReferenceData, rule_tables: RuleTables, today: date
) -> list[Violation]:
    """Check a change (变更申请): Q-24 plus the basic-info and section rules over the held types."""
    held = held_types(state, today)
    included = held | frozenset(data.qualification_types)
    violations = change_violations(data, state, today)
    violations += _enterprise_and_section_violations(data, state, ref, rule_tables, today, included, included)
    return violations


def extension_window(valid_until: date, window_days: int) -> tuple[date, date]:
    """Return the first and last day (inclusive) on which an extension may be filed (Q-25)."""
    return days_before(valid_until, window_days), valid_until


def extension_violations(
    data: ApplicationData, state: EnterpriseState, today: date, window_days: int = 30
) -> list[Violation]:
    """Check an extension: TEMP only, from `window_days` before expiry until expiry inclusive (Q-25)."""
    field = "qualification_types"
    name = qualification_name(TEMP)
    if any(code != TEMP for code in data.qualification_types):
        return [Violation("Q-25", field, f"延续申请仅适用于{name}")]
    temps = [r for r in state.qualifications if r.qualification_type == TEMP]
    records = [r for r in temps if r.status == "VALID"] or [r for r in temps if r.status == "EXPIRED"]
    if not records:
        return [Violation("Q-25", field, f"未持有有效的{name}资质，无法申请延续")]
    record = max(records, key=lambda r: r.valid_until or date.max)
    if record.valid_until is None:
        return [Violation("Q-25", field, f"{name}为长期有效，无需延续")]
    start, end = extension_window(record.valid_until, window_days)
    violations = []
    if record.status == "EXPIRED" or today > end:
        violations.append(Violation(
            "Q-25", field, f"{name}已于{end.isoformat()}到期，无法延续，请重新备案{name}",
        ))
    elif today < start:
        violations.append(Violation(
            "Q-25", field,
            f"{name}有效期至{end.isoformat()}，请于到期前{window_days}天内（{start.isoformat()}至{end.isoformat()}）申请延续",
        ))
    for other in other_open_applications(state, data.application_no, EXTENSION):
        violations.append(Violation("Q-25", "type", f"已有延续申请（{other.application_no}）正在办理中"))
    return violations


def cancellation_violations(
    data: ApplicationData, state: EnterpriseState, ref: ReferenceData, today: date
) -> list[Violation]:
    """Check a cancellation: own valid types, reason (99 needs text), no overlap or unreceived earlier ones (Q-26)."""
    field = "qualification_types"
    violations = []
    if data.is_proxy:
        violations.append(Violation("Q-26", "target_uscc", "注销申请无法为其他主体代理"))
    chosen = unique_types(data.qualification_types)
    if not chosen:
        violations.append(Violation("Q-26", field, "请选择本次要注销的备案资质"))
    held = held_types(state, today)
    for code in chosen:
        if code not in held:
            violations.append(Violation("Q-26", field, f"{qualification_name(code)}不是有效的备案资质，无法注销"))
    reason = str(data.cancellation_reason_code or "").strip()
    if not reason:
        violations.append(Violation("Q-26", "cancellation.reason_code", "注销原因不能为空"))
    else:
        violations += code_value_violations(
            reason, ref.codes.get("cancellation_reasons"), "cancellation.reason_code", "注销原因", "Q-26",
        )
    if reason == CANCELLATION_OTHER_REASON_CODE and is_blank(data.cancellation_other_reason):
        violations.append(Violation(
            "Q-26", "cancellation.other_reason", "注销原因为“其他依法应当注销注册登记的情形”时，其他注销原因必填",
        ))
    violations += length_violations(
        data.cancellation_other_reason, OTHER_REASON_MAX_LENGTH, "cancellation.other_reason", "其他注销原因", "Q-26",
    )
    for other in other_open_applications(state, data.application_no, CANCELLATION):
        for code in chosen:
            if code in other.qualification_types:
                violations.append(Violation(
                    "Q-26", field, f"{qualification_name(code)}已在注销申请（{other.application_no}）中，不能重复申请注销",
                ))
    for earlier in open_cancellations_not_received(state, data.application_no):
        violations.append(Violation(
            "Q-26", "type",
            f"注销申请（{earlier.application_no}）尚未海关入库成功，待其入库后方可发起其他资质的注销申请",
        ))
    return violations


def submit_violations(
    data: ApplicationData, state: EnterpriseState, ref: ReferenceData, rule_tables: RuleTables, today: date
) -> list[Violation]:
    """Check every module-Q rule that applies to the application's type, all violations at once (Q-20)."""
    violations = []
    if data.is_proxy and data.application_type != CANCELLATION:
        violations += proxy_violations(data)
    if data.application_type == FILING:
        violations += filing_violations(data, state, ref, rule_tables, today)
    elif data.application_type == CHANGE:
        violations += change_application_violations(data, state, ref, rule_tables, today)
    elif data.application_type == EXTENSION:
        violations += extension_violations(data, state, today, rule_tables.extension_window_days)
    elif data.application_type == CANCELLATION:
        violations += cancellation_violations(data, state, ref, today)
    else:
        violations.append(Violation("Q-20", "type", f"未知的申请类型：{data.application_type}"))
    return violations
