"""Login protection over real HTTP: lockout per account, a limit per client address, refusals that
do not tell which part was wrong, expiry, CSRF, and what is kept about failures (keyed MACs only)."""
from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from server.services import audit, projects, staff_users
from server.storage import db
from server.storage.base import utcnow
from server.storage.users import LoginAttempt, StaffSession
from tests.integration.test_permissions import database_rows
from tests.support.staff import CSRF, PASSWORD, csrf_of, sign_in

WRONG = "not the password"
HEX64 = re.compile(r"[0-9a-f]{64}")


def api_login(base: str, email: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(f"{base}/v1/sessions", json={"email": email, "password": password}, timeout=30)


def page_login(base: str, email: str, password: str = PASSWORD, http: requests.Session | None = None):
    """The sign-in form as a browser sends it (with this browser's CSRF token)."""
    http = http or requests.Session()
    token = csrf_of(http.get(f"{base}/login", timeout=30).text)
    return http.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": password},
                     allow_redirects=False, timeout=30)


LOGINS = {"api": api_login, "page": page_login}


def failures_stored(world) -> int:
    return world.run(lambda: db.session.scalar(select(func.count(LoginAttempt.id))))


def assert_rate_limited(response: requests.Response) -> None:
    assert response.status_code == 429, response.text[:200]
    if response.headers["Content-Type"].startswith("application/json"):
        assert response.json()["code"] == 429.1
        assert response.json()["details"]["retryAfter"] == int(staff_users.WINDOW.total_seconds())
    else:
        assert "429.1" in response.text


@pytest.mark.parametrize("channel", LOGINS)
def test_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(world, live_server, channel):
    victim = world.admin("victim@example.kg", PASSWORD, "analyst")
    world.admin("colleague@example.kg", PASSWORD, "analyst")
    attempts = [LOGINS[channel](live_server, "victim@example.kg", WRONG) for _ in range(staff_users.LOCKOUT_FAILURES)]
    assert [a.status_code for a in attempts] == [401] * staff_users.LOCKOUT_FAILURES
    assert_rate_limited(api_login(live_server, "victim@example.kg"))
    browser = requests.Session()
    assert_rate_limited(page_login(live_server, "victim@example.kg", http=browser))
    assert browser.get(f"{live_server}/projects", allow_redirects=False, timeout=30).status_code == 302
    assert world.run(lambda: db.session.scalar(select(func.count(StaffSession.id))
                                               .where(StaffSession.user_id == victim))) == 0
    # The lockout is the account's: another account from the same address still signs in.
    assert api_login(live_server, "colleague@example.kg").status_code == 200
    assert page_login(live_server, "colleague@example.kg").status_code == 303


def test_twenty_failures_from_one_address_block_every_account_from_it(world, live_server):
    world.admin("careless@example.kg", PASSWORD, "verifier")
    world.admin("late@example.kg", PASSWORD, "verifier")
    # 19 failures, no account reaching its own lockout: 4 on a real account, the rest on unknown ones.
    guesses = ["careless@example.kg"] * 4 + [f"guess{i // 4}@example.kg" for i in range(15)]
    assert {api_login(live_server, email, WRONG).status_code for email in guesses} == {401}
    assert api_login(live_server, "late@example.kg").status_code == 200  # still under the address limit
    assert api_login(live_server, "one-more@example.kg", WRONG).status_code == 401  # the 20th failure
    assert_rate_limited(api_login(live_server, "late@example.kg"))
    assert_rate_limited(page_login(live_server, "late@example.kg"))
    assert_rate_limited(api_login(live_server, "careless@example.kg"))
    assert failures_stored(world) == staff_users.ADDRESS_FAILURES  # refusals are not counted as guesses


def test_failures_and_refusals_are_audited_without_the_e_mail_and_the_chain_verifies(world, live_server):
    victim = world.admin("victim@example.kg", PASSWORD, "analyst")
    for _ in range(staff_users.LOCKOUT_FAILURES):
        assert api_login(live_server, "victim@example.kg", WRONG).status_code == 401
    assert api_login(live_server, "stranger@example.kg", WRONG).status_code == 401
    assert api_login(live_server, "victim@example.kg").status_code == 429
    assert page_login(live_server, "victim@example.kg").status_code == 429
    logged = world.run(lambda: [(e.action, e.actor_kind, e.actor_id, repr((e.target, e.details)))
                                for e in audit.entries(limit=1000)])
    failures = sorted(entry[:3] for entry in logged if entry[0] == "login.failure")
    assert failures == [("login.failure", "staff", victim)] * 5 + [("login.failure", "system", None)]
    assert [entry[0] for entry in logged].count("login.blocked") == 2
    assert not any("@example.kg" in entry[3] for entry in logged)
    verified = world.run(audit.verify)
    assert verified.ok and verified.entries == len(logged)


def test_unknown_e_mail_and_wrong_password_get_identical_refusals(world, live_server):
    world.admin("known@example.kg", PASSWORD, "analyst")
    known, unknown = api_login(live_server, "known@example.kg", WRONG), api_login(live_server, "nobody@example.kg",
                                                                                WRONG)
    assert known.status_code == unknown.status_code == 401
    assert known.content == unknown.content and known.json()["code"] == 401.2
    assert known.headers["Content-Type"] == unknown.headers["Content-Type"]
    pages = [page_login(live_server, email, WRONG) for email in ("known@example.kg", "nobody@example.kg")]
    assert [p.status_code for p in pages] == [401, 401]
    known_page, unknown_page = (CSRF.sub("", p.text).replace(email, "E")
                                for p, email in zip(pages, ("known@example.kg", "nobody@example.kg")))
    assert known_page == unknown_page


