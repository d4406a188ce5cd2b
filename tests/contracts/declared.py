"""What the repository actually wires and imports, read from its sources, to compare with shared.dataflow."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WIRING = REPO / "terraform" / "stacks" / "regional" / "wiring.tf"

_ENTRY = re.compile(r"^    ([a-z][a-z0-9_]*) = \{", re.MULTILINE)
_ENV = re.compile(r"^\s+env\s+=\s+\[([^\]]*)\]", re.MULTILINE)


@cache
def wired_env() -> dict[str, frozenset[str]]:
    """Function key → the environment variable names ``wiring.tf`` gives it."""
    text = WIRING.read_text()
    starts = [(match.start(), match.group(1)) for match in _ENTRY.finditer(text)]
    wired: dict[str, frozenset[str]] = {}
    for (start, key), end in zip(starts, [s for s, _ in starts[1:]] + [len(text)], strict=True):
        env = _ENV.search(text, start, end)
        wired[key] = frozenset(re.findall(r'"([A-Z0-9_]+)"', env.group(1))) if env else frozenset()
    return wired


@cache
def folders() -> dict[str, str]:
    """Function key → its folder (from every ``function.json``)."""
    owner: dict[str, str] = {}
    for declaration in sorted((REPO / "functions").glob("*/function.json")):
        for key in json.loads(declaration.read_text())["handlers"]:
            owner[key] = declaration.parent.name
    return owner


def contract_imports(folder: str) -> frozenset[str]:
    """Names a function folder's code imports from ``shared.contracts`` (its tests excluded)."""
    names: set[str] = set()
    for source in (REPO / "functions" / folder / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "shared.contracts":
                names.update(alias.name for alias in node.names)
    return frozenset(names)
