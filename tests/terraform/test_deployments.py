"""Gradual deployments in Terraform: prod canaries every function through CodeDeploy with its own alarms for
rollback, dev deploys all at once, the lambda_deployment module applies on the emulator and re-plans clean, and
bad inputs fail with the module's or the stack's message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import tf
from scripts.emulator import Emulator
from tests.terraform.conftest import Plan, emulator_override, init, plan, plan_error, use_local_backend, var_args
from tests.terraform.fixtures.fake_dist import ALL_FUNCTIONS

pytestmark = pytest.mark.slow

HOOK = "deploy_hook"
SHIFTED = sorted(key for keys in ALL_FUNCTIONS.values() for key in keys if key != HOOK)
ROLLBACK_ALARMS = ("errors", "throttles", "duration-p99")
REPO = Path(__file__).resolve().parents[2]


def groups(planned: Plan, module: str = "") -> dict[str, dict[str, Any]]:
    return {g["deployment_group_name"]: g for g in planned.after("aws_codedeploy_deployment_group", module)}


# --- prod: canary in both regions ------------------------------------------------------------------------------


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
            "cors_origins": ["https://app.orders.example.com"],
        },
    )


@pytest.mark.parametrize("region", ["primary", "secondary"])
def test_prod_canaries_every_function_and_rolls_back_on_its_own_alarms(prod_plan: Plan, region: str) -> None:
    # One CodeDeploy application for Lambda in each region
    (app,) = prod_plan.after("aws_codedeploy_app", f"module.{region}.")
    assert (app["name"], app["compute_platform"]) == ("orders-prod", "Lambda")

    # One deployment group per function (the hook is never deployed through itself)
    planned = groups(prod_plan, f"module.{region}.")
    assert sorted(planned) == [f"orders-prod-{key}" for key in SHIFTED]
    for name, group in planned.items():
        assert group["app_name"] == "orders-prod"
        assert group["deployment_config_name"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes", name
        assert group["deployment_style"] == [
            {"deployment_type": "BLUE_GREEN", "deployment_option": "WITH_TRAFFIC_CONTROL"}
        ]
        (rollback,) = group["auto_rollback_configuration"]
        assert rollback["enabled"] is True
        assert set(rollback["events"]) == {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}
        (alarms,) = group["alarm_configuration"]
        assert alarms["enabled"] is True
        assert alarms["ignore_poll_alarm_failure"] is False
        assert sorted(alarms["alarms"]) == sorted(f"{name}-{kind}" for kind in ROLLBACK_ALARMS)


def test_prod_rollback_alarms_are_the_functions_own(prod_plan: Plan) -> None:
    alarms = {a["alarm_name"]: a for a in prod_plan.after("aws_cloudwatch_metric_alarm", "module.primary.")}
    for name, group in groups(prod_plan, "module.primary.").items():
        for alarm_name in group["alarm_configuration"][0]["alarms"]:
            assert alarms[alarm_name]["dimensions"] == {"FunctionName": name}
    health = "orders-prod-health"
    assert alarms[f"{health}-duration-p99"]["extended_statistic"] == "p99"
    assert alarms[f"{health}-errors"]["metric_name"] == "Errors"


def test_prod_live_aliases_are_left_to_codedeploy(prod_plan: Plan) -> None:
    aliases = [rc["address"] for rc in prod_plan.changes("aws_lambda_alias", "module.primary.")]
    shifted = [a for a in aliases if a.endswith("aws_lambda_alias.live[0]")]
    # every shifted function's alias is the one Terraform creates once and then ignores version and weights on;
    # only the hook keeps a Terraform-moved alias
    assert len(shifted) == len(SHIFTED)
    assert [a for a in aliases if a not in shifted] == [
        f'module.primary.module.functions["{HOOK}"].aws_lambda_alias.live_terraform[0]'
    ]


def test_prod_pre_traffic_hook_replays_the_health_check_on_a_new_version(prod_plan: Plan) -> None:
    # one document, health's: the other functions deploy without the hook
    (document,) = [
        o for o in prod_plan.after("aws_s3_object", "module.primary.") if o["key"].startswith("deploy-hook/")
    ]
    assert document["key"] == "deploy-hook/events/orders-prod-health.json"
    content = json.loads(document["content"])
    sample = json.loads((REPO / "functions/health/events/route53_health_check.json").read_text())
    assert content == {
        "function": "orders-prod-health",
        "events": [{"name": "route53_health_check.json", "event": sample}],
    }


# --- dev: all at once -------------------------------------------------------------------------------------------


def test_dev_deploys_every_function_all_at_once(tf_tree: Path, tf_emulator: Emulator, fake_manifest: Path) -> None:
    directory = tf_tree / "environments" / "dev"
    emulator_override(directory, tf_emulator, ["eu-west-1"])
    use_local_backend(directory)

    planned = plan(directory, {"manifest_path": str(fake_manifest)})

    dev_groups = groups(planned)
    assert sorted(dev_groups) == [f"orders-dev-{key}" for key in SHIFTED]
    assert {g["deployment_config_name"] for g in dev_groups.values()} == {"CodeDeployDefault.LambdaAllAtOnce"}
    assert all(g["alarm_configuration"][0]["alarms"] for g in dev_groups.values())


# --- the module on the emulator ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tf_tree: Path, tf_emulator: Emulator) -> Path:
    directory = tf_tree / "modules" / "lambda_deployment" / "examples" / "basic"
    emulator_override(directory, tf_emulator, ["us-east-1"])
    # The provider builds a CodeDeploy application's ARN (to read its tags) from the account id it asked STS for;
    # without it the tags read back empty and every plan would re-add them.
    override = directory / "emulator_override.tf.json"
    document = json.loads(override.read_text())
    document["provider"]["aws"][0]["skip_requesting_account_id"] = False
    override.write_text(json.dumps(document))
    return directory


def test_module_applies_on_the_emulator_and_replans_clean(example: Path, fake_zip: Path, tf_emulator: Emulator) -> None:
    variables = {"package_path": str(fake_zip), "name": "cd-example"}
    init(example)
    try:
        # Given the example applied: a function, the hook, a custom canary config and the group
        tf.run(["apply", "-auto-approve", "-input=false", "-no-color", *var_args(variables)], example, timeout=900)

        # Then CodeDeploy holds the group as Terraform described it
        codedeploy = tf_emulator.client("codedeploy")
        group = codedeploy.get_deployment_group(applicationName="cd-example", deploymentGroupName="cd-example-api")
        info = group["deploymentGroupInfo"]
        assert info["deploymentConfigName"] == "cd-example-canary10-5m"
        assert sorted(a["name"] for a in info["alarmConfiguration"]["alarms"]) == [
            f"cd-example-api-{kind}" for kind in ("duration-p99", "errors", "throttles")
        ]
        config = codedeploy.get_deployment_config(deploymentConfigName="cd-example-canary10-5m")["deploymentConfigInfo"]
        assert config["trafficRoutingConfig"]["timeBasedCanary"] == {"canaryPercentage": 10, "canaryInterval": 5}

        # And CodeDeploy's role may move only this function's alias, read only its alarms, invoke only the hook
        iam = tf_emulator.client("iam")
        policy = iam.get_role_policy(RoleName="cd-example-codedeploy", PolicyName="shift-lambda-traffic")
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        assert set(statements) == {
            "ShiftAliasTraffic",
            "WatchRollbackAlarms",
            "InvokePreTrafficHook",
            "NotifyDeploymentEvents",
        }
        function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cd-example-api"
        assert sorted(statements["ShiftAliasTraffic"]["Resource"]) == [function_arn, f"{function_arn}:live"]
        assert sorted(statements["ShiftAliasTraffic"]["Action"]) == [
            "lambda:GetAlias",
            "lambda:GetProvisionedConcurrencyConfig",
            "lambda:UpdateAlias",
        ]
        assert sorted(statements["WatchRollbackAlarms"]["Resource"]) == [
            f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:cd-example-api-{kind}"
            for kind in ("duration-p99", "errors", "throttles")
        ]
        assert all(":function:cd-example-hook" in r for r in statements["InvokePreTrafficHook"]["Resource"])

        # And a second plan has nothing to change
        replan = tf.run(
            ["plan", "-detailed-exitcode", "-input=false", "-no-color", *var_args(variables)],
            example,
            check=False,
            timeout=600,
        )
        assert replan.returncode == 0, replan.stdout[-4000:] + replan.stderr[-2000:]
    finally:
        tf.run(["destroy", "-auto-approve", "-input=false", "-no-color", *var_args(variables)], example, timeout=900)
    assert "cd-example" not in tf_emulator.client("codedeploy").list_applications()["applications"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"deployment_config": "CodeDeployDefault.OneAtATime"},
            "deployment_config must be a CodeDeployDefault.Lambda* config",
        ),
        (
            {
                "custom_deployment_configs": {
                    "half": {"type": "TimeBasedCanary", "percentage": 100, "interval_minutes": 5}
                }
            },
            "percentage must be a whole percentage between 1 and 99",
        ),
        (
            {"custom_deployment_configs": {"now": {"type": "AllAtOnce", "percentage": 10, "interval_minutes": 1}}},
            'type must be "TimeBasedCanary" or "TimeBasedLinear"',
        ),
        (
            {
                "custom_deployment_configs": {
                    "slow": {"type": "TimeBasedLinear", "percentage": 10, "interval_minutes": 0}
                }
            },
            "interval_minutes must be whole minutes between 1 and 2880",
        ),
    ],
)
def test_module_rejects_bad_configs_with_its_message(
    example: Path, fake_zip: Path, variables: dict[str, Any], message: str
) -> None:
    error = plan_error(example, {"package_path": str(fake_zip), **variables})
    assert message in error


# --- the stack's deployment variable ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack_root(tf_tree: Path, tf_emulator: Emulator) -> Path:
    """A root module around stacks/regional that passes `deployment` through, to feed it bad values."""
    directory = tf_tree.parent / "deployment_root"
    directory.mkdir(exist_ok=True)
    (directory / "main.tf").write_text(
        f"""
