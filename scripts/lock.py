"""Compile and check the monorepo's lock files.

Every ``requirements.in`` (dev, each layer, each function) compiles to a sibling
``requirements.txt`` with hashes, against one shared constraints file so the same
library has the same version everywhere.  ``requirements/constraints.txt`` is the
union of all inputs compiled together; each lock is then compiled with
``-c requirements/constraints.txt``.

Each lock starts with a line recording the sha256 of the input it came from, so
``check`` can tell a stale lock without touching the network.

    python -m scripts.lock compile [--only PATH ...]
    python -m scripts.lock check
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from scripts.artifacts import PIN, normalize

REPO = Path(__file__).resolve().parent.parent
CONSTRAINTS = Path("requirements/constraints.txt")
TOOLS = "requirements/tools/*.in"
DIGEST_PREFIX = "# input-sha256: "

PIP_COMPILE_FLAGS = (
    "--quiet",
    "--generate-hashes",
    "--allow-unsafe",
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-trusted-host",
    "--no-emit-find-links",
    "--resolver=backtracking",
)


class LockError(Exception):
    """A lock problem worth one line on stderr."""


@dataclass(frozen=True)
class Lock:
    source: Path  # repo-relative requirements.in
    target: Path  # repo-relative requirements.txt
    isolated: bool = False  # a tool with its own venv, outside the shared constraints


def discover(repo: Path = REPO) -> list[Lock]:
    """All inputs in a stable order: dev first, then layers, then functions."""
    sources = [Path("requirements/dev.in")]
    for pattern in ("layers/*/requirements.in", "functions/*/requirements.in"):
        sources += sorted(p.relative_to(repo) for p in repo.glob(pattern))
    shared = [Lock(s, _target_for(s)) for s in sources if (repo / s).is_file()]
    tools = [Lock(s.relative_to(repo), _target_for(s.relative_to(repo)), True) for s in sorted(repo.glob(TOOLS))]
    return shared + tools


def _target_for(source: Path) -> Path:
    return source.with_suffix(".txt")


def input_digest(repo: Path, source: Path) -> str:
    return hashlib.sha256((repo / source).read_bytes()).hexdigest()


def union_digest(repo: Path, locks: Iterable[Lock]) -> str:
    h = hashlib.sha256()
    for lock in locks:
        h.update(str(lock.source).encode() + b"\0" + (repo / lock.source).read_bytes() + b"\0")
    return h.hexdigest()


def read_pins(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in text.splitlines():
        m = PIN.match(line.strip())
        if m:
            pins[normalize(m.group(1))] = m.group(2)
    return pins


def recorded_digest(text: str) -> str | None:
    first = text.splitlines()[0] if text else ""
    return first[len(DIGEST_PREFIX) :].strip() if first.startswith(DIGEST_PREFIX) else None


def check(repo: Path = REPO) -> list[str]:
    """Return one message per stale or inconsistent lock file (empty when all is fresh)."""
    locks = discover(repo)
    problems: list[str] = []
    constraints_path = repo / CONSTRAINTS
    if not constraints_path.is_file():
        return [f"{CONSTRAINTS}: missing; run `make lock`"]
    constraints_text = constraints_path.read_text()
    if recorded_digest(constraints_text) != union_digest(repo, [lk for lk in locks if not lk.isolated]):
        problems.append(f"{CONSTRAINTS}: stale (the set of requirements.in files changed); run `make lock`")
    constraints = read_pins(constraints_text)
    for lock in locks:
        target = repo / lock.target
        if not target.is_file():
            problems.append(f"{lock.target}: missing lock for {lock.source}; run `make lock`")
            continue
        text = target.read_text()
        if recorded_digest(text) != input_digest(repo, lock.source):
            problems.append(f"{lock.target}: stale ({lock.source} changed since it was compiled); run `make lock`")
            continue
        for name, version in sorted(read_pins(text).items()) if not lock.isolated else ():
            if constraints.get(name) not in (None, version):
                pinned = constraints[name]
                problems.append(f"{lock.target}: {name}=={version} but {CONSTRAINTS} pins {pinned}; run `make lock`")
    return problems


def _pip_compile(repo: Path, source: Path, output: Path, extra: Sequence[str] = ()) -> None:
    cmd = [sys.executable, "-m", "piptools", "compile", *PIP_COMPILE_FLAGS, *extra, "-o", str(output), str(source)]
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = [ln for ln in proc.stderr.splitlines() if ln.strip() and "is ignored" not in ln]
        raise LockError(f"{source}: pip-compile failed: {detail[-1] if detail else proc.returncode}")


def _stamp(path: Path, digest: str) -> None:
    text = path.read_text()
    if recorded_digest(text) is not None:
        text = text.split("\n", 1)[1]
    path.write_text(f"{DIGEST_PREFIX}{digest}\n{text}")


def compile_all(repo: Path = REPO, only: Sequence[Path] = (), jobs: int = 4) -> list[Path]:
    """Compile the constraints, then every lock (or just ``only``). Returns what was written."""
    locks = discover(repo)
    shared = [lk for lk in locks if not lk.isolated]
    with tempfile.TemporaryDirectory() as tmp:
        union = Path(tmp) / "all.in"
        union.write_text("".join(f"-r {repo / lock.source}\n" for lock in shared))
        # Seeding from the existing constraints keeps pins stable until `--upgrade`.
        out = repo / CONSTRAINTS
        _pip_compile(repo, union, out, ())
        text = out.read_text().replace(str(union), "(all requirements.in files)").replace(f"{repo}/", "")
        out.write_text(text)
        _stamp(out, union_digest(repo, shared))
    selected = [lk for lk in locks if not only or lk.source in only or lk.target in only]

    def one(lock: Lock) -> Path:
        _pip_compile(repo, lock.source, lock.target, () if lock.isolated else ("-c", str(CONSTRAINTS)))
        _stamp(repo / lock.target, input_digest(repo, lock.source))
        print(f"locked {lock.target}", flush=True)
        return lock.target

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, selected))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.lock", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    comp = sub.add_parser("compile", help="compile constraints and lock files")
    comp.add_argument("--only", type=Path, nargs="*", default=[], help="lock only these requirements.in files")
    comp.add_argument("--jobs", type=int, default=4)
    sub.add_parser("check", help="fail when a lock is stale or disagrees with the constraints")
    args = parser.parse_args(argv)
    try:
        if args.command == "compile":
            written = compile_all(REPO, args.only, args.jobs)
            print(f"{len(written)} lock file(s) written, constraints in {CONSTRAINTS}")
            return 0
        problems = check(REPO)
    except LockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(discover(REPO))} lock file(s) fresh")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
