"""scripts/publish_layer.py against moto: publish, skip, grant, prune, dry run, S3, and every error path."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import boto3
import pytest
from moto import mock_aws

from scripts.layer_versions import DIRECT_UPLOAD_LIMIT, READ_ONLY_OPERATIONS, main

if TYPE_CHECKING:
    from mypy_boto3_s3.literals import BucketLocationConstraintType

REPO = Path(__file__).resolve().parents[2]
REGIONS = ("us-east-1", "eu-west-1")
DECLARATION = {
    "description": "Shared package and pinned libraries.",
    "runtime": "python3.13",
    "architecture": "arm64",
    "source_packages": ["shared/src/shared"],
}


def layer_zip(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/shared/__init__.py", f"VERSION = {marker!r}\n")
    return buffer.getvalue()


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class Repo:
    """A throwaway monorepo: layers/<name>/layer.json and dist/layers/<name>.zip."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def declare(self, name: str = "common", **overrides: object) -> None:
        folder = self.root / "layers" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "layer.json").write_text(json.dumps({**DECLARATION, **overrides}))

    def build(self, data: bytes, name: str = "common", manifest_sha: str | None = None) -> bytes:
        target = self.root / "dist" / "layers" / f"{name}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if manifest_sha is not None:
            manifest = {"version": 1, "functions": {}, "layers": {name: {"path": f"dist/layers/{name}.zip",
                                                                         "sha256": manifest_sha}}}  # fmt: skip
            (self.root / "dist" / "manifest.json").write_text(json.dumps(manifest))
        return data


