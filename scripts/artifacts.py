"""Deterministic Lambda artifacts: function zips, layer zips and dist/manifest.json.

The builder never runs an installer. It downloads the locked wheels for the Lambda target (binary only,
hashes required) into a content-verified cache, unpacks them itself, copies the sources, checks the
result (ELF architecture and glibc, permissions, Lambda's size limits) and writes a zip whose bytes depend
only on its inputs: sorted entries, fixed timestamps, one file mode, pinned compression.

Every ``.py`` in a zip ships with its bytecode for the target runtime's Python (``__pycache__/*.cpython-3XX.pyc``,
PEP 552 unchecked-hash pycs: no source stat at import), compiled by that interpreter with the in-zip path as the
recorded source path so the bytes do not depend on where the repo lives. Lambda's code directories are
read-only, so without them every cold start compiles every module it imports.

Each artifact has an input key over everything that can change its bytes. An artifact whose key matches
the manifest and whose zip still has the recorded hash is not rebuilt.
"""

from __future__ import annotations

import ast
import base64
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import ClassVar

BUILDER_VERSION = "2"  # 2: bytecode in the zips
DEFAULT_RUNTIME = "python3.13"
DEFAULT_ARCHITECTURE = "arm64"
MANIFEST_VERSION = 1

MAX_ZIPPED_BYTES = 50 * 1024 * 1024  # direct upload limit
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # function + all its layers
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644  # regular file, rw-r--r--
ZIP_COMPRESSION = zipfile.ZIP_DEFLATED
ZIP_LEVEL = 6

# glibc of each runtime's base image: Amazon Linux 2 for <= 3.11, Amazon Linux 2023 from 3.12.
RUNTIME_GLIBC = {
    "python3.9": (2, 26),
    "python3.10": (2, 26),
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
    "python3.14": (2, 34),
}
ARCHITECTURES = {"arm64": ("aarch64", "EM_AARCH64"), "x86_64": ("x86_64", "EM_X86_64")}
IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")  # name[extras]==version


class BuildError(Exception):
    """A build problem a person can act on, in one line."""


# ---------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    runtime: str
    architecture: str
    libc: tuple[int, int] | None = None  # glibc when it is not the runtime's (the host target)

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIME_GLIBC:
            raise BuildError(f"unknown runtime {self.runtime!r} (known: {', '.join(RUNTIME_GLIBC)})")
        if self.architecture not in ARCHITECTURES:
            raise BuildError(f"unknown architecture {self.architecture!r} (known: {', '.join(ARCHITECTURES)})")

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def machine(self) -> str:
        return ARCHITECTURES[self.architecture][0]

    @property
    def elf_machine(self) -> str:
        return ARCHITECTURES[self.architecture][1]

    @property
    def glibc(self) -> tuple[int, int]:
        return self.libc or RUNTIME_GLIBC[self.runtime]

    def platforms(self) -> list[str]:
        """manylinux tags the runtime accepts, newest first (PEP 600 tags, then the legacy aliases)."""
        major, newest = self.glibc
        tags = [f"manylinux_{major}_{minor}_{self.machine}" for minor in range(newest, 4, -1)]
        legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
        tags += [f"{alias}_{self.machine}" for alias, minor in legacy.items() if minor <= newest]
        if self.machine == "aarch64":  # manylinux2010 and manylinux1 were never defined for aarch64
            tags = [t for t in tags if not t.startswith(("manylinux2010", "manylinux1_"))]
        return tags

    def describe(self) -> str:
        return f"{self.runtime}/{self.architecture} (manylinux, glibc <= {self.glibc[0]}.{self.glibc[1]})"


# ---------------------------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class _Declared:
    """What a layer and a function folder both declare; ``kind`` names the declaration (``<kind>.json``)."""

    kind: ClassVar[str]
    name: str
    folder: Path  # repo-relative
    target: Target
    description: str

    @property
    def lock(self) -> Path:
        return self.folder / "requirements.txt"


@dataclass(frozen=True)
class LayerSource(_Declared):
    kind = "layer"
    source_packages: tuple[Path, ...]  # repo-relative package directories copied under python/
    runtime_provided: tuple[str, ...]  # normalised names the Lambda runtime already has


