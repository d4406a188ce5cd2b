"""The environments for real: local applied on the emulator (every function), re-planned with no changes and
destroyed; prod planned for two regions plus the global stack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from scripts.emulator import Emulator
from tests.terraform.conftest import (
    Plan,
    apply,
    destroy,
    emulator_override,
    plan,
    plan_error,
    plan_has_changes,
    use_local_backend,
)
from tests.terraform.fixtures.fake_dist import ALL_FUNCTIONS

pytestmark = pytest.mark.slow

ALL_KEYS = sorted(key for keys in ALL_FUNCTIONS.values() for key in keys)
README_VARIABLES = {
    "ORDERS_TABLE",
    "IDEMPOTENCY_TABLE",
    "VISITS_TABLE",
    "ACTIVITY_TABLE",
    "CIRCUIT_TABLE",
    "USERS_TABLE",
    "INVENTORY_TABLE",
    "EVENT_BUS_NAME",
    "ORDERS_QUEUE_URL",
    "BULK_QUEUE_URL",
    "UPLOADS_BUCKET",
    "ARCHIVE_BUCKET",
    "ORDER_SAGA_ARN",
    "NOTIFICATIONS_TOPIC_ARN",
    "SENDER_EMAIL",
    "PAYMENT_API_URL",
    "ALLOWED_EMAIL_DOMAINS",
    "ABANDONED_AFTER_HOURS",
    "UPLOAD_ALERT_RECIPIENTS",  # functions/notifier/README.md
}


# --- local: apply, re-plan, destroy --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tf_emulator: Emulator) -> Callable[[str], BaseClient]:
    return tf_emulator.client


@pytest.fixture(scope="module")
def local_stack(tf_tree: Path, tf_emulator: Emulator, fake_manifest: Path):
    """environments/local applied on the emulator; yields (directory, variables, outputs, seconds)."""
    directory = tf_tree / "environments" / "local"
    variables = {"emulator_url": tf_emulator.url, "manifest_path": str(fake_manifest)}
    started = time.monotonic()
    outputs = apply(directory, variables)
    applied_in = time.monotonic() - started
    yield directory, variables, outputs, applied_in
    # Safety net when a test failed before test_destroy_removes_everything ran.
    destroy(directory, variables, check=False)


def test_local_apply_deploys_every_wired_function(local_stack, client):
    _, _, outputs, applied_in = local_stack
    assert sorted(outputs["deployed_functions"]) == ALL_KEYS
    assert outputs["unwired_handlers"] == []
    deployed = {f["FunctionName"] for f in _all_functions(client("lambda"))}
    assert {f"orders-local-{key}" for key in ALL_KEYS} <= deployed
    print(f"\nlocal apply: {applied_in:.0f} s")


def test_functions_get_exactly_the_contract_variables(local_stack, client):
    _, _, outputs, _ = local_stack
    assert set(outputs["environment"]) == README_VARIABLES
    config = client("lambda").get_function_configuration(FunctionName="orders-local-orders_api")
    variables = config["Environment"]["Variables"]
    assert variables["ORDERS_TABLE"] == outputs["tables"]["orders"]
    assert variables["IDEMPOTENCY_TABLE"] == outputs["tables"]["idempotency"]
    assert variables["EVENT_BUS_NAME"] == "orders-local-orders"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "orders_api"
    assert variables["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    router = client("lambda").get_function_configuration(FunctionName="orders-local-order_events_router")
    assert router["Environment"]["Variables"]["ORDER_SAGA_ARN"] == outputs["order_saga_arn"]


def test_tables_have_the_contract_keys(local_stack, client):
    dynamodb = client("dynamodb")
    orders = dynamodb.describe_table(TableName="orders-local-orders")["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in orders["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    assert sorted(i["IndexName"] for i in orders["GlobalSecondaryIndexes"]) == ["gsi1", "gsi2"]
    idempotency = dynamodb.describe_table(TableName="orders-local-idempotency")["Table"]
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    ttl = dynamodb.describe_time_to_live(TableName="orders-local-idempotency")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiration"


def test_queue_consumers_map_the_alias_with_partial_batch_responses(local_stack, client):
    mappings = client("lambda").list_event_source_mappings()["EventSourceMappings"]
    # other tests in this process may have left their own mappings in the emulator: look at this stack's only
    named = {m["FunctionArn"].split(":")[6]: m for m in mappings}
    by_function = {name: m for name, m in named.items() if name.startswith("orders-local-")}
    assert set(by_function) == {"orders-local-order_worker", "orders-local-bulk_worker"}
    for mapping in by_function.values():
        assert mapping["FunctionArn"].endswith(":live")
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="orders-local-orders")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    # environments/local: prod's maxReceiveCount 5 and order_worker's timeout 5 s, so visibility is 6x = 30 s
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5
    assert attributes["VisibilityTimeout"] == "30"


def test_no_deployed_policy_has_a_wildcard_action(local_stack, client):
    iam = client("iam")
    roles = [r["RoleName"] for r in iam.list_roles(MaxItems=1000)["Roles"] if r["RoleName"].startswith("orders-local")]
    assert len(roles) >= len(ALL_KEYS)
    actions: list[str] = []
    for role in roles:
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            for statement in document["Statement"]:
                listed = statement.get("Action", [])
                actions += [listed] if isinstance(listed, str) else listed
    assert len(actions) > 100
    assert [a for a in actions if "*" in a] == []


def test_local_api_allows_cors_from_the_local_front_end_only(local_stack, client):
    api_id = next(a["ApiId"] for a in client("apigatewayv2").get_apis()["Items"] if a["Name"] == "orders-local-api")
    cors = client("apigatewayv2").get_api(ApiId=api_id)["CorsConfiguration"]
    assert sorted(cors["AllowOrigins"]) == ["http://127.0.0.1:3000", "http://localhost:3000"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(cors["AllowHeaders"])
    assert set(cors["ExposeHeaders"]) == {"Retry-After", "Location"}
    assert cors.get("AllowCredentials") in (False, None)


def test_queues_are_tls_only_and_still_take_messages(local_stack, client):
    sqs = client("sqs")
    urls = [
        sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in ("orders-local-orders", "orders-local-orders-dlq")
    ]
    for url in urls:
        policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert (deny["Action"], deny["Condition"]) == ("sqs:*", {"Bool": {"aws:SecureTransport": "false"}})
    # the emulator does not evaluate queue policies: producers and the local event source mappings keep working
    sqs.send_message(QueueUrl=urls[1], MessageBody="{}")
    assert len(sqs.receive_message(QueueUrl=urls[1], WaitTimeSeconds=1).get("Messages", [])) == 1


def test_saga_pipeline_and_triggers_are_wired(local_stack, client):
    _, _, outputs, _ = local_stack
    machine = client("stepfunctions").describe_state_machine(stateMachineArn=outputs["order_saga_arn"])
    definition = json.loads(machine["definition"])
    tasks = [s["Resource"] for s in _states(definition) if s["Type"] == "Task"]
    assert len(tasks) == 7
    assert all(arn.endswith(":live") and ":function:orders-local-" in arn for arn in tasks)
    invoke = client("lambda").get_function_event_invoke_config(
        FunctionName="orders-local-document_pipeline_extract", Qualifier="live"
    )
    assert invoke["DestinationConfig"]["OnSuccess"]["Destination"].endswith(
        ":function:orders-local-document_pipeline_analyze:live"
    )
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"].endswith(":orders-local-async-failures")
    notification = client("s3").get_bucket_notification_configuration(Bucket=outputs["buckets"]["uploads"])
    suffixes = {
        r["Value"]
        for c in notification["LambdaFunctionConfigurations"]
        for r in c["Filter"]["Key"]["FilterRules"]
        if r["Name"].lower() == "suffix"
    }
    assert {".csv", ".png", ".jpg"} <= suffixes


def test_replan_after_apply_has_no_changes(local_stack):
    directory, variables, _, _ = local_stack
    changes, output = plan_has_changes(directory, variables)
    assert not changes, output[-6000:]


def test_destroy_removes_everything(local_stack, client):
    directory, variables, _, _ = local_stack
    started = time.monotonic()
    destroy(directory, variables)
    print(f"\nlocal destroy: {time.monotonic() - started:.0f} s")
    assert [f for f in _all_functions(client("lambda")) if f["FunctionName"].startswith("orders-local-")] == []
    assert [t for t in client("dynamodb").list_tables()["TableNames"] if t.startswith("orders-local-")] == []


# --- prod: two regions + global, planned --------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod_plan(tf_tree: Path, tf_emulator: Emulator, fake_manifest: Path) -> Plan:
    directory = tf_tree / "environments" / "prod"
    emulator_override(directory, tf_emulator, {"primary": "us-east-1", "secondary": "eu-west-1", "global": "us-east-1"})
    use_local_backend(directory)  # the S3 backend is configured but not needed to plan
    return plan(
        directory,
        {
            "manifest_path": str(fake_manifest),
            "api_domain": {"name": "api.orders.example.com", "zone_id": "Z0EXAMPLE"},
            "cors_origins": ["https://app.orders.example.com"],
        },
    )


def test_prod_deploys_every_function_in_both_regions(prod_plan: Plan):
    for region in ("primary", "secondary"):
        names = {f["function_name"] for f in prod_plan.after("aws_lambda_function", f"module.{region}.")}
        assert names == {f"orders-prod-{key}" for key in ALL_KEYS}, region


def test_prod_orders_api_keeps_provisioned_concurrency_on_the_alias_with_autoscaling(prod_plan: Plan):
    for region in ("primary", "secondary"):
        (config,) = prod_plan.after("aws_lambda_provisioned_concurrency_config", f"module.{region}.")
        assert (config["function_name"], config["qualifier"]) == ("orders-prod-orders_api", "live")
        (target,) = prod_plan.after("aws_appautoscaling_target", f"module.{region}.")
        assert target["resource_id"] == "function:orders-prod-orders_api:live"
        assert (target["min_capacity"], target["max_capacity"]) == (5, 50)
        (policy,) = prod_plan.after("aws_appautoscaling_policy", f"module.{region}.")
        tracking = policy["target_tracking_scaling_policy_configuration"][0]
        assert tracking["target_value"] == 0.7
        assert tracking["predefined_metric_specification"][0]["predefined_metric_type"] == (
            "LambdaProvisionedConcurrencyUtilization"
        )


def test_prod_snap_starts_the_waited_on_on_demand_functions_and_never_a_provisioned_one(prod_plan: Plan):
    snap_started = {
        "user_visits",
        "activity_recorder",
        "payment_gateway",
        "upload_url",
        "cognito_pre_sign_up",
        "cognito_post_confirmation",
        "cognito_pre_token_generation",
    }
    for region in ("primary", "secondary"):
        functions = {f["function_name"]: f for f in prod_plan.after("aws_lambda_function", f"module.{region}.")}
        with_snap_start = {
            name.removeprefix("orders-prod-")
            for name, f in functions.items()
            if f.get("snap_start") == [{"apply_on": "PublishedVersions"}]
        }
        assert with_snap_start == snap_started, region
        assert functions["orders-prod-orders_api"].get("snap_start") in (None, [])


def test_prod_global_routes_by_latency_over_both_regional_domains(prod_plan: Plan):
    records = {r["set_identifier"]: r for r in prod_plan.after("aws_route53_record", "module.global.")}
    assert set(records) == {"us-east-1", "eu-west-1"}
    assert {r["name"] for r in records.values()} == {"api.orders.example.com"}
    assert len(prod_plan.after("aws_route53_health_check", "module.global.")) == 2
    domains = prod_plan.after("aws_apigatewayv2_domain_name")
    assert len(domains) == 2
    assert {d["domain_name_configuration"][0]["endpoint_type"] for d in domains} == {"REGIONAL"}
    alarms = prod_plan.after("aws_cloudwatch_metric_alarm", "module.global.")
    assert {a["metric_name"] for a in alarms} == {"HealthCheckStatus"}


def test_prod_api_allows_cors_from_its_configured_origin_in_both_regions(prod_plan: Plan):
    apis = prod_plan.after("aws_apigatewayv2_api")
    assert len(apis) == 2
    assert [api["cors_configuration"][0]["allow_origins"] for api in apis] == [["https://app.orders.example.com"]] * 2


def test_prod_rejects_a_wildcard_cors_origin(prod_plan: Plan, tf_tree: Path, fake_manifest: Path):
    error = plan_error(
        tf_tree / "environments" / "prod",
        {
            "manifest_path": str(fake_manifest),
            "api_domain": {"name": "api.orders.example.com", "zone_id": "Z0EXAMPLE"},
            "cors_origins": ["*"],
        },
    )
    assert (
        'api.cors_origins must be explicit origins like https://app.example.com or http://localhost:3000: no "*"'
        in error
    )


def test_prod_keeps_data_protected(prod_plan: Plan):
    tables = prod_plan.after("aws_dynamodb_table")
    assert len(tables) == 8  # 7 in the primary (6 global, replicated to the secondary) + the secondary's circuit
    assert all(t["deletion_protection_enabled"] for t in tables)
    assert len(prod_plan.after("aws_s3_bucket_policy")) == 6  # TLS-only on every bucket in both regions
    queues = prod_plan.after("aws_sqs_queue")
    assert len(prod_plan.after("aws_sqs_queue_policy")) == len(queues)  # and on every queue
    guards = [
        s["actions"]
        for s in prod_plan.policy_statements()
        if s.get("effect") == "Deny" and s.get("sid") == "DenyInsecureTransport"
    ]
    assert guards.count(["s3:*"]) == 6
    assert guards.count(["sqs:*"]) == len(queues)
    no_star = [a for a in prod_plan.policy_actions() if "*" in a]
    assert no_star == []


# --- helpers -------------------------------------------------------------------------------------------------


def _all_functions(client: BaseClient) -> list[dict[str, Any]]:
    return [f for page in client.get_paginator("list_functions").paginate() for f in page["Functions"]]


def _states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for state in definition["States"].values():
        found.append(state)
        for branch in state.get("Branches", []):
            found += _states(branch)
    return found
