"""Lock files: compiled with hashes against one constraints file; stale locks are named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import lock

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo whose locks are fresh, written the way `compile_all` stamps them."""
    write(tmp_path / "requirements/dev.in", "pytest\n")
    write(tmp_path / "layers/common/requirements.in", "attrs\n")
    write(tmp_path / "functions/fn/requirements.in", "idna\n")
    locks = lock.discover(tmp_path)
    pins = {"requirements/dev.txt": "pytest==9.0.0\n", "layers/common/requirements.txt": "attrs==25.1.0\n"}
    pins["functions/fn/requirements.txt"] = "idna==3.10 \\\n    --hash=sha256:" + "a" * 64 + "\n"
    for entry in locks:
        digest = lock.input_digest(tmp_path, entry.source)
        write(tmp_path / entry.target, f"{lock.DIGEST_PREFIX}{digest}\n{pins[str(entry.target)]}")
    constraints = "pytest==9.0.0\nattrs==25.1.0\nidna==3.10\n"
    write(tmp_path / lock.CONSTRAINTS, f"{lock.DIGEST_PREFIX}{lock.union_digest(tmp_path, locks)}\n{constraints}")
    return tmp_path


def test_discover_finds_dev_then_layers_then_functions(repo: Path) -> None:
    assert [str(entry.source) for entry in lock.discover(repo)] == [
        "requirements/dev.in",
        "layers/common/requirements.in",
        "functions/fn/requirements.in",
    ]


def test_fresh_locks_pass_the_check(repo: Path) -> None:
    assert lock.check(repo) == []


def test_changed_input_names_its_stale_lock(repo: Path) -> None:
    write(repo / "functions/fn/requirements.in", "idna\nrequests\n")
    problems = lock.check(repo)
    assert (
        "functions/fn/requirements.txt: stale (functions/fn/requirements.in changed since it was compiled)"
        in (problems[-1])
    )
    assert problems[0].startswith("requirements/constraints.txt: stale")


def test_missing_lock_is_named(repo: Path) -> None:
    (repo / "layers/common/requirements.txt").unlink()
    assert lock.check(repo) == [
        "layers/common/requirements.txt: missing lock for layers/common/requirements.in; run `make lock`"
    ]


def test_lock_that_disagrees_with_the_constraints_is_named(repo: Path) -> None:
    constraints = repo / lock.CONSTRAINTS
    constraints.write_text(constraints.read_text().replace("attrs==25.1.0", "attrs==24.0.0"))
    assert lock.check(repo) == [
        "layers/common/requirements.txt: attrs==25.1.0 but requirements/constraints.txt pins 24.0.0; run `make lock`"
    ]


def test_new_function_without_a_lock_makes_the_constraints_stale(repo: Path) -> None:
    write(repo / "functions/other/requirements.in", "idna\n")
    problems = lock.check(repo)
    assert problems[0].startswith("requirements/constraints.txt: stale")
    assert "functions/other/requirements.txt: missing lock" in problems[1]


def test_read_pins_normalises_names_and_skips_hashes() -> None:
    text = "Typing_Extensions==4.12.2 \\\n    --hash=sha256:abc\npydantic[email]==2.9.0\n# via x\n"
    assert lock.read_pins(text) == {"typing-extensions": "4.12.2", "pydantic": "2.9.0"}


@pytest.mark.slow
def test_compile_writes_hashed_locks_pinned_like_the_constraints(tmp_path: Path) -> None:
    write(tmp_path / "requirements/dev.in", "idna\n")
    write(tmp_path / "functions/fn/requirements.in", "idna<4\n")
    written = lock.compile_all(tmp_path, jobs=1)
    assert [str(p) for p in written] == ["requirements/dev.txt", "functions/fn/requirements.txt"]
    fn_lock = (tmp_path / "functions/fn/requirements.txt").read_text()
    assert "--hash=sha256:" in fn_lock
    assert lock.read_pins(fn_lock)["idna"] == lock.read_pins((tmp_path / lock.CONSTRAINTS).read_text())["idna"]
    assert str(tmp_path) not in fn_lock
    assert lock.check(tmp_path) == []


def test_cli_check_exits_non_zero_naming_the_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "requirements/dev.in", "pytest\nruff\n")
    code = (
        "import sys; from pathlib import Path; from scripts import lock; "
        f"lock.REPO = Path({str(repo)!r}); sys.exit(lock.main(['check']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "error: requirements/dev.txt: stale" in proc.stderr
    assert "Traceback" not in proc.stderr
