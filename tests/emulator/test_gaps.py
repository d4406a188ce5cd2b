"""The emulator's gap fills, exercised with real boto3 against the running server."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from scripts.emulator.gaps import qualified_function_arn, validate_definition


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- Lambda provisioned concurrency ---


def test_provisioned_concurrency_on_an_alias_is_stored_and_ready(client, function):
    lam = client("lambda")

    put = lam.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=3
    )
    got = lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")

    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (got["Status"], got["RequestedProvisionedConcurrentExecutions"]) == ("READY", 3)
    assert got["AllocatedProvisionedConcurrentExecutions"] == 3
    listed = lam.list_provisioned_concurrency_configs(FunctionName=function)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[-1] for c in listed] == ["live"]


def test_deleted_provisioned_concurrency_is_not_found(client, function):
    lam = client("lambda")
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=1)

    lam.delete_provisioned_concurrency_config(FunctionName=function, Qualifier="1")

    with pytest.raises(ClientError) as raised:
        lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="1")
    assert raised.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_provisioned_concurrency_on_latest_is_rejected(client, function):
    with pytest.raises(ClientError) as raised:
        client("lambda").put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "unpublished" in raised.value.response["Error"]["Message"]


def test_provisioned_concurrency_on_an_unknown_alias_is_not_found(client, function):
    with pytest.raises(ClientError) as raised:
        client("lambda").put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="nope", ProvisionedConcurrentExecutions=1
        )
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_provisioned_concurrency_above_reserved_is_rejected(client, function):
    lam = client("lambda")
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=2)

    with pytest.raises(ClientError) as raised:
        lam.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=3
        )
    assert "reservedConcurrentExecution" in raised.value.response["Error"]["Message"]


# --- Lambda event source mapping keeps the alias ARN ---


def test_event_source_mapping_on_an_alias_reports_the_alias_arn(client, function):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=_unique("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    alias_arn = client("lambda").get_alias(FunctionName=function, Name="live")["AliasArn"]

    created = client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=alias_arn)
    read = client("lambda").get_event_source_mapping(UUID=created["UUID"])

    assert created["FunctionArn"] == alias_arn
    assert read["FunctionArn"] == alias_arn


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fn", "arn:aws:lambda:us-east-1:123456789012:function:fn"),
        ("fn:live", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"),
        ("123456789012:function:fn:live", "arn:aws:lambda:us-east-1:123456789012:function:fn:live"),
        ("arn:aws:lambda:us-east-1:123456789012:function:fn:7", "arn:aws:lambda:us-east-1:123456789012:function:fn:7"),
    ],
)
def test_qualified_function_arn_follows_the_name_as_given(given, expected):
    assert qualified_function_arn("arn:aws:lambda:us-east-1:123456789012:function:fn:3", given) == expected


# --- Step Functions ValidateStateMachineDefinition ---

VALID_ASL = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}


def test_valid_definition_validates_ok(client):
    result = client("stepfunctions").validate_state_machine_definition(definition=json.dumps(VALID_ASL))

    assert (result["result"], result["diagnostics"]) == ("OK", [])


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ("{not json", "INVALID_JSON_DESCRIPTION"),
        (json.dumps({"States": {"A": {"Type": "Succeed"}}}), "SCHEMA_VALIDATION_FAILED"),
        (json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}), "MISSING_TRANSITION_TARGET"),
        (json.dumps({"StartAt": "A", "States": {"A": {"Type": "Bogus", "End": True}}}), "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_invalid_definition_fails_with_a_diagnostic(client, definition, code):
    result = client("stepfunctions").validate_state_machine_definition(definition=definition)

    assert result["result"] == "FAIL"
    assert result["diagnostics"][0]["code"] == code
    assert result["diagnostics"][0]["severity"] == "ERROR"


def test_nested_parallel_branch_targets_are_checked():
    asl = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}],
            }
        },
    }
    (diagnostic,) = validate_definition(json.dumps(asl))
    assert diagnostic["location"] == "/States/P/Branches[0]/States/X"


# --- SQS RedriveAllowPolicy and RedrivePolicy as stored ---


def _queue(client, **attributes):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=_unique("q"), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_redrive_allow_policy_is_stored_and_returned_exactly(client):
    sqs = client("sqs")
    _, source_arn = _queue(client)
    dlq_url, _ = _queue(client)
    policy = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_arn]}, separators=(",", ":"))

    sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={"RedriveAllowPolicy": policy})

    named = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    every = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert named["RedriveAllowPolicy"] == policy
    assert every["RedriveAllowPolicy"] == policy


def test_redrive_allow_policy_can_be_removed(client):
    sqs = client("sqs")
    url, _ = _queue(client, RedriveAllowPolicy='{"redrivePermission":"allowAll"}')

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})

    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


@pytest.mark.parametrize(
    "policy",
    ['{"redrivePermission":"sometimes"}', '{"redrivePermission":"byQueue"}', "not json"],
)
def test_invalid_redrive_allow_policy_is_rejected(client, policy):
    with pytest.raises(ClientError) as raised:
        _queue(client, RedriveAllowPolicy=policy)
    assert raised.value.response["Error"]["Code"] == "InvalidAttributeValue"
    assert "RedriveAllowPolicy" in raised.value.response["Error"]["Message"]


def test_setting_another_attribute_keeps_the_queue_policy(client):
    # Given a DLQ with a TLS-only queue policy (what terraform/modules/sqs_queue creates)
    sqs = client("sqs")
    url, arn = _queue(client)
    _, source_arn = _queue(client)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*",
                         "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})

    # When its redrive-allow policy is set afterwards (a separate Terraform resource)
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_arn]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})

    # Then the queue policy is still there, as on AWS; and an explicit empty Policy still removes it
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"] == policy
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})


def test_redrive_policy_comes_back_byte_for_byte(client):
    _, dlq_arn = _queue(client)
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4}, separators=(",", ":"))

    url, _ = _queue(client, RedrivePolicy=policy, VisibilityTimeout="60")
    client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "90"})

    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["RedrivePolicy"] == policy
    assert attributes["VisibilityTimeout"] == "90"


# --- Application Auto Scaling tags ---


def test_scalable_target_tags_round_trip(client, function):
    autoscaling = client("application-autoscaling")
    resource = f"function:{function}:live"
    arn = autoscaling.register_scalable_target(
        ServiceNamespace="lambda",
        ResourceId=resource,
        ScalableDimension="lambda:function:ProvisionedConcurrency",
        MinCapacity=1,
        MaxCapacity=4,
        Tags={"team": "orders"},
    )["ScalableTargetARN"]

    autoscaling.tag_resource(ResourceARN=arn, Tags={"env": "local"})
    autoscaling.untag_resource(ResourceARN=arn, TagKeys=["team"])

    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "local"}


def test_tags_of_an_unknown_scalable_target_are_not_found(client):
    arn = "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0000"
    with pytest.raises(ClientError) as raised:
        client("application-autoscaling").list_tags_for_resource(ResourceARN=arn)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


# --- CloudWatch composite alarms ---


def test_composite_alarm_is_stored_and_described(client):
    cloudwatch = client("cloudwatch")
    name = _unique("composite")

    cloudwatch.put_composite_alarm(
        AlarmName=name, AlarmRule='ALARM("errors") OR ALARM("throttles")', AlarmActions=["arn:aws:sns:us-east-1:1:t"]
    )
    described = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])

    (alarm,) = described["CompositeAlarms"]
    assert alarm["AlarmRule"] == 'ALARM("errors") OR ALARM("throttles")'
    assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:1:t"]
    assert described["MetricAlarms"] == []
    cloudwatch.delete_alarms(AlarmNames=[name])
    assert cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []


def test_state_machine_versions_are_listed_newest_first(client):
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(
        name=_unique("sm"), definition=json.dumps(VALID_ASL), roleArn="arn:aws:iam::123456789012:role/r", publish=True
    )["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(VALID_ASL), publish=True)

    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]

    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", f"{arn}:1"]


def test_unpublished_state_machine_has_no_versions(client):
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(
        name=_unique("sm"), definition=json.dumps(VALID_ASL), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]

    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []


# --- CloudWatch Logs saved queries ---


def test_saved_query_is_stored_described_and_deleted(client):
    logs = client("logs")
    name = _unique("orders/errors")

    created = logs.put_query_definition(name=name, queryString="fields @message | limit 5", logGroupNames=["/g"])
    found = logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"]
    deleted = logs.delete_query_definition(queryDefinitionId=created["queryDefinitionId"])

    assert [(d["name"], d["queryString"], d["logGroupNames"]) for d in found] == [
        (name, "fields @message | limit 5", ["/g"])
    ]
    assert deleted["success"] is True
    assert logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"] == []


def test_updating_a_saved_query_keeps_its_id(client):
    logs = client("logs")
    name = _unique("orders/cold-starts")
    first = logs.put_query_definition(name=name, queryString="fields 1")["queryDefinitionId"]

    again = logs.put_query_definition(name=name, queryDefinitionId=first, queryString="fields 2")

    assert again["queryDefinitionId"] == first
    [only] = logs.describe_query_definitions(queryDefinitionNamePrefix=name)["queryDefinitions"]
    assert only["queryString"] == "fields 2"


# --- Provider waiters: what the emulator answers equals what was put ---
# aws_sqs_queue (waitQueueAttributesPropagated: 6 equal reads, 5 s apart) and aws_s3_bucket_lifecycle_configuration
# (waitLifecycleConfigEquals: 10 s delay, then 10 equal reads 5 s apart) compare each read with what they sent. Any
# re-formatting here turns their fixed minimum (25 s / 55 s) into a wait until the 3-minute timeout.


def test_queue_attributes_in_the_providers_shape_come_back_unchanged(client):
    sqs = client("sqs")
    sent = {
        "DelaySeconds": "0",
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "180",
    }

    url = sqs.create_queue(QueueName=_unique("q"), Attributes=sent)["QueueUrl"]

    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert {name: got.get(name) for name in sent} == sent


LIFECYCLE_RULES = [  # as provider 5.100 sends them: `filter {}` becomes Filter.Prefix = ""
    {
        "ID": "expire-noncurrent-versions",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    },
    {
        "ID": "expire-tmp",
        "Status": "Enabled",
        "Filter": {"Prefix": "tmp/"},
        "Expiration": {"Days": 7},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    },
]


def _bucket(client) -> str:
    bucket = _unique("lifecycle")
    client("s3").create_bucket(Bucket=bucket)
    return bucket


def test_lifecycle_rules_in_the_providers_shape_come_back_unchanged(client):
    s3 = client("s3")
    bucket = _bucket(client)

    put = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES})

    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == LIFECYCLE_RULES
    assert got["TransitionDefaultMinimumObjectSize"] == put["TransitionDefaultMinimumObjectSize"]
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_transition_default_minimum_object_size_is_stored_as_put(client):
    s3 = client("s3")
    bucket = _bucket(client)

    put = s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={"Rules": LIFECYCLE_RULES},
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )

    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert put["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


def test_lifecycle_put_without_the_size_goes_back_to_the_default(client):
    s3 = client("s3")
    bucket = _bucket(client)
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={"Rules": LIFECYCLE_RULES},
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )

    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES[:1]})

    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    assert got["Rules"] == LIFECYCLE_RULES[:1]


def test_unknown_transition_default_minimum_object_size_is_rejected_and_nothing_stored(client):
    s3 = client("s3")
    bucket = _bucket(client)

    with pytest.raises(ClientError) as raised:
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES}, TransitionDefaultMinimumObjectSize="tiny"
        )

    assert raised.value.response["Error"]["Code"] == "InvalidArgument"
    assert "x-amz-transition-default-minimum-object-size" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert missing.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
