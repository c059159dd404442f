"""The error catalogue: codes survive JSON, where they travel as numbers."""
from __future__ import annotations

import inspect
import json
import re

from server import problems

CODE = re.compile(r'Problem\(\s*"(\d{3}\.\d+)"')


def test_every_code_is_unique_and_survives_json_as_a_number():
    codes = CODE.findall(inspect.getsource(problems))
    assert len(codes) > 30
    assert len(set(codes)) == len(codes), "a code is used twice"
    for code in codes:
        # 400.30 would arrive as 400.3, another problem's code.
        assert str(json.loads(json.dumps(float(code)))) == code, code
