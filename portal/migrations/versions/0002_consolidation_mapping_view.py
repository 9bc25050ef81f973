"""consolidation mappings (归并关系) as a view over lists and declarations

The mapping of a list item to its declaration item follows from what aggregation stores: the list
head names its aggregation request, the declarations of that request carry the C-21 group keys
and a declaration's items the merge keys. The view joins on exactly those keys, with the same
COALESCE(…, '') the aggregation groups by, so NULL and '' match as they merge. Keep the key lists
equal to rules/aggregation.py GROUP_KEYS and MERGE_KEYS (tests/collection/test_mapping_view.py).

Revision ID: 0002_mapping_view
Revises: 0001_initial
"""
from alembic import op

revision = "0002_mapping_view"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

MAPPING_VIEW_SQL = """
CREATE VIEW consolidation_mappings AS
SELECT i.id AS id, i.id AS list_item_id, i.list_id AS list_id, di.id AS declaration_item_id,
       d.id AS declaration_id, i.enterprise_id AS enterprise_id
FROM list_heads h
JOIN list_items i ON i.list_id = h.id
JOIN declarations d
  ON d.aggregation_id = h.aggregation_id
 AND COALESCE(d.customs_code, '') = COALESCE(h.customs_code, '')
 AND d.ie_flag = CASE WHEN h.list_type LIKE 'IMPORT%' THEN 'I' ELSE 'E' END
 AND COALESCE(d.trade_mode, '') = COALESCE(h.trade_mode, '')
 AND COALESCE(d.filing_no, '') = COALESCE(h.filing_no, '')
 AND COALESCE(d.transport_mode, '') = COALESCE(h.transport_mode, '')
JOIN declaration_items di
  ON di.declaration_id = d.id
 AND COALESCE(di.hs_code, '') = COALESCE(i.hs_code, '')
 AND COALESCE(di.name, '') = COALESCE(i.name, '')
 AND COALESCE(di.spec, '') = COALESCE(i.spec, '')
 AND COALESCE(di.unit, '') = COALESCE(i.unit, '')
 AND COALESCE(di.country, '') = COALESCE(i.country, '')
 AND COALESCE(di.currency, '') = COALESCE(i.currency, '')
"""


def upgrade():
    op.execute(MAPPING_VIEW_SQL)


def downgrade():
    op.execute("DROP VIEW consolidation_mappings")
