"""CodeDeploy Lambda deployments carried out by the emulator (moto records CreateDeployment and never runs it).

A deployment of a ``Lambda`` application runs on a background thread, as AWS runs it: the AppSpec's
``BeforeAllowTraffic`` hook, traffic shifted on the alias on the deployment config's schedule (AllAtOnce, canary,
linear), the ``AfterAllowTraffic`` hook. A group alarm in ALARM stops it, a failed hook fails it, StopDeployment
stops it, and automatic rollback puts the alias back. Every wait is multiplied by the time scale
(``CODEDEPLOY_TIME_SCALE`` or :func:`set_time_scale`). Also filled: the deployment config, deployment group and
deployment target APIs. Details: README.md, "CodeDeploy Lambda deployments".
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from scripts.arns import parse_function_ref
from scripts.emulator.patching import once

logger = logging.getLogger("scripts.emulator.codedeploy")

TIME_SCALE_VARIABLE = "CODEDEPLOY_TIME_SCALE"
HOOK_TIMEOUT_S = 3600.0  # AWS waits up to an hour for a hook's status
ALARM_POLL_S = 0.1  # real seconds between two reads of the group's alarms (an in-process read: cheap)
LIFECYCLE_EVENTS = ("BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic")


def _canary(percent: int, minutes: int) -> dict[str, Any]:
    return {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": percent, "canaryInterval": minutes}}


def _linear(percent: int, minutes: int) -> dict[str, Any]:
    return {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": percent, "linearInterval": minutes}}


#: AWS's predefined Lambda deployment configurations (name → trafficRoutingConfig).
PREDEFINED_LAMBDA_CONFIGS: dict[str, dict[str, Any]] = {
    "CodeDeployDefault.LambdaAllAtOnce": {"type": "AllAtOnce"},
    **{f"CodeDeployDefault.LambdaCanary10Percent{m}Minutes": _canary(10, m) for m in (5, 10, 15, 30)},
    **{
        f"CodeDeployDefault.LambdaLinear10PercentEvery{m}Minute{'s' if m > 1 else ''}": _linear(10, m)
        for m in (1, 2, 3, 10)
    },
}

_time_scale = float(os.environ.get(TIME_SCALE_VARIABLE) or 1.0)


def set_time_scale(scale: float) -> float:
    """Multiply every CodeDeploy wait by ``scale`` (0.01: a 5 minute canary takes 3 s); returns the previous one."""
    global _time_scale
    if scale <= 0:
        raise ValueError(f"CodeDeploy time scale must be > 0, got {scale}")
    previous, _time_scale = _time_scale, float(scale)
    return previous


def time_scale() -> float:
    return _time_scale


def traffic_steps(routing: dict[str, Any]) -> list[tuple[float, float]]:
    """The weights the target version gets before it takes all traffic, each held for so many minutes.

    AllAtOnce → []; Canary 10 %/5 min → [(0.1, 5)]; Linear 10 % every 1 min → [(0.1, 1), (0.2, 1), … (0.9, 1)].
    """
    kind = routing.get("type")
    if kind == "TimeBasedCanary":
        canary = routing.get("timeBasedCanary") or {}
        return [(int(canary["canaryPercentage"]) / 100, float(canary["canaryInterval"]))]
    if kind == "TimeBasedLinear":
        linear = routing.get("timeBasedLinear") or {}
        step, minutes = int(linear["linearPercentage"]), float(linear["linearInterval"])
        return [(p / 100, minutes) for p in range(step, 100, step)]
    return []


# --- the state this module keeps per deployment ---------------------------------------------------------------


class DeploymentStopped(Exception):
    """Ends a run: ``status`` (Failed/Stopped), an AWS error code and message, and the rollback event it counts as."""

    def __init__(self, status: str, code: str, message: str, rollback_event: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.rollback_event = status, code, message, rollback_event


@dataclass
class LambdaTarget:
    function_name: str
    alias: str
    current_version: str
    target_version: str
    weight: float = 0.0
    status: str = "Pending"
    arn: str = ""  # the alias ARN
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    events: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {name: {"lifecycleEventName": name, "status": "Pending"} for name in LIFECYCLE_EVENTS}
    )


@dataclass
class RunState:
    """What moto's DeploymentInfo lacks: the Lambda target, errors, rollback links, hooks and a stop request."""

    target: LambdaTarget | None = None
    error: dict[str, str] | None = None
    rollback: dict[str, str] = field(default_factory=dict)
    hooks: dict[str, str | None] = field(default_factory=dict)  # execution id → status (None until reported)
    stop: threading.Event = field(default_factory=threading.Event)
    stop_rollback: bool | None = None
    #: (target weight, seconds since the run started): every traffic change, for tests and `make deploy`
    traffic: list[tuple[float, float]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)