class Recorder:
    """Every AWS operation a session's clients call, recorded from botocore's before-call event."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.operations: list[str] = []
        session.events.register("before-call", self._record)

    def _record(self, model: object, **_: object) -> None:
        self.operations.append(model.name)  # type: ignore[attr-defined]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repository = Repo(tmp_path)
    repository.declare()
    return repository


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def run(repo: Repo, *args: str, session: boto3.session.Session | None = None) -> int:
    return main(["common", "--repo", str(repo.root), "--revision", "abc1234", *args], session=session)


def run_json(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = run(repo, "--json", *args)
    return code, json.loads(capsys.readouterr().out)


def versions(region: str, name: str = "common") -> list[int]:
    client = boto3.client("lambda", region_name=region)
    return sorted(v["Version"] for v in client.list_layer_versions(LayerName=name)["LayerVersions"])


# ------------------------------------------------------------------------------------------ publishing


@pytest.mark.usefixtures("aws")
def test_publishes_a_version_in_every_region(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a built layer
    data = repo.build(layer_zip("v1"))

    # When it is published to two regions
    code, document = run_json(repo, capsys, "-r", ",".join(REGIONS))

    # Then each region holds version 1 with the zip's bytes, the declared targets and the revision
    assert code == 0
    assert document["ok"] is True
    assert [(r["region"], r["status"], r["version"]) for r in document["regions"]] == [
        ("us-east-1", "published", 1),
        ("eu-west-1", "published", 1),
    ]
    for region, outcome in zip(REGIONS, document["regions"], strict=True):
        assert outcome["arn"] == f"arn:aws:lambda:{region}:123456789012:layer:common:1"
        assert outcome["error"] is None
        published = boto3.client("lambda", region_name=region).get_layer_version(LayerName="common", VersionNumber=1)
        assert published["Content"]["CodeSha256"] == code_sha256(data)
        assert published["CompatibleRuntimes"] == ["python3.13"]
        assert published["CompatibleArchitectures"] == ["arm64"]
        assert published["Description"] == "Shared package and pinned libraries. (rev abc1234)"


@pytest.mark.usefixtures("aws")
def test_runtime_and_architecture_lists_in_the_declaration_are_used(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a declaration with several runtimes and architectures
    repo.declare(runtimes=["python3.12", "python3.13"], architectures=["arm64", "x86_64"])
    repo.build(layer_zip("v1"))

    # When it is published
    code, _ = run_json(repo, capsys, "-r", "us-east-1")

    # Then the version is compatible with all of them
    published = boto3.client("lambda", region_name="us-east-1").get_layer_version(LayerName="common", VersionNumber=1)
    assert code == 0
    assert published["CompatibleRuntimes"] == ["python3.12", "python3.13"]
    assert published["CompatibleArchitectures"] == ["arm64", "x86_64"]


@pytest.mark.usefixtures("aws")
def test_rerun_with_the_same_zip_skips_every_region(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a layer already published in both regions
    repo.build(layer_zip("v1"))
    assert run_json(repo, capsys, "-r", "us-east-1", "-r", "eu-west-1")[0] == 0

    # When the same zip is published again
    code, document = run_json(repo, capsys, "-r", "us-east-1", "-r", "eu-west-1")

    # Then nothing new is published and the existing version is reported
    assert code == 0
    assert [(r["status"], r["version"]) for r in document["regions"]] == [("skipped", 1), ("skipped", 1)]
    assert versions("us-east-1") == versions("eu-west-1") == [1]


@pytest.mark.usefixtures("aws")
def test_changed_zip_publishes_a_new_version_only_where_it_differs(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given v1 in us-east-1 only
    repo.build(layer_zip("v1"))
    run_json(repo, capsys, "-r", "us-east-1")

    # When v2 is published to both regions
    repo.build(layer_zip("v2"))
    code, document = run_json(repo, capsys, "-r", "us-east-1,eu-west-1")

    # Then us-east-1 gets version 2 and eu-west-1 its first version
    assert code == 0
    assert [(r["status"], r["version"]) for r in document["regions"]] == [("published", 2), ("published", 1)]


# ------------------------------------------------------------------------------------- grant and prune


def policy_statements(region: str, version: int) -> list[dict]:
    client = boto3.client("lambda", region_name=region)
    return json.loads(client.get_layer_version_policy(LayerName="common", VersionNumber=version)["Policy"])["Statement"]


@pytest.mark.usefixtures("aws")
def test_grant_gives_accounts_and_the_organization_get_layer_version(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a built layer
    repo.build(layer_zip("v1"))

    # When it is published with grants to two accounts and an organization
    code, document = run_json(
        repo, capsys, "-r", "us-east-1",
        "--grant-account", "111111111111", "--grant-account", "222222222222", "--grant-org", "o-abcdef1234",
    )  # fmt: skip

    # Then the version's policy allows exactly those principals to get the layer version
    assert code == 0
    assert document["regions"][0]["granted"] == ["account-111111111111", "account-222222222222", "org-o-abcdef1234"]
    statements = sorted(policy_statements("us-east-1", 1), key=lambda s: s["Sid"])
    assert [(s["Sid"], s["Principal"], s.get("OrganizationId"), s["Action"]) for s in statements] == [
        ("account-111111111111", "111111111111", None, "lambda:GetLayerVersion"),
        ("account-222222222222", "222222222222", None, "lambda:GetLayerVersion"),
        ("org-o-abcdef1234", "*", "o-abcdef1234", "lambda:GetLayerVersion"),
    ]


@pytest.mark.usefixtures("aws")
def test_rerun_grants_only_what_the_skipped_version_lacks(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a version already shared with one account
    repo.build(layer_zip("v1"))
    run_json(repo, capsys, "-r", "us-east-1", "--grant-account", "111111111111")

    # When the same zip is rerun granting that account and a new one
    code, document = run_json(
        repo, capsys, "-r", "us-east-1", "--grant-account", "111111111111", "--grant-account", "222222222222"
    )

    # Then only the new account is added; no statement is duplicated
    assert code == 0
    assert document["regions"][0]["status"] == "skipped"
    assert document["regions"][0]["granted"] == ["account-222222222222"]
    assert sorted(s["Sid"] for s in policy_statements("us-east-1", 1)) == [
        "account-111111111111",
        "account-222222222222",
    ]


@pytest.mark.usefixtures("aws")
def test_prune_keeps_only_the_newest_versions(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given four published versions
    for marker in ("v1", "v2", "v3", "v4"):
        repo.build(layer_zip(marker))
        run_json(repo, capsys, "-r", "us-east-1")

    # When a fifth is published keeping the newest two
    repo.build(layer_zip("v5"))
    code, document = run_json(repo, capsys, "-r", "us-east-1", "--keep", "2")

    # Then versions 1–3 are deleted and 4–5 remain
    assert code == 0
    assert document["regions"][0]["pruned"] == [3, 2, 1]
    assert versions("us-east-1") == [4, 5]


# --------------------------------------------------------------------------------------------- dry run


@pytest.mark.usefixtures("aws")
def test_dry_run_reports_the_plan_and_calls_nothing_that_changes_state(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given v1 published in us-east-1 and a new build
    repo.build(layer_zip("v1"))
    run_json(repo, capsys, "-r", "us-east-1")
    repo.build(layer_zip("v2"))
    session = boto3.session.Session()
    recorder = Recorder(session)

    # When a dry run would publish with a grant, pruning and the S3 path, in two regions
    code = run(
        repo, "--json", "--dry-run", "-r", "us-east-1,eu-west-1", "--grant-account", "111111111111",
        "--keep", "1", "--s3-bucket", "artifacts-{region}", session=session,
    )  # fmt: skip
    document = json.loads(capsys.readouterr().out)

    # Then it says what it would do, made only read-only calls, and nothing changed
    assert code == 0
    assert document["dry_run"] is True
    east, west = document["regions"]
    assert east["status"] == west["status"] == "would_publish"
    assert east["pruned"] == [1]
    assert any(a.startswith("publish common.zip") and "s3://artifacts-us-east-1/common/" in a for a in east["actions"])
    assert "grant account-111111111111" in east["actions"]
    assert east["granted"] == west["granted"] == ["account-111111111111"]
    assert "delete version 1" in east["actions"]
    assert recorder.operations, "the dry run should still read the current state"
    assert set(recorder.operations) <= READ_ONLY_OPERATIONS
    assert versions("us-east-1") == [1]
    assert versions("eu-west-1") == []
    assert boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"] == []


# -------------------------------------------------------------------------------------------------- S3


@pytest.mark.usefixtures("aws")
def test_s3_bucket_per_region_uploads_then_publishes_from_s3(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a bucket in each region
    data = repo.build(layer_zip("v1"))
    for region in REGIONS:
        create_bucket(region, f"artifacts-{region}")

    # When the layer is published through S3
    code, document = run_json(
        repo, capsys, "-r", ",".join(REGIONS), "--s3-bucket", "artifacts-{region}", "--s3-prefix", "layers/"
    )

    # Then the zip sits in each region's bucket under a content-addressed key and Lambda holds the same bytes
    assert code == 0
    key = f"layers/common/{hashlib.sha256(data).hexdigest()}.zip"
    for region, outcome in zip(REGIONS, document["regions"], strict=True):
        assert outcome["status"] == "published"
        stored = boto3.client("s3", region_name=region).get_object(Bucket=f"artifacts-{region}", Key=key)
        assert stored["Body"].read() == data
        layer = boto3.client("lambda", region_name=region).get_layer_version(LayerName="common", VersionNumber=1)
        assert layer["Content"]["CodeSha256"] == code_sha256(data)


def create_bucket(region: str, bucket: str) -> None:
    s3 = boto3.client("s3", region_name=region)
    if region == "us-east-1":  # the one region S3 refuses a LocationConstraint for
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": cast("BucketLocationConstraintType", region)},
        )


def large_zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("python/blob.bin", os.urandom(size))  # random bytes: the zip stays that large
    return buffer.getvalue()


@pytest.mark.slow
@pytest.mark.usefixtures("aws")
def test_zip_over_the_direct_limit_is_published_through_s3(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a zip over 50 MiB and a bucket
    data = repo.build(large_zip(DIRECT_UPLOAD_LIMIT + 1024))
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts")

    # When it is published with --s3-bucket
    code, document = run_json(repo, capsys, "-r", "us-east-1", "--s3-bucket", "artifacts")

    # Then Lambda took it from S3 with the same CodeSha256
    assert code == 0
    assert document["regions"][0]["status"] == "published"
    layer = boto3.client("lambda", region_name="us-east-1").get_layer_version(LayerName="common", VersionNumber=1)
    assert layer["Content"]["CodeSha256"] == code_sha256(data)


def test_zip_over_the_direct_limit_without_a_bucket_exits_2(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a zip over 50 MiB
    repo.build(large_zip(DIRECT_UPLOAD_LIMIT + 1024))

    # When it is published without --s3-bucket
    code = run(repo, "-r", "us-east-1")

    # Then it stops before any AWS call with one line naming the fix
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "over the 50 MiB direct upload limit: pass --s3-bucket" in err


# ----------------------------------------------------------------------------------------- error paths


@pytest.mark.usefixtures("aws")
def test_aws_error_in_one_region_reports_both_outcomes_and_exits_1(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a bucket in us-east-1 but none in eu-west-1
    repo.build(layer_zip("v1"))
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts-us-east-1")

    # When both regions are published through their bucket
    code = run(repo, "--json", "-r", "us-east-1,eu-west-1", "--s3-bucket", "artifacts-{region}")
    captured = capsys.readouterr()
    document = json.loads(captured.out)

    # Then us-east-1 succeeded, eu-west-1 failed with S3's error code and message, and the run is not ok
    assert code == 1
    assert document["ok"] is False
    east, west = document["regions"]
    assert (east["status"], east["version"], east["error"]) == ("published", 1, None)
    assert west["status"] == "failed"
    assert west["error"].startswith("NoSuchBucket: The specified bucket does not exist (PutObject)")
    assert captured.err == "publish_layer: error: failed in 1 of 2 regions: eu-west-1\n"
    assert versions("us-east-1") == [1]


@pytest.mark.usefixtures("aws")
def test_human_output_has_a_line_per_region_and_a_summary_table(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given us-east-1 can publish through its bucket and eu-west-1 cannot
    repo.build(layer_zip("v1"))
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts-us-east-1")

    # When published without --json
    code = run(repo, "-r", "us-east-1,eu-west-1", "--s3-bucket", "artifacts-{region}")
    out = capsys.readouterr().out.splitlines()

    # Then one progress line per region, then a table row per region
    assert code == 1
    assert "us-east-1: published arn:aws:lambda:us-east-1:123456789012:layer:common:1" in out
    assert any(line.startswith("eu-west-1: failed - error=NoSuchBucket: ") for line in out)
    header = out.index(next(line for line in out if line.startswith("REGION")))
    assert out[header].split() == ["REGION", "STATUS", "VERSION", "DETAIL"]
    assert out[header + 1].split()[:3] == ["us-east-1", "published", "1"]
    assert out[header + 2].split()[:4] == ["eu-west-1", "failed", "-", "NoSuchBucket:"]
    assert "Traceback" not in "\n".join(out)


def test_missing_zip_exits_2_with_one_line(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a declared layer that was never built
    # When it is published
    code = run(repo, "-r", "us-east-1")

    # Then exit 2 and one line pointing at the build
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err
        == f"publish_layer: error: layer zip not found: {repo.root}/dist/layers/common.zip (run `make build` first)\n"
    )


def test_unknown_layer_exits_2_naming_the_known_ones(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given only the common layer is declared
    # When another layer is published
    code = main(["orders", "--repo", str(repo.root), "--revision", "abc1234", "-r", "us-east-1"])

    # Then exit 2 and one line listing the declared layers
    assert code == 2
    assert capsys.readouterr().err == (
        "publish_layer: error: unknown layer 'orders': no layers/orders/layer.json (known: common)\n"
    )


def test_zip_that_disagrees_with_the_manifest_exits_2(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a manifest recording another build's sha256
    repo.build(layer_zip("v2"), manifest_sha=code_sha256(layer_zip("v1")))

    # When it is published
    code = run(repo, "-r", "us-east-1")

    # Then exit 2: the zip is not the one the manifest describes
    err = capsys.readouterr().err
    assert code == 2
    assert "but dist/manifest.json says" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--grant-account", "12345"], "invalid --grant-account '12345': expected a 12-digit account id"),
        (["--grant-org", "org-1"], "invalid --grant-org 'org-1'"),
        (["--keep", "0"], "invalid --keep 0: must be at least 1"),
        (["--layer-name", "bad name"], "invalid --layer-name 'bad name'"),
        (["--s3-prefix", "x/"], "--s3-prefix needs --s3-bucket"),
        (["-r", "EU WEST!"], "invalid --region 'EU WEST!': expected a region name like eu-west-1"),
        (["-r", "eu-west-1,us-east"], "invalid --region 'us-east'"),
    ],
)
def test_invalid_option_exits_2_naming_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    # Given a built layer
    repo.build(layer_zip("v1"))

    # When an option is invalid
    code = run(repo, "-r", "us-east-1", *option)

    # Then exit 2 with one line naming the option
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


# ------------------------------------------------------------------------------------ git and the CLI


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.usefixtures("aws")
def test_description_carries_the_git_revision_and_dirty_flag(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a git repository with a committed declaration and an uncommitted build (dist/ is ignored)
    (repo.root / ".gitignore").write_text("dist/\n")
    git(repo.root, "init", "-q")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "layer")
    head = git(repo.root, "rev-parse", "--short", "HEAD")
    repo.build(layer_zip("v1"))
    argv = ["common", "--repo", str(repo.root), "--json", "-r", "us-east-1", "--dry-run"]

    # When the description is composed on a clean tree, then on a dirty one
    assert main(argv) == 0
    clean = json.loads(capsys.readouterr().out)["description"]
    (repo.root / "layers" / "common" / "layer.json").write_text(json.dumps({**DECLARATION, "description": "edited"}))
    assert main(argv) == 0
    dirty = json.loads(capsys.readouterr().out)["description"]

    # Then both carry the short revision, and the dirty one says so
    assert clean == f"Shared package and pinned libraries. (rev {head})"
    assert dirty == f"edited (rev {head}+dirty)"


def test_outside_git_without_revision_exits_2(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a built layer outside any git repository
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.root.parent))
    repo.build(layer_zip("v1"))

    # When it is published without --revision
    code = main(["common", "--repo", str(repo.root), "-r", "us-east-1"])

    # Then exit 2 with one line suggesting --revision
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("publish_layer: error: cannot read the git revision (")
    assert err.endswith("; pass --revision\n")
    assert err.count("\n") == 1


def test_cli_file_runs_help_and_reports_input_errors_without_traceback(repo: Repo) -> None:
    # Given the CLI run as a file, the way pipelines call it
    script = REPO / "scripts" / "publish_layer.py"

    # When asked for help, and when the zip is missing
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, check=False)
    missing = subprocess.run(
        [sys.executable, str(script), "common", "--repo", str(repo.root), "--revision", "x", "-r", "us-east-1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    # Then help lists the options, and the error is exit 2 with one line
    assert shown.returncode == 0
    assert "--s3-bucket" in shown.stdout
    assert "--dry-run" in shown.stdout
    assert missing.returncode == 2
    assert missing.stderr.startswith("publish_layer: error: layer zip not found: ")
    assert missing.stderr.count("\n") == 1
    assert missing.stdout == ""


def test_cli_file_rejects_a_malformed_region_with_one_line_not_a_traceback() -> None:
    # Given the command from the report, run in this repository as a pipeline would
    script = REPO / "scripts" / "publish_layer.py"

    # When the region is not a region name
    result = subprocess.run(
        [sys.executable, str(script), "common", "-r", "EU WEST!"], capture_output=True, text=True, check=False, cwd=REPO
    )

    # Then exit 2 with one line naming it, before any AWS call
    assert result.returncode == 2
    assert result.stderr == "publish_layer: error: invalid --region 'EU WEST!': expected a region name like eu-west-1\n"
    assert result.stdout == ""
