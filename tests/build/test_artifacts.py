"""The builder on a small fixture repo: determinism, incrementality, wheels for the target, checks, atomicity."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from scripts import artifacts
from scripts.artifacts import Builder, BuildError, Target

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
WHEELS = REPO / ".cache" / "wheels"  # content-verified, shared with `make build`

pytestmark = pytest.mark.slow


def make_repo(parent: Path, name: str = "repo") -> Path:
    repo = parent / name
    shutil.copytree(FIXTURE, repo)
    return repo


def build(repo: Path, jobs: int = 2, force: bool = False) -> tuple[dict, list[artifacts.Result]]:
    return Builder(repo, repo / "dist", WHEELS, jobs=jobs, force=force).build()


def statuses(results: list[artifacts.Result]) -> dict[str, str]:
    return {r.name: r.status for r in results}


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def host_shared_object() -> Path:
    """A real x86_64 shared object from this machine's own Python (the host is x86_64 or aarch64)."""
    import _ctypes

    return Path(_ctypes.__file__)


def test_two_copies_in_different_dirs_build_byte_identical_zips(tmp_path: Path) -> None:
    # Given the same sources in two differently named directories
    first, second = make_repo(tmp_path / "a", "one"), make_repo(tmp_path / "b" / "deeper", "two")
    # When one is built serially and the other in parallel
    manifest_1, _ = build(first, jobs=1)
    manifest_2, _ = build(second, jobs=4)
    # Then every artifact has the same hash and bytes
    for section in ("functions", "layers"):
        assert manifest_1[section].keys() == manifest_2[section].keys()
        for name, entry in manifest_1[section].items():
            assert entry["sha256"] == manifest_2[section][name]["sha256"], name
            assert (first / entry["path"]).read_bytes() == (second / entry["path"]).read_bytes()


