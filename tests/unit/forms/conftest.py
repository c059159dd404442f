"""Fixtures for the forms tests: in-memory XLSForms and a real ODK Validate."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Sequence

import openpyxl
import pytest

Rows = Sequence[Sequence[object]]


def _build_xlsform(
    survey: Rows, choices: Rows | None = None, settings: dict[str, str] | None = None
) -> bytes:
    """An .xlsx XLSForm whose sheets hold the given rows (first row = headers)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    if choices is not None:
        choices_sheet = workbook.create_sheet("choices")
        for row in choices:
            choices_sheet.append(list(row))
    if settings is not None:
        settings_sheet = workbook.create_sheet("settings")
        settings_sheet.append(list(settings))
        settings_sheet.append(list(settings.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_xlsform() -> Callable[..., bytes]:
    """Build an XLSForm workbook in memory: make_xlsform(survey, choices, settings)."""
    return _build_xlsform


@pytest.fixture
def java() -> str:
    """The java executable ODK Validate needs.

    Developers without Java see these tests skipped; in CI (CI=true) a missing
    Java fails them, so validation can never silently stop being tested.
    """
    path = shutil.which("java")
    if path is None:
        message = "Java is needed to run ODK Validate"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}, and CI=true forbids skipping.")
        pytest.skip(message)
    return path
