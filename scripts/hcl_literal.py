"""Read the literal part of an HCL file: blocks and attributes whose values are plain data.

Enough for tables such as ``terraform/stacks/regional/wiring.tf`` (a ``locals`` block of objects, lists,
strings, numbers, booleans and ``null``), without Terraform or python-hcl2. Anything that needs evaluating —
references (``local.x``), function calls, ``${…}`` interpolation, operators — is refused with the line it is on,
so a table that stops being literal fails loudly instead of being misread.

    parse('locals {\n  wiring = { a = { env = ["X"], timeout = 5 } }\n}')
    == {"locals": {"wiring": {"a": {"env": ["X"], "timeout": 5}}}}

Blocks with labels (``module "x" {``) become nested objects keyed by their labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["HclLiteralError", "parse"]


class HclLiteralError(ValueError):
    """Not literal HCL (or not HCL): the message names the line."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "str" | "num" | "ident" | "punct" | "nl" | "end"
    value: Any
    line: int


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<nl>\n)
  | (?P<heredoc><<-?)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<punct>[{}\[\]=,:])
  | (?P<operator>[().+\-*/%!<>?&|])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line, position = 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise HclLiteralError(f"line {line}: not a literal value at {text[position : position + 20]!r}")
        kind, raw = match.lastgroup, match.group()
        if kind == "heredoc":
            raise HclLiteralError(f"line {line}: heredoc strings are not supported")
        if kind == "str":
            if "${" in raw or "%{" in raw:
                raise HclLiteralError(f"line {line}: string template {raw} needs evaluating")
            tokens.append(_Token("str", _unescape(raw[1:-1], line), line))
        elif kind == "num":
            tokens.append(_Token("num", float(raw) if re.search(r"[.eE]", raw) else int(raw), line))
        elif kind in ("ident", "punct", "operator"):
            tokens.append(_Token(kind, raw, line))
        elif kind == "nl":
            tokens.append(_Token("nl", "\n", line))
        line += raw.count("\n")
        position = match.end()
    tokens.append(_Token("end", None, line))
    return tokens


def _unescape(body: str, line: int) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise HclLiteralError(f"line {line}: unsupported escape \\{char}")
        return _ESCAPES[char]

    return re.sub(r"\\(.)", replace, body)


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens = _tokens(text)
        self._at = 0

    def _peek(self, skip_newlines: bool = True) -> _Token:
        if skip_newlines:
            while self._tokens[self._at].kind == "nl":
                self._at += 1
        return self._tokens[self._at]

    def _next(self, skip_newlines: bool = True) -> _Token:
        token = self._peek(skip_newlines)
        self._at += 1
        return token

    def body(self, closing: str | None) -> dict[str, Any]:
        """Attributes (``name = value``) and blocks (``type "label" … { body }``) up to ``closing``."""
        result: dict[str, Any] = {}
        while True:
            token = self._next()
            if (closing is None and token.kind == "end") or (token.kind == "punct" and token.value == closing):
                return result
            if token.kind not in ("ident", "str"):
                raise HclLiteralError(f"line {token.line}: expected a name, found {token.value!r}")
            labels: list[str] = []
            following = self._peek()
            while following.kind == "str":
                labels.append(self._next().value)
                following = self._peek()
            if following.kind == "punct" and following.value == "=" and not labels:
                self._next()
                _store(result, [token.value], self.value(), token.line)
                after = self._peek(skip_newlines=False)
                if after.kind not in ("nl", "end") and not (after.kind == "punct" and after.value == closing):
                    where = f"line {after.line}: {after.value!r} after {token.value} = …"
                    raise HclLiteralError(f"{where} needs evaluating")
            elif following.kind == "punct" and following.value == "{":
                self._next()
                _store(result, [token.value, *labels], self.body("}"), token.line)
            else:
                raise HclLiteralError(f"line {following.line}: expected '=' or '{{' after {token.value!r}")

    def value(self) -> Any:
        token = self._next()
        if token.kind in ("str", "num"):
            return token.value
        if token.kind == "ident" and token.value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.value]
        if token.kind == "punct" and token.value == "[":
            return self._list()
        if token.kind == "punct" and token.value == "{":
            return self._object()
        raise HclLiteralError(f"line {token.line}: {token.value!r} is not a literal value (it needs evaluating)")

    def _list(self) -> list[Any]:
        items: list[Any] = []
        while True:
            token = self._peek()
            if token.kind == "punct" and token.value == "]":
                self._next()
                return items
            items.append(self.value())
            token = self._peek()
            if token.kind == "punct" and token.value == ",":
                self._next()
            elif not (token.kind == "punct" and token.value == "]"):
                raise HclLiteralError(f"line {token.line}: expected ',' or ']' in a list, found {token.value!r}")

    def _object(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            token = self._next()
            if token.kind == "punct" and token.value == "}":
                return result
            if token.kind not in ("ident", "str"):
                raise HclLiteralError(f"line {token.line}: expected a key, found {token.value!r}")
            separator = self._next()
            if not (separator.kind == "punct" and separator.value in ("=", ":")):
                raise HclLiteralError(f"line {separator.line}: expected '=' after key {token.value!r}")
            if token.value in result:
                raise HclLiteralError(f"line {token.line}: duplicate key {token.value!r}")
            result[token.value] = self.value()
            after = self._peek(skip_newlines=False)
            if after.kind == "punct" and after.value == ",":
                self._next(skip_newlines=False)
            elif after.kind == "nl" or (after.kind == "punct" and after.value == "}"):
                continue
            else:
                raise HclLiteralError(f"line {after.line}: expected a new line, ',' or '}}', found {after.value!r}")


def _store(result: dict[str, Any], path: list[str], value: Any, line: int) -> None:
    node = result
    for part in path[:-1]:
        node = node.setdefault(part, {})
    if path[-1] in node and not (isinstance(node[path[-1]], dict) and isinstance(value, dict)):
        raise HclLiteralError(f"line {line}: {'.'.join(path)} is defined twice")
    if isinstance(node.get(path[-1]), dict) and isinstance(value, dict):
        duplicate = set(node[path[-1]]) & set(value)
        if duplicate:
            raise HclLiteralError(f"line {line}: {', '.join(sorted(duplicate))} defined twice")
        node[path[-1]].update(value)
    else:
        node[path[-1]] = value


def parse(text: str) -> dict[str, Any]:
    """The file's blocks and attributes as plain Python data; HclLiteralError (naming the line) otherwise."""
    return _Parser(text).body(None)
