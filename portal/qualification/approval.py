"""What an approval changes in the registers (Q-22, Q-24, Q-25, Q-26, C-3).

The rules compute the effects (rules.approval.approval_effects); this module draws the numbers
and writes them: qualifications, the filed enterprise record and its filed child rows
(application_id NULL; history stays in the audit log), collection filings lost with the last IE.
"""
from __future__ import annotations

from sqlalchemy import select

from portal import clock, numbering
from portal.models import CodeEntry, CollectionFiling, DeclarationPerson, Enterprise, ProductVolume, Qualification
from portal.qualification import records
from portal.qualification.records import BASIC_FIELDS, SECTIONS
from portal.qualification.state import enterprise_state
from portal.transitions import transition
from rules.lifecycles_collection import CANCEL_FILING_WITH_QUALIFICATION, CANCEL_VOLUME
from rules.lifecycles_qualification import CANCEL_QUALIFICATION, EXTEND_QUALIFICATION
from rules.qualification import approval_effects
from rules.qualification_types import CANCELLATION, CHANGE, EXTENSION, FILING, REGISTRATION_CODE_TYPES, TEMP
from rules.violations import RuleError, Violation

# Sequence kinds of rules.approval -> (counter prefix, counter scope); numbers are never reused.
SEQUENCE_KEYS = {"registration_code": "REG", "ciq_no": "CIQ", "personnel_filing_no": "PER"}
MAX_DRAWS = 50
C3_MESSAGE = "企业已无有效的进出口货物收发货人（分支机构）资质，集报备案随之取消（C-3）"


def _draw(session, kind: str, customs_code: str, year: int) -> int:
    """Return the next value of a never-resetting counter per customs office (and year for personnel)."""
    scope = str(year) if kind == "personnel_filing_no" else "ALL"
    return numbering.next_counter(session, SEQUENCE_KEYS[kind] + customs_code, scope)


def _taken(session, effects) -> bool:
    """Tell whether a drawn number is already used (e.g. loaded by staff)."""
    checks = [(Enterprise.registration_code, effects.registration_code), (Enterprise.ciq_no, effects.ciq_no)]
    checks += [(DeclarationPerson.personnel_filing_no, no) for no in effects.personnel_filing_nos]
    return any(value and session.scalar(select(column).where(column == value)) for column, value in checks)


def _effects(session, application, state, customs_code: str, new_people: int):
    """Compute the approval effects with numbers nobody holds yet."""
    today = clock.today()
    for _ in range(MAX_DRAWS):
        try:
            effects = approval_effects(application.application_type, application.types, today, state, customs_code,
                                       lambda kind: _draw(session, kind, customs_code, today.year), new_people)
        except ValueError as exc:  # e.g. the TEMP to extend was cancelled meanwhile: nothing to approve
            raise RuleError([Violation("Q-22", "application_no", f"审批无法生效：{exc}")], status=409) from None
        if not _taken(session, effects):
            return effects
    raise RuntimeError("no free registration number after many draws")


def _customs_name(session, code: str | None) -> str | None:
    return session.scalar(select(CodeEntry.name_zh).where(CodeEntry.table_name == "customs", CodeEntry.code == code))


def apply_basic_info(enterprise: Enterprise, block: dict) -> None:
    """Copy an approved application's basic information onto the filed enterprise record."""
    for name in BASIC_FIELDS:
        if name not in block:
            continue
        value = block[name]
        if name == "express_operator":
            enterprise.express_operator = value is True or str(value).lower() in ("1", "true", "yes", "是")
        elif name == "name_zh":
            enterprise.name_zh = str(value).strip() or enterprise.name_zh
        else:
            setattr(enterprise, name, str(value).strip() if value not in (None, "") else None)


def replace_filed_sections(session, enterprise: Enterprise, application, new_numbers) -> None:
    """Make the application's child rows the filed ones; known declaration persons keep their numbers (Q-16)."""
    for name, (model, _) in SECTIONS.items():
        if name == "declaration_personnel":
            continue
        for row in records.section_rows(session, name, enterprise.id, None):
            session.delete(row)
        for row in records.section_rows(session, name, enterprise.id, application.id):
            session.add(model(enterprise_id=enterprise.id, application_id=None,
                              **records.row_values(name, records.row_dict(name, row))))
    filed = {records.person_key(row): row
             for row in records.section_rows(session, "declaration_personnel", enterprise.id, None)}
    numbers = iter(new_numbers)
    kept = set()
    for row in records.section_rows(session, "declaration_personnel", enterprise.id, application.id):
        key = records.person_key(row)
        if key in filed:
            filed[key].name, filed[key].mobile = row.name, row.mobile
            if not filed[key].personnel_filing_no:
                filed[key].personnel_filing_no = next(numbers)
        else:
            session.add(DeclarationPerson(enterprise_id=enterprise.id, application_id=None, name=row.name,
                                          id_type=row.id_type, id_no=row.id_no, mobile=row.mobile,
                                          personnel_filing_no=next(numbers)))
        kept.add(key)
    for key, row in filed.items():
        if key not in kept:
            session.delete(row)


