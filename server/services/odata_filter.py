"""OData ``$filter`` expressions: parsed here, compiled to SQL on SQLite and PostgreSQL alike.

The grammar is the part of OData 4 that ODK Central accepts: ``eq ne lt le gt ge``,
``and or not``, parentheses, literals (strings, numbers, ``null``, ``true``/``false``,
dates and times) and the functions ``now() year() month() day() hour() minute()
second()``. What a name stands for (a column, an answer kept in clear) is decided by
the caller's ``resolve``; this module knows no tables. Errors carry Central's codes:
400.18 for what does not parse, 501.4 for what parses but is not supported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import Float, Integer, and_, cast, false, func, literal, not_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from .. import problems
from ..storage.base import utcnow

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
PARTS = ("year", "month", "day", "hour", "minute", "second")
# Where each part sits in an ISO 8601 text (answers are stored as the device wrote them).
TEXT_PARTS = {"year": (1, 4), "month": (6, 2), "day": (9, 2), "hour": (12, 2), "minute": (15, 2), "second": (18, 2)}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w:]))
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w:-]))
  | (?P<name>\$?[A-Za-z_][\w]*(?:/\$?[A-Za-z_][\w]*)*)
  | (?P<punct>[(),])
""", re.VERBOSE)


# ---- the syntax tree ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    path: str
    at: int


@dataclass(frozen=True)
class Literal:
    value: object           # str, int, float, bool, date, datetime or None
    raw: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    at: int


@dataclass(frozen=True)
class Compare:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Logical:
    op: str                 # and, or
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


def parse_filter(text: str):
    """The syntax tree of a ``$filter`` expression (400.18 when it does not parse)."""
    parser = _Parser(_tokens(text))
    node = parser.disjunction()
    if parser.peek() is not None:
        raise _unparseable(f"unexpected '{parser.peek()[1]}' at {parser.peek()[2]}")
    return node


