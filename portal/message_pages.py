"""报文 pages: a customs message or receipt of one of the enterprise's records, as XML (issue 16).

The record pages (applications, filings, volumes, lists, requests, declarations) list the messages sent for
the record and customs' receipts (templates/_customs_messages.html); each links here. Who may read which
message is portal.messaging.queries: anyone else's message is 404, never revealed.
"""
from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from portal.extensions import db
from portal.identity import current_identity
from portal.messaging.display import pretty_xml
from portal.messaging.queries import find_message, related_messages, visible_clause

bp = Blueprint("messages", __name__)


@bp.before_request
def _logged_in_only():
    """Send visitors to the login page."""
    if current_identity() is None:
        return redirect(url_for("auth.login", next=request.path))
    return None


@bp.route("/messages/<message_id>")
def view_message(message_id: str):
    """Show one message: direction, type, status, times, receipt text, signature, the XML indented."""
    identity = current_identity()
    message = find_message(db.session, identity, message_id)
    return render_template("messages/message.html", message=message, xml=pretty_xml(message.xml),
                           related=related_messages(db.session, message, visible_clause(identity)))


@bp.route("/messages/<message_id>.xml")
def message_xml(message_id: str):
    """Download the message's XML as it was sent or received (signed, not re-indented)."""
    message = find_message(db.session, current_identity(), message_id)
    return Response(message.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={message.message_id}.xml",
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
