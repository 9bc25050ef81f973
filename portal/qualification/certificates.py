"""备案证明 (certificate) requests, issuing and download state (Q-28)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock, numbering
from portal.messaging import outbox
from portal.models import Certificate, Enterprise
from portal.qualification.state import enterprise_state, setting
from portal.transitions import performs, transition
from rules.lifecycles_qualification import FAIL_CERTIFICATE, ISSUE_CERTIFICATE, REQUEST_CERTIFICATE_AGAIN
from rules.qualification import CertificateRequest, certificate_violations
from rules.violations import RuleError, Violation

FAILED = "RECEIPT_FAILED"
ONCE_A_DAY = "每日只允许申请一次备案证明"


def _requests(rows) -> list[CertificateRequest]:
    return [CertificateRequest(requested_on=r.request_date, status=r.status,
                               issued_on=r.issued_at.date() if r.issued_at else None, superseded=r.superseded)
            for r in rows]


def request_certificate(session, identity) -> Certificate:
    """Request 《报关单位备案证明》: eligible types held, once per day, none downloadable today (409, Q-28)."""
    identity.require_module_q()
    enterprise = session.get(Enterprise, identity.enterprise_id)
    today = clock.today()
    rows = list(session.scalars(select(Certificate).where(Certificate.enterprise_id == enterprise.id)))
    violations = certificate_violations(enterprise_state(session, enterprise), _requests(rows), today,
                                        int(setting("CERTIFICATE_WINDOW_DAYS", 1)))
    if violations:
        raise RuleError(violations, status=409)
    failed_today = next((r for r in rows if r.request_date == today and r.status == FAILED), None)
    if failed_today is not None:
        # The (enterprise, day) key is unique: a request after a failed one reuses today's row.
        transition(session, failed_today, REQUEST_CERTIFICATE_AGAIN, source="enterprise")
        return failed_today
    certificate = Certificate(enterprise_id=enterprise.id, request_date=today, status="REQUESTED",
                              requested_by_id=identity.user.id)
    session.add(certificate)
    try:
        session.flush()
    except IntegrityError:  # a concurrent request won the (enterprise, day) key; the caller rolls back
        raise RuleError([Violation("Q-28", "requested_on", ONCE_A_DAY)], status=409) from None
    outbox.enqueue(session, certificate, REQUEST_CERTIFICATE_AGAIN)   # created REQUESTED: sent to customs
    return certificate


@performs(ISSUE_CERTIFICATE)
def issue_certificate(session, certificate: Certificate, message: str = "", source: str = "customs"):
    """Issue a requested certificate (REQUESTED → ISSUED); older ones stop being downloadable (Q-28)."""
    transition(session, certificate, ISSUE_CERTIFICATE, source=source, message=message, values={"issued_at": clock.now_naive(),
                                        "certificate_no": numbering.next_number(session, "certificate")})
    older = session.scalars(select(Certificate).where(Certificate.enterprise_id == certificate.enterprise_id,
                                                      Certificate.id != certificate.id,
                                                      Certificate.superseded.is_(False)))
    for row in list(older):
        row.superseded = True
    session.flush()
    return certificate


@performs(FAIL_CERTIFICATE)
def fail_certificate(session, certificate: Certificate, message: str = "", source: str = "customs"):
    """Record that customs could not take the request (REQUESTED → RECEIPT_FAILED); it may be requested again."""
    transition(session, certificate, FAIL_CERTIFICATE, source=source, message=message)
    return certificate


def find_certificate(session, identity, certificate_id: int) -> Certificate:
    """Return a certificate of the user's enterprise, else 404."""
    identity.require_module_q()
    certificate = session.scalar(select(Certificate).where(Certificate.id == certificate_id,
                                                           Certificate.enterprise_id == identity.enterprise_id))
    if certificate is None:
        raise RuleError([Violation("A-2", "id", "备案证明不存在")], status=404)
    return certificate


def check_downloadable(certificate: Certificate) -> None:
    """Refuse a superseded (410) or not yet issued (409) certificate (Q-28)."""
    if certificate.superseded:
        raise RuleError([Violation("Q-28", "id", "已申请新的备案证明，旧的备案证明不再支持下载")], status=410)
    if certificate.status != "ISSUED":
        raise RuleError([Violation("Q-28", "status", "备案证明尚未签发，请稍后刷新")], status=409)


def certificate_dict(certificate: Certificate) -> dict:
    """Return a certificate as the API lists it."""
    return {"id": certificate.id, "status": certificate.status, "request_date": certificate.request_date.isoformat(),
            "issued_at": certificate.issued_at.isoformat() if certificate.issued_at else None,
            "certificate_no": certificate.certificate_no, "superseded": certificate.superseded}
