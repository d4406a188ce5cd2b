"""Small additions to moto that the Terraform AWS provider needs (see README.md, "Gap fills").

Each fill is a function that patches one moto class; :func:`install` applies them all.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

from moto.core.exceptions import JsonRESTError
from moto.core.responses import EmptyResult

from scripts.arns import parse_function_ref
from scripts.emulator.hooks import lambda_error
from scripts.emulator.patching import once

PROVISIONED_CONCURRENCY_PATH = (
    r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
)
REDRIVE_PERMISSIONS = ("allowAll", "denyAll", "byQueue")


# --- Lambda: provisioned concurrency -------------------------------------------------------------------------


def _provisioned_store(backend: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return backend.__dict__.setdefault("_emulator_provisioned_concurrency", {})


def _function_and_qualifier(response: Any) -> tuple[Any, str, str | None]:
    name = unquote(urlparse(response.path).path.rstrip("/").split("/")[-2])
    qualifier = response.querystring.get("Qualifier", [None])[0]
    fn = response.backend.get_function(name)  # ResourceNotFoundException when unknown
    return fn, fn.function_name, qualifier


def _check_qualifier(backend: Any, name: str, qualifier: str | None) -> None:
    if not qualifier:
        raise lambda_error("InvalidParameterValueException", "Qualifier is required.", 400)
    if qualifier == "$LATEST":
        raise lambda_error(
            "InvalidParameterValueException",
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
            400,
        )
    if qualifier.isdigit():
        backend.get_function(name, qualifier)  # ResourceNotFoundException for an unknown version
    else:
        backend.get_alias(qualifier, name)  # ResourceNotFoundException for an unknown alias


def _put_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
    fn, name, qualifier = _function_and_qualifier(self)
    _check_qualifier(self.backend, name, qualifier)
    requested = json.loads(self.body or "{}").get("ProvisionedConcurrentExecutions")
    if not isinstance(requested, int) or requested < 1:
        raise lambda_error(
            "InvalidParameterValueException", "ProvisionedConcurrentExecutions must be an integer of at least 1.", 400
        )
    store = _provisioned_store(self.backend)
    others = sum(
        c["RequestedProvisionedConcurrentExecutions"] for (n, q), c in store.items() if n == name and q != qualifier
    )
    reserved = fn.reserved_concurrency
    if reserved is not None and others + requested > int(reserved):
        raise lambda_error(
            "InvalidParameterValueException",
            "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for "
            f"function {name} ({reserved}).",
            400,
        )
    config = {
        "RequestedProvisionedConcurrentExecutions": requested,
        "AvailableProvisionedConcurrentExecutions": requested,
        "AllocatedProvisionedConcurrentExecutions": requested,
        "Status": "READY",
        "LastModified": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    }
    store[(name, str(qualifier))] = config
    return 202, {"status": "202"}, json.dumps(config)


def _get_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
    _, name, qualifier = _function_and_qualifier(self)
    config = _provisioned_store(self.backend).get((name, str(qualifier)))
    if config is None:
        raise lambda_error(
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
            404,
        )
    return 200, {}, json.dumps(config)


def _delete_provisioned_concurrency_config(self: Any) -> tuple[int, dict[str, str], str]:
    _, name, qualifier = _function_and_qualifier(self)
    _check_qualifier(self.backend, name, qualifier)
    _provisioned_store(self.backend).pop((name, str(qualifier)), None)
    return 204, {"status": "204"}, ""


def _list_provisioned_concurrency_configs(self: Any) -> tuple[int, dict[str, str], str]:
    fn, name, _ = _function_and_qualifier(self)
    base_arn = parse_function_ref(fn.function_arn).unqualified
    configs = [
        {"FunctionArn": f"{base_arn}:{q}", **c} for (n, q), c in _provisioned_store(self.backend).items() if n == name
    ]
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs})


def install_provisioned_concurrency() -> None:
    from moto.awslambda import responses, urls

    urls.url_paths[PROVISIONED_CONCURRENCY_PATH] = responses.LambdaResponse.dispatch
    cls = responses.LambdaResponse
    cls.put_provisioned_concurrency_config = _put_provisioned_concurrency_config  # type: ignore[attr-defined]
    cls.get_provisioned_concurrency_config = _get_provisioned_concurrency_config  # type: ignore[attr-defined]
    cls.delete_provisioned_concurrency_config = _delete_provisioned_concurrency_config  # type: ignore[attr-defined]
    cls.list_provisioned_concurrency_configs = _list_provisioned_concurrency_configs  # type: ignore[attr-defined]


# --- Lambda: event source mappings report the function ARN as given (alias ARN stays an alias ARN) -------------


def qualified_function_arn(resolved_arn: str, function_name: str) -> str:
    """The ARN AWS reports for an event source mapping's FunctionName: qualified exactly as the caller gave it."""
    base = parse_function_ref(resolved_arn).unqualified
    qualifier = parse_function_ref(function_name).qualifier
    return f"{base}:{qualifier}" if qualifier else base


