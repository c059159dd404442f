"""The one exception of the forms package: a form its author must fix.

Everything that is wrong with a form (an XLSForm pyxform refuses, an XForm
that is not well formed, a form ODK Validate rejects) becomes a FormError, so
callers catch one type and show its message to the person who uploaded the
form. Problems of the machine (Java missing, a validator that hangs) are not
FormErrors: the author cannot fix them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict


class FormErrorDetail(TypedDict):
    """Where in the form one problem is, and pyxform's sentence about it."""

    sheet: str | None
    row: int | None
    message: str


class FormError(Exception):
    """A form the author must fix.

    ``message`` is a human sentence for the whole problem; ``details`` locate
    each problem (the XLSForm sheet and row where known) and keep the wording
    of the tool that found it, including its hint on how to fix it.
    """

    def __init__(self, message: str, details: Iterable[FormErrorDetail] = ()) -> None:
        super().__init__(message)
        self.message: str = message
        self.details: list[FormErrorDetail] = list(details)

    def __repr__(self) -> str:
        return f"FormError({self.message!r}, details={self.details!r})"


def detail(message: str, *, sheet: str | None = None, row: int | None = None) -> FormErrorDetail:
    """Build one entry of ``FormError.details``."""
    return {"sheet": sheet, "row": row, "message": message}
