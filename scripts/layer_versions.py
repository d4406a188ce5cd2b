"""Publish a built layer zip as a new Lambda layer version in one or more regions.

The CLI is ``scripts/publish_layer.py``; this module holds the logic so tests can drive it directly.

Per region: find the newest version; if its CodeSha256 equals the zip's, skip (idempotent reruns), else
publish (directly, or through S3 when ``--s3-bucket`` is given — required above the 50 MB direct limit);
then grant ``lambda:GetLayerVersion`` to accounts / an organization on that version and prune old versions.
A failure in one region never hides the others: every region gets an outcome, and any failure exits 1.
Input problems (unknown layer, missing zip, bad option) exit 2 before any AWS call.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from scripts.artifacts import b64sha256

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.literals import ArchitectureType, RuntimeType
    from mypy_boto3_lambda.type_defs import LayerVersionContentInputTypeDef
    from mypy_boto3_s3 import S3Client

REPO = Path(__file__).resolve().parent.parent
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # PublishLayerVersion's ZipFile limit; larger zips must come from S3
DESCRIPTION_LIMIT = 256  # Lambda's maximum layer description length
LAYER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,140}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")  # us-east-1, ap-southeast-2, us-gov-west-1, cn-north-1
READ_ONLY_OPERATIONS = frozenset({"ListLayerVersions", "GetLayerVersion", "GetLayerVersionPolicy"})

Status = Literal["published", "skipped", "failed", "would_publish"]


class PublishError(Exception):
    """An input problem worth one line on stderr and exit code 2."""


@dataclass(frozen=True)
class LayerArtifact:
    """The built zip and the identity Lambda will give it."""

    path: Path
    sha256: str  # base64 of the SHA-256 digest, exactly as Lambda reports CodeSha256
    size: int

    @property
    def sha256_hex(self) -> str:
        return base64.b64decode(self.sha256).hex()


@dataclass(frozen=True)
class PublishRequest:
    """Everything one run needs, validated."""

    layer_name: str
    artifact: LayerArtifact
    regions: tuple[str, ...]
    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    description: str
    accounts: tuple[str, ...] = ()
    organization: str | None = None
    keep: int | None = None
    s3_bucket: str | None = None  # may contain "{region}" (S3 content must live in the layer's region)
    s3_prefix: str = ""
    dry_run: bool = False

    def s3_location(self, region: str) -> tuple[str, str] | None:
        if self.s3_bucket is None:
            return None
        prefix = self.s3_prefix.strip("/")
        key = f"{prefix}/" if prefix else ""
        return self.s3_bucket.format(region=region), f"{key}{self.layer_name}/{self.artifact.sha256_hex}.zip"


@dataclass
class RegionOutcome:
    """What happened in one region (the ``--json`` shape of one entry)."""

    region: str
    status: Status
    arn: str | None = None
    version: int | None = None
    error: str | None = None
    granted: list[str] = field(default_factory=list)  # statement ids added (in a dry run: would be added)
    pruned: list[int] = field(default_factory=list)  # versions deleted (in a dry run: would be deleted)
    actions: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- inputs


def read_declaration(repo: Path, layer: str) -> dict[str, object]:
    path = repo / "layers" / layer / "layer.json"
    if not LAYER_NAME.match(layer) or not path.is_file():
        known = sorted(p.parent.name for p in (repo / "layers").glob("*/layer.json"))
        raise PublishError(
            f"unknown layer {layer!r}: no layers/{layer}/layer.json (known: {', '.join(known) or 'none'})"
        )
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise PublishError(f"layers/{layer}/layer.json is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PublishError(f"layers/{layer}/layer.json must be a JSON object")
    return data


def declared_targets(declaration: dict[str, object], layer: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Compatible runtimes and architectures: the "runtimes"/"architectures" lists, else the single values."""

    def values(plural: str, singular: str, default: str) -> tuple[str, ...]:
        raw = declaration.get(plural, [declaration.get(singular, default)])
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v for v in raw):
            raise PublishError(f"layers/{layer}/layer.json: {plural!r} must be a non-empty list of strings")
        return tuple(raw)

    return values("runtimes", "runtime", "python3.13"), values("architectures", "architecture", "arm64")