_states: dict[str, RunState] = {}
_states_lock = threading.Lock()


def run_state(deployment_id: str) -> RunState:
    with _states_lock:
        return _states.setdefault(deployment_id, RunState())


def _now() -> datetime:
    return datetime.now(UTC)


# --- the AppSpec ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppSpec:
    function_name: str
    alias: str
    current_version: str
    target_version: str
    hooks: dict[str, str]


def parse_appspec(revision: dict[str, Any] | None) -> AppSpec:
    """The Lambda resource and hooks of a revision; raises ValueError saying what is wrong."""
    import yaml  # type: ignore[import-untyped]

    revision = revision or {}
    kind = revision.get("revisionType")
    if kind == "AppSpecContent":
        content = (revision.get("appSpecContent") or {}).get("content")
    elif kind == "String":
        content = (revision.get("string") or {}).get("content")
    else:
        raise ValueError(f"revisionType {kind!r} is not supported for Lambda here (use AppSpecContent or String)")
    try:
        document = yaml.safe_load(content or "")
    except yaml.YAMLError as error:
        raise ValueError(f"the AppSpec is neither JSON nor YAML: {error}") from error
    if not isinstance(document, dict):
        raise ValueError("the AppSpec must be an object with Resources")
    resources = [r for item in document.get("Resources") or [] if isinstance(item, dict) for r in item.values()]
    functions = [r for r in resources if isinstance(r, dict) and r.get("Type") == "AWS::Lambda::Function"]
    if len(functions) != 1:
        raise ValueError(f"the AppSpec must name exactly one AWS::Lambda::Function resource, found {len(functions)}")
    properties = functions[0].get("Properties") or {}
    missing = [k for k in ("Name", "Alias", "CurrentVersion", "TargetVersion") if not properties.get(k)]
    if missing:
        raise ValueError(f"the AppSpec's Lambda resource lacks Properties {', '.join(missing)}")
    hooks: dict[str, str] = {}
    for item in document.get("Hooks") or []:
        for event, function in (item or {}).items():
            if event not in ("BeforeAllowTraffic", "AfterAllowTraffic"):
                raise ValueError(f"unknown Lambda hook {event!r} (BeforeAllowTraffic or AfterAllowTraffic)")
            hooks[event] = str(function)
    return AppSpec(
        function_name=parse_function_ref(str(properties["Name"])).name,
        alias=str(properties["Alias"]),
        current_version=str(properties["CurrentVersion"]),
        target_version=str(properties["TargetVersion"]),
        hooks=hooks,
    )


def appspec_revision(spec: AppSpec) -> dict[str, Any]:
    resource = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Name": spec.function_name,
            "Alias": spec.alias,
            "CurrentVersion": spec.current_version,
            "TargetVersion": spec.target_version,
        },
    }
    content = json.dumps({"version": 0.0, "Resources": [{spec.function_name: resource}]})
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}


# --- deployment configs ---------------------------------------------------------------------------------------


def _configs(backend: Any) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_emulator_deployment_configs", {})


def deployment_config(backend: Any, name: str) -> dict[str, Any]:
    """A config by name (predefined Lambda ones included); DeploymentConfigDoesNotExistException when unknown."""
    if name in PREDEFINED_LAMBDA_CONFIGS:
        return {
            "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
            "deploymentConfigName": name,
            "computePlatform": "Lambda",
            "trafficRoutingConfig": PREDEFINED_LAMBDA_CONFIGS[name],
        }
    found = _configs(backend).get(name)
    if found is None:
        raise JsonRESTError("DeploymentConfigDoesNotExistException", f"The deployment config {name} does not exist.")
    return found