variable "manifest_path" {{
  type = string
}}

variable "deployment" {{
  type = any
}}

module "regional" {{
  source          = "../{tf_tree.name}/stacks/regional"
  prefix          = "orders-test"
  manifest_path   = var.manifest_path
  package_root    = "{tf_tree.parent.as_posix()}"
  payment_api_url = "https://payments.example.com"
  sender_email    = "orders@example.com"
  deployment      = var.deployment
}}
"""
    )
    emulator_override(directory, tf_emulator, ["us-east-1"])
    return directory


def test_stack_rejects_a_function_that_is_not_wired(stack_root: Path, fake_manifest: Path) -> None:
    error = plan_error(
        stack_root,
        {"manifest_path": str(fake_manifest), "deployment": {"enabled": True, "functions": {"helth": {}}}},
    )
    assert "deployment.functions keys must be function keys of wiring.tf" in error
    assert "helth" in error


def test_stack_rejects_sample_events_missing_from_the_folder(stack_root: Path, fake_manifest: Path) -> None:
    deployment = {"enabled": True, "functions": {"health": {"pre_traffic_events": ["route53_health_chek.json"]}}}

    error = plan_error(stack_root, {"manifest_path": str(fake_manifest), "deployment": deployment})

    assert "deployment.functions.health.pre_traffic_events names files that do not exist" in error
    assert "route53_health_chek.json" in error