def test_successful_login_clears_the_accounts_failure_count(world, live_server):
    world.admin("forgetful@example.kg", PASSWORD, "verifier")
    for _ in range(staff_users.LOCKOUT_FAILURES - 1):
        assert api_login(live_server, "forgetful@example.kg", WRONG).status_code == 401
    assert failures_stored(world) == staff_users.LOCKOUT_FAILURES - 1
    assert page_login(live_server, "forgetful@example.kg").status_code == 303
    assert failures_stored(world) == 0
    for _ in range(staff_users.LOCKOUT_FAILURES - 1):  # eight failures in the window, four since the success
        assert api_login(live_server, "forgetful@example.kg", WRONG).status_code == 401
    assert api_login(live_server, "forgetful@example.kg").status_code == 200


def test_session_past_its_expiry_is_refused_by_the_api_and_the_pages(world, live_server):
    world.admin()
    token = api_login(live_server, "admin@example.kg").json()["token"]
    browser = sign_in(live_server)
    me = f"{live_server}/v1/users/current"
    auth = {"Authorization": f"Bearer {token}"}

    def expire_in(seconds: int):
        world.run(lambda: db.session.execute(update(StaffSession).values(
            expires_at=utcnow() + timedelta(seconds=seconds))))
    expire_in(60)
    assert requests.get(me, headers=auth, timeout=30).status_code == 200
    assert browser.get(f"{live_server}/projects", allow_redirects=False, timeout=30).status_code == 200
    expire_in(-1)
    refused = requests.get(me, headers=auth, timeout=30)
    assert refused.status_code == 401 and refused.json()["code"] == 401.2
    page = browser.get(f"{live_server}/projects", allow_redirects=False, timeout=30)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


@pytest.mark.parametrize("sent", ["missing", "empty", "tampered", "another browser's"])
def test_staff_form_post_without_this_browsers_csrf_token_is_refused_403_2(world, live_server, sent):
    world.admin()
    browser = sign_in(live_server)
    good = csrf_of(browser.get(f"{live_server}/projects", timeout=30).text)
    other = csrf_of(sign_in(live_server).get(f"{live_server}/projects", timeout=30).text)
    token = {"missing": None, "empty": "", "tampered": good[:-1] + ("A" if good[-1] != "A" else "B"),
             "another browser's": other}[sent]
    extra = {} if token is None else {"csrf_token": token}
    for path, fields in (("/projects", {"name": "Цикл", "year": "2026", "stage": "main"}), ("/logout", {})):
        refused = browser.post(f"{live_server}{path}", data={**fields, **extra}, allow_redirects=False, timeout=30)
        assert refused.status_code == 403 and "403.2" in refused.text, path
    assert world.run(lambda: projects.list_projects()) == []
    assert browser.get(f"{live_server}/projects", allow_redirects=False, timeout=30).status_code == 200
    stranger = requests.Session()
    stranger.get(f"{live_server}/login", timeout=30)
    login = stranger.post(f"{live_server}/login", data={"email": "admin@example.kg", "password": PASSWORD, **extra},
                          allow_redirects=False, timeout=30)
    assert login.status_code == 403 and "403.2" in login.text
    assert stranger.get(f"{live_server}/projects", allow_redirects=False, timeout=30).status_code == 302


def test_failed_attempts_are_kept_only_as_keyed_macs_of_e_mail_and_address(world, live_server):
    world.admin("known@example.kg", PASSWORD, "analyst")
    emails = ("known@example.kg", "ghost.canary@example.kg")
    for email in emails:
        assert api_login(live_server, email, WRONG).status_code == 401
        assert page_login(live_server, email.upper(), WRONG).status_code == 401
    rows = world.run(lambda: [(a.address_mac, a.email_mac) for a in db.session.scalars(select(LoginAttempt))])
    assert len(rows) == 4
    assert all(HEX64.fullmatch(address) and HEX64.fullmatch(email) for address, email in rows)
    assert len({address for address, _ in rows}) == 1  # one client address
    assert len({email for _, email in rows}) == 2      # case does not make another account
    plain = {hashlib.sha256(value.encode()).hexdigest() for value in ("127.0.0.1", *emails)}
    assert not plain & {mac for row in rows for mac in row}  # keyed, not a bare hash one could recompute
    everything = repr(database_rows(world))
    assert "ghost.canary" not in everything and "127.0.0.1" not in everything


def test_concurrent_failures_cannot_get_past_the_lockout(world, live_server):
    world.admin("victim@example.kg", PASSWORD, "analyst")
    tries = staff_users.LOCKOUT_FAILURES + 7
    with ThreadPoolExecutor(max_workers=tries) as pool:
        answers = list(pool.map(lambda _: api_login(live_server, "victim@example.kg", WRONG).status_code,
                                range(tries)))
    assert answers.count(401) == staff_users.LOCKOUT_FAILURES and answers.count(429) == 7, answers
    assert failures_stored(world) == staff_users.LOCKOUT_FAILURES
