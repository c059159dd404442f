"""Online questionnaires in a real browser: headless Debian Chromium driven by Playwright, running
ODK Web Forms (the bundle in server/static/webforms) under the page's Content-Security-Policy.

A student opens their personal link on a phone, consents, answers in Russian and submits; the
thank-you page follows, the submission is stored with the participant linked, and the link is
spent. A constraint violation keeps the answers from being sent at all.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from server.services import submissions
from server.storage import db
from server.storage.submissions import Submission
from tests.clients.conftest import watch_console
from tests.support.web_survey import Survey

pytestmark = pytest.mark.slow
LIBRARY = Path(__file__).resolve().parents[2] / "forms" / "library"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


def start(page: Page, url: str) -> None:
    """From the landing page (Russian), through consent, to the loaded form."""
    page.goto(url)
    expect(page.locator("h2", has_text="Цель опроса")).to_be_visible()
    page.get_by_label("согласен(-на) участвовать").check()
    page.get_by_role("button", name="Начать анкету").click()
    expect(page.get_by_text("Код участника")).to_be_visible(timeout=20000)    # the form's Russian label


def stored(survey: Survey) -> list[tuple]:
    def read():
        rows = []
        for submission in db.session.scalars(select(Submission).order_by(Submission.id)):
            values = submissions.current_version(submission).values
            rows.append((submission.participant_id, values.get("/data/score"), values.get("/data/satisfied")))
        return rows
    return survey.world.run(read)


def test_a_student_answers_in_russian_through_a_personal_link_which_is_then_spent(survey, browser):
    person_id, code, token = survey.people()[0]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch_console(page)
    start(page, survey.url(token, "?lang=ru"))

    # The code is filled in from the link and shown read-only (Web Forms shows it as text, no input).
    expect(page.locator(".question-container", has_text="Код участника").locator(".note-value")).to_have_text(code)
    page.get_by_role("spinbutton").press_sequentially("8")   # typed, as a person does
    page.get_by_text("Да", exact=True).click()
    page.locator("input[type=text]:not([role=spinbutton])").fill("Всё понятно")
    page.get_by_role("button", name="Отправить").click()   # Web Forms' "Send", in the page's language

    page.wait_for_url("**/student_probe/done?lang=ru")
    expect(page.locator("h1")).to_have_text("Спасибо!")
    expect(page.locator("p.thanks")).to_contain_text("Ваши ответы получены")
    assert stored(survey) == [(person_id, "8", "yes")]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390      # fits the phone's width

    # The link is spent, on this device and any other.
    other = browser.new_context(**PHONE).new_page()
    other.goto(survey.url(token, "?lang=ru"))
    expect(other.locator("p.state")).to_contain_text("По этой ссылке анкета уже заполнена")
    assert errors == [], errors                            # no CSP violation, no script error
    context.close()


def test_a_constraint_violation_keeps_the_answers_from_being_sent(survey, browser):
    token = survey.school_link()
    page = browser.new_context(**PHONE).new_page()
    errors = watch_console(page)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    start(page, survey.url(token, "?lang=ru"))

    page.locator("input[type=text]").first.fill("12345")   # not <6 digits>-S<3 digits>
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text("Ответ не соответствует условию.")).to_be_visible()
    expect(page.get_by_text("1 вопрос с ошибкой.")).to_be_visible()
    page.wait_for_timeout(500)
    assert posts == [] and stored(survey) == []

    page.locator("input[type=text]").first.fill("999999-S001")
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_url("**/done?lang=ru")
    assert len(posts) == 1 and posts[0].endswith("/submission?lang=ru")
    assert stored(survey) == [(None, None, None)]
    assert errors == [], errors


def test_the_form_opens_in_kyrgyz_by_default_with_the_language_switch(survey, browser):
    token = survey.school_link()
    page = browser.new_context(locale="ky-KG").new_page()
    errors = watch_console(page)
    page.goto(survey.url(token))
    expect(page.locator("h2", has_text="Сурамжылоонун максаты")).to_be_visible()
    page.get_by_label("сурамжылоого катышууга макулмун").check()
    page.get_by_role("button", name="Анкетаны баштоо").click()
    expect(page.get_by_text("Катышуучунун коду")).to_be_visible(timeout=20000)
    expect(page.get_by_role("button", name="Жөнөтүү")).to_be_visible()
    page.get_by_role("link", name="Русский").click()       # our switch: the page and the form start in Russian
    expect(page.get_by_text("Код участника")).to_be_visible(timeout=20000)
    assert errors == [], errors


def test_form_media_show_under_the_csp_image_and_choices_from_a_csv(survey, browser, world):
    import io

    import segno

    from server.services import audit, forms as form_service, projects, web_questionnaires as web
    from tests.support.xlsforms import media_form
    png = io.BytesIO()
    segno.make("Сапат").save(png, kind="png", scale=4)

    def publish():
        project = projects.get_project(survey.id)
        form_service.create_draft(project, media_form(), "media.xlsx")
        form = form_service.get_form(project, "with_media")
        form_service.upload_attachment(form, "logo.png", io.BytesIO(png.getvalue()), "image/png")
        form_service.upload_attachment(form, "schools.csv", io.BytesIO("name,label\nS-001,Лицей №1\n".encode()),
                                       "text/csv")
        form_service.publish(form)
        web.open_form(project, "with_media", None, audit.SYSTEM)
    world.run(publish)
    token = survey.school_link("with_media")
    page = browser.new_context(**PHONE).new_page()
    errors = watch_console(page)
    page.goto(survey.url(token, "/with_media?lang=ru&agree=1"))
    # The choice list from schools.csv. (Per-language label columns, label::Russian (ru), which Collect
    # reads, fail in Web Forms 0.22 with an XPath syntax error; the library's questionnaires use none.)
    expect(page.get_by_text("Лицей №1")).to_be_visible(timeout=20000)
    image = page.locator("img[src^='blob:']").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    assert errors == [], errors


@pytest.mark.parametrize("name", ["student", "graduate", "teacher", "head", "employer"])
def test_every_library_questionnaire_runs_in_web_forms(survey, browser, world, name):
    from server.services import audit, projects, web_questionnaires as web
    from server.services.demo import publish_file
    form_id = f"{name}_questionnaire"
    world.run(lambda: publish_file(projects.get_project(survey.id), LIBRARY / f"{form_id}.xlsx"))
    survey.run(web.open_form, form_id, None, audit.SYSTEM)
    token = survey.school_link(form_id)
    page = browser.new_context(**PHONE).new_page()
    errors = watch_console(page)
    page.goto(survey.url(token, f"/{form_id}?lang=ky&agree=1"))
    expect(page.locator(".form-initialization-status.ready")).to_be_attached(timeout=20000)
    expect(page.get_by_role("button", name="Жөнөтүү")).to_be_visible()
    page.get_by_role("button", name="Жөнөтүү").click()      # empty: required questions hold it back
    expect(page.locator(".form-error-text-wrap")).to_contain_text("суроодо ката бар")
    assert errors == [], errors
