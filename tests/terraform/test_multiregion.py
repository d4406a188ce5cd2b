"""Multi-region Terraform: the dynamodb_table module's global tables (replicas, or naming a replica another region
creates) planned against the emulator, its bad inputs failing with the module's own messages, and prod planned
with replicated tables and one identity for both regions' APIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.emulator import Emulator
from tests.terraform.conftest import Plan, emulator_override, plan, plan_error, use_local_backend

pytestmark = pytest.mark.slow

KEY = "arn:aws:kms:{region}:123456789012:key/11111111-2222-3333-4444-555555555555"
TABLE = {"region": "us-east-1", "stream_view_type": "NEW_AND_OLD_IMAGES"}  # the example's default


def table(**settings: str | None) -> dict[str, str | None]:
    """The example's ``table`` variable with some settings changed (None = null)."""
    return {**TABLE, **settings}


@pytest.fixture(scope="module")
def global_example(tf_tree: Path, tf_emulator: Emulator) -> Path:
    directory = tf_tree / "modules" / "dynamodb_table" / "examples" / "global"
    emulator_override(directory, tf_emulator, ["us-east-1", "eu-west-1"])
    return directory


@pytest.fixture(scope="module")
def global_plan(global_example: Path) -> Plan:
    return plan(global_example)


# --- modules/dynamodb_table: replicas ------------------------------------------------------------------------


def test_global_table_is_created_once_with_a_replica_and_a_new_and_old_images_stream(global_plan: Plan):
    (created,) = global_plan.after("aws_dynamodb_table")
    assert created["name"] == "example-global-orders"
    assert (created["stream_enabled"], created["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES")
    assert created["billing_mode"] == "PAY_PER_REQUEST"
    (replica,) = created["replica"]
    assert replica["region_name"] == "eu-west-1"
    # the replica keeps the table's point-in-time recovery unless told otherwise, and its tags
    assert (replica["point_in_time_recovery"], replica["propagate_tags"]) == (True, True)
    # only the us-east-1 module creates a table: the eu-west-1 side names the replica
    assert [rc["address"] for rc in global_plan.changes("aws_dynamodb_table")] == [
        "module.orders.aws_dynamodb_table.this[0]"
    ]


def test_the_replica_side_names_the_replica_in_its_own_region(global_plan: Plan):
    outputs = global_plan.document["planned_values"]["outputs"]
    assert outputs["replica_regions"]["value"] == ["eu-west-1"]
    replica_arn = outputs["replica_arn"]["value"]
    assert replica_arn.startswith("arn:aws:dynamodb:eu-west-1:")
    assert replica_arn.endswith(":table/example-global-orders")
    assert outputs["replica_index_arns"]["value"] == [f"{replica_arn}/index/gsi1"]


def test_a_customer_key_per_replica_region_plans(global_example: Path):
    planned = plan(
        global_example,
        {
            "table": table(kms_key_arn=KEY.format(region="us-east-1")),
            "replicas": [{"region_name": "eu-west-1", "kms_key_arn": KEY.format(region="eu-west-1")}],
        },
    )
    (created,) = planned.after("aws_dynamodb_table")
    assert created["server_side_encryption"][0]["kms_key_arn"] == KEY.format(region="us-east-1")
    assert created["replica"][0]["kms_key_arn"] == KEY.format(region="eu-west-1")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"replicas": [{"region_name": "us-east-1"}]},
            "replicas must not include the table's own region (us-east-1)",
            id="replica-in-own-region",
        ),
        pytest.param(
            # the module is not told its region: the provider's region is checked by the resource's precondition
            {"replicas": [{"region_name": "us-east-1"}], "table": table(region=None)},
            "replicas must not include the table's own region (us-east-1, the provider's)",
            id="replica-in-provider-region",
        ),
        pytest.param(
            {"replicas": [{"region_name": "eu-west-1"}, {"region_name": "eu-west-1"}]},
            "replicas lists a region twice",
            id="duplicate-region",
        ),
        pytest.param(
            {"replicas": [{"region_name": "Europe"}]},
            "replicas[*].region_name must be AWS region names",
            id="not-a-region",
        ),
        pytest.param(
            {"table": table(stream_view_type=None)},
            'replicas need stream_view_type = "NEW_AND_OLD_IMAGES"',
            id="stream-off",
        ),
        pytest.param(
            {"table": table(stream_view_type="NEW_IMAGE")},
            'replicas need stream_view_type = "NEW_AND_OLD_IMAGES"',
            id="stream-new-image-only",
        ),
        pytest.param(
            {"table": table(kms_key_arn=KEY.format(region="us-east-1"))},
            "every replica needs its own key in its region",
            id="customer-key-without-replica-keys",
        ),
        pytest.param(
            {
                "table": table(kms_key_arn=KEY.format(region="us-east-1")),
                "replicas": [{"region_name": "eu-west-1", "kms_key_arn": KEY.format(region="us-east-1")}],
            },
            "must be a KMS key ARN in that replica's region",
            id="replica-key-in-another-region",
        ),
        pytest.param(
            {"replicas": [{"region_name": "eu-west-1", "kms_key_arn": KEY.format(region="eu-west-1")}]},
            "replicas[*].kms_key_arn needs the table's own kms_key_arn too",
            id="replica-key-without-table-key",
        ),
        pytest.param(
            {
                "table": table(region=None, kms_key_arn=KEY.format(region="eu-west-1")),
                "replicas": [{"region_name": "eu-west-1", "kms_key_arn": KEY.format(region="eu-west-1")}],
            },
            "kms_key_arn must be a KMS key in the table's region (us-east-1)",
            id="table-key-in-another-region",
        ),
        pytest.param(
            {"replica_of_region": "eu-west-1"},
            "replica_of.region (eu-west-1) is this provider's region",
            id="replica-of-itself",
        ),
    ],
)
def test_what_aws_rejects_for_a_global_table_fails_with_the_module_message(
    global_example: Path, variables: dict[str, Any], message: str
):
    error = plan_error(global_example, variables)
    assert message in error


