"""Read-only records from the lifecycle tables (rules/lifecycle.py): staff change a record in the admin only in a
status its lifecycle lets staff edit, and delete it only where it lets staff delete (issue 12).

A register with a lifecycle is governed by its own status; a child register (list items, products, the
sections of an application, declaration items …) by its parent's, found through its one foreign key to a
register with a lifecycle, so a new register or status needs no code here. Edit (GET and POST), in-place
edit, delete and bulk actions are refused with the lifecycle's rule id (409) and change nothing; the list
shows edit and delete buttons only on rows that may be changed.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import select

from portal.extensions import db
from rules.lifecycle import LIFECYCLES, Actor, lifecycle_of
from rules.violations import RuleError, Violation

# Endpoints that change the record whose id they carry, and the right each needs.
WRITES_BY_ID = {"edit_view": "edit", "ajax_update": "edit", "delete_view": "delete"}


@dataclass(frozen=True)
class Governor:
    """Whose status decides: the register's lifecycle table and, for a child row, its column naming the parent."""

    register: str
    parent_column: str | None = None


def governor_of(table, parent_column: str | None = None) -> Governor | None:
    """Return the lifecycle governing rows of `table` (its own, or its parent's through one foreign key)."""
    if table.name in LIFECYCLES:
        return Governor(table.name)
    links = sorted({(column.key, fk.column.table.name) for column in table.columns for fk in column.foreign_keys
                    if fk.column.table.name in LIFECYCLES and parent_column in (None, column.key)})
    if len(links) > 1:
        raise ValueError(f"{table.name}: several parents with a lifecycle {links}; name one as lifecycle_parent")
    return Governor(links[0][1], links[0][0]) if links else None


def statuses(session, table, governor: Governor, ids) -> dict:
    """Return row id → the governing status (None for a child row without parent) for the given ids."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    if governor.parent_column is None:
        stmt = select(table.c.id, table.c.status)
    else:
        parent = table.metadata.tables[governor.register]
        link = table.c[governor.parent_column]
        stmt = select(table.c.id, parent.c.status).select_from(table.outerjoin(parent, parent.c.id == link))
    return dict(session.execute(stmt.where(table.c.id.in_(ids))).all())


class LifecycleGuard:
    """Mixin of the register views with a lifecycle: writes only where the lifecycle lets staff write."""

    lifecycle_parent: str | None = None   # the column naming the parent when a child has several candidates
    # A child row without parent (e.g. the filed record's sections, application NULL): who may change it.
    orphan_refusal: Violation | None = None

    @property
    def governor(self) -> Governor | None:
        if "_governor" not in self.__dict__:
            self.__dict__["_governor"] = governor_of(self.model.__table__, self.lifecycle_parent)
        return self.__dict__["_governor"]

    def write_refusal(self, record, write: str) -> Violation | None:
        """Return why staff may not `write` ("edit" or "delete") the record now, or None."""
        governor = self.governor
        if governor is None:
            return None
        status = statuses(db.session, self.model.__table__, governor, [record.id]).get(record.id) \
            if record.id is not None else getattr(record, "status", None)
        return self._refusal(governor, status, write, orphan=governor.parent_column is not None and status is None)

    def _refusal(self, governor: Governor, status, write: str, orphan: bool = False) -> Violation | None:
        if orphan:
            return self.orphan_refusal
        lifecycle = lifecycle_of(governor.register)
        child = governor.parent_column is not None
        allowed = lifecycle.editable(status, Actor.STAFF) if child or write == "edit" else \
            lifecycle.deletable(status, Actor.STAFF)
        if allowed:
            return None
        title, name = lifecycle.title, lifecycle.status_name(status)
        if child:
            return Violation(lifecycle.rule, "status", f"所属{title}处于“{name}”状态，工作人员不能修改或删除其明细")
        if write == "edit":
            return Violation(lifecycle.rule, "status",
                             f"{title}处于“{name}”状态，工作人员不能修改；请通过该业务自身的变更或修撤流程办理")
        return Violation(lifecycle.rule, "status", f"{title}处于“{name}”状态，工作人员不能删除")

    def refuse_write(self, record, write: str) -> None:
        """Raise a 409 RuleError naming the lifecycle's rule when the record may not be changed now."""
        refusal = self.write_refusal(record, write)
        if refusal is not None:
            raise RuleError([refusal], status=409)

    def get_one(self, id):
        """Return the row; on a write endpoint refuse it first when its lifecycle makes it read-only."""
        record = super().get_one(id)
        write = WRITES_BY_ID.get((request.endpoint or "").rsplit(".", 1)[-1])
        if write is not None:
            self.refuse_write(record, write)
        return record

    def row_rights(self, ids) -> dict | None:
        """Return row id → (may edit, may delete) for the rows of a list page."""
        governor = self.governor
        if governor is None or not (self.can_edit or self.can_delete):
            return None
        found = statuses(db.session, self.model.__table__, governor, ids)
        orphan = governor.parent_column is not None
        return {pk: tuple(self._refusal(governor, found.get(int(pk)), write,
                                        orphan=orphan and found.get(int(pk)) is None) is None
                          for write in ("edit", "delete")) for pk in ids}
