"""The admin speaks the page's language (X-4): yes/no, settings, job runs and their counts by name; cells
holding data are marked so the English browser check (tests/browser/test_every_page.py) can skip them."""
from __future__ import annotations

import re

from portal.extensions import db
from scheduler import runs


def test_list_shows_yes_no_in_the_page_language_and_marks_data_cells_X_4(client, make):
    make.user(make.enterprise("深圳市语言测试有限公司"), role="ent_admin", username="yesno")
    make.login(client, user=make.user(None, role="staff"))

    english = client.get("/admin/users/?lang=en").get_data(as_text=True)
    assert re.search(r'<td class="col-perm_module_q">Yes</td>', english)
    assert '<td class="col-username" data-sw-data>yesno</td>' in english
    assert re.search(r'<td class="col-enterprise_id" data-sw-data>深圳市语言测试有限公司</td>', english)
    chinese = client.get("/admin/users/?lang=zh").get_data(as_text=True)
    assert '<td class="col-perm_module_q">是</td>' in chinese


def test_scheduler_page_names_settings_outcomes_and_counts_X_4_S_2(client, make):
    runs.record_run(db.session, "customs_tick", runs.DONE, counts={"moved": 2, "skipped": 0, "refused": 0,
                                                                    "outcomes": {"list_heads:15": 2}, "passes": 1})
    db.session.commit()
    make.login(client, user=make.user(None, role="staff"))

    english = client.get("/admin/scheduler/?lang=en").get_data(as_text=True)
    assert "Receipt delay (seconds)" in english and "<code" in english and "delay_receive_seconds" in english
    assert "Seconds after declaring until customs receives the record" in english
    assert "Moved 2 · Collection list → Customs cleared 2 · Passes 1" in english
    assert "{&#39;moved&#39;" not in english and "{'moved'" not in english  # no Python dict
    assert re.search(r"<td>Succeeded</td>|<td>Done</td>|<td>Success</td>", english)
    chinese = client.get("/admin/scheduler/?lang=zh").get_data(as_text=True)
    assert "入库延迟（秒）" in chinese and "推进 2 · 集报清单 → 已结关 2 · 轮次 1" in chinese
    assert "<td>成功</td>" in chinese


def test_change_application_shows_filed_data_beside_the_applied_data_and_review_links_it_S_3(client, make):
    from portal.models import Application
    enterprise = make.enterprise("深圳市变更前有限公司")
    application = Application(application_no="Q2026CHANGE000001", application_type="CHANGE", status="SUBMITTED",
                              enterprise_id=enterprise.id, login_mode="card", qualification_types="IE",
                              data={"name_zh": "深圳市变更后有限公司", "uscc": enterprise.uscc})
    db.session.add(application)
    db.session.commit()
    make.login(client, user=make.user(None, role="staff"))

    review = client.get("/admin/qualification-review/").get_data(as_text=True)
    assert f'href="/admin/applications/details/?id={application.id}"' in review  # the number opens the record

    details = client.get(f"/admin/applications/details/?id={application.id}&lang=zh").get_data(as_text=True)
    changed = re.search(r'<tr class=" sw-changed-row"><th>中文名称</th>(.*?)</tr>', details)
    assert changed and "深圳市变更前有限公司" in changed.group(1) and "深圳市变更后有限公司" in changed.group(1)
    assert re.search(r'<tr class=""><th>统一社会信用代码</th>', details)  # unchanged fields are not highlighted
    assert "已备案" in details and "本次申请" in details
