"""Data-quality checks of submissions (§15.3, §20.1.4): what a verifier should look at first.

``derive_checks`` reads, once per form version, what the XForm says a good answer looks
like; ``check_submission`` applies that to one submission's answers and returns flags:

- ``missing_required``: a section (group) whose required, relevant questions are unanswered;
- ``out_of_range``: a number outside the simple bounds of its constraint (``. >= 0 and
  . <= 120``) or of its range widget; other constraints are left to the form engine;
- ``too_fast``: the ``start``/``end`` timestamps are closer than a minimum duration (the
  server's default, or the form's own ``sapat:min_seconds`` on the ``end`` or ``start`` bind);
- ``straight_lining``: a battery (≥ 5 select_one questions of one group sharing a choice
  list) answered all alike.

Flags name fields and counts, never answer values: they sit in clear next to sealed data.
Relevance is evaluated for the simple expressions pyxform writes (comparisons, ``and``,
``or``, ``not()``, ``selected()``, ``count-selected()``); a question whose relevance uses
anything else, or that lives in a repeat, is not checked for being answered.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from forms.xforms import XFORMS, XHTML, parse_xml

JR = "{http://openrosa.org/javarosa}"
MIN_SECONDS_ATTRIBUTE = "{https://sapat.kg/xforms}min_seconds"
DEFAULT_MIN_SECONDS = 180
MIN_BATTERY = 5
NUMERIC_TYPES = {"int", "integer", "decimal", "xsd:int", "xsd:integer", "xsd:decimal"}
_INDEX = re.compile(r"\[\d+\]")


class Unsupported(Exception):
    """An expression these checks do not evaluate; the check it belongs to is skipped."""


# ---- a small XPath subset -----------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'[^']*'|"[^"]*")|(?P<op>!=|<=|>=|=|<|>|\(|\)|,)
                    |(?P<path>/[\w.-]+(?:/[\w.-]+)*)|(?P<dot>\.(?![\w.]))|(?P<name>[A-Za-z][\w-]*))""", re.X)
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}


def parse_expression(text: str) -> tuple:
    """An expression as a tree: ("or"|"and", a, b), ("cmp", op, a, b), ("fn", name, args),
    ("path", p), ("dot",), ("str", s), ("num", n). Raises Unsupported for anything else."""
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Unsupported(text)
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    parser = _Parser(tokens)
    tree = parser.disjunction()
    if parser.position != len(tokens):
        raise Unsupported(text)
    return tree


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.position = tokens, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unsupported(value or "end of expression")
        self.position += 1
        return token

    def disjunction(self) -> tuple:
        tree = self.conjunction()
        while self.peek() == ("name", "or"):
            self.take()
            tree = ("or", tree, self.conjunction())
        return tree

    def conjunction(self) -> tuple:
        tree = self.comparison()
        while self.peek() == ("name", "and"):
            self.take()
            tree = ("and", tree, self.comparison())
        return tree

    def comparison(self) -> tuple:
        tree = self.primary()
        if (token := self.peek()) and token[1] in _COMPARISONS:
            self.take()
            tree = ("cmp", token[1], tree, self.primary())
        return tree

    def primary(self) -> tuple:
        kind, value = self.take()
        if value == "(" and kind == "op":
            tree = self.disjunction()
            self.take(")")
            return tree
        if kind == "name" and self.peek() == ("op", "("):
            self.take("(")
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.disjunction())
                if self.peek() == ("op", ","):
                    self.take()
            self.take(")")
            return ("fn", value, tuple(args))
        if kind in ("path", "dot"):
            return (kind, value)
        if kind == "str":
            return ("str", value[1:-1])
        if kind == "num":
            return ("num", float(value))
        raise Unsupported(value)


def evaluate(tree: tuple, values: dict[str, str]):
    """Evaluate a parsed expression against flat answers (a missing answer is the empty string)."""
    kind = tree[0]
    if kind in ("or", "and"):
        left = _truth(evaluate(tree[1], values))
        if left == (kind == "or"):
            return left
        return _truth(evaluate(tree[2], values))
    if kind == "cmp":
        return _compare(tree[1], evaluate(tree[2], values), evaluate(tree[3], values))
    if kind == "path":
        return values.get(tree[1], "")
    if kind in ("str", "num"):
        return tree[1]
    if kind == "fn":
        return _function(tree[1], [evaluate(arg, values) for arg in tree[2]])
    raise Unsupported(kind)