# --- environments/prod: replicated tables, one identity, failover time ----------------------------------------

GLOBAL_TABLES = {"orders", "users", "activity", "visits", "inventory", "idempotency"}


@pytest.fixture(scope="module")
def prod_plan(tf_tree: Path, tf_emulator: Emulator, fake_manifest: Path) -> Plan:
    directory = tf_tree / "environments" / "prod"
    emulator_override(directory, tf_emulator, {"primary": "us-east-1", "secondary": "eu-west-1", "global": "us-east-1"})
    use_local_backend(directory)
    return plan(
        directory,
        {
            "manifest_path": str(fake_manifest),
            "api_domain": {"name": "api.orders.example.com", "zone_id": "Z0EXAMPLE"},
        },
    )


def test_prod_creates_each_global_table_once_in_the_primary_with_a_replica_in_the_secondary(prod_plan: Plan):
    planned = prod_plan.after("aws_dynamodb_table", "module.primary.")
    primary = {t["name"].removeprefix("orders-prod-"): t for t in planned}
    assert set(primary) == GLOBAL_TABLES | {"circuit"}
    for key in GLOBAL_TABLES:
        assert [r["region_name"] for r in primary[key]["replica"]] == ["eu-west-1"], key
        assert (primary[key]["stream_enabled"], primary[key]["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES"), key
        assert primary[key]["billing_mode"] == "PAY_PER_REQUEST", key
        assert primary[key]["replica"][0]["point_in_time_recovery"] is True, key
    # the circuit breaker's state describes the payment path from one region: never replicated
    assert primary["circuit"]["replica"] == []
    # the secondary creates only its own circuit table; its global tables are the primary's replicas
    secondary = [t["name"] for t in prod_plan.after("aws_dynamodb_table", "module.secondary.")]
    assert secondary == ["orders-prod-circuit"]


def test_prod_secondary_functions_use_the_replica_in_their_own_region(prod_plan: Plan):
    functions = {f["function_name"]: f for f in prod_plan.after("aws_lambda_function", "module.secondary.")}
    variables = functions["orders-prod-orders_api"]["environment"][0]["variables"]
    assert variables["ORDERS_TABLE"] == "orders-prod-orders"
    # (resources only known after apply, such as the bus ARN, are null in the plan)
    resources = {r for s in prod_plan.policy_statements() for r in s.get("resources") or [] if r is not None}
    replica = [
        r for r in resources if r.startswith("arn:aws:dynamodb:eu-west-1:") and r.endswith(":table/orders-prod-orders")
    ]
    assert len(replica) == 1
    assert f"{replica[0]}/index/gsi2" in resources


def test_prod_has_one_user_pool_whose_issuer_both_apis_trust(prod_plan: Plan):
    pools = prod_plan.changes("aws_cognito_user_pool")
    assert [p["address"] for p in pools] == ["module.primary.module.users[0].aws_cognito_user_pool.this"]
    assert len(prod_plan.changes("aws_cognito_user_pool_client")) == 1
    # the primary pool's triggers are the primary region's cognito_triggers functions
    permissions = [p for p in prod_plan.after("aws_lambda_permission") if p["principal"] == "cognito-idp.amazonaws.com"]
    assert len(permissions) == 3
    authorizers = prod_plan.changes("aws_apigatewayv2_authorizer")
    assert sorted(a["address"].split(".")[1] for a in authorizers) == ["primary", "secondary"]
    assert {a["change"]["after"]["authorizer_type"] for a in authorizers} == {"JWT"}
    # the secondary's trusted identity is the primary's output (the pool id exists only after apply)
    calls = prod_plan.document["configuration"]["root_module"]["module_calls"]
    assert "module.primary.identity" in calls["secondary"]["expressions"]["identity"]["references"]
    assert "identity" not in calls["primary"]["expressions"]
    regional = calls["secondary"]["module"]["module_calls"]["api"]["expressions"]["jwt_authorizer"]["references"]
    assert "local.identity.issuer" in regional


def test_prod_failover_time_is_interval_times_threshold_plus_ttl(prod_plan: Plan):
    failover = prod_plan.document["planned_values"]["outputs"]["failover_time"]["value"]
    assert failover == {
        "seconds": 90,
        "detection_seconds": 30,
        "request_interval": 10,
        "failure_threshold": 3,
        "alias_ttl_seconds": 60,
    }
    checks = prod_plan.after("aws_route53_health_check", "module.global.")
    assert {(c["request_interval"], c["failure_threshold"]) for c in checks} == {(10, 3)}


def test_prod_runs_the_saga_only_in_the_primary_the_secondary_forwards_order_events_there(prod_plan: Plan):
    """Stock is written from one home region: the secondary's bus sends the router's events to the primary's bus."""
    primary_rules = {r["name"] for r in prod_plan.after("aws_cloudwatch_event_rule", "module.primary.")}
    secondary_rules = {r["name"]: r for r in prod_plan.after("aws_cloudwatch_event_rule", "module.secondary.")}
    assert "orders-prod-orders-order_events_router" in primary_rules
    assert "orders-prod-orders-order_events_router" not in secondary_rules
    forward = secondary_rules["orders-prod-orders-order_events_router-to-home"]
    assert json.loads(forward["event_pattern"])["detail-type"] == [
        "OrderCreated",
        "PaymentCompleted",
        "ShipmentDispatched",
    ]
    (target,) = [
        t
        for t in prod_plan.changes("aws_cloudwatch_event_target", "module.secondary.")
        if "to_saga_home" in t["address"]
    ]
    assert target["change"]["after"]["target_id"] == "saga-home"
    calls = prod_plan.document["configuration"]["root_module"]["module_calls"]
    assert "module.primary.event_bus_arn" in calls["secondary"]["expressions"]["saga_home"]["references"]
    assert "saga_home" not in calls["primary"]["expressions"]
    # the forwarding role may put events on the home bus and nothing else
    assert [
        p
        for p in prod_plan.after("aws_iam_role", "module.secondary.")
        if p["name"] == "orders-prod-orders-to-saga-home"
    ]


# --- stacks/regional: the multi-region variables refuse what cannot work ------------------------------------

REGIONAL_ROOT = """
provider "aws" {
  region = "us-east-1"
}

variable "manifest_path" {
  type = string
}

variable "global_tables" {
  type    = any
  default = null
}

variable "identity" {
  type    = any
  default = null
}

variable "saga_home" {
  type    = any
  default = null
}

module "regional" {
  source = "../../stacks/regional"

  prefix          = "orders-mr"
  manifest_path   = var.manifest_path
  payment_api_url = "https://payments.example.com"
  sender_email    = "orders@example.com"
  global_tables   = var.global_tables
  identity        = var.identity
  saga_home       = var.saga_home
}
"""


@pytest.fixture(scope="module")
def regional_root(tf_tree: Path, tf_emulator: Emulator) -> Path:
    """A root module calling stacks/regional with the multi-region variables passed through."""
    directory = tf_tree / "test_roots" / "regional_multiregion"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(REGIONAL_ROOT)
    emulator_override(directory, tf_emulator, ["us-east-1"])
    return directory


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"global_tables": {"tables": ["orders", "circuit"], "replica_regions": ["eu-west-1"]}},
            "circuit stays per region",
            id="circuit-global",
        ),
        pytest.param(
            {"global_tables": {"tables": ["orders"], "replica_regions": ["eu-west-1"], "primary_region": "eu-west-1"}},
            "global_tables needs exactly one of replica_regions",
            id="creates-and-replicates",
        ),
        pytest.param(
            {"global_tables": {"tables": ["orders"]}},
            "global_tables needs exactly one of replica_regions",
            id="neither-creates-nor-replicates",
        ),
        pytest.param(
            {"identity": {"issuer": "https://example.com/pool", "client_id": "abc123"}},
            "identity.issuer must be a Cognito user pool issuer",
            id="issuer-not-cognito",
        ),
        pytest.param(
            {"saga_home": {"event_bus_arn": "orders-prod-orders"}},
            "saga_home.event_bus_arn must be an EventBridge bus ARN",
            id="saga-home-not-an-arn",
        ),
    ],
)
def test_regional_multi_region_settings_that_cannot_work_fail_with_the_stack_message(
    regional_root: Path, fake_manifest: Path, variables: dict[str, Any], message: str
):
    error = plan_error(regional_root, {"manifest_path": str(fake_manifest), **variables})
    assert message in error
