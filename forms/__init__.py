"""Sapat's forms: the instrument library and the code that compiles it.

Pure functions over bytes (no Flask, no database, no network): XLSForms are
compiled with pyxform, XForms are parsed safely and inspected, and both can
be checked with ODK Validate, the validator built on ODK Collect's engine.
"""

from forms.errors import FormError
from forms.instruments import library_forms
from forms.validation import validate_xform
from forms.xforms import CompiledForm, FormInfo, inspect_xform, load_xform
from forms.xlsforms import compile_xlsform

__all__ = [
    "CompiledForm",
    "FormError",
    "FormInfo",
    "compile_xlsform",
    "inspect_xform",
    "library_forms",
    "load_xform",
    "validate_xform",
]