def _check_routing(routing: dict[str, Any]) -> None:
    kind = routing.get("type")
    if kind not in ("AllAtOnce", "TimeBasedCanary", "TimeBasedLinear"):
        raise JsonRESTError(
            "InvalidTrafficRoutingConfigurationException", f"trafficRoutingConfig type {kind!r} is invalid"
        )
    if kind == "AllAtOnce":
        return
    key = "timeBasedCanary" if kind == "TimeBasedCanary" else "timeBasedLinear"
    prefix = "canary" if kind == "TimeBasedCanary" else "linear"
    values = routing.get(key) or {}
    percent, interval = values.get(f"{prefix}Percentage"), values.get(f"{prefix}Interval")
    if not isinstance(percent, int) or not 1 <= percent <= 99 or not isinstance(interval, int) or interval < 1:
        raise JsonRESTError(
            "InvalidTrafficRoutingConfigurationException",
            f"{key} needs {prefix}Percentage 1-99 and {prefix}Interval >= 1 minute, got {values}",
        )


def _create_deployment_config(self: Any) -> Any:
    name = self._get_param("deploymentConfigName")
    store = _configs(self.codedeploy_backend)
    if not name:
        raise JsonRESTError("DeploymentConfigNameRequiredException", "deploymentConfigName is required.")
    if name in store or name in PREDEFINED_LAMBDA_CONFIGS or name.startswith("CodeDeployDefault."):
        raise JsonRESTError("DeploymentConfigAlreadyExistsException", f"The deployment config {name} already exists.")
    platform = self._get_param("computePlatform") or "Server"
    routing = self._get_param("trafficRoutingConfig") or {"type": "AllAtOnce"}
    if platform == "Lambda":
        _check_routing(routing)
    config = {
        "deploymentConfigId": str(uuid.uuid4()),
        "deploymentConfigName": name,
        "computePlatform": platform,
        "trafficRoutingConfig": routing,
        "createTime": _now(),
    }
    if self._get_param("minimumHealthyHosts"):
        config["minimumHealthyHosts"] = self._get_param("minimumHealthyHosts")
    store[name] = config
    return ActionResult({"deploymentConfigId": config["deploymentConfigId"]})


def _get_deployment_config(self: Any) -> Any:
    config = deployment_config(self.codedeploy_backend, self._get_param("deploymentConfigName"))
    return ActionResult({"deploymentConfigInfo": config})


def _delete_deployment_config(self: Any) -> Any:
    name = self._get_param("deploymentConfigName")
    if name in PREDEFINED_LAMBDA_CONFIGS or str(name).startswith("CodeDeployDefault."):
        raise JsonRESTError("InvalidOperationException", "A predefined deployment configuration cannot be deleted.")
    _configs(self.codedeploy_backend).pop(name, None)
    return EmptyResult()


def _list_deployment_configs(self: Any) -> Any:
    names = [*PREDEFINED_LAMBDA_CONFIGS, *_configs(self.codedeploy_backend)]
    return ActionResult({"deploymentConfigsList": sorted(names)})


# --- applications and deployment groups (what Terraform's resources need) -------------------------------------


