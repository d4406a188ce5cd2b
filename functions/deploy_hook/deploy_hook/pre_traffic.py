"""BeforeAllowTraffic: check the version a deployment is about to send traffic to, then tell CodeDeploy.

CodeDeploy waits (up to an hour) for exactly one verdict per hook execution, so a verdict is always sent:
anything that stops the checks (an AppSpec this hook cannot read, missing events, an AWS error) fails the
deployment with the reason in the log and in the returned report.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from deploy_hook import codedeploy, invoker, samples
from deploy_hook.checks import CheckReport, failed_before_checking, run_checks
from deploy_hook.settings import settings
from shared.errors import AppError
from shared.observability import logger


def check_and_report(deployment_id: str, execution_id: str) -> CheckReport:
    config = settings()
    try:
        target = codedeploy.deployment_target(deployment_id)
        events = samples.sample_events(config.sample_events_bucket, config.sample_events_prefix, target.function_name)
        report = run_checks(target, events, invoker.invoke_version)
    except (AppError, ClientError, BotoCoreError, ValueError) as error:
        report = failed_before_checking(deployment_id, str(error))
    logger.info("pre-traffic checks", extra={"deployment_id": deployment_id, **report.as_dict()})
    # Not caught: without a verdict the deployment hangs; raising lets Lambda's async retry try again.
    codedeploy.report(deployment_id, execution_id, report.status)
    return report
