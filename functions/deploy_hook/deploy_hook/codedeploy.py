"""CodeDeploy: the deployment's AppSpec, and the hook's verdict (PutLifecycleEventHookExecutionStatus)."""

from __future__ import annotations

from typing import Any

from deploy_hook.checks import DeploymentTarget, HookStatus, target_from_appspec
from shared import aws
from shared.errors import ValidationError


def _client() -> Any:
    return aws.client("codedeploy")


def deployment_target(deployment_id: str) -> DeploymentTarget:
    """The function and versions of a deployment, from its AppSpec (AppSpecContent or String revision)."""
    revision = _client().get_deployment(deploymentId=deployment_id)["deploymentInfo"].get("revision") or {}
    kind = revision.get("revisionType")
    holder = {"AppSpecContent": "appSpecContent", "String": "string"}.get(str(kind))
    if holder is None:
        raise ValidationError(f"revisionType {kind!r}: this hook reads AppSpecContent or String revisions")
    return target_from_appspec(str((revision.get(holder) or {}).get("content") or ""))


def report(deployment_id: str, execution_id: str, status: HookStatus) -> None:
    _client().put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status=status
    )
