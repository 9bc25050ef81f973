import pytest
pytestmark = pytest.mark.browser
def test_probe(staff_page):
    r = staff_page.goto("/admin/codes_customs/")
    print("STATUS", r.status, staff_page.inner_text("main")[:800])