def load_artifact(repo: Path, layer: str, zip_path: Path | None = None) -> LayerArtifact:
    """The layer zip (from --zip, the manifest's path, or dist/layers/<layer>.zip), checked against the manifest."""
    manifest_path = repo / "dist" / "manifest.json"
    manifest_entry: dict[str, object] = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as exc:
            raise PublishError(f"dist/manifest.json is not valid JSON: {exc}") from exc
        entry = manifest.get("layers", {}).get(layer) if isinstance(manifest, dict) else None
        manifest_entry = entry if isinstance(entry, dict) else {}
    if zip_path is None:
        zip_path = repo / str(manifest_entry.get("path", f"dist/layers/{layer}.zip"))
    if not zip_path.is_file():
        raise PublishError(f"layer zip not found: {zip_path} (run `make build` first)")
    if not zipfile.is_zipfile(zip_path):
        raise PublishError(f"not a zip file: {zip_path}")
    sha256 = b64sha256(zip_path)
    expected = manifest_entry.get("sha256")
    if expected is not None and expected != sha256:
        raise PublishError(
            f"{zip_path} has sha256 {sha256} but dist/manifest.json says {expected}: stale build, run `make build`"
        )
    return LayerArtifact(path=zip_path, sha256=sha256, size=zip_path.stat().st_size)


def git_revision(repo: Path) -> str:
    """``git rev-parse --short HEAD``, plus ``+dirty`` when the working tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.strip().splitlines()[-1] if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        raise PublishError(f"cannot read the git revision ({detail}); pass --revision") from exc
    return f"{head}+dirty" if dirty else head


def compose_description(base: str, revision: str) -> str:
    suffix = f" (rev {revision})"
    room = DESCRIPTION_LIMIT - len(suffix)
    if room < 1:
        raise PublishError(f"revision {revision!r} is too long for a layer description")
    base = base.strip()
    if len(base) > room:
        base = base[: room - 1].rstrip() + "…"
    return f"{base}{suffix}"


# --------------------------------------------------------------------------------------- one region


def _aws_error(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = exc.operation_name
        return f"{error.get('Code', 'Unknown')}: {error.get('Message', str(exc))} ({operation})"
    return f"{type(exc).__name__}: {exc}"


def _versions_newest_first(client: LambdaClient, layer_name: str) -> list[tuple[int, str]]:
    versions: list[tuple[int, str]] = []
    for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer_name):
        versions.extend((v["Version"], v["LayerVersionArn"]) for v in page["LayerVersions"])
    return sorted(versions, reverse=True)


def _existing_statement_ids(client: LambdaClient, layer_name: str, version: int) -> set[str]:
    try:
        policy = client.get_layer_version_policy(LayerName=layer_name, VersionNumber=version)["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return set()  # a version without a policy answers 404
        raise
    return {statement["Sid"] for statement in json.loads(policy).get("Statement", [])}


def _grants(request: PublishRequest) -> list[tuple[str, dict[str, str]]]:
    grants = [(f"account-{account}", {"Principal": account}) for account in request.accounts]
    if request.organization:
        grants.append((f"org-{request.organization}", {"Principal": "*", "OrganizationId": request.organization}))
    return grants


def publish_region(request: PublishRequest, region: str, session: boto3.session.Session) -> RegionOutcome:
    """Skip-or-publish, grant and prune in one region. AWS errors become a failed outcome, never an exception."""
    outcome = RegionOutcome(region=region, status="failed")
    client: LambdaClient = session.client("lambda", region_name=region)
    name = request.layer_name
    try:
        versions = _versions_newest_first(client, name)
        latest_sha = None
        if versions:
            latest_sha = client.get_layer_version(LayerName=name, VersionNumber=versions[0][0])["Content"].get(
                "CodeSha256"
            )
        existing: set[str] = set()  # a version just published (or that would be) has an empty policy
        if versions and latest_sha == request.artifact.sha256:
            outcome.status = "skipped"
            outcome.version, outcome.arn = versions[0]
            outcome.actions.append(f"skip: version {outcome.version} already has CodeSha256 {latest_sha}")
            existing = _existing_statement_ids(client, name, versions[0][0])
        else:
            location = request.s3_location(region)
            via = f" via s3://{location[0]}/{location[1]}" if location else ""
            outcome.actions.append(f"publish {request.artifact.path.name} ({request.artifact.size} bytes){via}")
            if request.dry_run:
                outcome.status = "would_publish"
            else:
                published = _publish(request, region, session, client, outcome, location)
                if outcome.status == "failed":
                    return outcome  # no grants or pruning around bytes we did not build
                versions.insert(0, published)

        for sid, principal in _grants(request):
            if sid in existing:
                continue
            outcome.actions.append(f"grant {sid}")
            if outcome.version is not None and not request.dry_run:
                client.add_layer_version_permission(
                    LayerName=name,
                    VersionNumber=outcome.version,
                    StatementId=sid,
                    Action="lambda:GetLayerVersion",
                    **principal,
                )
            outcome.granted.append(sid)

        if request.keep is not None:
            # In a dry run the version that would be published counts as one of the kept ones.
            keep = request.keep - 1 if outcome.status == "would_publish" else request.keep
            for version, _arn in versions[keep:]:
                outcome.actions.append(f"delete version {version}")
                if not request.dry_run:
                    client.delete_layer_version(LayerName=name, VersionNumber=version)
                outcome.pruned.append(version)
    except (ClientError, BotoCoreError) as exc:
        outcome.status = "failed"
        outcome.error = _aws_error(exc)
    return outcome


def _publish(
    request: PublishRequest,
    region: str,
    session: boto3.session.Session,
    client: LambdaClient,
    outcome: RegionOutcome,
    location: tuple[str, str] | None,
) -> tuple[int, str]:
    """Upload (S3 path) and publish; record version, ARN and status on ``outcome``; return (version, ARN)."""
    if location is not None:
        s3: S3Client = session.client("s3", region_name=region)
        # One PUT (layer zips are far below its 5 GB limit) so errors stay ClientErrors with their code, and
        # ChecksumSHA256 makes S3 reject bytes that differ from the zip we hashed.
        with request.artifact.path.open("rb") as body:
            s3.put_object(Bucket=location[0], Key=location[1], Body=body, ChecksumSHA256=request.artifact.sha256)
        content: LayerVersionContentInputTypeDef = {"S3Bucket": location[0], "S3Key": location[1]}
    else:
        content = {"ZipFile": request.artifact.path.read_bytes()}
    response = client.publish_layer_version(
        LayerName=request.layer_name,
        Description=request.description,
        Content=content,
        # Lambda validates the names; the literal types cannot know user input.
        CompatibleRuntimes=cast("list[RuntimeType]", list(request.runtimes)),
        CompatibleArchitectures=cast("list[ArchitectureType]", list(request.architectures)),
    )
    outcome.version, outcome.arn = response["Version"], response["LayerVersionArn"]
    reported = response.get("Content", {}).get("CodeSha256")
    if reported != request.artifact.sha256:
        outcome.error = f"CodeSha256Mismatch: Lambda reports {reported}, the zip is {request.artifact.sha256}"
        return outcome.version, outcome.arn  # status stays "failed": Lambda holds bytes we did not build
    outcome.status = "published"
    return outcome.version, outcome.arn


def publish(
    request: PublishRequest,
    session: boto3.session.Session | None = None,
    on_region: Callable[[RegionOutcome], None] | None = None,
) -> list[RegionOutcome]:
    """Run every region in order; each region's outcome is reported even when another one failed."""
    session = session or boto3.session.Session()
    outcomes = []
    for region in request.regions:
        outcome = publish_region(request, region, session)
        outcomes.append(outcome)
        if on_region is not None:
            on_region(outcome)
    return outcomes


