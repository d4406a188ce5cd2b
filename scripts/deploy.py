"""Deploy a function's newest published version through CodeDeploy and follow it to the end (``make deploy``).

    python -m scripts.deploy health local            # the running local stack (.local/stack.json)
    python -m scripts.deploy health prod             # `terraform output -json deployments` of that environment
    python -m scripts.deploy health prod --region us-west-2 --config CodeDeployDefault.LambdaAllAtOnce

What it does, per region of the environment: reads the ``deployments`` output (application, deployment group,
function, alias and pre-traffic hook per function key), takes the alias's current version and the newest
published version, creates a CodeDeploy deployment with a Lambda AppSpec (plus the BeforeAllowTraffic hook when
the group has one), then prints its progress — the lifecycle events, the traffic share on the new version and
the state of the group's alarms — until it ends. Exit 0 when it succeeded (or there was nothing to deploy),
1 when it failed or was stopped and rolled back (one line on stderr says why), 2 when it could not start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("local", "dev", "prod")
FINAL = ("Succeeded", "Failed", "Stopped")


class DeployError(Exception):
    """The deployment could not be started; the message is one line saying what to do."""


@dataclass(frozen=True)
class Target:
    """One deployment group of one function in one region, as the ``deployments`` output describes it."""

    key: str
    region: str | None
    application: str
    deployment_group: str
    function_name: str
    alias: str
    pre_traffic_hook: str | None = None


@dataclass
class Outcome:
    key: str
    region: str | None
    deployment_id: str | None
    status: str
    current_version: str
    target_version: str
    live_version: str | None = None
    reason: str = ""
    rollback_deployment_id: str | None = None
    seconds: float = 0.0
    events: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("Succeeded", "NothingToDeploy")


# --- where the deployment groups are -------------------------------------------------------------------------


def targets_from_outputs(outputs: Mapping[str, Any], key: str, env: str) -> list[Target]:
    """The groups of function ``key``: ``deployments`` is {key: group} (one region) or {region: {key: group}}."""
    deployments = outputs.get("deployments")
    if not deployments:
        raise DeployError(
            f"the {env} environment has no `deployments` output (or it is empty): CodeDeploy traffic shifting is "
            "off there (terraform: deployment.enabled)"
        )
    if all(isinstance(v, Mapping) and "deployment_group" in v for v in deployments.values()):
        per_region: dict[str | None, Mapping[str, Any]] = {None: deployments}
    else:
        per_region = {str(region): groups for region, groups in deployments.items()}
    targets = []
    for region, groups in per_region.items():
        group = groups.get(key)
        if group is None:
            raise DeployError(
                f"function {key!r} has no deployment group in {env} (groups: {', '.join(sorted(groups))})"
            )
        targets.append(
            Target(
                key=key,
                region=region,
                application=str(group["application"]),
                deployment_group=str(group["deployment_group"]),
                function_name=str(group["function_name"]),
                alias=str(group["alias"]),
                pre_traffic_hook=group.get("pre_traffic_hook") or None,
            )
        )
    return targets


def local_outputs(local_dir: Path) -> tuple[dict[str, Any], str]:
    """(outputs, emulator URL) of the running local stack."""
    try:
        info = json.loads((local_dir / "stack.json").read_text())
    except (OSError, ValueError) as error:
        raise DeployError(f"no running local stack in {local_dir} (start it with `make up`): {error}") from error
    if info.get("state") != "ready" or not info.get("emulator_url"):
        raise DeployError(f"the local stack in {local_dir} is not ready (state {info.get('state')!r})")
    return dict(info.get("outputs") or {}), str(info["emulator_url"])


def terraform_outputs(env: str) -> dict[str, Any]:
    from scripts import tf

    directory = REPO / "terraform" / "environments" / env
    try:
        shown = tf.run(["output", "-json"], directory, timeout=300)
    except tf.TerraformError as error:
        raise DeployError(str(error)) from error
    return {k: v.get("value") for k, v in json.loads(shown.stdout or "{}").items()}


def read_outputs_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DeployError(f"cannot read outputs from {path}: {error}") from error
    return {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in data.items()}


# --- one deployment ------------------------------------------------------------------------------------------

ClientFactory = Callable[[str, "str | None"], Any]


def boto_clients(endpoint_url: str | None) -> ClientFactory:
    import boto3

    def client(service: str, region: str | None) -> Any:
        if endpoint_url:
            return boto3.client(  # type: ignore[call-overload]
                service,
                endpoint_url=endpoint_url,
                region_name=region or "us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return boto3.client(service, region_name=region)  # type: ignore[call-overload]

    return client


def newest_version(lam: Any, function_name: str) -> str:
    versions = [
        int(v["Version"])
        for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function_name)
        for v in page["Versions"]
        if v["Version"].isdigit()
    ]
    if not versions:
        raise DeployError(f"{function_name} has no published version (terraform apply publishes one)")
    return str(max(versions))


def appspec(target: Target, current: str, new: str) -> str:
    spec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                target.key: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": target.function_name,
                        "Alias": target.alias,
                        "CurrentVersion": current,
                        "TargetVersion": new,
                    },
                }
            }
        ],
    }
    if target.pre_traffic_hook:
        spec["Hooks"] = [{"BeforeAllowTraffic": target.pre_traffic_hook}]
    return json.dumps(spec)


def deploy(target: Target, clients: ClientFactory, args: argparse.Namespace, say: Callable[[str], None]) -> Outcome:
    """Start a deployment of ``target``'s newest version (options: the CLI's) and follow it to its end."""
    lam, codedeploy = clients("lambda", target.region), clients("codedeploy", target.region)
    cloudwatch = clients("cloudwatch", target.region)
    if args.publish:
        lam.publish_version(FunctionName=target.function_name, Description="make deploy --publish")
    current = str(lam.get_alias(FunctionName=target.function_name, Name=target.alias)["FunctionVersion"])
    new = args.target_version or newest_version(lam, target.function_name)
    where = f" in {target.region}" if target.region else ""
    if new == current:
        say(
            f"{target.key}{where}: {target.function_name}:{target.alias} is already on version {new}, nothing to deploy"
        )
        return Outcome(target.key, target.region, None, "NothingToDeploy", current, new, live_version=current)
    group = codedeploy.get_deployment_group(
        applicationName=target.application, deploymentGroupName=target.deployment_group
    )["deploymentGroupInfo"]
    alarm_config = group.get("alarmConfiguration") or {}
    alarms = [a["name"] for a in alarm_config.get("alarms") or []] if alarm_config.get("enabled") else []
    shown_config = args.config or group.get("deploymentConfigName")
    say(
        f"deploy {target.key}{where}: {target.function_name}:{target.alias} version {current} -> {new} "
        f"({shown_config}; rollback alarms: {', '.join(alarms) or 'none'})"
    )
    request: dict[str, Any] = {
        "applicationName": target.application,
        "deploymentGroupName": target.deployment_group,
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec(target, current, new)}},
        "description": f"make deploy {target.key}: version {current} -> {new}",
    }
    if args.config:
        request["deploymentConfigName"] = args.config
    deployment_id = str(codedeploy.create_deployment(**request)["deploymentId"])
    say(f"  deployment {deployment_id} created")
    outcome = Outcome(target.key, target.region, deployment_id, "Created", current, new)
    follow(codedeploy, cloudwatch, lam, target, outcome, alarms, poll_s=args.poll, timeout_s=args.timeout, say=say)
    return outcome


def follow(
    codedeploy: Any,
    cloudwatch: Any,
    lam: Any,
    target: Target,
    outcome: Outcome,
    alarms: Sequence[str],
    *,
    poll_s: float,
    timeout_s: float,
    say: Callable[[str], None],
) -> None:
    """Print what changes (lifecycle events, traffic share, alarm states, status) until the deployment ends."""
    started = time.monotonic()
    seen: dict[str, str] = {}

    def note(topic: str, text: str) -> None:
        if seen.get(topic) != text:
            seen[topic] = text
            line = f"  [{time.monotonic() - started:6.1f}s] {text}"
            outcome.events.append(line.strip())
            say(line)

    deadline = started + timeout_s
    while True:
        info = codedeploy.get_deployment(deploymentId=str(outcome.deployment_id))["deploymentInfo"]
        lambda_target = _lambda_target(codedeploy, str(outcome.deployment_id))
        if lambda_target is not None:
            for event in lambda_target.get("lifecycleEvents") or []:
                if event.get("status") not in ("Pending", None):
                    note(event["lifecycleEventName"], f"{event['lifecycleEventName']}: {event['status']}")
            weight = (lambda_target.get("lambdaFunctionInfo") or {}).get("targetVersionWeight")
            if weight is not None and info["status"] not in FINAL:
                note("traffic", f"traffic: {weight:g}% on version {outcome.target_version}")
        if alarms:
            states = _alarm_states(cloudwatch, alarms)
            note("alarms", "alarms: " + ", ".join(f"{name} {states.get(name, 'MISSING')}" for name in alarms))
        outcome.status = str(info["status"])
        if outcome.status in FINAL:
            break
        note("status", f"status: {outcome.status}")
        if time.monotonic() >= deadline:
            outcome.reason = f"still {outcome.status} after {timeout_s:.0f} s (the deployment goes on in CodeDeploy)"
            outcome.status = "TimedOut"
            break
        time.sleep(poll_s)
    outcome.seconds = time.monotonic() - started
    error = info.get("errorInformation") or {}
    if error:
        outcome.reason = f"{error.get('code')}: {error.get('message')}"
    rollback = info.get("rollbackInfo") or {}
    outcome.rollback_deployment_id = rollback.get("rollbackDeploymentId")
    outcome.live_version = str(lam.get_alias(FunctionName=target.function_name, Name=target.alias)["FunctionVersion"])
    note("status", f"status: {outcome.status}" + (f" ({outcome.reason})" if outcome.reason else ""))
    if outcome.rollback_deployment_id:
        note(
            "rollback",
            f"rolled back by {outcome.rollback_deployment_id}: {target.alias} on version {outcome.live_version}",
        )


def _lambda_target(codedeploy: Any, deployment_id: str) -> dict[str, Any] | None:
    ids = codedeploy.list_deployment_targets(deploymentId=deployment_id).get("targetIds") or []
    if not ids:
        return None
    found = codedeploy.get_deployment_target(deploymentId=deployment_id, targetId=ids[0])["deploymentTarget"]
    return dict(found.get("lambdaTarget") or {}) or None


def _alarm_states(cloudwatch: Any, names: Sequence[str]) -> dict[str, str]:
    answer = cloudwatch.describe_alarms(AlarmNames=list(names))
    return {a["AlarmName"]: a["StateValue"] for a in answer.get("MetricAlarms") or []}


# --- the command ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.deploy",
        description="Deploy a function's newest published version with CodeDeploy and follow it to the end.",
    )
    parser.add_argument("function", help="function key (a folder under functions/, e.g. health)")
    parser.add_argument("env", choices=ENVIRONMENTS, help="environment whose `deployments` output names the groups")
    parser.add_argument("--local-dir", type=Path, default=REPO / ".local", help="the local stack's directory")
    parser.add_argument("--outputs-file", type=Path, help="a `terraform output -json` file instead of terraform")
    parser.add_argument("--endpoint-url", help="AWS endpoint (the local stack's emulator is used for ENV=local)")
    parser.add_argument("--region", help="only this region (prod deploys every region of the output in turn)")
    parser.add_argument("--config", help="deployment config for this deployment instead of the group's")
    parser.add_argument("--target-version", help="version to deploy (default: the newest published one)")
    parser.add_argument("--publish", action="store_true", help="publish $LATEST as a new version first")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between progress checks (default 1)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="stop following after this many seconds")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON at the end")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, say: Callable[[str], None] = print) -> list[Outcome]:
    endpoint = args.endpoint_url
    if args.outputs_file:
        outputs = read_outputs_file(args.outputs_file)
    elif args.env == "local":
        outputs, stack_endpoint = local_outputs(args.local_dir)
        endpoint = endpoint or stack_endpoint
    else:
        outputs = terraform_outputs(args.env)
    targets = targets_from_outputs(outputs, args.function, args.env)
    if args.region:
        targets = [t for t in targets if t.region in (None, args.region)]
        if not targets:
            raise DeployError(f"{args.function} has no deployment group in region {args.region}")
    clients = boto_clients(endpoint)
    outcomes = []
    for target in targets:
        outcome = deploy(target, clients, args, say)
        outcomes.append(outcome)
        if not outcome.ok:
            break  # a region that rolled back stops the rollout: the next regions keep the old version
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> str:
    rows = [("function", "region", "deployment", "status", "versions", "live", "seconds")]
    for o in outcomes:
        rows.append(
            (
                o.key,
                o.region or "-",
                o.deployment_id or "-",
                o.status,
                f"{o.current_version} -> {o.target_version}",
                o.live_version or "-",
                f"{o.seconds:.1f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def main(argv: Sequence[str] | None = None, say: Callable[[str], None] = print) -> int:
    """The CLI; ``say`` receives every progress line (stdout by default)."""
    args = parse_args(argv)
    try:
        outcomes = run(args, say)
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if type(error).__name__ not in ("ClientError", "NoCredentialsError", "EndpointConnectionError"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    print(summary(outcomes))
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        o = failed[0]
        rolled = f"; rolled back by {o.rollback_deployment_id}" if o.rollback_deployment_id else ""
        live = f", live on version {o.live_version}" if o.live_version else ""
        print(
            f"error: {o.key} deployment {o.deployment_id} {o.status}: {o.reason or 'no reason given'}{rolled}{live}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    sys.exit(main())