def _group_info(original: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def info(group: Any) -> dict[str, Any]:
        shown = original(group)
        alarms = group.alarm_configuration
        shown["alarmConfiguration"] = alarms if isinstance(alarms, dict) else {}
        name = group.deployment_config_name
        shown["deploymentConfigName"] = str(name) if name else "CodeDeployDefault.LambdaAllAtOnce"
        # AWS leaves out a load balancer a group does not have (a Lambda group never has one); moto's {} made
        # Terraform plan to remove an empty load_balancer_info block after every apply.
        if not shown.get("loadBalancerInfo"):
            shown.pop("loadBalancerInfo", None)
        return shown

    return info


def _deployment_info(original: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def info(deployment: Any) -> dict[str, Any]:
        shown = original(deployment)
        state = _states.get(deployment.deployment_id)
        if state is not None:
            if state.error:
                shown["errorInformation"] = dict(state.error)
            if state.rollback:
                shown["rollbackInfo"] = dict(state.rollback)
        if not shown.get("overrideAlarmConfiguration"):
            shown.pop("overrideAlarmConfiguration", None)
        return shown

    return info


def _create_deployment_group(original: Callable[..., Any]) -> Callable[..., Any]:
    def create(
        self: Any, application_name: str, deployment_group_name: str, deployment_config_name: Any, *a: Any, **k: Any
    ) -> Any:
        app = self.get_application(application_name)
        if app.compute_platform == "Lambda":
            deployment_config_name = deployment_config_name or "CodeDeployDefault.LambdaAllAtOnce"
            deployment_config(self, deployment_config_name)
        return original(self, application_name, deployment_group_name, deployment_config_name, *a, **k)

    return create


_GROUP_FIELDS = {
    "deploymentConfigName": "deployment_config_name",
    "serviceRoleArn": "service_role_arn",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "deploymentStyle": "deployment_style",
    "triggerConfigurations": "trigger_configurations",
    "blueGreenDeploymentConfiguration": "blue_green_deployment_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "ec2TagFilters": "ec2_tag_filters",
    "onPremisesInstanceTagFilters": "on_premises_instance_tag_filters",
    "autoScalingGroups": "auto_scaling_groups",
    "outdatedInstancesStrategy": "outdated_instances_strategy",
    "ecsServices": "ecs_services",
}


def _update_deployment_group(self: Any) -> Any:
    backend = self.codedeploy_backend
    app_name = self._get_param("applicationName")
    current = self._get_param("currentDeploymentGroupName")
    group = backend.get_deployment_group(app_name, current)
    config_name = self._get_param("deploymentConfigName")
    if config_name and group.application.compute_platform == "Lambda":
        deployment_config(backend, config_name)
    for param, attribute in _GROUP_FIELDS.items():
        value = self._get_param(param)
        if value is not None:
            setattr(group, attribute, value)
    new_name = self._get_param("newDeploymentGroupName")
    if new_name and new_name != current:
        groups = backend.deployment_groups[app_name]
        if new_name in groups:
            raise JsonRESTError("DeploymentGroupAlreadyExistsException", f"Deployment group {new_name} already exists.")
        groups[new_name] = groups.pop(current)
        group.deployment_group_name = new_name
    return ActionResult({"hooksNotCleanedUp": []})


def _delete_deployment_group(self: Any) -> Any:
    backend = self.codedeploy_backend
    app_name, name = self._get_param("applicationName"), self._get_param("deploymentGroupName")
    backend.get_application(app_name)
    backend.deployment_groups.get(app_name, {}).pop(name, None)
    return ActionResult({"hooksNotCleanedUp": []})


def _delete_application(self: Any) -> Any:
    backend = self.codedeploy_backend
    name = self._get_param("applicationName")
    backend.applications.pop(name, None)
    backend.deployment_groups.pop(name, None)
    return EmptyResult()


# --- running a deployment -------------------------------------------------------------------------------------


def _lambda_backend(backend: Any) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[backend.account_id][backend.region_name]


def _cloudwatch_backend(backend: Any) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[backend.account_id][backend.region_name]


def _rollback_wanted(deployment: Any, event: str, state: RunState) -> bool:
    if event == "DEPLOYMENT_STOP_ON_REQUEST" and state.stop_rollback is not None:
        return state.stop_rollback
    config = deployment.auto_rollback_configuration or deployment.deployment_group.auto_rollback_configuration or {}
    return bool(config.get("enabled")) and event in (config.get("events") or [])


def _alarm_configuration(deployment: Any) -> dict[str, Any]:
    override = deployment.override_alarm_configuration
    if isinstance(override, dict) and override:
        return override
    group_alarms = deployment.deployment_group.alarm_configuration
    return group_alarms if isinstance(group_alarms, dict) else {}


class DeploymentRun:
    """Carries out one Lambda deployment on its own thread (see the module's docstring)."""

    def __init__(self, backend: Any, deployment: Any) -> None:
        self.backend = backend
        self.deployment = deployment
        self.state = run_state(deployment.deployment_id)
        self.started = time.monotonic()
        self.spec: AppSpec | None = None

    def start(self) -> None:
        thread = threading.Thread(target=self.run, name=f"codedeploy-{self.deployment.deployment_id}", daemon=True)
        thread.start()

    # -- the steps -------------------------------------------------------------------------------------------
    def run(self) -> None:
        deployment, state = self.deployment, self.state
        deployment.status = "InProgress"
        deployment.start_time = _now()
        deployment.deployment_overview.update({"Pending": 0, "InProgress": 1})
        try:
            spec = self.spec = self._validated_spec()
            target = state.target = LambdaTarget(
                spec.function_name, spec.alias, spec.current_version, spec.target_version, status="InProgress"
            )
            target.arn = str(_lambda_backend(self.backend).get_alias(spec.alias, spec.function_name).arn)
            self._check()
            self._hook("BeforeAllowTraffic")
            self._allow_traffic(target)
            self._hook("AfterAllowTraffic")
        except DeploymentStopped as stopped:
            self._end_stopped(stopped)
            return
        except Exception as error:
            logger.exception("CodeDeploy deployment %s failed inside the emulator", deployment.deployment_id)
            self._end_stopped(
                DeploymentStopped("Failed", "INTERNAL_ERROR", f"{type(error).__name__}: {error}", "DEPLOYMENT_FAILURE")
            )
            return
        target.status = "Succeeded"
        self._finish("Succeeded")
        logger.info(
            "deployment %s succeeded: %s:%s → version %s",
            deployment.deployment_id,
            spec.function_name,
            spec.alias,
            spec.target_version,
        )

    def _validated_spec(self) -> AppSpec:
        try:
            spec = parse_appspec(self.deployment.revision)
        except ValueError as error:
            raise DeploymentStopped("Failed", "INVALID_REVISION", str(error), "DEPLOYMENT_FAILURE") from error
        lam = _lambda_backend(self.backend)
        try:
            alias = lam.get_alias(spec.alias, spec.function_name)
            for version in (spec.current_version, spec.target_version):
                lam.get_function(spec.function_name, version)
        except Exception as error:
            raise DeploymentStopped(
                "Failed",
                "INVALID_LAMBDA_FUNCTION",
                f"{spec.function_name}:{spec.alias} versions {spec.current_version}/{spec.target_version}: {error}",
                "DEPLOYMENT_FAILURE",
            ) from error
        if str(alias.function_version) != spec.current_version:
            raise DeploymentStopped(
                "Failed",
                "INVALID_LAMBDA_CONFIGURATION",
                f"The alias {spec.alias} points to version {alias.function_version}, not the AppSpec's "
                f"CurrentVersion {spec.current_version}.",
                "DEPLOYMENT_FAILURE",
            )
        return spec

    def _hook(self, event: str) -> None:
        target = self.state.target
        assert target is not None
        assert self.spec is not None
        function = self.spec.hooks.get(event)
        lifecycle = target.events[event]
        if function is None:
            lifecycle.update(status="Skipped")
            return
        lifecycle.update(status="InProgress", startTime=_now())
        execution_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
        with self.state.changed:
            self.state.hooks[execution_id] = None
        payload = {"DeploymentId": self.deployment.deployment_id, "LifecycleEventHookExecutionId": execution_id}
        try:
            self._invoke_hook(function, payload)
        except Exception as error:  # noqa: BLE001 (the hook could not be invoked: the deployment fails, saying why)
            self._hook_failed(event, lifecycle, f"the {event} hook {function} could not be invoked: {error}")
        deadline = time.monotonic() + HOOK_TIMEOUT_S * _time_scale
        while True:
            self._check()
            with self.state.changed:
                status = self.state.hooks.get(execution_id)
                if status is None:
                    self.state.changed.wait(timeout=ALARM_POLL_S)
                    status = self.state.hooks.get(execution_id)
            if status == "Succeeded":
                lifecycle.update(status="Succeeded", endTime=_now())
                return
            if status is not None:
                self._hook_failed(event, lifecycle, f"the {event} hook {function} reported {status}")
            if time.monotonic() >= deadline:
                self._hook_failed(event, lifecycle, f"the {event} hook {function} reported no status in time")

    def _hook_failed(self, event: str, lifecycle: dict[str, Any], reason: str) -> None:
        lifecycle.update(status="Failed", endTime=_now(), diagnostics={"errorCode": "ScriptFailed", "message": reason})
        raise DeploymentStopped(
            "Failed",
            "HOOK_EXECUTION_FAILURE",
            f"The deployment failed because one or more of the lifecycle event hooks failed: {reason}",
            "DEPLOYMENT_FAILURE",
        )

    def _invoke_hook(self, function: str, payload: dict[str, Any]) -> None:
        from scripts.emulator import hooks

        ref = parse_function_ref(function)
        hooks.invoke(hooks.InvokeRequest(ref.name, ref.qualifier, json.dumps(payload).encode(), "Event", "codedeploy"))

    def _allow_traffic(self, target: LambdaTarget) -> None:
        lifecycle = target.events["AllowTraffic"]
        lifecycle.update(status="InProgress", startTime=_now())
        config = deployment_config(self.backend, str(self.deployment.deployment_config_name))
        for weight, minutes in traffic_steps(config.get("trafficRoutingConfig") or {}):
            self._shift(target, weight)
            self._hold(minutes * 60 * _time_scale)
        self._shift(target, 1.0)
        lifecycle.update(status="Succeeded", endTime=_now())

    def _shift(self, target: LambdaTarget, weight: float) -> None:
        self._check()
        lam = _lambda_backend(self.backend)
        if weight >= 1.0:
            lam.update_alias(target.alias, target.function_name, target.target_version, None, {})
        else:
            routing = {"AdditionalVersionWeights": {target.target_version: round(weight, 4)}}
            lam.update_alias(target.alias, target.function_name, target.current_version, None, routing)
        target.weight, target.updated = weight, _now()
        with self.state.changed:
            self.state.traffic.append((weight, time.monotonic() - self.started))
            self.state.changed.notify_all()
        logger.info(
            "deployment %s: %s:%s sends %d%% to version %s",
            self.deployment.deployment_id,
            target.function_name,
            target.alias,
            round(weight * 100),
            target.target_version,
        )

    def _hold(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self._check()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.state.stop.wait(timeout=min(ALARM_POLL_S, left))

    def _check(self) -> None:
        """Raise DeploymentStopped when a stop was requested or one of the group's alarms is in ALARM."""
        if self.state.stop.is_set():
            raise DeploymentStopped(
                "Stopped", "MANUAL_STOP", "The deployment was stopped by a user.", "DEPLOYMENT_STOP_ON_REQUEST"
            )
        alarms = _alarm_configuration(self.deployment)
        if not alarms.get("enabled"):
            return
        stored = _cloudwatch_backend(self.backend).alarms
        firing, unknown = [], []
        for alarm in alarms.get("alarms") or []:
            found = stored.get(alarm.get("name"))
            if found is None:
                unknown.append(str(alarm.get("name")))
            elif found.state_value == "ALARM":
                firing.append(str(alarm.get("name")))
        if unknown and not alarms.get("ignorePollAlarmFailure"):
            raise DeploymentStopped(
                "Failed",
                "ALARM_ACTIVE",
                f"The deployment failed because the alarm state could not be retrieved: {', '.join(unknown)}",
                "DEPLOYMENT_FAILURE",
            )
        if firing:
            raise DeploymentStopped(
                "Stopped",
                "ALARM_ACTIVE",
                "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, "
                f"and the affected deployments have been stopped. Activated alarms: <{'>, <'.join(firing)}>",
                "DEPLOYMENT_STOP_ON_ALARM",
            )

    # -- the end -----------------------------------------------------------------------------------------------
    def _end_stopped(self, stopped: DeploymentStopped) -> None:
        deployment, state = self.deployment, self.state
        state.error = {"code": stopped.code, "message": stopped.message}
        if state.target is not None:
            state.target.status = "Failed"
            for event in state.target.events.values():  # the step that was running ends with the deployment
                if event["status"] == "InProgress":
                    event.update(status="Failed", endTime=_now())
        if self.spec is not None and _rollback_wanted(deployment, stopped.rollback_event, state):
            rollback_id = self._roll_back(self.spec)
            state.rollback = {
                "rollbackDeploymentId": rollback_id,
                "rollbackMessage": f"Deployment {deployment.deployment_id} was rolled back by {rollback_id}.",
            }
        elif state.target is not None and state.target.weight > 0:
            logger.warning(
                "deployment %s %s without rollback: the alias keeps its traffic split",
                deployment.deployment_id,
                stopped.status.lower(),
            )
        logger.info("deployment %s %s: %s %s", deployment.deployment_id, stopped.status, stopped.code, stopped.message)
        self._finish(stopped.status)

    def _roll_back(self, spec: AppSpec) -> str:
        """A rollback deployment (creator codeDeployRollback) that puts the alias back on the old version."""
        from moto.codedeploy.models import DeploymentInfo

        original = self.deployment
        rollback = DeploymentInfo(
            original.application,
            original.deployment_group,
            appspec_revision(AppSpec(spec.function_name, spec.alias, spec.target_version, spec.current_version, {})),
            "CodeDeployDefault.LambdaAllAtOnce",
            f"Rollback of {original.deployment_id}",
            None,
            None,
            None,
            None,
            None,
            None,
            "codeDeployRollback",
        )
        self.backend.deployments[rollback.deployment_id] = rollback
        rollback_state = run_state(rollback.deployment_id)
        rollback_state.rollback = {"rollbackTriggeringDeploymentId": original.deployment_id}
        rollback.status, rollback.start_time = "InProgress", _now()
        lam = _lambda_backend(self.backend)
        lam.update_alias(spec.alias, spec.function_name, spec.current_version, None, {})
        rollback_state.target = LambdaTarget(
            spec.function_name, spec.alias, spec.target_version, spec.current_version, 1.0, "Succeeded"
        )
        rollback_state.target.arn = self.state.target.arn if self.state.target is not None else ""
        for event in rollback_state.target.events.values():
            event.update(status="Succeeded" if event["lifecycleEventName"] == "AllowTraffic" else "Skipped")
        if self.state.target is not None:
            self.state.target.weight = 0.0
        with self.state.changed:
            self.state.traffic.append((0.0, time.monotonic() - self.started))
        rollback.deployment_overview.update({"Pending": 0, "Succeeded": 1})
        rollback.status, rollback.complete_time = "Succeeded", _now()
        logger.info(
            "deployment %s rolled back by %s: %s:%s → version %s",
            original.deployment_id,
            rollback.deployment_id,
            spec.function_name,
            spec.alias,
            spec.current_version,
        )
        return str(rollback.deployment_id)

    def _finish(self, status: str) -> None:
        deployment = self.deployment
        outcome = "Succeeded" if status == "Succeeded" else "Failed"
        deployment.deployment_overview.update({"Pending": 0, "InProgress": 0, outcome: 1})
        deployment.complete_time = _now()
        deployment.status = status
        with self.state.changed:
            self.state.changed.notify_all()


def _active_deployment(backend: Any, application: str, group: str) -> str | None:
    for deployment in backend.deployments.values():
        if (
            deployment.application_name == application
            and deployment.deployment_group_name == group
            and deployment.status in ("Created", "Queued", "InProgress", "Baking", "Ready")
        ):
            return str(deployment.deployment_id)
    return None


def _create_deployment(original: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: Any, application_name: str, deployment_group_name: str, revision: Any, *a: Any, **k: Any) -> str:
        app = self.get_application(application_name)
        if app.compute_platform != "Lambda":
            return str(original(self, application_name, deployment_group_name, revision, *a, **k))
        if deployment_group_name:
            self.get_deployment_group(application_name, deployment_group_name)
            active = _active_deployment(self, application_name, deployment_group_name)
            if active:
                raise JsonRESTError(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{deployment_group_name}' already has an active Deployment '{active}'",
                )
        config_name = k.get("deployment_config_name") or (a[0] if a else None)
        if config_name:
            deployment_config(self, str(config_name))
        deployment_id = str(original(self, application_name, deployment_group_name, revision, *a, **k))
        DeploymentRun(self, self.deployments[deployment_id]).start()
        return deployment_id

    return create


# --- lifecycle hooks, stop, targets ---------------------------------------------------------------------------


def _put_lifecycle_event_hook_execution_status(self: Any) -> Any:
    deployment_id = self._get_param("deploymentId")
    execution_id = self._get_param("lifecycleEventHookExecutionId")
    status = self._get_param("status")
    self.codedeploy_backend.get_deployment(deployment_id)  # DeploymentDoesNotExistException
    if status not in ("Succeeded", "Failed"):
        raise JsonRESTError(
            "InvalidLifecycleEventHookExecutionStatusException", f"status must be Succeeded or Failed: {status}"
        )
    state = run_state(deployment_id)
    with state.changed:
        if execution_id not in state.hooks:
            raise JsonRESTError(
                "InvalidLifecycleEventHookExecutionIdException",
                f"No lifecycle event hook execution {execution_id} in deployment {deployment_id}.",
            )
        if state.hooks[execution_id] is not None:
            raise JsonRESTError(
                "LifecycleEventAlreadyCompletedException", f"The hook execution {execution_id} is complete."
            )
        state.hooks[execution_id] = status
        state.changed.notify_all()
    return ActionResult({"lifecycleEventHookExecutionId": execution_id})


def _stop_deployment(self: Any) -> Any:
    deployment = self.codedeploy_backend.get_deployment(self._get_param("deploymentId"))
    if deployment.status in ("Succeeded", "Failed", "Stopped"):
        raise JsonRESTError(
            "DeploymentAlreadyCompletedException", f"The deployment {deployment.deployment_id} is complete."
        )
    state = run_state(deployment.deployment_id)
    state.stop_rollback = self._get_param("autoRollbackEnabled")
    state.stop.set()
    return ActionResult({"status": "Pending", "statusMessage": "Stopping the deployment."})


def _requested_target(response: Any) -> tuple[str, LambdaTarget | None]:
    """The deployment a target request names (DeploymentDoesNotExistException when unknown) and its target."""
    deployment = response.codedeploy_backend.get_deployment(response._get_param("deploymentId"))
    state = _states.get(deployment.deployment_id)
    return deployment.deployment_id, state.target if state is not None else None


def _target_info(deployment_id: str, target: LambdaTarget | None) -> dict[str, Any]:
    if target is None:
        raise JsonRESTError("DeploymentTargetDoesNotExistException", f"No target yet in {deployment_id}.")
    return {
        "deploymentTargetType": "LambdaTarget",
        "lambdaTarget": {
            "deploymentId": deployment_id,
            "targetId": f"{target.function_name}:{target.alias}",
            "targetArn": target.arn,
            "status": target.status,
            "lastUpdatedAt": target.updated,
            "lifecycleEvents": [dict(e) for e in target.events.values()],
            "lambdaFunctionInfo": {
                "functionName": target.function_name,
                "functionAlias": target.alias,
                "currentVersion": target.current_version,
                "targetVersion": target.target_version,
                "targetVersionWeight": round(target.weight * 100, 2),
            },
        },
    }


def _get_deployment_target(self: Any) -> Any:
    return ActionResult({"deploymentTarget": _target_info(*_requested_target(self))})


def _batch_get_deployment_targets(self: Any) -> Any:
    wanted = set(self._get_param("targetIds") or [])
    info = _target_info(*_requested_target(self))
    found = [info] if info["lambdaTarget"]["targetId"] in wanted else []
    return ActionResult({"deploymentTargets": found})


def _list_deployment_targets(self: Any) -> Any:
    _, target = _requested_target(self)
    ids = [f"{target.function_name}:{target.alias}"] if target is not None else []
    return ActionResult({"targetIds": ids})


# --- install --------------------------------------------------------------------------------------------------


@once
def install() -> None:
    """Install the CodeDeploy fills into moto."""
    from moto.codedeploy import models, responses

    backend = models.CodeDeployBackend
    backend.create_deployment = _create_deployment(backend.create_deployment)  # type: ignore[method-assign]
    backend.create_deployment_group = _create_deployment_group(backend.create_deployment_group)  # type: ignore[method-assign]
    responses._deployment_info = _deployment_info(responses._deployment_info)  # type: ignore[assignment]
    responses._deployment_group_info = _group_info(responses._deployment_group_info)  # type: ignore[assignment]
    response = responses.CodeDeployResponse
    for name, method in {
        "create_deployment_config": _create_deployment_config,
        "get_deployment_config": _get_deployment_config,
        "delete_deployment_config": _delete_deployment_config,
        "list_deployment_configs": _list_deployment_configs,
        "update_deployment_group": _update_deployment_group,
        "delete_deployment_group": _delete_deployment_group,
        "delete_application": _delete_application,
        "put_lifecycle_event_hook_execution_status": _put_lifecycle_event_hook_execution_status,
        "stop_deployment": _stop_deployment,
        "get_deployment_target": _get_deployment_target,
        "batch_get_deployment_targets": _batch_get_deployment_targets,
        "list_deployment_targets": _list_deployment_targets,
    }.items():
        setattr(response, name, method)