def _unparseable(reason: str) -> problems.Problem:
    return problems.unparseable_odata_expression(reason)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _unparseable(f"unexpected character '{text[position]}' at {position}")
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group(), position))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.index = tokens, 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise _unparseable("the expression ends too early")
        self.index += 1
        return token

    def keyword(self, *words) -> str | None:
        token = self.peek()
        if token and token[0] == "name" and token[1] in words:
            self.index += 1
            return token[1]
        return None

    def disjunction(self):
        node = self.conjunction()
        while self.keyword("or"):
            node = Logical("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.keyword("and"):
            node = Logical("and", node, self.negation())
        return node

    def negation(self):
        if self.keyword("not"):
            return Not(self.negation())
        left = self.operand()
        op = self.keyword(*COMPARISONS)
        return Compare(op, left, self.operand()) if op else left

    def operand(self):
        kind, text, at = self.take()
        if (kind, text) == ("punct", "("):
            node = self.disjunction()
            self.expect(")")
            return node
        if kind == "string":
            return Literal(text[1:-1].replace("''", "'"), text)
        if kind == "number":
            return Literal(float(text) if any(c in text for c in ".eE") else int(text), text)
        if kind == "datetime":
            return Literal(_moment(text), text)
        if kind != "name":
            raise _unparseable(f"unexpected '{text}' at {at}")
        if text in ("null", "true", "false"):
            return Literal({"null": None, "true": True, "false": False}[text], text)
        if self.peek() and self.peek()[1] == "(":
            return self.call(text, at)
        return Member(text, at)

    def call(self, name: str, at: int):
        self.take()
        args = []
        if self.peek() and self.peek()[1] != ")":
            args.append(self.disjunction())
            while self.peek() and self.peek()[1] == ",":
                self.take()
                args.append(self.disjunction())
        self.expect(")")
        arity = 0 if name == "now" else 1
        if name not in PARTS + ("now",):
            raise problems.unsupported_odata_expression(at, "MethodCallExpression", name)
        if len(args) != arity:
            raise _unparseable(f"{name}() takes {arity} argument{'s' * (arity != 1)}, got {len(args)}")
        return Call(name, tuple(args), at)

    def expect(self, punct: str) -> None:
        kind, text, at = self.take()
        if text != punct:
            raise _unparseable(f"expected '{punct}' at {at}, found '{text}'")


def _moment(text: str) -> date | datetime:
    try:
        if "T" not in text:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _unparseable(f"'{text}' is not a valid date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# ---- compiling to SQL ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """What a name stands for: a SQL expression and how its values compare."""

    expression: ColumnElement
    kind: str               # timestamp (stored times), number, text (dates and strings as written)


class extract_part(FunctionElement):
    """year(), month() … of a stored timestamp, in UTC."""

    inherit_cache = True
    type = Integer()


@compiles(extract_part)
def _extract_default(element, compiler, **kw):
    part, column = element.clauses
    return f"CAST(EXTRACT({part.value.upper()} FROM {compiler.process(column, **kw)}) AS INTEGER)"


@compiles(extract_part, "sqlite")
def _extract_sqlite(element, compiler, **kw):
    part, column = element.clauses
    pattern = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}[part.value]
    return f"CAST(strftime('{pattern}', {compiler.process(column, **kw)}) AS INTEGER)"


def compile_filter(node, resolve) -> ColumnElement:
    """A WHERE clause for the expression; ``resolve(Member) -> Column`` names what it may see."""
    if isinstance(node, (Logical, Not, Compare)) or (isinstance(node, Literal) and isinstance(node.value, bool)):
        return _condition(node, resolve)
    raise problems.unsupported_odata_expression(getattr(node, "at", 0), type(node).__name__,
                                                "the filter must be a condition")


def _condition(node, resolve) -> ColumnElement:
    if isinstance(node, Logical):
        combine = and_ if node.op == "and" else or_
        return combine(_condition(node.left, resolve), _condition(node.right, resolve)).self_group()
    if isinstance(node, Not):
        return not_(_condition(node.operand, resolve))
    if isinstance(node, Compare):
        return _compare(node, resolve)
    if isinstance(node, Literal) and isinstance(node.value, bool):
        return true() if node.value else false()
    raise problems.unsupported_odata_expression(getattr(node, "at", 0), type(node).__name__,
                                                getattr(node, "path", getattr(node, "raw", "")))


def _operand(node, resolve):
    if isinstance(node, (Logical, Not, Compare)):
        return _condition(node, resolve)
    if isinstance(node, Member):
        return resolve(node)
    if isinstance(node, Call):
        return _call(node, resolve)
    if isinstance(node, Literal) and isinstance(node.value, bool):
        return true() if node.value else false()
    return node


def _call(node: Call, resolve):
    if node.name == "now":
        return Literal(utcnow(), "now()")
    argument = _operand(node.args[0], resolve)
    if isinstance(argument, Literal):
        if not isinstance(argument.value, (date, datetime)):
            raise _unparseable(f"{node.name}() needs a date or time, got {argument.raw}")
        value = argument.value
        moment = value.astimezone(timezone.utc) if isinstance(value, datetime) else value
        return Literal(getattr(moment, node.name, 0), f"{node.name}({argument.raw})")
    if not isinstance(argument, Column) or argument.kind == "number":
        raise problems.unsupported_odata_expression(node.at, "MethodCallExpression", node.name)
    if argument.kind == "timestamp":
        return Column(extract_part(literal(node.name), argument.expression), "number")
    start, length = TEXT_PARTS[node.name]
    return Column(cast(func.substr(argument.expression, start, length), Integer), "number")


def _compare(node: Compare, resolve) -> ColumnElement:
    left, right = _operand(node.left, resolve), _operand(node.right, resolve)
    if isinstance(left, Literal) and isinstance(right, Column):
        left, right, op = right, left, _MIRROR[node.op]
    else:
        op = node.op
    if isinstance(left, Literal) and isinstance(right, Literal):
        return true() if _python_compare(op, left.value, right.value) else false()
    if not isinstance(left, Column):
        raise problems.unsupported_odata_expression(0, "ComparisonExpression", "only names and values compare")
    if isinstance(right, Column):
        other = right.expression
    elif right.value is None:
        if op not in ("eq", "ne"):
            raise _unparseable(f"null can only be compared with eq or ne, not {op}")
        return left.expression.is_(None) if op == "eq" else left.expression.is_not(None)
    else:
        other = _coerce(left, right)
    column = cast(left.expression, Float) if left.kind == "number" else left.expression
    if op == "eq":
        return column.is_not_distinct_from(other)
    if op == "ne":
        return column.is_distinct_from(other)
    return {"lt": column < other, "le": column <= other, "gt": column > other, "ge": column >= other}[op]


_MIRROR = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}


def _coerce(column: Column, value: Literal):
    """The literal as the column's values are: UTC times, numbers, or the text as written."""
    if column.kind == "timestamp":
        moment = value.value
        if isinstance(moment, str):
            moment = _moment(moment)
        if isinstance(moment, date) and not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(), timezone.utc)
        if not isinstance(moment, datetime):
            raise _unparseable(f"{value.raw} is not a date or time")
        return literal(moment.astimezone(timezone.utc), column.expression.type)
    if column.kind == "number":
        if isinstance(value.value, bool) or not isinstance(value.value, (int, float)):
            raise _unparseable(f"{value.raw} is not a number")
        return literal(float(value.value), Float)
    text = value.value if isinstance(value.value, str) else value.raw
    return literal(text)


def _python_compare(op: str, a, b) -> bool:
    try:
        return {"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]
    except TypeError:
        raise _unparseable("these two values cannot be compared") from None
