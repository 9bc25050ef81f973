"""Enterprise pages of module C (集中申报), seed 004: pages over the operations in portal/collection.

- common.py: the card-login guard (U-5), posted form → API body helpers, code options, paging
- filings.py: 集报备案 (企业资质备案), 备案表查询, 企业备案变更 and 延期, print
- volumes.py: 企业商品信息备案: product rows, volumes of 99, insert / delete, declare
- lists.py: 集报清单 query and the head/body form; imports.py: 清单导入
- changes.py: 修撤单 (modify / revoke requests) and 修撤状态查询
- aggregation.py: 清单汇总; declarations.py: 集报报关单查询, 归并关系查询

The pages build the same bodies as the JSON API (portal/api/collection_filings.py, lists.py,
aggregation.py) and call the same operations; they hold no rules.
"""
from flask import Blueprint

bp = Blueprint("collection", __name__)

from portal.collection_pages import (aggregation, changes, common, declarations, filings,  # noqa: E402,F401
                                     imports, lists, volumes)
