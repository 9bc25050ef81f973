"""Register views grouped by area: every register of SPEC §1 has a view (X-1)."""
from __future__ import annotations

from admin_views import (accounts, collection, declaration, messages, qualification, qualification_review,
                         reference, scheduler, system)

AREAS = (accounts, qualification, collection, declaration, reference, system, messages)


def add_views(admin) -> None:
    """Add the register views of every area, then the scheduler page."""
    for area in AREAS:
        area.add_views(admin)
    scheduler.add_view(admin)
    qualification_review.register(admin)
    from admin_views import collection_refs
    collection_refs.add_view(admin)
    from admin_views import collection_review
    collection_review.register(admin)
