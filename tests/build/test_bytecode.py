"""Bytecode in the artifacts: unchecked-hash pycs for the target Python, byte-identical anywhere, and used.

A pyc is only worth shipping if the runtime loads it instead of compiling the source: the proof imports a
function from its read-only unpacked zips with an audit hook on ``compile`` and finds no module compiled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from scripts import artifacts
from scripts.artifacts import Builder, BuildError, Target, host_target
from scripts.lambda_sandbox import unpack

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
WHEELS = REPO / ".cache" / "wheels"

pytestmark = pytest.mark.slow

LAMBDA_TARGET = Target("python3.13", "arm64")
needs_target_python = pytest.mark.skipif(
    artifacts.bytecode_compiler(LAMBDA_TARGET) is None, reason="no python3.13 interpreter on this machine"
)

# Runs in a fresh interpreter: import the handler with an audit hook that records every compile() of a file
# under the code directories; print what was compiled and where each imported module's bytecode lives.
PROBE = r"""
import importlib, json, sys
roots = sys.argv[1:]
compiled = []
def hook(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].startswith(tuple(roots)):
        compiled.append(args[1])
sys.addaudithook(hook)
sys.path[:0] = roots
module = importlib.import_module("pure_fn.handler")
loaded = {name: getattr(m, "__cached__", None) for name, m in sys.modules.items()
          if (getattr(m, "__file__", None) or "").startswith(tuple(roots))}
print(json.dumps({"compiled": compiled, "cached": loaded, "dont_write": sys.dont_write_bytecode,
                  "result": module.handle({"name": "x"}, None)}))