# ------------------------------------------------------------------------------------------------ CLI


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish_layer.py",
        description="Publish dist/layers/<layer>.zip as a new Lambda layer version in each region "
        "(skipped where the newest version already has the same CodeSha256).",
        epilog="Exit codes: 0 every region published or skipped; 1 at least one region failed; "
        "2 bad input (unknown layer, missing zip, invalid option).",
    )
    parser.add_argument("layer", help="layer folder name under layers/ (e.g. common)")
    parser.add_argument(
        "--region",
        "-r",
        dest="regions",
        action="append",
        required=True,
        help="target region; repeat or comma-separate for several",
    )
    parser.add_argument("--layer-name", help="published layer name (default: the layer folder name)")
    parser.add_argument("--runtime", dest="runtimes", action="append", help="compatible runtime (repeatable)")
    parser.add_argument(
        "--architecture",
        dest="architectures",
        action="append",
        choices=["arm64", "x86_64"],
        help="compatible architecture (repeatable)",
    )
    parser.add_argument("--description", help="description base (default: layer.json's); the revision is appended")
    parser.add_argument("--revision", help="revision for the description (default: git rev-parse --short HEAD)")
    parser.add_argument(
        "--grant-account",
        dest="accounts",
        action="append",
        default=[],
        metavar="ACCOUNT_ID",
        help="grant lambda:GetLayerVersion to this account id (repeatable)",
    )
    parser.add_argument(
        "--grant-org",
        dest="organization",
        metavar="ORG_ID",
        help="grant lambda:GetLayerVersion to every account of this organization (o-...)",
    )
    parser.add_argument("--keep", type=int, metavar="N", help="after publishing, delete all but the newest N versions")
    parser.add_argument("--s3-bucket", help="upload through this bucket (needed above 50 MB); '{region}' expands")
    parser.add_argument("--s3-prefix", default="", help="key prefix inside --s3-bucket")
    parser.add_argument("--zip", type=Path, help="layer zip (default: the manifest's path or dist/layers/<layer>.zip)")
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help="print what would happen; change nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    return parser


