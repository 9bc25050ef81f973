"""Simplified enterprise forms of module Q (资质备案), seed 000 §5: pages over portal/qualification.

- views.py: the application forms (备案、变更、延续、注销): show, 暂存, 提交, 删除, attachments, print
- pages.py: dashboard, change list, application query, filing query, certificates
- forms.py: a posted form -> the API body; rule violations -> the inputs they belong to
- options.py: dropdown options (code tables with pinyin, region cascade, customs by province)

The pages build the same body as the JSON API and call the same operations; they hold no rules.
"""
from flask import Blueprint

bp = Blueprint("enterprise", __name__)

from portal.enterprise import pages, views  # noqa: E402,F401  (the modules register their routes on bp)
