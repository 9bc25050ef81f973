"""Register views grouped by area (one file per area is added as the modules land)."""
from __future__ import annotations

from portal.extensions import db
from portal import models as m

from admin_views.base import ReadOnlyView, SecureModelView


def add_views(admin) -> None:
    """Add the register views to the admin."""
    for model, category in [(m.Enterprise, "企业与用户"), (m.User, "企业与用户"), (m.Card, "企业与用户"),
                            (m.CodeEntry, "参数表")]:
        admin.add_view(SecureModelView(model, db, name=model.__label__, category=category,
                                       endpoint=model.__tablename__))
    admin.add_view(ReadOnlyView(m.AuditLog, db, name=m.AuditLog.__label__, category="系统",
                                endpoint="audit_log"))