def request_from_args(args: argparse.Namespace) -> PublishRequest:
    repo: Path = args.repo
    declaration = read_declaration(repo, args.layer)
    runtimes, architectures = declared_targets(declaration, args.layer)
    layer_name = args.layer_name or args.layer
    if not LAYER_NAME.match(layer_name):
        raise PublishError(f"invalid --layer-name {layer_name!r}: letters, digits, '-' and '_' only (max 140)")
    regions = tuple(dict.fromkeys(r.strip() for value in args.regions for r in value.split(",") if r.strip()))
    if not regions:
        raise PublishError("--region: at least one region is required")
    for region in regions:
        if not REGION.match(region):
            raise PublishError(f"invalid --region {region!r}: expected a region name like eu-west-1")
    for account in args.accounts:
        if not ACCOUNT_ID.match(account):
            raise PublishError(f"invalid --grant-account {account!r}: expected a 12-digit account id")
    if args.organization is not None and not ORGANIZATION_ID.match(args.organization):
        raise PublishError(f"invalid --grant-org {args.organization!r}: expected an organization id like o-a1b2c3d4e5")
    if args.keep is not None and args.keep < 1:
        raise PublishError(f"invalid --keep {args.keep}: must be at least 1 (the version just published)")
    if args.s3_prefix and not args.s3_bucket:
        raise PublishError("--s3-prefix needs --s3-bucket")
    artifact = load_artifact(repo, args.layer, args.zip)
    if artifact.size > DIRECT_UPLOAD_LIMIT and not args.s3_bucket:
        raise PublishError(
            f"{artifact.path.name} is {artifact.size / 1024 / 1024:.1f} MiB, over the 50 MiB direct upload limit: "
            "pass --s3-bucket"
        )
    base = args.description or str(declaration.get("description", f"{args.layer} layer"))
    return PublishRequest(
        layer_name=layer_name,
        artifact=artifact,
        regions=regions,
        runtimes=tuple(args.runtimes or runtimes),
        architectures=tuple(args.architectures or architectures),
        description=compose_description(base, args.revision or git_revision(repo)),
        accounts=tuple(dict.fromkeys(args.accounts)),
        organization=args.organization,
        keep=args.keep,
        s3_bucket=args.s3_bucket,
        s3_prefix=args.s3_prefix,
        dry_run=args.dry_run,
    )


def _region_line(outcome: RegionOutcome) -> str:
    where = f"{outcome.arn}" if outcome.arn else "-"
    line = f"{outcome.region}: {outcome.status} {where}"
    if outcome.granted:
        line += f" granted={','.join(outcome.granted)}"
    if outcome.pruned:
        line += f" pruned={','.join(map(str, outcome.pruned))}"
    if outcome.error:
        line += f" error={outcome.error}"
    return line


def summary_table(outcomes: Sequence[RegionOutcome]) -> str:
    rows = [("REGION", "STATUS", "VERSION", "DETAIL")]
    for o in outcomes:
        detail = o.error or "; ".join(o.actions) or "-"
        rows.append((o.region, o.status, str(o.version) if o.version is not None else "-", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows)


def main(argv: Sequence[str] | None = None, session: boto3.session.Session | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        request = request_from_args(args)
    except PublishError as exc:
        print(f"publish_layer: error: {exc}", file=sys.stderr)
        return 2

    def progress(outcome: RegionOutcome) -> None:
        if not args.json:
            print(_region_line(outcome), flush=True)

    if not args.json:
        mode = " (dry run: nothing will change)" if request.dry_run else ""
        print(f"layer {request.layer_name}: {request.artifact.path} sha256={request.artifact.sha256}{mode}")
        print(f"description: {request.description}")
    outcomes = publish(request, session=session, on_region=progress)
    failed = [o.region for o in outcomes if o.status == "failed"]
    if args.json:
        document = {
            "layer": request.layer_name,
            "sha256": request.artifact.sha256,
            "size": request.artifact.size,
            "description": request.description,
            "runtimes": list(request.runtimes),
            "architectures": list(request.architectures),
            "dry_run": request.dry_run,
            "ok": not failed,
            "regions": [asdict(o) for o in outcomes],
        }
        print(json.dumps(document, indent=2))
    else:
        print()
        print(summary_table(outcomes))
    if failed:
        print(
            f"publish_layer: error: failed in {len(failed)} of {len(outcomes)} regions: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 1
    return 0
