"""Signing in to the staff pages over real HTTP, as a browser does (cookie session, CSRF token)."""
from __future__ import annotations

import re

import requests

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(base: str, email: str = "admin@example.kg", password: str = PASSWORD) -> requests.Session:
    http = requests.Session()
    token = csrf_of(http.get(f"{base}/login", timeout=30).text)
    response = http.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": password},
                         allow_redirects=False, timeout=30)
    assert response.status_code == 303, response.text
    return http
