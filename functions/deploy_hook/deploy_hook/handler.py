"""CodeDeploy BeforeAllowTraffic hook: {"DeploymentId", "LifecycleEventHookExecutionId"} in, a verdict out."""

from __future__ import annotations

from typing import Any

import pydantic
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from deploy_hook.pre_traffic import check_and_report
from shared.errors import ValidationError
from shared.middleware import event_handler
from shared.observability import metrics


class HookInvocation(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    deployment_id: str = pydantic.Field(alias="DeploymentId", min_length=1)
    execution_id: str = pydantic.Field(alias="LifecycleEventHookExecutionId", min_length=1)


@event_handler(source="direct")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    try:
        hook = HookInvocation.model_validate(event)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="event") from None
    report = check_and_report(hook.deployment_id, hook.execution_id)
    metrics.add_metric(name=f"PreTrafficCheck{report.status}", unit=MetricUnit.Count, value=1)
    return report.as_dict()