def _esm_keeps_qualifier(original: Callable[..., Any], spec_index: int) -> Callable[..., Any]:
    def wrapper(self: Any, *args: Any) -> Any:
        esm = original(self, *args)
        spec = args[spec_index]
        if esm is not None and spec.get("FunctionName"):
            esm.function_arn = qualified_function_arn(esm.function_arn, spec["FunctionName"])
        return esm

    return wrapper


def install_esm_function_arn() -> None:
    from moto.awslambda.models import LambdaBackend

    LambdaBackend.create_event_source_mapping = _esm_keeps_qualifier(  # type: ignore[method-assign]
        LambdaBackend.create_event_source_mapping, 0
    )
    LambdaBackend.update_event_source_mapping = _esm_keeps_qualifier(  # type: ignore[method-assign]
        LambdaBackend.update_event_source_mapping, 1
    )


# --- Step Functions: ValidateStateMachineDefinition ----------------------------------------------------------


def validate_definition(definition: str) -> list[dict[str, str]]:
    """Diagnostics for an ASL definition (empty when valid): JSON, StartAt/States, transitions, then moto's parser."""
    try:
        document = json.loads(definition)
    except (TypeError, ValueError) as error:
        return [_diagnostic("INVALID_JSON_DESCRIPTION", f"Definition is not valid JSON: {error}", "/")]
    if not isinstance(document, dict):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "Definition must be a JSON object", "/")]
    diagnostics = _check_states(document, "")
    if diagnostics:
        return diagnostics
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException

    try:
        AmazonStateLanguageParser.parse(definition)
    except ASLParserException as error:
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", f"Invalid ASL: {error}", "/")]
    return []


def _check_states(document: dict[str, Any], location: str) -> list[dict[str, str]]:
    start_at, states = document.get("StartAt"), document.get("States")
    if not isinstance(start_at, str):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", location or "/")]
    if not isinstance(states, dict) or not states:
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [States]", location or "/")]
    diagnostics = []
    if start_at not in states:
        diagnostics.append(
            _diagnostic("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {start_at}", f"{location}/StartAt")
        )
    for name, state in states.items():
        where = f"{location}/States/{name}"
        if not isinstance(state, dict) or "Type" not in state:
            diagnostics.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [Type]", where))
            continue
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", []) if isinstance(c, dict)]
        for target in filter(None, targets):
            if target not in states:
                diagnostics.append(_diagnostic("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", where))
        for index, branch in enumerate(state.get("Branches", [])):
            diagnostics += _check_states(branch, f"{where}/Branches[{index}]")
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                diagnostics += _check_states(state[key], f"{where}/{key}")
    return diagnostics


def _diagnostic(code: str, message: str, location: str) -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message, "location": location}


def _validate_state_machine_definition(self: Any) -> str:
    diagnostics = validate_definition(self._get_param("definition"))
    result = "FAIL" if diagnostics else "OK"
    return json.dumps({"result": result, "diagnostics": diagnostics, "truncated": False})


def _list_state_machine_versions(self: Any) -> str:
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = [
        {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date.timestamp()}
        for _, v in sorted(machine.versions.items(), reverse=True)  # newest first, as AWS lists them
    ]
    return json.dumps({"stateMachineVersions": versions})


def install_sfn_validation() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition  # type: ignore[attr-defined]
    StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions  # type: ignore[attr-defined]


# --- SQS: RedriveAllowPolicy, and policies returned exactly as stored ------------------------------------------


def validate_redrive_allow_policy(value: str) -> None:
    """Raise moto's InvalidAttributeValue unless ``value`` is a redrive-allow policy AWS would accept."""
    from moto.sqs.exceptions import InvalidAttributeValue

    try:
        policy = json.loads(value)
    except ValueError as error:
        raise InvalidAttributeValue("RedriveAllowPolicy") from error
    if not isinstance(policy, dict) or policy.get("redrivePermission") not in REDRIVE_PERMISSIONS:
        raise InvalidAttributeValue("RedriveAllowPolicy")
    sources = policy.get("sourceQueueArns")
    if policy["redrivePermission"] == "byQueue":
        if not isinstance(sources, list) or not 1 <= len(sources) <= 10:
            raise InvalidAttributeValue("RedriveAllowPolicy")
    elif sources:
        raise InvalidAttributeValue("RedriveAllowPolicy")