@dataclass(frozen=True)
class FunctionSource(_Declared):
    kind = "function"
    handlers: dict[str, str]
    layers: tuple[str, ...]

    @property
    def package(self) -> Path:
        return self.folder / self.name


Source = LayerSource | FunctionSource


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_declaration(path: Path, what: str) -> dict[str, object]:
    if not path.is_file():
        raise BuildError(f"{what}: missing {path.name}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BuildError(f"{what}: {path.name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise BuildError(f"{what}: {path.name} must hold a JSON object")
    return data


def _str_list(value: object, what: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BuildError(f"{what}: '{key}' must be a list of strings")
    return tuple(value)


def _declared_target(data: dict[str, object], what: str) -> Target:
    """The declaration's runtime and architecture; an unknown one is an error naming the folder."""
    try:
        return Target(str(data.get("runtime", DEFAULT_RUNTIME)), str(data.get("architecture", DEFAULT_ARCHITECTURE)))
    except BuildError as exc:
        raise BuildError(f"{what}: {exc}") from None


def load_layer(repo: Path, folder: Path) -> LayerSource:
    what = str(folder)
    data = _read_declaration(repo / folder / "layer.json", what)
    target = _declared_target(data, what)
    packages = tuple(Path(p) for p in _str_list(data.get("source_packages"), what, "source_packages"))
    for package in packages:
        if not (repo / package / "__init__.py").is_file():
            raise BuildError(f"{what}: source package {package} has no __init__.py")
    if not (repo / folder / "requirements.txt").is_file():
        raise BuildError(f"{what}: no requirements.txt lock (run `make lock`)")
    provided = tuple(normalize(n) for n in _str_list(data.get("runtime_provided"), what, "runtime_provided"))
    return LayerSource(folder.name, folder, target, str(data.get("description", "")), packages, provided)


def load_function(repo: Path, folder: Path) -> FunctionSource:
    what = str(folder)
    data = _read_declaration(repo / folder / "function.json", what)
    target = _declared_target(data, what)
    handlers = data.get("handlers")
    if not isinstance(handlers, dict) or not handlers:
        raise BuildError(f"{what}: function.json needs a non-empty 'handlers' object (key -> module.function)")
    spec = FunctionSource(
        folder.name,
        folder,
        target,
        str(data.get("description", "")),
        {str(k): str(v) for k, v in sorted(handlers.items())},
        _str_list(data.get("layers"), what, "layers"),
    )
    if not (repo / spec.package / "__init__.py").is_file():
        raise BuildError(f"{what}: no source package {spec.package}/ (the package is named after the folder)")
    for key, handler in spec.handlers.items():
        _check_handler(repo, spec, key, handler)
    if not (repo / spec.lock).is_file():
        raise BuildError(f"{what}: no requirements.txt lock (run `make lock`)")
    return spec


def _check_handler(repo: Path, spec: FunctionSource, key: str, handler: str) -> None:
    module, _, func = handler.rpartition(".")
    parts = module.split(".")
    if not module or parts[0] != spec.name:
        raise BuildError(f"{spec.folder}: handler {key!r} = {handler!r} must be '{spec.name}.<module>.<function>'")
    path = repo / spec.folder / Path(*parts).with_suffix(".py")
    if not path.is_file():
        raise BuildError(
            f"{spec.folder}: handler {key!r} names module {module} but {path.relative_to(repo)} is missing"
        )
    tree = ast.parse(path.read_bytes(), filename=str(path))
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    if func not in names:
        raise BuildError(f"{spec.folder}: handler {key!r}: {path.relative_to(repo)} defines no {func!r}")


@dataclass(frozen=True)
class Project:
    repo: Path
    layers: dict[str, LayerSource]
    functions: dict[str, FunctionSource]

    def retarget(self, target: Target) -> Project:
        """The same project built for another target (the host, for local runs of the real packaging)."""
        return Project(
            self.repo,
            {n: replace(spec, target=target) for n, spec in self.layers.items()},
            {n: replace(spec, target=target) for n, spec in self.functions.items()},
        )


def host_target() -> Target:
    """This interpreter and machine as a Lambda-like target: compiled wheels that import here."""
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
    name, version = platform.libc_ver()
    libc = tuple(int(p) for p in version.split(".")[:2]) if name == "glibc" else None
    return Target(f"python{sys.version_info.major}.{sys.version_info.minor}", machine, libc)  # type: ignore[arg-type]


def load_project(repo: Path, only: Iterable[str] = ()) -> Project:
    """Read the declarations (all, or the named functions and layers); a malformed folder raises naming it."""
    wanted = set(only)
    layer_dirs = _folders(repo / "layers", "layer.json")
    function_dirs = [f for f in _folders(repo / "functions", None) if not wanted or f.name in wanted]
    unknown = wanted - {f.name for f in function_dirs} - {f.name for f in layer_dirs}
    if unknown:
        raise BuildError(f"unknown function or layer: {', '.join(sorted(unknown))}")
    layers = {f.name: load_layer(repo, f.relative_to(repo)) for f in layer_dirs}
    functions = {f.name: load_function(repo, f.relative_to(repo)) for f in function_dirs}
    for fn in functions.values():
        for layer_name in fn.layers:
            layer = layers.get(layer_name)
            if layer is None:
                raise BuildError(f"{fn.folder}: unknown layer {layer_name!r} (known: {', '.join(layers) or 'none'})")
            if layer.target != fn.target:
                raise BuildError(
                    f"{fn.folder}: targets {fn.target.runtime}/{fn.target.architecture} but layer {layer_name} is "
                    f"{layer.target.runtime}/{layer.target.architecture}; declare a layer for that target"
                )
    return Project(repo, layers, functions)


def _folders(root: Path, marker: str | None) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith((".", "_")):
            continue
        if marker is None or (child / marker).exists():
            found.append(child)
    return found


# ---------------------------------------------------------------------------------------------- locks


@dataclass(frozen=True)
class Requirement:
    name: str  # normalised
    version: str
    text: str  # the lock's block for this requirement, hash lines included


def parse_lock(text: str) -> list[Requirement]:
    """Requirements of a pip-compile lock, each with its hash lines."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace() and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    reqs = []
    for block in blocks:
        m = PIN.match(block[0])
        if not m:
            raise BuildError(f"lock line is not an exact pin: {block[0].strip()}")
        reqs.append(Requirement(normalize(m.group(1)), m.group(2), "\n".join(block).rstrip(" \\") + "\n"))
    return reqs


def _hashes(req: Requirement) -> set[str]:
    return set(re.findall(r"--hash=sha256:([0-9a-f]{64})", req.text))


# ---------------------------------------------------------------------------------------------- wheels


class WheelCache:
    """Wheels for one target, fetched with pip (binary only, hashes required) and verified by hash."""

    def __init__(self, root: Path, target: Target) -> None:
        self.root = root / f"{target.runtime}-{target.architecture}"
        self.target = target

    def wheels_for(self, reqs: list[Requirement]) -> list[Path]:
        self.root.mkdir(parents=True, exist_ok=True)
        found = {req.name: self._cached(req) for req in reqs}
        missing = [req for req in reqs if found[req.name] is None]
        if missing:
            self._download(missing)
            for req in missing:
                found[req.name] = self._cached(req)
                if found[req.name] is None:
                    raise BuildError(f"{req.name}=={req.version}: pip reported success but no matching wheel is cached")
        return [w for w in (found[r.name] for r in reqs) if w is not None]

    def _cached(self, req: Requirement) -> Path | None:
        """The most preferred cached wheel for req (pip's tag order), so cache history never picks the bytes."""
        from packaging.utils import parse_wheel_filename

        rank = self._tag_rank()
        allowed = _hashes(req)
        best: tuple[int, Path] | None = None
        for wheel in sorted(self.root.glob("*.whl")):
            try:
                name, version, _, tags = parse_wheel_filename(wheel.name)
            except ValueError:
                continue
            if normalize(name) != req.name or str(version) != req.version:
                continue
            score = min((rank[t] for t in tags if t in rank), default=None)
            if score is None or (best is not None and best[0] <= score):
                continue
            if _file_sha256(wheel).hex() in allowed:
                best = (score, wheel)
        return best[1] if best else None

    def _tag_rank(self) -> dict[object, int]:
        from packaging.tags import compatible_tags, cpython_tags

        version = tuple(int(p) for p in self.target.python_version.split("."))
        platforms = self.target.platforms()
        ordered = [*cpython_tags(version, [self.target.abi], platforms)]
        ordered += compatible_tags(version, f"cp{version[0]}{version[1]}", platforms)
        rank: dict[object, int] = {}
        for index, tag in enumerate(ordered):
            rank.setdefault(tag, index)
        return rank

    def _download(self, reqs: list[Requirement]) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("".join(r.text for r in reqs))
            req_file = handle.name
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"]
        cmd += ["--only-binary=:all:", "--require-hashes", "--implementation", "cp"]
        cmd += ["--python-version", self.target.python_version, "--abi", self.target.abi]
        for tag in self.target.platforms():
            cmd += ["--platform", tag]
        cmd += ["-d", str(self.root), "-r", req_file]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        finally:
            os.unlink(req_file)
        if proc.returncode != 0:
            raise BuildError(self._explain(proc.stderr, reqs))

    def _explain(self, stderr: str, reqs: list[Requirement]) -> str:
        m = re.search(r"(?:No matching distribution found for|satisfies the requirement) ([A-Za-z0-9._-]+)", stderr)
        if m:
            name = normalize(m.group(1))
            version = next((r.version for r in reqs if r.name == name), "?")
            return (
                f"{name}=={version} has no wheel for {self.target.describe()}: choose a version or a package that "
                f"publishes manylinux {self.target.machine} wheels (or a -binary variant), or build the wheel and "
                f"put it in PIP_FIND_LINKS"
            )
        if "DO NOT MATCH THE HASHES" in stderr:
            return f"a downloaded wheel does not match the lock's hashes for {self.target.describe()}: run `make lock`"
        lines = [ln for ln in stderr.splitlines() if ln.startswith("ERROR")] or stderr.strip().splitlines()[-1:]
        return f"pip download failed for {self.target.describe()}: {lines[0] if lines else 'unknown error'}"


def _file_sha256(path: Path) -> bytes:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def unpack_wheel(wheel: Path, dest: Path) -> None:
    """Install a wheel's purelib/platlib content into dest, as an installer would, minus installer metadata."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename).parts
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts, headers and data files are not importable code
                parts = parts[2:]
            if any(p in IGNORED_PARTS for p in parts) or PurePosixPath(*parts).suffix in IGNORED_SUFFIXES:
                continue
            if parts[0].endswith(".dist-info") and parts[-1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = zf.read(info)
            if target.exists() and target.read_bytes() != data:
                raise BuildError(f"{wheel.name}: {'/'.join(parts)} conflicts with a file another wheel installed")
            target.write_bytes(data)


# ---------------------------------------------------------------------------------------------- checks


def check_tree(root: Path, target: Target) -> None:
    """ELF architecture and glibc of every shared object; raises naming the file and the rule."""
    for path in sorted(_walk(root)):
        rel = path.relative_to(root).as_posix()
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                if rel.endswith(".so") or ".so." in PurePosixPath(rel).name:
                    raise BuildError(f"{rel}: rule elf-format: a shared object that is not an ELF file")
                continue
        _check_elf(path, rel, target)


def _check_elf(path: Path, rel: str, target: Target) -> None:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    try:
        with path.open("rb") as handle:
            elf = ELFFile(handle)
            machine = elf.header["e_machine"]
            if machine != target.elf_machine:
                raise BuildError(
                    f"{rel}: rule elf-architecture: built for {machine}, target {target.architecture} "
                    f"needs {target.elf_machine}"
                )
            newest = (0, 0)
            for section in elf.iter_sections():
                if not isinstance(section, GNUVerNeedSection):
                    continue
                for _, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        m = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", aux.name)
                        if m:
                            newest = max(newest, (int(m.group(1)), int(m.group(2))))
    except ELFError as exc:
        raise BuildError(f"{rel}: rule elf-format: unreadable ELF ({exc})") from None
    if newest > target.glibc:
        raise BuildError(
            f"{rel}: rule glibc: needs GLIBC_{newest[0]}.{newest[1]}, {target.runtime} has "
            f"{target.glibc[0]}.{target.glibc[1]}"
        )


def check_zip(zip_path: Path, rel: str) -> None:
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            mode = info.external_attr >> 16
            if mode & 0o444 != 0o444:
                raise BuildError(f"{rel}: {info.filename}: rule world-readable: mode {oct(mode & 0o777)}")
    size = zip_path.stat().st_size
    if size > MAX_ZIPPED_BYTES:
        raise BuildError(f"{rel}: rule zipped-size: {_mb(size)} over Lambda's {_mb(MAX_ZIPPED_BYTES)} upload limit")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------------------------------------- bytecode

# Runs in the target interpreter: compile the listed sources (paths relative to the cwd, which is the stage
# root) to unchecked-hash pycs whose recorded source path is the in-zip path. Sorted input + a fixed hash
# seed + a fresh process per artifact make the bytes independent of the checkout, the job count and the
# build order. A file the target cannot compile (a template, Python 2 code in a wheel) is left without pyc.
_COMPILE = r"""
import importlib.util, json, os, py_compile, sys
failed = []
for rel in json.load(sys.stdin):
    source = os.path.join(os.getcwd(), rel)
    try:
        py_compile.compile(source, cfile=importlib.util.cache_from_source(source), dfile=rel, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        failed.append(rel)
json.dump(failed, sys.stdout)
"""
_PROBE = (
    "import importlib.util, sys; "
    "print(sys.implementation.name, sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex())"
)


@dataclass(frozen=True)
class BytecodeCompiler:
    """A CPython of the target runtime's version, which writes the pycs that runtime will load."""

    python: str  # executable
    cache_tag: str  # "cpython-313"
    magic: str  # hex of importlib.util.MAGIC_NUMBER: a different magic is a different key

    def compile_tree(self, root: Path) -> list[str]:
        """Write ``__pycache__/<name>.<tag>.pyc`` next to every ``.py`` under root; returns the skipped files."""
        sources = sorted(p.relative_to(root).as_posix() for p in _walk(root) if p.suffix == ".py")
        if not sources:
            return []
        env = {"PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        proc = subprocess.run(
            [self.python, "-S", "-s", "-c", _COMPILE],
            input=json.dumps(sources),
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BuildError(f"bytecode: {self.python} failed compiling {root.name}: {last}")
        return list(json.loads(proc.stdout))


def bytecode_compiler(target: Target) -> BytecodeCompiler | None:
    """The interpreter that compiles for ``target`` (found as the local data plane finds it), or None."""
    return _compiler_for(target.python_version)


@functools.cache
def _compiler_for(version: str) -> BytecodeCompiler | None:
    from scripts.local.interpreters import interpreter_for

    if version == f"{sys.version_info.major}.{sys.version_info.minor}":
        python = sys.executable  # a host build: this interpreter is the target
    else:
        found = interpreter_for(f"python{version}")
        if not found.exact:
            return None
        python = found.path
    try:
        proc = subprocess.run([python, "-S", "-c", _PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = proc.stdout.split()
    if proc.returncode != 0 or len(words) != 3 or words[0] != "cpython":
        return None
    return BytecodeCompiler(python, words[1], words[2])


def missing_bytecode_message(target: Target) -> str:
    version = target.python_version
    return (
        f"no {target.runtime} interpreter to compile bytecode: its artifacts ship without .pyc (every cold start "
        f"compiles); install it (`pyenv install {version}`) or set LOCAL_LAMBDA_PYTHON{version.replace('.', '_')}"
        f"=/path/to/python{version}"
    )


# ---------------------------------------------------------------------------------------------- zips


def _walk(root: Path, *, bytecode: bool = False) -> Iterator[Path]:
    """Files under root in sorted order; caches and stray bytecode are skipped unless ``bytecode`` (a stage
    whose only pycs are the ones :meth:`BytecodeCompiler.compile_tree` wrote)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_PARTS or (bytecode and d == "__pycache__"))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.is_symlink() or name in IGNORED_PARTS:
                continue
            if path.suffix in IGNORED_SUFFIXES and not (bytecode and path.parent.name == "__pycache__"):
                continue
            yield path


def write_zip(root: Path, dest: Path) -> int:
    """Write root's files to dest deterministically and atomically; returns the unzipped size."""
    files = sorted((p.relative_to(root).as_posix(), p) for p in _walk(root, bytecode=True))
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    unzipped = 0
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name, path in files:
                data = path.read_bytes()
                unzipped += len(data)
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = ZIP_FILE_MODE << 16
                info.create_system = 3
                info.compress_type = ZIP_COMPRESSION
                zf.writestr(info, data, compress_type=ZIP_COMPRESSION, compresslevel=ZIP_LEVEL)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return unzipped


def b64sha256(path: Path) -> str:
    """The value Terraform's filebase64sha256() and Lambda's CodeSha256 give."""
    return base64.b64encode(_file_sha256(path)).decode()


# ---------------------------------------------------------------------------------------------- keys


def _tree_digest(repo: Path, roots: Iterable[Path]) -> list[tuple[str, str]]:
    entries = []
    for root in roots:
        for path in _walk(repo / root):
            entries.append((path.relative_to(repo).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return sorted(entries)


def _key(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _artifact_key(repo: Path, spec: Source, compiler: BytecodeCompiler | None, **inputs: object) -> str:
    return _key(
        {
            "builder": BUILDER_VERSION,
            "bytecode": [compiler.cache_tag, compiler.magic] if compiler else None,
            "kind": spec.kind,
            "name": spec.name,
            "target": asdict(spec.target),
            "declaration": (repo / spec.folder / f"{spec.kind}.json").read_text(),
            "lock": (repo / spec.lock).read_text(),
            **inputs,
        }
    )


def layer_key(repo: Path, layer: LayerSource, compiler: BytecodeCompiler | None = None) -> str:
    return _artifact_key(repo, layer, compiler, sources=_tree_digest(repo, layer.source_packages))


def function_key(
    repo: Path, fn: FunctionSource, layers: dict[str, LayerSource], compiler: BytecodeCompiler | None = None
) -> str:
    # what the layers provide decides what the function zip leaves out
    provided = {n: [(repo / layers[n].lock).read_text(), layers[n].runtime_provided] for n in fn.layers}
    return _artifact_key(repo, fn, compiler, layers=provided, sources=_tree_digest(repo, [fn.package]))


# ---------------------------------------------------------------------------------------------- build


@dataclass
class Result:
    kind: str  # "function" | "layer"
    name: str
    status: str  # "built" | "cached" | "failed"
    seconds: float = 0.0
    entry: dict[str, object] = field(default_factory=dict)
    error: str = ""


@dataclass
class Builder:
    repo: Path
    dist: Path
    wheel_cache: Path
    jobs: int = 2
    force: bool = False
    progress: Callable[[Result], None] | None = None
    target: Target | None = None  # build everything for this target instead of the declared ones
    require_bytecode: bool = False  # a missing target interpreter is an error instead of a warning
    warnings: list[str] = field(default_factory=list, init=False)
    _compilers: dict[str, BytecodeCompiler | None] = field(default_factory=dict, init=False, repr=False)

    def build(self, only: Iterable[str] = ()) -> tuple[dict[str, object], list[Result]]:
        wanted = set(only)
        project = load_project(self.repo, wanted)
        if self.target is not None:
            project = project.retarget(self.target)
        self._find_compilers(project)
        previous = self._read_manifest()
        manifest: dict[str, dict[str, object]] = {"functions": {}, "layers": {}}
        results: list[Result] = []

        layer_jobs = [
            lay
            for lay in project.layers.values()
            if not wanted or lay.name in wanted or self._needed(lay, project, wanted)
        ]
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            results.extend(pool.map(lambda lay: self._run(lay, project, previous), layer_jobs))
            fn_jobs = [fn for fn in project.functions.values() if not wanted or fn.name in wanted]
            results.extend(pool.map(lambda fn: self._run(fn, project, previous), fn_jobs))

        for kind, section in (("layer", "layers"), ("function", "functions")):
            names = set(project.layers if kind == "layer" else project.functions)
            if wanted:  # a partial build keeps the other artifacts whose folders still exist
                names |= {n for n in previous.get(section, {}) if (self.repo / section / n).is_dir()}
            for name in sorted(names):
                done = next((r for r in results if r.kind == kind and r.name == name), None)
                if done is not None and done.status != "failed":
                    manifest[section][name] = done.entry
                elif name in previous.get(section, {}) and self._intact(previous[section][name]):
                    manifest[section][name] = previous[section][name]  # keep the last good artifact usable
        document = {"version": MANIFEST_VERSION, **manifest}
        self._write_manifest(document)
        return document, results

    def _find_compilers(self, project: Project) -> None:
        """One interpreter per runtime, found before any work so a missing one is reported once."""
        targets = {spec.target for spec in project.layers.values()} | {fn.target for fn in project.functions.values()}
        for target in sorted(targets, key=lambda t: t.runtime):
            if target.runtime in self._compilers:
                continue
            compiler = self._compilers[target.runtime] = bytecode_compiler(target)
            if compiler is None:
                if self.require_bytecode:
                    raise BuildError(missing_bytecode_message(target))
                self.warnings.append(missing_bytecode_message(target))

    def _compile(self, stage: Path, target: Target) -> str | None:
        """Bytecode for every source in the stage; the cache tag recorded in the manifest, or None."""
        compiler = self._compilers.get(target.runtime)
        if compiler is None:
            return None
        compiler.compile_tree(stage)
        return compiler.cache_tag

    @staticmethod
    def _needed(layer: LayerSource, project: Project, wanted: set[str]) -> bool:
        return any(layer.name in fn.layers for name, fn in project.functions.items() if name in wanted)

    def _run(self, spec: Source, project: Project, previous: dict) -> Result:
        start = time.perf_counter()
        try:
            result = (
                self._build_layer(spec, previous)
                if isinstance(spec, LayerSource)
                else self._build_function(spec, project, previous)
            )
        except BuildError as exc:
            result = Result(spec.kind, spec.name, "failed", error=str(exc))
        result.seconds = time.perf_counter() - start
        if self.progress:
            self.progress(result)
        return result

    def _cached(self, section: str, name: str, key: str, previous: dict) -> dict[str, object] | None:
        entry = previous.get(section, {}).get(name)
        if self.force or not entry or entry.get("input_key") != key:
            return None
        return entry if self._intact(entry) else None

    def _intact(self, entry: dict[str, object]) -> bool:
        path = self.repo / str(entry.get("path", ""))
        return path.is_file() and b64sha256(path) == entry.get("sha256")

    def _zip_path(self, section: str, name: str) -> Path:
        return self.dist / section / f"{name}.zip"

    def _package(self, spec: Source, stage: Path, key: str, extra: Mapping[str, object], layer_sizes: int) -> Result:
        """Check, compile and zip a filled stage: the built artifact with its manifest entry."""
        check_tree(stage, spec.target)
        bytecode = self._compile(stage, spec.target)
        zip_path = self._zip_path(f"{spec.kind}s", spec.name)
        unzipped = self._finish(stage, zip_path, unzipped_limit_extra=layer_sizes)
        entry = {
            "path": _relative(zip_path, self.repo),
            "sha256": b64sha256(zip_path),
            "size": zip_path.stat().st_size,
            "unzipped_size": unzipped,
            "runtime": spec.target.runtime,
            "architecture": spec.target.architecture,
            **extra,
            "bytecode": bytecode,
            "input_key": key,
        }
        return Result(spec.kind, spec.name, "built", entry=entry)

    def _build_layer(self, layer: LayerSource, previous: dict) -> Result:
        key = layer_key(self.repo, layer, self._compilers.get(layer.target.runtime))
        cached = self._cached("layers", layer.name, key, previous)
        if cached:
            return Result(layer.kind, layer.name, "cached", entry=cached)
        with self._staging(layer.name) as stage:
            site = stage / "python"
            site.mkdir()
            reqs = [r for r in parse_lock((self.repo / layer.lock).read_text()) if r.name not in layer.runtime_provided]
            self._install(reqs, layer.target, site)
            for package in layer.source_packages:
                shutil.copytree(self.repo / package, site / package.name, ignore=_ignore)
            return self._package(layer, stage, key, {"description": layer.description}, layer_sizes=0)

    def _build_function(self, fn: FunctionSource, project: Project, previous: dict) -> Result:
        key = function_key(self.repo, fn, project.layers, self._compilers.get(fn.target.runtime))
        layer_sizes = 0
        skip: set[str] = set()
        for name in fn.layers:
            layer = project.layers[name]
            skip |= {r.name for r in parse_lock((self.repo / layer.lock).read_text())} | set(layer.runtime_provided)
            layer_sizes += self._layer_unzipped_size(name, previous)
        cached = self._cached("functions", fn.name, key, previous)
        if cached:
            return Result(fn.kind, fn.name, "cached", entry=cached)
        with self._staging(fn.name) as stage:
            reqs = [r for r in parse_lock((self.repo / fn.lock).read_text()) if r.name not in skip]
            self._install(reqs, fn.target, stage)
            shutil.copytree(self.repo / fn.package, stage / fn.name, ignore=_ignore)
            extra = {"handlers": fn.handlers, "layers": list(fn.layers), "description": fn.description}
            return self._package(fn, stage, key, extra, layer_sizes)

    def _layer_unzipped_size(self, name: str, previous: dict) -> int:
        path = self._zip_path("layers", name)
        if path.is_file():
            with zipfile.ZipFile(path) as zf:
                return sum(i.file_size for i in zf.infolist())
        size = previous.get("layers", {}).get(name, {}).get("unzipped_size", 0)
        return size if isinstance(size, int) else 0

    def _install(self, reqs: list[Requirement], target: Target, dest: Path) -> None:
        if not reqs:
            return
        for wheel in WheelCache(self.wheel_cache, target).wheels_for(reqs):
            unpack_wheel(wheel, dest)

    def _finish(self, stage: Path, zip_path: Path, unzipped_limit_extra: int) -> int:
        rel = _relative(zip_path, self.dist.parent)
        total = sum(p.stat().st_size for p in _walk(stage, bytecode=True))
        if total + unzipped_limit_extra > MAX_UNZIPPED_BYTES:
            raise BuildError(
                f"{rel}: rule unzipped-size: {_mb(total)} + layers {_mb(unzipped_limit_extra)} is over "
                f"Lambda's {_mb(MAX_UNZIPPED_BYTES)}"
            )
        # Write next to the destination, check, then move into place: a failed check never replaces a good zip.
        candidate = zip_path.with_name(f".{zip_path.stem}.{os.getpid()}.{threading.get_ident()}.candidate.zip")
        try:
            unzipped = write_zip(stage, candidate)
            check_zip(candidate, rel)
            os.replace(candidate, zip_path)
        finally:
            candidate.unlink(missing_ok=True)
        return unzipped

    @contextmanager
    def _staging(self, name: str) -> Iterator[Path]:
        root = self.repo / ".cache" / "build" / "staging"
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"{name}.", dir=root, ignore_cleanup_errors=True) as path:
            yield Path(path)

    def _read_manifest(self) -> dict:
        path = self.dist / "manifest.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}

    def _write_manifest(self, document: dict[str, object]) -> None:
        self.dist.mkdir(parents=True, exist_ok=True)
        path = self.dist / "manifest.json"
        fd, tmp = tempfile.mkstemp(prefix=".manifest.", dir=self.dist)
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def _relative(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in IGNORED_PARTS or Path(n).suffix in IGNORED_SUFFIXES}
