"""The staff pages in a real browser: headless Debian Chromium driven by Playwright, no JavaScript of ours.

Walks what a data manager does before fieldwork (sign in, create a project, upload an XLSForm,
publish it, make a tablet identity) and after (see what a tablet sent), and checks that the
pages work under their Content-Security-Policy on a phone-sized screen in Kyrgyz.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.clients.conftest import watch_console
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import simple_form

PASSWORD = "correct horse battery"

pytestmark = pytest.mark.slow


def sign_in(page: Page, base: str, email: str = "admin@example.kg") -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/projects")


def test_admin_publishes_a_form_and_a_data_manager_sees_a_tablets_submission_with_a_purpose(
        world, live_server, browser, tmp_path):
    world.admin()
    manager = world.admin(email="manager@example.kg", role="data_manager")
    form_file = tmp_path / "simple.xlsx"
    form_file.write_bytes(simple_form())
    page = browser.new_page()
    errors = watch_console(page)
    sign_in(page, live_server)

    page.fill("input[name=name]", "Мониторинг 2026")
    page.click("form[action='/projects'] button[type=submit]")
    page.wait_for_url("**/projects/*?notice=project_created")
    assert page.locator("h1").inner_text() == "Мониторинг 2026"
    project_url = page.url.split("?")[0]
    project_id = int(project_url.rsplit("/", 1)[1])

    page.set_input_files("#upload input[type=file]", str(form_file))
    page.click("#upload button[type=submit]")
    page.wait_for_url("**notice=draft_uploaded**")
    assert "Жөнөкөй / Простая" in page.locator("#drafts").inner_text()
    page.click("#drafts button.primary")
    page.wait_for_url("**notice=published**")
    assert page.locator("p.notice").inner_text() == "Форма опубликована."
    assert page.locator("#drafts").count() == 0

    page.fill("input[name=display_name]", "Планшет 1")
    page.check("#app-users input[name=form_id]")
    page.click("form[action$='/app-users'] button[type=submit]")
    page.wait_for_url("**/app-users/*?notice=app_user_created")
    qr_width = page.eval_on_selector("img.qr-code", "img => img.complete ? img.naturalWidth : 0")
    assert qr_width > 100
    server_url = page.locator("code.url").inner_text()
    assert server_url.startswith(f"{live_server}/v1/key/") and server_url.endswith(f"/projects/{project_id}")

    xml, instance_id = submission_xml("simple", school="S-777")
    assert post_submission(server_url, xml).status_code == 201

    page.goto(project_url)
    page.click("#forms a:text('simple')")
    row = page.locator("table.submissions tbody tr")
    assert row.count() == 1
    assert instance_id in row.inner_text() and "Планшет 1" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"**/submissions/{instance_id}")
    assert "S-777" not in page.content()  # the administrator sees the de-identified view only
    assert page.locator("input[name=purpose]").count() == 0
    submission_url = page.url

    world.grant(manager, project_id)
    page.click("form[action='/logout'] button")
    sign_in(page, live_server, "manager@example.kg")
    page.goto(submission_url)
    assert "S-777" not in page.content()
    page.fill("input[name=purpose]", "Проверка кода школы по жалобе")
    page.click("form[action$='/personal'] button[type=submit]")
    page.wait_for_url(f"**/submissions/{instance_id}")
    value = page.locator("table.fields tr", has=page.locator("td.path", has_text="school")).locator("td.value")
    assert value.inner_text() == "S-777"
    assert errors == []


def test_submission_page_in_kyrgyz_fits_a_phone_screen(world, live_server, browser):
    world.admin()
    project_id = world.project()
    world.publish(project_id, simple_form())
    _, token = world.app_user(project_id, forms=["simple"])
    xml, instance_id = submission_xml("simple", school="Бишкек-12")
    assert post_submission(world.collect_base(live_server, project_id, token), xml).status_code == 201
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server)

    page.click("a[hreflang=ky]")
    assert page.locator("h1").inner_text() == "Долбоорлор"
    page.goto(f"{live_server}/projects/{project_id}/forms/simple/submissions/{instance_id}")
    assert page.locator("html").get_attribute("lang") == "ky"
    assert page.locator("#fields h2").inner_text() == "Маалыматтар"
    fields = page.locator("table.fields").inner_text()
    assert instance_id in fields and "Бишкек-12" not in fields  # the school code is personal: hidden
    assert "Жеке маалыматтар" in page.locator("#fields").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert errors == []
    context.close()


def test_sample_and_coverage_pages_draw_their_charts_under_the_csp_on_a_phone(world, live_server, browser):
    from tests.support.sampling_data import sampled_project
    world.admin()
    project_id = sampled_project(world, "Выборка 2026", observed=3)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server)
    for path, bars in ((f"/projects/{project_id}/sample?lang=ky", "#regions svg.bars rect.sample"),
                       (f"/projects/{project_id}/coverage?lang=ru&threshold=0.5", "svg.bars rect.sample")):
        page.goto(live_server + path)
        assert page.locator(bars).count() > 0
        widths = page.eval_on_selector_all(bars, "rects => rects.map(r => r.getBoundingClientRect().width)")
        assert any(w > 0 for w in widths), "the bars were not drawn"
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert "Учебных заведений ниже порога: 21" in page.content()   # 3 of 24 schools observed
    assert errors == []
    context.close()