def _set_attributes(original: Callable[..., Any]) -> Callable[..., Any]:
    def set_attributes(self: Any, attributes: dict[str, Any], now: Any = None) -> None:
        allow = attributes.get("RedriveAllowPolicy")
        if allow:
            validate_redrive_allow_policy(allow)
        policy = getattr(self, "policy", None)
        original(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = policy  # moto resets Policy on every SetQueueAttributes; AWS changes only what is sent
        if "RedriveAllowPolicy" in attributes:
            self.redrive_allow_policy = allow or None
        if "RedrivePolicy" in attributes:
            raw = attributes["RedrivePolicy"]
            self._emulator_raw_redrive_policy = raw if self.redrive_policy and isinstance(raw, str) else None

    return set_attributes


def _attributes(original: property) -> property:
    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)  # type: ignore[misc]
        raw = self.__dict__.get("_emulator_raw_redrive_policy")
        if raw and self.redrive_policy:
            result["RedrivePolicy"] = raw  # exactly as the caller sent it: no whitespace churn in re-plans
        if not result.get("RedriveAllowPolicy"):
            result.pop("RedriveAllowPolicy", None)
        return result

    return property(attributes)


def install_sqs_attributes() -> None:
    from moto.sqs.models import Queue

    if "RedriveAllowPolicy" not in Queue.BASE_ATTRIBUTES:
        Queue.BASE_ATTRIBUTES.append("RedriveAllowPolicy")
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    Queue._set_attributes = _set_attributes(Queue._set_attributes)  # type: ignore[method-assign]
    Queue.attributes = _attributes(Queue.__dict__["attributes"])  # type: ignore[assignment,method-assign]


# --- Application Auto Scaling: tags on scalable targets ------------------------------------------------------


def _autoscaling_tags(backend: Any) -> dict[str, dict[str, str]]:
    return backend.__dict__.setdefault("_emulator_tags", {})


def _target_tags(response: Any) -> dict[str, str]:
    """The tags of the request's ResourceARN; ResourceNotFoundException unless it is a registered scalable target."""
    arn = response._get_param("ResourceARN")
    backend = response.applicationautoscaling_backend
    if not any(t.arn == arn for by_id in backend.targets.values() for t in by_id.values()):
        raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for {arn}")
    return _autoscaling_tags(backend).setdefault(arn, {})


def _list_tags_for_resource(self: Any) -> str:
    return json.dumps({"Tags": _target_tags(self)})


def _tag_resource(self: Any) -> str:
    _target_tags(self).update(self._get_param("Tags") or {})
    return "{}"


def _untag_resource(self: Any) -> str:
    tags = _target_tags(self)
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return "{}"


def _register_with_tags(original: Callable[..., Any]) -> Callable[..., Any]:
    def register_scalable_target(self: Any) -> str:
        body = original(self)
        tags = self._get_param("Tags")
        if tags:
            arn = json.loads(body)["ScalableTargetARN"]
            _autoscaling_tags(self.applicationautoscaling_backend).setdefault(arn, {}).update(tags)
        return body

    return register_scalable_target


def install_autoscaling_tags() -> None:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as Response

    Response.list_tags_for_resource = _list_tags_for_resource  # type: ignore[attr-defined]
    Response.tag_resource = _tag_resource  # type: ignore[attr-defined]
    Response.untag_resource = _untag_resource  # type: ignore[attr-defined]
    Response.register_scalable_target = _register_with_tags(Response.register_scalable_target)  # type: ignore[method-assign]


# --- CloudWatch: PutCompositeAlarm (moto already stores composite alarms as alarms with a rule) ------------------


def _put_composite_alarm(self: Any) -> Any:
    rule = self._get_param("AlarmRule")
    name = self._get_param("AlarmName")
    if not name or not rule:
        from moto.cloudwatch.exceptions import ValidationError

        raise ValidationError("AlarmName and AlarmRule are required")
    self.cloudwatch_backend.put_metric_alarm(
        name=name,
        namespace=None,
        metric_name=None,
        comparison_operator=None,
        evaluation_periods=None,
        period=None,
        threshold=None,
        statistic=None,
        description=self._get_param("AlarmDescription"),
        dimensions=[],
        alarm_actions=self._get_param("AlarmActions", []),
        ok_actions=self._get_param("OKActions", []),
        insufficient_data_actions=self._get_param("InsufficientDataActions", []),
        actions_enabled=self._get_param("ActionsEnabled", True),
        rule=rule,
        tags=self._get_param("Tags", []),
    )
    return EmptyResult()


def install_composite_alarm() -> None:
    from moto.cloudwatch.responses import CloudWatchResponse

    CloudWatchResponse.put_composite_alarm = _put_composite_alarm  # type: ignore[attr-defined]