"""


def make_repo(parent: Path, name: str = "repo") -> Path:
    repo = parent / name
    shutil.copytree(FIXTURE, repo)
    return repo


def pyc_header_flags(data: bytes) -> int:
    """PEP 552: bytes 4-8 of a pyc; 0b01 = hash-based unchecked, 0b11 = checked, 0 = timestamp."""
    return int.from_bytes(data[4:8], "little")


def import_probe(roots: list[Path]) -> dict:
    # -B: nothing may be written (root ignores read-only modes); -I -S: only the artifact dirs and the stdlib
    proc = subprocess.run(
        [sys.executable, "-B", "-I", "-S", "-c", PROBE, *(str(r) + os.sep for r in roots)],
        capture_output=True,
        text=True,
        cwd=roots[0],
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@needs_target_python
def test_every_source_ships_with_an_unchecked_hash_pyc_for_the_target_python(tmp_path: Path) -> None:
    # Given the fixture repo built for the Lambda target (python3.13)
    repo = make_repo(tmp_path)
    # When it is built
    manifest, _ = Builder(repo, repo / "dist", WHEELS).build()
    # Then every .py of every zip has its cpython-313 pyc, in unchecked-hash mode, and the manifest says so
    for section in ("functions", "layers"):
        for name, entry in manifest[section].items():
            assert entry["bytecode"] == "cpython-313", name
            with zipfile.ZipFile(repo / entry["path"]) as zf:
                names = set(zf.namelist())
                sources = [PurePosixPath(n) for n in names if n.endswith(".py")]
                assert sources, name
                for source in sources:
                    pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
                    assert str(pyc) in names, f"{name}: {pyc}"
                    assert pyc_header_flags(zf.read(str(pyc))) == 0b01, f"{name}: {pyc}"
                assert not [n for n in names if n.endswith(".pyc") and ".cpython-313." not in n], name


@needs_target_python
def test_two_clones_in_different_dirs_build_identical_zips_with_bytecode(tmp_path: Path) -> None:
    # Given the same sources in two differently named directories of different depth
    first, second = make_repo(tmp_path / "a", "one"), make_repo(tmp_path / "b" / "deeper" / "still", "two")
    # When one is built serially and the other in parallel
    manifest_1, _ = Builder(first, first / "dist", WHEELS, jobs=1).build()
    manifest_2, _ = Builder(second, second / "dist", WHEELS, jobs=4).build()
    # Then the zips, pycs included, are byte-identical and no pyc records either checkout's path
    for section in ("functions", "layers"):
        for name, entry in manifest_1[section].items():
            data = (first / entry["path"]).read_bytes()
            assert data == (second / manifest_2[section][name]["path"]).read_bytes(), name
            with zipfile.ZipFile(first / entry["path"]) as zf:
                pycs = [zf.read(n) for n in zf.namelist() if n.endswith(".pyc")]
            assert pycs, name
            assert not any(str(tmp_path).encode() in pyc for pyc in pycs), name


@needs_target_python
def test_build_order_does_not_change_the_bytes(tmp_path: Path) -> None:
    # Given one copy built all at once, another built one function first and the rest afterwards
    whole, piecemeal = make_repo(tmp_path, "whole"), make_repo(tmp_path, "piecemeal")
    manifest, _ = Builder(whole, whole / "dist", WHEELS, jobs=2).build()
    Builder(piecemeal, piecemeal / "dist", WHEELS, jobs=1).build(["compiled_fn"])
    Builder(piecemeal, piecemeal / "dist", WHEELS, jobs=1).build(["pure_fn"])
    # Then every zip is byte-identical
    for section in ("functions", "layers"):
        for name, entry in manifest[section].items():
            assert (whole / entry["path"]).read_bytes() == (piecemeal / entry["path"]).read_bytes(), name


def test_python_loads_the_shipped_pycs_and_compiles_nothing(tmp_path: Path) -> None:
    # Given a host build (this interpreter is its target) unpacked read-only, as /var/task and /opt are
    repo = make_repo(tmp_path)
    manifest, results = Builder(repo, repo / "dist", WHEELS, target=host_target()).build()
    assert {r.status for r in results} == {"built"}, [r.error for r in results]
    code = unpack(repo / manifest["functions"]["pure_fn"]["path"], tmp_path / "task", read_only=True)
    layer = unpack(repo / manifest["layers"]["base"]["path"], tmp_path / "opt", read_only=True) / "python"
    # When the handler is imported and invoked in a fresh interpreter that may not write bytecode
    probe = import_probe([code, layer])
    # Then no module of the artifacts was compiled, and each came with the pyc the zip carries
    assert probe["result"]["greeting"] == "hello x"
    assert probe["dont_write"] is True
    assert probe["compiled"] == []
    assert {"pure_fn.handler", "libshared.greeting", "idna"} <= probe["cached"].keys()
    for name, cached in probe["cached"].items():
        assert cached, name
        assert Path(cached).is_file(), name


def test_without_the_pycs_the_same_import_compiles_every_module(tmp_path: Path) -> None:
    # Given the same host build with its pycs stripped (what every zip shipped before)
    repo = make_repo(tmp_path)
    manifest, _ = Builder(repo, repo / "dist", WHEELS, target=host_target()).build()
    code = unpack(repo / manifest["functions"]["pure_fn"]["path"], tmp_path / "task", read_only=True)
    layer = unpack(repo / manifest["layers"]["base"]["path"], tmp_path / "opt", read_only=True) / "python"
    for root in (code, layer):
        for pycache in sorted(root.rglob("__pycache__")):
            pycache.parent.chmod(0o755)
            shutil.rmtree(pycache)
    # When the handler is imported
    probe = import_probe([code, layer])
    # Then the audit hook sees the handler's and the layer's sources compiled (the probe can tell)
    compiled = {str(Path(p)) for p in probe["compiled"]}
    assert str(code / "pure_fn" / "handler.py") in compiled
    assert str(layer / "libshared" / "greeting.py") in compiled


def test_missing_target_python_is_one_warning_and_zips_without_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no interpreter for the target runtime
    monkeypatch.setattr(artifacts, "bytecode_compiler", lambda target: None)
    repo = make_repo(tmp_path)
    # When the repo is built without --require-bytecode
    run = Builder(repo, repo / "dist", WHEELS)
    manifest, results = run.build()
    # Then it builds, says once how to get the interpreter, and records that the zips carry no bytecode
    assert {r.status for r in results} == {"built"}
    assert len(run.warnings) == 1
    assert "no python3.13 interpreter" in run.warnings[0]
    assert "pyenv install 3.13" in run.warnings[0]
    assert {e["bytecode"] for e in manifest["functions"].values()} == {None}
    assert not any(n.endswith(".pyc") for n in zipfile.ZipFile(repo / "dist/functions/pure_fn.zip").namelist())


def test_require_bytecode_makes_a_missing_target_python_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "bytecode_compiler", lambda target: None)
    repo = make_repo(tmp_path)
    with pytest.raises(BuildError, match=r"no python3\.13 interpreter to compile bytecode.*pyenv install 3\.13"):
        Builder(repo, repo / "dist", WHEELS, require_bytecode=True).build()
    assert not (repo / "dist" / "functions").exists()


def test_cli_require_bytecode_without_the_interpreter_fails_in_one_line(tmp_path: Path) -> None:
    # Given a PATH and a pyenv root without python3.13
    repo = make_repo(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "PYENV_ROOT": str(tmp_path / "no-pyenv"), "LAMBDA_WHEEL_CACHE": str(WHEELS)}
    if any(Path(prefix, "bin", "python3.13").exists() for prefix in ("/usr/local", "/usr", "/opt/python")):
        pytest.skip("a system python3.13 exists; the interpreter cannot be hidden")
    # When the CLI builds with --require-bytecode
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.build", "--repo", str(repo), "--require-bytecode"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    # Then it exits 2 with one line saying how to get the interpreter
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: no python3.13 interpreter to compile bytecode")


@needs_target_python
def test_a_zip_built_without_bytecode_is_rebuilt_once_the_interpreter_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given artifacts built while the target interpreter was missing
    repo = make_repo(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(artifacts, "bytecode_compiler", lambda target: None)
        Builder(repo, repo / "dist", WHEELS).build()
    # When the interpreter is available again
    manifest, results = Builder(repo, repo / "dist", WHEELS).build()
    # Then the input keys differ, so every artifact is rebuilt with bytecode
    assert {r.status for r in results} == {"built"}
    assert {e["bytecode"] for e in manifest["functions"].values()} == {"cpython-313"}
