"""Sapat's forms: the instrument library and the code that compiles it.

Pure functions over bytes (no Flask, no database, no network): XLSForms are
compiled with pyxform, XForms are parsed safely and inspected, and both can
be checked with ODK Validate, the validator built on ODK Collect's engine.
"""

from forms.checks import library_problems
from forms.codebooks import CLASSES, Codebook, Variable, codebook, field_classes
from forms.errors import FormError
from forms.instruments import library_forms
from forms.keys import AnswerKey, check_answer_key, key_path, load_answer_key
from forms.validation import validate_xform
from forms.xforms import CompiledForm, FormInfo, inspect_xform, load_xform, set_version
from forms.xlsforms import compile_xlsform

__all__ = [
    "CLASSES",
    "AnswerKey",
    "Codebook",
    "CompiledForm",
    "Variable",
    "check_answer_key",
    "codebook",
    "field_classes",
    "key_path",
    "library_problems",
    "load_answer_key",
    "FormError",
    "FormInfo",
    "compile_xlsform",
    "inspect_xform",
    "library_forms",
    "load_xform",
    "set_version",
    "validate_xform",
]