def _new_people(session, enterprise: Enterprise, application) -> int:
    """Count the application's declaration persons who have no filing number yet."""
    numbered = records.filed_personnel_numbers(session, enterprise.id)
    return sum(1 for row in records.section_rows(session, "declaration_personnel", enterprise.id, application.id)
               if records.person_key(row) not in numbered)


def cancel_collection_filings(session, enterprise: Enterprise, message: str = C3_MESSAGE) -> int:
    """Cancel every collection filing of the enterprise and its volumes (C-3); return how many filings."""
    filings = list(session.scalars(select(CollectionFiling).where(
        CollectionFiling.enterprise_id == enterprise.id, CollectionFiling.status != "CANCELLED")))
    for filing in filings:
        transition(session, filing, CANCEL_FILING_WITH_QUALIFICATION, message=message, record_no=filing.center_no)
        volumes = session.scalars(select(ProductVolume).where(ProductVolume.filing_id == filing.id,
                                                              ProductVolume.status != "CANCELLED"))
        for volume in list(volumes):
            transition(session, volume, CANCEL_VOLUME, message=message, record_no=volume.volume_no)
    return len(filings)


def _grant(session, enterprise: Enterprise, application, effects) -> None:
    for granted in effects.granted:
        code = enterprise.registration_code if granted.qualification_type in REGISTRATION_CODE_TYPES else None
        session.add(Qualification(enterprise_id=enterprise.id, qualification_type=granted.qualification_type,
                                  status="VALID", filed_date=granted.filed_date, valid_until=granted.valid_until,
                                  registration_code=code, application_id=application.id))


def _extend(session, enterprise: Enterprise, effects) -> None:
    """Move the latest TEMP qualification's validity on; an expired one is valid again (Q-25)."""
    rows = session.scalars(select(Qualification).where(
        Qualification.enterprise_id == enterprise.id, Qualification.qualification_type == TEMP,
        Qualification.status.in_(("VALID", "EXPIRED")), Qualification.valid_until.is_not(None)))
    latest = max(rows, key=lambda q: q.valid_until)
    transition(session, latest, EXTEND_QUALIFICATION, receipt=False, values={"valid_until": effects.extended_until})


def _cancel(session, enterprise: Enterprise, effects, today) -> None:
    rows = session.scalars(select(Qualification).where(
        Qualification.enterprise_id == enterprise.id, Qualification.status == "VALID",
        Qualification.qualification_type.in_(effects.cancelled_types)))
    for qualification in list(rows):
        transition(session, qualification, CANCEL_QUALIFICATION, receipt=False, values={"cancelled_at": today})
    if effects.cancel_collection_filings:
        cancel_collection_filings(session, enterprise)


def apply_approval(session, application) -> None:
    """Write what approving the application yields, by application type (Q-22, Q-24, Q-25, Q-26)."""
    enterprise = application.enterprise
    today = clock.today()
    customs_code = str((application.data or {}).get("customs_code") or enterprise.customs_code or "")
    kind = application.application_type
    people = _new_people(session, enterprise, application) if kind in (FILING, CHANGE) else 0
    effects = _effects(session, application, enterprise_state(session, enterprise), customs_code, people)
    if kind in (FILING, CHANGE):
        apply_basic_info(enterprise, application.data or {})
        if effects.registration_code:
            enterprise.registration_code = effects.registration_code
        if effects.ciq_no:
            enterprise.ciq_no = effects.ciq_no
        enterprise.local_ciq_authority = enterprise.local_ciq_authority or _customs_name(session, customs_code)
        enterprise.filed_at = enterprise.filed_at or today
        replace_filed_sections(session, enterprise, application, effects.personnel_filing_nos)
    if kind == FILING:
        _grant(session, enterprise, application, effects)
    elif kind == EXTENSION:
        _extend(session, enterprise, effects)
    elif kind == CANCELLATION:
        _cancel(session, enterprise, effects, today)