def test_touch_and_chmod_of_sources_do_not_change_the_zip(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    before, _ = build(repo)
    handler = repo / "functions" / "pure_fn" / "pure_fn" / "handler.py"
    os.utime(handler, (1_900_000_000, 1_900_000_000))
    handler.chmod(0o600)
    (repo / "libshared" / "src" / "libshared" / "greeting.py").chmod(0o755)
    after, results = build(repo, force=True)
    assert set(statuses(results).values()) == {"built"}
    assert {n: e["sha256"] for n, e in before["functions"].items()} == {
        n: e["sha256"] for n, e in after["functions"].items()
    }
    assert before["layers"]["base"]["sha256"] == after["layers"]["base"]["sha256"]


def test_zip_entries_are_sorted_world_readable_and_timestamp_free(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    manifest, _ = build(repo)
    with zipfile.ZipFile(repo / manifest["functions"]["pure_fn"]["path"]) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    assert not any(n.endswith(("RECORD", "INSTALLER", "REQUESTED")) for n in names)
    # bytecode only as the builder compiled it: in __pycache__, for the target's Python
    assert all(PurePosixPath(n).parent.name == "__pycache__" for n in names if n.endswith(".pyc"))


def test_second_build_rebuilds_nothing_and_one_change_rebuilds_only_that_function(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    _, first = build(repo)
    assert set(statuses(first).values()) == {"built"}
    _, second = build(repo)
    assert statuses(second) == {"base": "cached", "pure_fn": "cached", "compiled_fn": "cached"}
    handler = repo / "functions" / "pure_fn" / "pure_fn" / "handler.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    _, third = build(repo)
    assert statuses(third) == {"base": "cached", "pure_fn": "built", "compiled_fn": "cached"}


def test_layer_change_rebuilds_the_layer_and_the_functions_that_use_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    build(repo)
    greeting = repo / "libshared" / "src" / "libshared" / "greeting.py"
    greeting.write_text(greeting.read_text() + "\n")
    _, results = build(repo)
    assert statuses(results) == {"base": "built", "pure_fn": "cached", "compiled_fn": "cached"}
    lock = repo / "layers" / "base" / "requirements.txt"
    lock.write_text(lock.read_text() + "\n# touched\n")
    _, results = build(repo)
    # the layer lock decides what pure_fn leaves out; compiled_fn has no layer
    assert statuses(results) == {"base": "built", "pure_fn": "built", "compiled_fn": "cached"}


def test_compiled_dependency_for_arm64_lands_as_aarch64_elf(tmp_path: Path) -> None:
    from elftools.elf.elffile import ELFFile

    repo = make_repo(tmp_path)
    manifest, _ = build(repo)
    zip_path = repo / manifest["functions"]["compiled_fn"]["path"]
    with zipfile.ZipFile(zip_path) as zf:
        shared_objects = [n for n in zf.namelist() if n.endswith(".so")]
        assert shared_objects, "markupsafe's speedups extension should be in the zip"
        for name in shared_objects:
            (tmp_path / "so").write_bytes(zf.read(name))
            with (tmp_path / "so").open("rb") as handle:
                assert ELFFile(handle).header["e_machine"] == "EM_AARCH64", name
    assert any("cpython-313-aarch64" in n for n in shared_objects)


def test_x86_64_target_gets_x86_64_wheels(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    declaration = repo / "functions" / "compiled_fn" / "function.json"
    declaration.write_text(json.dumps({**json.loads(declaration.read_text()), "architecture": "x86_64"}))
    manifest, _ = build(repo)
    assert manifest["functions"]["compiled_fn"]["architecture"] == "x86_64"
    assert any("x86_64-linux-gnu.so" in n for n in zip_names(repo / manifest["functions"]["compiled_fn"]["path"]))


def test_layer_packages_are_not_copied_into_the_function(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    manifest, _ = build(repo)
    function_names = zip_names(repo / manifest["functions"]["pure_fn"]["path"])
    layer_names = zip_names(repo / manifest["layers"]["base"]["path"])
    assert any(n.startswith("idna/") for n in function_names)
    assert not any(n.startswith("attrs/") for n in function_names)  # the layer provides attrs
    assert "python/attrs/__init__.py" in layer_names
    assert "python/libshared/greeting.py" in layer_names
    assert all(n.startswith("python/") for n in layer_names)


def test_function_runs_from_its_built_zip_with_the_layer_on_the_path(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    manifest, _ = build(repo)
    code, layer = tmp_path / "task", tmp_path / "opt"
    zipfile.ZipFile(repo / manifest["functions"]["pure_fn"]["path"]).extractall(code)
    zipfile.ZipFile(repo / manifest["layers"]["base"]["path"]).extractall(layer)
    script = "import json; from pure_fn.handler import handle; print(json.dumps(handle({'name': 'bücher'}, None)))"
    env = {"PYTHONPATH": f"{code}{os.pathsep}{layer / 'python'}", "PATH": os.environ["PATH"]}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"greeting": "hello bücher", "idna": "xn--bcher-kva"}


def test_manifest_hashes_equal_the_zips_real_hashes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    build(repo)
    manifest = json.loads((repo / "dist" / "manifest.json").read_text())
    for section in ("functions", "layers"):
        for entry in manifest[section].values():
            data = (repo / entry["path"]).read_bytes()
            assert entry["sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
            assert entry["size"] == len(data)
            with zipfile.ZipFile(repo / entry["path"]) as zf:
                assert entry["unzipped_size"] == sum(i.file_size for i in zf.infolist())
    assert manifest["functions"]["pure_fn"]["handlers"] == {"pure_fn": "pure_fn.handler.handle"}
    assert manifest["functions"]["pure_fn"]["layers"] == ["base"]
    assert manifest["functions"]["pure_fn"]["runtime"] == "python3.13"
    assert manifest["functions"]["pure_fn"]["architecture"] == "arm64"


def test_planted_wrong_architecture_shared_object_is_rejected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    shutil.copy(host_shared_object(), repo / "functions" / "pure_fn" / "pure_fn" / "_native.so")
    _, results = build(repo)
    failed = {r.name: r.error for r in results if r.status == "failed"}
    assert list(failed) == ["pure_fn"]
    assert "pure_fn/_native.so: rule elf-architecture" in failed["pure_fn"]


def test_shared_object_needing_newer_glibc_than_the_runtime_is_rejected(tmp_path: Path) -> None:
    # the host's Python extension links against this machine's glibc (>= 2.34, newer than Amazon Linux 2's 2.26)
    machine = {"x86_64": "x86_64", "aarch64": "arm64"}[os.uname().machine]
    with pytest.raises(BuildError, match=r"_ctypes.*rule glibc: needs GLIBC_2\.\d+, python3\.11 has 2\.26"):
        artifacts._check_elf(host_shared_object(), host_shared_object().name, Target("python3.11", machine))


def test_failed_build_leaves_the_previous_artifacts_intact(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    good, _ = build(repo)
    good_bytes = (repo / good["functions"]["pure_fn"]["path"]).read_bytes()
    shutil.copy(host_shared_object(), repo / "functions" / "pure_fn" / "pure_fn" / "_native.so")
    after, results = build(repo)
    assert statuses(results)["pure_fn"] == "failed"
    assert (repo / good["functions"]["pure_fn"]["path"]).read_bytes() == good_bytes
    assert after["functions"]["pure_fn"] == good["functions"]["pure_fn"]
    leftovers = [p.name for p in (repo / "dist").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_interrupted_zip_write_never_leaves_a_truncated_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    for i in range(5):
        (source / "pkg" / f"m{i}.py").write_text(f"X = {i}\n")
    dest = tmp_path / "out" / "fn.zip"
    dest.parent.mkdir()
    dest.write_bytes(b"previous good zip")
    real_writestr = zipfile.ZipFile.writestr
    calls = {"n": 0}

    def interrupted(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        artifacts.write_zip(source, dest)
    assert dest.read_bytes() == b"previous good zip"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["fn.zip"]


def test_zip_over_the_size_limit_is_rejected_naming_the_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.setattr(artifacts, "MAX_ZIPPED_BYTES", 1000)
    _, results = build(repo)
    errors = {r.name: r.error for r in results if r.status == "failed"}
    assert "rule zipped-size" in errors["compiled_fn"]
    assert not (repo / "dist" / "functions" / "compiled_fn.zip").exists()


def test_unzipped_limit_counts_the_function_and_its_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    build(repo)
    layer_size = json.loads((repo / "dist" / "manifest.json").read_text())["layers"]["base"]["unzipped_size"]
    monkeypatch.setattr(artifacts, "MAX_UNZIPPED_BYTES", layer_size + 10)
    handler = repo / "functions" / "pure_fn" / "pure_fn" / "handler.py"
    handler.write_text(handler.read_text() + "# change\n")
    _, results = build(repo)
    error = next(r.error for r in results if r.name == "pure_fn")
    assert "rule unzipped-size" in error
    assert "+ layers" in error


def test_zip_that_is_not_world_readable_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("secret.py")
        info.external_attr = 0o100600 << 16
        zf.writestr(info, "x = 1")
    with pytest.raises(BuildError, match=r"secret\.py: rule world-readable"):
        artifacts.check_zip(path, "bad.zip")


def test_package_without_a_wheel_for_the_target_fails_naming_package_and_target(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    lock = repo / "functions" / "pure_fn" / "requirements.txt"
    lock.write_text(lock.read_text() + (Path(__file__).parent / "fixtures" / "nowheel-requirements.txt").read_text())
    _, results = build(repo)
    error = next(r.error for r in results if r.name == "pure_fn")
    assert error.startswith("docopt==0.6.2 has no wheel for python3.13/arm64")
    assert "manylinux aarch64 wheels" in error


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda fn: (fn / "pure_fn" / "handler.py").unlink(), "functions/pure_fn: handler 'pure_fn' names module"),
        (lambda fn: (fn / "requirements.txt").unlink(), "functions/pure_fn: no requirements.txt lock"),
        (lambda fn: (fn / "function.json").write_text("{"), "functions/pure_fn: function.json is not valid JSON"),
        (
            lambda fn: (fn / "function.json").write_text('{"handlers": {"x": "pure_fn.handler.nope"}}'),
            "defines no 'nope'",
        ),
        (
            lambda fn: (fn / "function.json").write_text(
                '{"handlers": {"x": "pure_fn.handler.handle"}, "layers": ["z"]}'
            ),
            "functions/pure_fn: unknown layer 'z'",
        ),
        (
            lambda fn: (fn / "function.json").write_text(
                '{"handlers": {"x": "pure_fn.handler.handle"}, "architecture": "ppc"}'
            ),
            r"^functions/pure_fn: unknown architecture 'ppc' \(known: arm64, x86_64\)$",
        ),
        (
            lambda fn: (fn / "function.json").write_text(
                '{"handlers": {"x": "pure_fn.handler.handle"}, "runtime": "python2.7"}'
            ),
            r"^functions/pure_fn: unknown runtime 'python2.7'",
        ),
    ],
)
def test_malformed_function_folder_is_an_error_naming_the_folder(tmp_path: Path, breakage, message: str) -> None:
    repo = make_repo(tmp_path)
    breakage(repo / "functions" / "pure_fn")
    with pytest.raises(BuildError, match=message):
        build(repo)


def test_cli_reports_a_malformed_folder_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "functions" / "pure_fn" / "requirements.txt").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.build", "--repo", str(repo)], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: functions/pure_fn: no requirements.txt lock (run `make lock`)"]
    assert "Traceback" not in proc.stderr


def test_cli_json_report_lists_each_artifact(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    env = {**os.environ, "LAMBDA_WHEEL_CACHE": str(WHEELS)}
    cmd = [sys.executable, "-m", "scripts.build", "--repo", str(repo), "--json"]
    first = json.loads(subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, check=True).stdout)
    second = json.loads(subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, check=True).stdout)
    assert {a["name"]: a["status"] for a in first["artifacts"]} == {
        "base": "built",
        "pure_fn": "built",
        "compiled_fn": "built",
    }
    assert {a["status"] for a in second["artifacts"]} == {"cached"}
    assert [a["sha256"] for a in first["artifacts"]] == [a["sha256"] for a in second["artifacts"]]