def _function(name: str, args: list):
    if name == "not" and len(args) == 1:
        return not _truth(args[0])
    if name == "selected" and len(args) == 2:
        return str(args[1]) in str(args[0]).split()
    if name == "count-selected" and len(args) == 1:
        return float(len(str(args[0]).split()))
    if name in ("true", "false") and not args:
        return name == "true"
    raise Unsupported(name)


def _truth(value) -> bool:
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return bool(value)


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _compare(op: str, left, right) -> bool:
    if op in ("=", "!=") and not isinstance(left, float) and not isinstance(right, float):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = _truth(left) == _truth(right)
        else:
            equal = str(left) == str(right)
        return equal if op == "=" else not equal
    a, b = _number(left), _number(right)
    if math.isnan(a) or math.isnan(b):
        return op == "!="
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


# ---- what a form version says about good answers ----------------------------------------------------

@dataclass(frozen=True)
class Bounds:
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def admits(self, number: float) -> bool:
        if self.low is not None and (number < self.low or (number == self.low and not self.low_inclusive)):
            return False
        return self.high is None or number < self.high or (number == self.high and self.high_inclusive)

    def describe(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'≥' if self.low_inclusive else '>'} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'≤' if self.high_inclusive else '<'} {self.high:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class QualityChecks:
    required: dict[str, str] = field(default_factory=dict)      # path -> section (group) path
    relevance: dict[str, tuple | None] = field(default_factory=dict)  # path -> parsed relevant, None: unknown
    bounds: dict[str, Bounds] = field(default_factory=dict)     # numeric path -> bounds
    batteries: dict[str, list[str]] = field(default_factory=dict)  # group path -> select_one paths
    start: str | None = None
    end: str | None = None
    min_seconds: int | None = None                              # the form's own minimum, if it sets one


def derive_checks(xml: bytes) -> QualityChecks:
    """Read the checks an XForm implies (raises FormError for bytes that are not XML)."""
    html = parse_xml(xml)
    model = html.find(f"{XHTML}head/{XFORMS}model")
    body = html.find(f"{XHTML}body")
    binds = {b.get("nodeset", "").strip(): b for b in (model.iter(f"{XFORMS}bind") if model is not None else ())}
    repeats = {r.get("nodeset", "").strip() for r in (body.iter(f"{XFORMS}repeat") if body is not None else ())}
    checks = QualityChecks(start=_timestamp(binds, "start"), end=_timestamp(binds, "end"),
                           min_seconds=_form_minimum(binds))
    for path, bind in binds.items():
        if not path:
            continue
        if bind.get("required", "").replace(" ", "") == "true()" and not _in_repeat(path, repeats) \
                and bind.get("readonly", "").replace(" ", "") != "true()" and not bind.get("calculate"):
            checks.required[path] = path.rsplit("/", 1)[0]
            checks.relevance[path] = _relevance(path, binds)
        if bind.get("type") in NUMERIC_TYPES and (bounds := _constraint_bounds(bind.get("constraint", ""))):
            checks.bounds[path] = bounds
    if body is not None:
        for widget in body.iter(f"{XFORMS}range"):
            start, end = _number(widget.get("start")), _number(widget.get("end"))
            if not math.isnan(start) and not math.isnan(end):
                checks.bounds[widget.get("ref", "").strip()] = Bounds(min(start, end), True, max(start, end), True)
        checks.batteries.update(_batteries(body))
    return checks


def _timestamp(binds: dict[str, Element], which: str) -> str | None:
    return next((path for path, b in binds.items()
                 if b.get(f"{JR}preload") == "timestamp" and b.get(f"{JR}preloadParams") == which), None)


def _form_minimum(binds: dict[str, Element]) -> int | None:
    for bind in binds.values():
        if (value := (bind.get(MIN_SECONDS_ATTRIBUTE) or "").strip()).isdigit():
            return int(value)
    return None


def _in_repeat(path: str, repeats: set[str]) -> bool:
    return any(path.startswith(repeat + "/") for repeat in repeats)


def _relevance(path: str, binds: dict[str, Element]) -> tuple | None:
    """The relevant expressions of the field and its groups, joined by ``and``; None if one is unsupported."""
    tree: tuple = ("fn", "true", ())
    steps = path.split("/")
    for end in range(2, len(steps) + 1):
        bind = binds.get("/".join(steps[:end]))
        if bind is not None and (relevant := (bind.get("relevant") or "").strip()):
            try:
                tree = ("and", tree, parse_expression(relevant))
            except Unsupported:
                return None
    return tree


def _constraint_bounds(constraint: str) -> Bounds | None:
    """The bounds the top-level ``and`` of simple ``. op number`` comparisons sets; None if there are none."""
    try:
        tree = parse_expression(constraint) if constraint.strip() else None
    except Unsupported:
        return None
    found: dict = {}

    def walk(node: tuple) -> None:
        if node[0] == "and":
            walk(node[1])
            walk(node[2])
        elif node[0] == "cmp" and {node[2][0], node[3][0]} == {"dot", "num"}:
            op = node[1] if node[2][0] == "dot" else {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(node[1])
            number = node[3][1] if node[2][0] == "dot" else node[2][1]
            if op in (">", ">="):
                found.update(low=number, low_inclusive=op == ">=")
            elif op in ("<", "<="):
                found.update(high=number, high_inclusive=op == "<=")

    if tree is not None:
        walk(tree)
    return Bounds(**found) if found else None


def _batteries(body: Element) -> dict[str, list[str]]:
    """Groups with at least MIN_BATTERY select_one questions on one choice list (Likert batteries)."""
    lists: dict[tuple[str, str], list[str]] = defaultdict(list)
    for select in body.iter(f"{XFORMS}select1"):
        ref = (select.get("ref") or "").strip()
        itemset = select.find(f"{XFORMS}itemset")
        if itemset is not None:
            key = itemset.get("nodeset", "")
        else:
            key = "|".join(v.text or "" for v in select.iter(f"{XFORMS}value"))
        if ref and key:
            lists[(ref.rsplit("/", 1)[0], key)].append(ref)
    return {group: refs for (group, _), refs in lists.items() if len(refs) >= MIN_BATTERY}


# ---- one submission --------------------------------------------------------------------------------

def check_submission(checks: QualityChecks, values: dict[str, str],
                     min_seconds: int = DEFAULT_MIN_SECONDS) -> list[dict]:
    """The flags of one submission, from its flat answers (instance path -> text, ``[n]`` in repeats).

    ``min_seconds`` is the installation's minimum interview duration; a form's own
    ``sapat:min_seconds`` takes precedence. Flags hold paths and numbers, never answers.
    """
    return (_missing_required(checks, values) + _out_of_range(checks, values)
            + _too_fast(checks, values, checks.min_seconds or min_seconds) + _straight_lining(checks, values))


def _flag(code: str, path: str, detail: str) -> dict:
    return {"code": code, "field": path, "detail": detail}


def _missing_required(checks: QualityChecks, values: dict[str, str]) -> list[dict]:
    expected: dict[str, int] = defaultdict(int)
    missing: dict[str, int] = defaultdict(int)
    for path, section in checks.required.items():
        relevance = checks.relevance.get(path)
        try:
            if relevance is None or not _truth(evaluate(relevance, values)):
                continue
        except Unsupported:
            continue
        expected[section] += 1
        if not values.get(path, "").strip():
            missing[section] += 1
    return [_flag("missing_required", section, f"{count} of {expected[section]} required answers missing")
            for section, count in missing.items()]


def _out_of_range(checks: QualityChecks, values: dict[str, str]) -> list[dict]:
    flags = []
    for path, value in values.items():
        bounds = checks.bounds.get(_INDEX.sub("", path))
        number = _number(value) if bounds else math.nan
        if bounds and not math.isnan(number) and not bounds.admits(number):
            flags.append(_flag("out_of_range", path, f"number outside the allowed range ({bounds.describe()})"))
    return flags


def _too_fast(checks: QualityChecks, values: dict[str, str], min_seconds: int) -> list[dict]:
    if not checks.start or not checks.end:
        return []
    try:
        seconds = (datetime.fromisoformat(values[checks.end]) - datetime.fromisoformat(values[checks.start]))
    except (KeyError, ValueError, TypeError):  # missing, unparseable, or one with and one without a time zone
        return []
    seconds = seconds.total_seconds()
    if seconds >= min_seconds:
        return []
    if seconds < 0:
        return [_flag("too_fast", checks.end, "the end time is before the start time")]
    return [_flag("too_fast", checks.end, f"filled in {seconds:.0f} s; the minimum is {min_seconds} s")]


def _straight_lining(checks: QualityChecks, values: dict[str, str]) -> list[dict]:
    """Every instance of a battery (a repeat makes several) whose answers are all the same."""
    answers: dict[str, dict[str, str]] = defaultdict(dict)
    members = {path: group for group, paths in checks.batteries.items() for path in paths}
    for path, value in values.items():
        if _INDEX.sub("", path) in members:
            answers[path.rsplit("/", 1)[0]][path] = value
    flags = []
    for group, found in answers.items():
        if len(found) >= MIN_BATTERY and len(set(found.values())) == 1:
            flags.append(_flag("straight_lining", group, f"all {len(found)} answers of the battery are the same"))
    return flags