# --- S3: TransitionDefaultMinimumObjectSize of a lifecycle configuration -----------------------------------------
# moto ignores the header on PutBucketLifecycleConfiguration and always answers all_storage_classes_128K. The provider's
# waitLifecycleConfigEquals compares it, so any other value waited out the whole 3-minute timeout and failed.

TRANSITION_SIZE_HEADER = "x-amz-transition-default-minimum-object-size"
TRANSITION_SIZES = ("all_storage_classes_128K", "varies_by_storage_class")
_TRANSITION_SIZE_ATTR = "_emulator_transition_default_minimum_object_size"


def _put_bucket_with_transition_size(original: Callable[..., Any]) -> Callable[..., Any]:
    def _bucket_response_put(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        if "lifecycle" not in querystring:
            return original(self, request, bucket_name, querystring)
        size = request.headers.get(TRANSITION_SIZE_HEADER) or TRANSITION_SIZES[0]
        if size not in TRANSITION_SIZES:
            from moto.s3.exceptions import InvalidArgumentError

            raise InvalidArgumentError(
                f"{TRANSITION_SIZE_HEADER} must be one of {', '.join(TRANSITION_SIZES)}, got {size!r}",
                TRANSITION_SIZE_HEADER,
                size,
            )
        result = original(self, request, bucket_name, querystring)
        if not isinstance(result, str):
            return result  # moto's own refusal (e.g. 411), nothing stored
        setattr(self.backend.get_bucket(bucket_name), _TRANSITION_SIZE_ATTR, size)
        return 200, {TRANSITION_SIZE_HEADER: size}, result

    return _bucket_response_put


def _get_lifecycle_with_transition_size(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_bucket_lifecycle(self: Any) -> Any:
        status, headers, body = original(self)
        stored = getattr(self.backend.get_bucket(self.bucket_name), _TRANSITION_SIZE_ATTR, None)
        if stored:
            headers[TRANSITION_SIZE_HEADER] = stored
        return status, headers, body

    return get_bucket_lifecycle


def install_lifecycle_transition_size() -> None:
    from moto.s3.responses import S3Response

    S3Response._bucket_response_put = _put_bucket_with_transition_size(S3Response._bucket_response_put)  # type: ignore[method-assign]
    S3Response.get_bucket_lifecycle = _get_lifecycle_with_transition_size(S3Response.get_bucket_lifecycle)  # type: ignore[method-assign]


# --- CloudWatch Logs: saved Logs Insights queries --------------------------------------------------------------


def _query_store(backend: Any) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_emulator_query_definitions", {})


def _put_query_definition(self: Any) -> str:
    store = _query_store(self.logs_backend)
    definition_id = self._get_param("queryDefinitionId") or str(uuid.uuid4())
    store[definition_id] = {
        "queryDefinitionId": definition_id,
        "name": self._get_param("name"),
        "queryString": self._get_param("queryString"),
        "logGroupNames": self._get_param("logGroupNames") or [],
        "lastModified": int(time.time() * 1000),
    }
    return json.dumps({"queryDefinitionId": definition_id})


def _describe_query_definitions(self: Any) -> str:
    prefix = self._get_param("queryDefinitionNamePrefix") or ""
    found = [d for d in _query_store(self.logs_backend).values() if str(d["name"]).startswith(prefix)]
    return json.dumps({"queryDefinitions": sorted(found, key=lambda d: d["name"])})


def _delete_query_definition(self: Any) -> str:
    removed = _query_store(self.logs_backend).pop(self._get_param("queryDefinitionId"), None)
    return json.dumps({"success": removed is not None})


def install_query_definitions() -> None:
    """PutQueryDefinition & co. (``aws_cloudwatch_query_definition``); moto answers 500 without them."""
    from moto.logs.responses import LogsResponse

    if not hasattr(LogsResponse, "put_query_definition"):
        LogsResponse.put_query_definition = _put_query_definition  # type: ignore[attr-defined]
        LogsResponse.describe_query_definitions = _describe_query_definitions  # type: ignore[attr-defined]
        LogsResponse.delete_query_definition = _delete_query_definition  # type: ignore[attr-defined]


@once
def install() -> None:
    """Apply every gap fill."""
    from scripts.emulator import api_domains, global_tables, route53_health

    install_provisioned_concurrency()
    install_esm_function_arn()
    install_sfn_validation()
    install_sqs_attributes()
    install_autoscaling_tags()
    install_composite_alarm()
    install_query_definitions()
    install_lifecycle_transition_size()
    global_tables.install()
    route53_health.install()
    api_domains.install()
