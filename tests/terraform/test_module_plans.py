"""Each module's example planned against the emulator, with assertions on what the plan would create; bad inputs
fail the plan with the module's own message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.emulator import Emulator
from tests.terraform.conftest import Plan, emulator_override, plan, plan_error

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tf_tree: Path, tf_emulator: Emulator):
    """The example directory of a module, pointed at the emulator."""

    def get(module: str) -> Path:
        directory = tf_tree / "modules" / module / "examples" / "basic"
        emulator_override(directory, tf_emulator, ["us-east-1"])
        return directory

    return get


@pytest.fixture(scope="module")
def lambda_plan(example, fake_zip: Path) -> Plan:
    return plan(example("lambda_function"), {"package_path": str(fake_zip)})


def no_wildcard_actions(planned: Plan) -> None:
    actions = planned.policy_actions()
    assert actions, "no policy statements found in the plan"
    assert [a for a in actions if "*" in a] == []


# --- lambda_function ----------------------------------------------------------------------------------------


def test_function_is_published_behind_the_live_alias_with_the_manifest_hash(lambda_plan: Plan, fake_zip: Path):
    function = lambda_plan.by_address_suffix("module.function.aws_lambda_function.this")
    assert function["publish"] is True
    assert function["architectures"] == ["arm64"]
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["reserved_concurrent_executions"] == 10
    alias = lambda_plan.by_address_suffix("module.function.aws_lambda_alias.live_terraform[0]")
    assert alias["name"] == "live"


def test_provisioned_concurrency_is_on_the_alias_never_latest(lambda_plan: Plan):
    (config,) = lambda_plan.after("aws_lambda_provisioned_concurrency_config")
    assert config["qualifier"] == "live"
    assert config["function_name"] == "example-orders-api"
    assert config["provisioned_concurrent_executions"] == 2


def test_function_alarms_have_the_recommended_thresholds(lambda_plan: Plan):
    planned = lambda_plan.after("aws_cloudwatch_metric_alarm")
    alarms = {a["alarm_name"].removeprefix("example-orders-api-"): a for a in planned}
    assert set(alarms) == {"errors", "throttles", "duration-p99", "provisioned-spillover", "async-events-dropped"}
    assert (alarms["errors"]["metric_name"], alarms["errors"]["evaluation_periods"], alarms["errors"]["threshold"]) == (
        "Errors",
        3,
        0,
    )
    assert alarms["throttles"]["evaluation_periods"] == 5
    # p99 duration against 80 % of the 10 s timeout, in milliseconds
    assert alarms["duration-p99"]["extended_statistic"] == "p99"
    assert alarms["duration-p99"]["threshold"] == 8000
    assert alarms["provisioned-spillover"]["dimensions"] == {
        "FunctionName": "example-orders-api",
        "Resource": "example-orders-api:live",
    }


def test_async_failures_go_to_the_on_failure_destination(lambda_plan: Plan):
    (config,) = lambda_plan.after("aws_lambda_function_event_invoke_config")
    assert config["qualifier"] == "live"
    assert config["maximum_retry_attempts"] == 1
    assert len(config["destination_config"][0]["on_failure"]) == 1


def test_function_policy_names_exact_actions_only(lambda_plan: Plan):
    no_wildcard_actions(lambda_plan)
    actions = set(lambda_plan.policy_actions())
    assert {"dynamodb:GetItem", "dynamodb:Query", "logs:PutLogEvents"} <= actions


def test_provisioned_above_reserved_fails_with_the_module_message(example, fake_zip: Path):
    error = plan_error(
        example("lambda_function"),
        {"package_path": str(fake_zip), "reserved_concurrency": 5, "provisioned_executions": 8},
    )
    assert "provisioned_concurrency.executions must not exceed reserved_concurrency" in error


def test_unknown_architecture_fails_with_the_module_message(example, fake_zip: Path):
    error = plan_error(example("lambda_function"), {"package_path": str(fake_zip), "architecture": "arm32"})
    assert 'architecture must be "arm64" or "x86_64"' in error


def test_timeout_beyond_lambda_limit_fails_with_the_module_message(example, fake_zip: Path):
    error = plan_error(example("lambda_function"), {"package_path": str(fake_zip), "timeout": 901})
    assert "timeout must be a whole number of seconds between 1 and 900" in error


def test_snap_start_plans_on_published_versions_without_provisioned_concurrency(example, fake_zip: Path):
    # Given SnapStart instead of provisioned concurrency on python3.12+
    planned = plan(
        example("lambda_function"),
        {"package_path": str(fake_zip), "snap_start": True, "provisioned_executions": 0, "runtime": "python3.12"},
    )
    # Then the function snapshots its published versions and nothing is provisioned
    function = planned.by_address_suffix("module.function.aws_lambda_function.this")
    assert function["snap_start"] == [{"apply_on": "PublishedVersions"}]
    assert function["publish"] is True
    assert planned.after("aws_lambda_provisioned_concurrency_config") == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"snap_start": True}, "snap_start and provisioned_concurrency cannot both be set"),
        (
            {"snap_start": True, "provisioned_executions": 0, "runtime": "python3.11"},
            "snap_start needs python3.12 or later",
        ),
        (
            {"snap_start": True, "provisioned_executions": 0, "ephemeral_storage_mb": 1024},
            "snap_start allows at most 512 MB of ephemeral storage",
        ),
    ],
)
def test_snap_start_with_what_aws_rejects_fails_with_the_module_message(
    example, fake_zip: Path, variables: dict[str, Any], message: str
):
    error = plan_error(example("lambda_function"), {"package_path": str(fake_zip), **variables})
    assert message in error


# --- sqs_queue and sqs_consumer ------------------------------------------------------------------------------


def test_queue_redrives_to_its_dlq_encrypted_with_alarms(example):
    planned = plan(example("sqs_queue"))
    queues = {q["name"]: q for q in planned.after("aws_sqs_queue")}
    assert set(queues) == {"example-orders", "example-orders-dlq"}
    assert all(q["sqs_managed_sse_enabled"] is True for q in queues.values())
    assert queues["example-orders"]["visibility_timeout_seconds"] == 180
    # The redrive policy embeds the DLQ's ARN, so it is only known after apply (the environment test reads it).
    (main,) = [rc for rc in planned.changes("aws_sqs_queue") if rc["change"]["after"]["name"] == "example-orders"]
    assert main["change"]["after_unknown"]["redrive_policy"] is True
    (allow,) = planned.changes("aws_sqs_queue_redrive_allow_policy")
    assert allow["change"]["actions"] == ["create"]
    # both queues refuse every action over plain HTTP
    assert len(planned.after("aws_sqs_queue_policy")) == 2
    assert tls_guards(planned) == [["sqs:*"], ["sqs:*"]]
    alarms = {a["alarm_name"]: a for a in planned.after("aws_cloudwatch_metric_alarm")}
    dlq = alarms["example-orders-dlq-not-empty"]
    assert (dlq["metric_name"], dlq["statistic"]) == ("ApproximateNumberOfMessagesVisible", "Maximum")
    assert dlq["threshold"] == 0
    assert dlq["treat_missing_data"] == "notBreaching"
    age = alarms["example-orders-oldest-message-age"]
    assert (age["metric_name"], age["threshold"]) == ("ApproximateAgeOfOldestMessage", 600)


def test_consumer_reports_batch_item_failures(example, fake_zip: Path):
    planned = plan(example("sqs_consumer"), {"package_path": str(fake_zip)})
    (mapping,) = planned.after("aws_lambda_event_source_mapping")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 10
    assert mapping["maximum_batching_window_in_seconds"] == 2
    assert mapping["scaling_config"] == [{"maximum_concurrency": 5}]
    no_wildcard_actions(planned)
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= set(planned.policy_actions())


def test_visibility_below_six_times_timeout_fails_with_the_module_message(example, fake_zip: Path):
    error = plan_error(
        example("sqs_consumer"),
        {"package_path": str(fake_zip), "function_timeout": 30, "visibility_timeout_seconds": 120},
    )
    assert "must be at least 6x the function timeout (30 s = 180 s)" in error


# --- the other modules ---------------------------------------------------------------------------------------


def test_layer_publishes_the_zip_or_passes_an_existing_arn_through(example, fake_layer_zip: Path):
    planned = plan(example("lambda_layer"), {"layer_zip_path": str(fake_layer_zip)})
    (layer,) = planned.after("aws_lambda_layer_version")
    assert layer["compatible_architectures"] == ["arm64"]
    assert layer["compatible_runtimes"] == ["python3.13"]


def test_http_api_protects_routes_except_public_ones(example, fake_zip: Path):
    planned = plan(example("http_api"), {"package_path": str(fake_zip)})
    routes = {r["route_key"]: r["authorization_type"] for r in planned.after("aws_apigatewayv2_route")}
    assert routes == {"GET /health": "NONE", "POST /orders": "JWT", "GET /orders/{id}": "JWT"}
    (stage,) = planned.after("aws_apigatewayv2_stage")
    assert stage["default_route_settings"][0]["throttling_rate_limit"] == 25
    assert len(stage["access_log_settings"]) == 1
    assert {i["payload_format_version"] for i in planned.after("aws_apigatewayv2_integration")} == {"2.0"}
    assert {p["qualifier"] for p in planned.after("aws_lambda_permission")} == {"live"}


def test_http_api_cors_names_its_origins_headers_and_exposed_headers(example, fake_zip: Path):
    planned = plan(example("http_api"), {"package_path": str(fake_zip)})
    (api,) = planned.after("aws_apigatewayv2_api")
    (cors,) = api["cors_configuration"]
    assert cors["allow_origins"] == ["https://app.example.com"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(cors["allow_headers"])
    assert {"GET", "POST", "PATCH", "DELETE", "OPTIONS"} <= set(cors["allow_methods"])
    assert set(cors["expose_headers"]) == {"Retry-After", "Location"}
    assert cors["max_age"] == 300
    assert cors["allow_credentials"] is False


@pytest.mark.parametrize(
    ("cors", "message"),
    [
        pytest.param(
            {"allow_origins": ["*"], "allow_credentials": True},
            'cors.allow_credentials needs explicit origins: never "*"',
            id="star-with-credentials",
        ),
        pytest.param(
            {"allow_origins": ["https://*"], "allow_credentials": True},
            'cors.allow_credentials needs explicit origins: never "*"',
            id="wildcard-with-credentials",
        ),
        pytest.param(
            {"allow_origins": ["https://app.example.com/"]},
            "cors.allow_origins entries must be origins like https://app.example.com",
            id="origin-with-path",
        ),
        pytest.param({"allow_origins": []}, "cors.allow_origins must list at least one origin", id="no-origin"),
        pytest.param(
            {"allow_origins": ["https://app.example.com"], "allow_methods": ["FETCH"]},
            "cors.allow_methods entries must be HTTP methods",
            id="unknown-method",
        ),
        pytest.param(
            {"allow_origins": ["https://app.example.com"], "max_age": 90000},
            "cors.max_age must be between 0 and 86400 seconds",
            id="max-age-over-a-day",
        ),
    ],
)
def test_http_api_bad_cors_fails_with_the_module_message(example, fake_zip: Path, cors: dict[str, Any], message: str):
    error = plan_error(example("http_api"), {"package_path": str(fake_zip), "cors": cors})
    assert message in error


def test_latency_records_per_region_with_health_checks(example):
    planned = plan(example("latency_routing"))
    records = {r["set_identifier"]: r for r in planned.after("aws_route53_record")}
    assert set(records) == {"us-east-1", "eu-west-1"}
    for region, record in records.items():
        assert record["latency_routing_policy"] == [{"region": region}]
        assert record["alias"][0]["evaluate_target_health"] is True
    checks = planned.after("aws_route53_health_check")
    assert {(c["type"], c["resource_path"], c["port"]) for c in checks} == {("HTTPS", "/health", 443)}
    assert len(checks) == 2


def test_state_machine_logs_traces_and_alarms(example, fake_zip: Path):
    planned = plan(example("state_machine"), {"package_path": str(fake_zip)})
    (machine,) = planned.after("aws_sfn_state_machine")
    assert machine["tracing_configuration"] == [{"enabled": True}]
    assert machine["logging_configuration"][0]["level"] == "ERROR"
    # states' inputs and outputs (customers' e-mails and addresses) never reach CloudWatch Logs
    assert machine["logging_configuration"][0]["include_execution_data"] is False
    metrics = {a["metric_name"] for a in planned.after("aws_cloudwatch_metric_alarm") if a["namespace"] == "AWS/States"}
    assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    no_wildcard_actions(planned)


def test_eventbridge_targets_retry_into_a_dlq(example, fake_zip: Path):
    planned = plan(example("eventbridge"), {"package_path": str(fake_zip)})
    (target,) = planned.after("aws_cloudwatch_event_target")
    assert target["retry_policy"] == [{"maximum_event_age_in_seconds": 86400, "maximum_retry_attempts": 185}]
    assert len(target["dead_letter_config"]) == 1
    (schedule,) = planned.after("aws_scheduler_schedule")
    assert schedule["schedule_expression"] == "rate(1 hour)"
    assert len(schedule["target"][0]["dead_letter_config"]) == 1
    principals = {p["principal"] for p in planned.after("aws_lambda_permission")}
    assert principals == {"events.amazonaws.com"}


def test_s3_notifications_filter_by_prefix_and_suffix(example, fake_zip: Path):
    planned = plan(example("s3_notifications"), {"package_path": str(fake_zip)})
    (notification,) = planned.after("aws_s3_bucket_notification")
    filters = {(f["filter_prefix"], f["filter_suffix"]) for f in notification["lambda_function"]}
    assert filters == {("uploads/", ".csv"), ("uploads/", ".png"), ("uploads/", ".jpg")}
    permissions = planned.after("aws_lambda_permission")
    assert {p["principal"] for p in permissions} == {"s3.amazonaws.com"}
    assert len(permissions) == 2  # one per function, however many filters point at it


def test_sns_topic_is_encrypted_and_subscriptions_have_a_dlq(example, fake_zip: Path):
    planned = plan(example("sns_topic"), {"package_path": str(fake_zip)})
    (topic,) = planned.after("aws_sns_topic")
    assert topic["kms_master_key_id"] == "alias/aws/sns"
    (subscription,) = planned.changes("aws_sns_topic_subscription")
    assert subscription["change"]["after"]["protocol"] == "lambda"
    assert (
        subscription["change"]["after_unknown"].get("redrive_policy")
        or subscription["change"]["after"]["redrive_policy"]
    )


def test_cognito_triggers_get_invoke_permissions(example, fake_zip: Path):
    planned = plan(example("cognito_user_pool"), {"package_path": str(fake_zip)})
    permissions = planned.after("aws_lambda_permission")
    assert {p["principal"] for p in permissions} == {"cognito-idp.amazonaws.com"}
    assert len(permissions) == 2
    (pool,) = planned.after("aws_cognito_user_pool")
    assert pool["deletion_protection"] == "INACTIVE"


def test_tables_are_on_demand_encrypted_with_pitr(example):
    planned = plan(example("dynamodb_table"))
    tables = {t["name"]: t for t in planned.after("aws_dynamodb_table")}
    for table in tables.values():
        assert table["billing_mode"] == "PAY_PER_REQUEST"
        assert table["point_in_time_recovery"][0]["enabled"] is True
        assert table["server_side_encryption"][0]["enabled"] is True
    orders, idempotency = tables["example-orders"], tables["example-idempotency"]
    assert (orders["hash_key"], orders["range_key"]) == ("pk", "sk")
    assert orders["global_secondary_index"][0]["name"] == "gsi1"
    assert idempotency["hash_key"] == "id"
    assert idempotency["ttl"] == [{"attribute_name": "expiration", "enabled": True}]


def test_bucket_is_private_versioned_encrypted_and_tls_only(example):
    planned = plan(example("s3_bucket"))
    (block,) = planned.after("aws_s3_bucket_public_access_block")
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    assert all(block[flag] is True for flag in flags)
    (versioning,) = planned.after("aws_s3_bucket_versioning")
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    (sse,) = planned.after("aws_s3_bucket_server_side_encryption_configuration")
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    assert len(planned.after("aws_s3_bucket_policy")) == 1
    assert tls_guards(planned) == [["s3:*"]]


def tls_guards(planned: Plan) -> list[list[str]]:
    """The actions of every statement that denies requests made without TLS."""
    return [
        statement["actions"]
        for statement in planned.policy_statements()
        if statement.get("effect") == "Deny"
        and {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]} in statement.get("condition", [])
        and statement["principals"] == [{"type": "*", "identifiers": ["*"]}]
    ]


def test_observability_saves_the_three_queries(example):
    planned = plan(example("observability"))
    queries = {q["name"]: q for q in planned.after("aws_cloudwatch_query_definition")}
    assert set(queries) == {"example-orders/cold-starts", "example-orders/errors", "example-orders/performance"}
    assert "@initDuration" in queries["example-orders/cold-starts"]["query_string"]
    (dashboard,) = planned.after("aws_cloudwatch_dashboard")
    widgets: list[dict[str, Any]] = json.loads(dashboard["dashboard_body"])["widgets"]
    assert any(w["properties"]["title"] == "Lambda Errors" for w in widgets)
