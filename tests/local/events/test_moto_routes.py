"""EventBridge, SNS and S3 deliveries to Lambda, routed through the async path with real event records."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import moto.events.models as events_models
from aws_lambda_powertools.utilities.parser.models import S3Model, SnsModel

from scripts.local.events.aws import AwsClients
from scripts.local.events.moto_routes import MotoLambdaRoutes
from scripts.local.events.sources import EventSources
from tests.local.events.helpers import LocalFunctions, drain, wait_until

ACCOUNT = "123456789012"


def _notify_on_csv_uploads(clients: AwsClients, bucket: str, function_arn: str) -> None:
    clients.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "csv-uploads",
                    "LambdaFunctionArn": function_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "uploads/"},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ]
        },
    )


def test_s3_notification_honours_prefix_and_suffix_and_sends_an_s3_record(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a bucket notifying a function for uploads/*.csv
    function_arn = functions.create("csv_ingest", lambda event, _context: None)
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="orders-uploads")
    _notify_on_csv_uploads(clients, "orders-uploads", function_arn)
    sources = make_sources()

    # When three objects are written, one of which matches
    s3.put_object(Bucket="orders-uploads", Key="uploads/day 1.csv", Body=b"id,qty\n1,2\n")
    s3.put_object(Bucket="orders-uploads", Key="uploads/photo.png", Body=b"png")
    s3.put_object(Bucket="orders-uploads", Key="reports/day1.csv", Body=b"csv")
    assert sources.async_invoker.wait_idle(5)

    # Then only the matching key reached the function, as a record Powertools' S3 model accepts
    [event] = functions.events("csv_ingest")
    record = S3Model.model_validate(event).Records[0]
    raw = event["Records"][0]
    assert raw["eventName"] == "ObjectCreated:Put"
    assert raw["s3"]["configurationId"] == "csv-uploads"
    assert raw["s3"]["object"]["key"] == "uploads/day+1.csv"  # URL-encoded, as S3 sends it
    assert raw["s3"]["object"]["size"] == 11
    assert raw["s3"]["object"]["sequencer"]
    assert raw["userIdentity"]["principalId"]
    assert record.s3.bucket.name == "orders-uploads"


def test_s3_record_carries_the_version_id_of_a_versioned_bucket(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a versioned bucket with a notification
    function_arn = functions.create("csv_ingest", lambda event, _context: None)
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="orders-uploads")
    s3.put_bucket_versioning(Bucket="orders-uploads", VersioningConfiguration={"Status": "Enabled"})
    _notify_on_csv_uploads(clients, "orders-uploads", function_arn)
    sources = make_sources()

    # When an object is written
    version_id = s3.put_object(Bucket="orders-uploads", Key="uploads/a.csv", Body=b"x")["VersionId"]
    assert sources.async_invoker.wait_idle(5)

    # Then the record names that version
    assert functions.events("csv_ingest")[0]["Records"][0]["s3"]["object"]["versionId"] == version_id


def test_s3_invocation_failure_is_retried_and_lands_in_the_failure_destination(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a failing S3-triggered function with one retry and an SQS failure destination
    def reject(event: Any, _context: object) -> None:
        raise ValueError("bad csv")

    function_arn = functions.create("csv_ingest", reject)
    url = clients.client("sqs").create_queue(QueueName="ingest-failures")["QueueUrl"]
    clients.client("lambda").put_function_event_invoke_config(
        FunctionName="csv_ingest",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:us-east-1:{ACCOUNT}:ingest-failures"}},
    )
    s3 = clients.client("s3")
    s3.create_bucket(Bucket="orders-uploads")
    _notify_on_csv_uploads(clients, "orders-uploads", function_arn)
    sources = make_sources()

    # When a matching object is written (PutObject itself succeeds: S3 invokes asynchronously)
    s3.put_object(Bucket="orders-uploads", Key="uploads/bad.csv", Body=b"x")
    assert sources.async_invoker.wait_idle(5)

    # Then the function ran twice and the failure record carries the S3 event
    assert len(functions.calls["csv_ingest"]) == 2
    [message] = drain(clients, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["Records"][0]["eventSource"] == "aws:s3"


def test_sns_publish_invokes_the_lambda_subscription_with_a_real_record(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a topic with a Lambda subscription
    function_arn = functions.create("notifier", lambda event, _context: None)
    sns = clients.client("sns")
    topic_arn = sns.create_topic(Name="order-notifications")["TopicArn"]
    subscription_arn = sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)["SubscriptionArn"]
    sources = make_sources()

    # When a message is published
    message_id = sns.publish(
        TopicArn=topic_arn,
        Message='{"order": "o-1", "status": "SHIPPED"}',
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "OrderShipped"}},
    )["MessageId"]
    assert sources.async_invoker.wait_idle(5)

    # Then the function got that message — its id, topic, attributes — in a record Powertools accepts
    [event] = functions.events("notifier")
    SnsModel.model_validate(event)
    sns_record = event["Records"][0]["Sns"]
    assert event["Records"][0]["EventSubscriptionArn"] == subscription_arn
    assert sns_record["MessageId"] == message_id
    assert sns_record["TopicArn"] == topic_arn
    assert sns_record["Message"] == '{"order": "o-1", "status": "SHIPPED"}'
    assert sns_record["MessageAttributes"] == {"event_type": {"Type": "String", "Value": "OrderShipped"}}
    assert sns_record["Subject"] is None


def test_sns_filter_policy_keeps_unmatched_messages_from_the_function(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a Lambda subscription that only wants OrderShipped
    function_arn = functions.create("notifier", lambda event, _context: None)
    sns = clients.client("sns")
    topic_arn = sns.create_topic(Name="order-notifications")["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="lambda",
        Endpoint=function_arn,
        Attributes={"FilterPolicy": json.dumps({"event_type": ["OrderShipped"]})},
    )
    sources = make_sources()

    # When one matching and one other message are published
    for event_type in ("OrderCreated", "OrderShipped"):
        sns.publish(
            TopicArn=topic_arn,
            Message=event_type,
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": event_type}},
        )
    assert sources.async_invoker.wait_idle(5)

    # Then only the matching one arrives
    assert [e["Records"][0]["Sns"]["Message"] for e in functions.events("notifier")] == ["OrderShipped"]


def test_put_events_routes_matching_events_to_lambda_and_keeps_other_targets_working(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a rule on a custom bus matching OrderCreated, with a Lambda and an SQS target
    function_arn = functions.create("router", lambda event, _context: None)
    url = clients.client("sqs").create_queue(QueueName="audit")["QueueUrl"]
    events = clients.client("events")
    events.create_event_bus(Name="orders")
    rule_arn = events.put_rule(
        Name="order-created", EventBusName="orders", EventPattern=json.dumps({"detail-type": ["OrderCreated"]})
    )["RuleArn"]
    events.put_targets(
        Rule="order-created",
        EventBusName="orders",
        Targets=[
            {"Id": "fn", "Arn": function_arn},
            {"Id": "audit", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:audit"},
        ],
    )
    sources = make_sources()

    # When a matching and a non-matching event are put
    response = events.put_events(
        Entries=[
            {"Source": "orders", "DetailType": "OrderCreated", "Detail": '{"id": "o-1"}', "EventBusName": "orders"},
            {"Source": "orders", "DetailType": "OrderPaid", "Detail": '{"id": "o-1"}', "EventBusName": "orders"},
        ]
    )
    assert response["FailedEntryCount"] == 0
    assert sources.async_invoker.wait_idle(5)

    # Then the function got the matching event (EventBridge's shape), and the queue target still works
    [event] = functions.events("router")
    assert event["detail-type"] == "OrderCreated"
    assert event["detail"] == {"id": "o-1"}
    assert event["id"] == response["Entries"][0]["EventId"]
    assert event["time"].endswith("Z")
    assert "ingestion-time" not in event
    assert event["resources"] == []
    assert [json.loads(m["Body"])["detail-type"] for m in drain(clients, url)] == ["OrderCreated"]
    del rule_arn


def test_input_transformer_shapes_what_the_lambda_target_receives(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a Lambda target with an InputTransformer
    function_arn = functions.create("router", lambda event, _context: None)
    events = clients.client("events")
    events.put_rule(Name="created", EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(
        Rule="created",
        Targets=[
            {
                "Id": "fn",
                "Arn": function_arn,
                "InputTransformer": {
                    "InputPathsMap": {"order": "$.detail.id", "kind": "$.detail-type"},
                    "InputTemplate": '{"order_id": "<order>", "kind": "<kind>"}',
                },
            }
        ],
    )
    sources = make_sources()

    # When an event is put
    events.put_events(Entries=[{"Source": "orders", "DetailType": "OrderCreated", "Detail": '{"id": "o-9"}'}])
    assert sources.async_invoker.wait_idle(5)

    # Then the function receives the transformed input
    assert functions.events("router") == [{"order_id": "o-9", "kind": "OrderCreated"}]


def test_scheduled_lambda_rule_no_longer_breaks_put_events_on_its_bus(
    clients: AwsClients, functions: LocalFunctions, make_sources: Callable[..., EventSources]
) -> None:
    # Given a schedule-only rule with a Lambda target on the default bus
    function_arn = functions.create("cleanup", lambda event, _context: None)
    events = clients.client("events")
    events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": function_arn}])
    entry = {"Source": "orders", "DetailType": "OrderCreated", "Detail": "{}"}
    # (plain moto 5.2 answers such a PutEvents with a 500: a schedule-only rule matches every event)

    # When the routes are installed, PutEvents succeeds without invoking the scheduled function
    sources = make_sources()
    assert clients.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    assert sources.async_invoker.wait_idle(5)
    assert functions.events("cleanup") == []


def test_stop_restores_the_emulator(make_sources: Callable[..., EventSources]) -> None:
    # Given moto's own delivery
    original = events_models.Rule.__dict__["send_to_targets"]

    # When the routes start and stop
    sources = make_sources()
    assert events_models.Rule.__dict__["send_to_targets"] is not original
    sources.stop()

    # Then moto is as it was
    assert events_models.Rule.__dict__["send_to_targets"] is original
    assert wait_until(lambda: True, 0)


def test_each_delivery_goes_to_the_data_plane_of_its_target_functions_region() -> None:
    """Two regions on one emulator (the two-region stack): the routes installed last see every rule and
    subscription, yet a target in us-east-1 runs on us-east-1's async path, never on us-west-2's."""
    submitted: dict[str, list[str]] = {"us-east-1": [], "us-west-2": []}

    def submitter(region: str) -> Callable[[str, bytes, str | None], str]:
        def submit(function_arn: str, _payload: bytes, _qualifier: str | None) -> str:
            submitted[region].append(function_arn)
            return "request-id"

        return submit

    east = MotoLambdaRoutes(submitter("us-east-1"), region="us-east-1")
    west = MotoLambdaRoutes(submitter("us-west-2"), region="us-west-2")
    east.start()
    west.start()
    try:
        east_router = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:router:live"
        west_router = f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:router:live"
        west._dispatch(east_router, {"detail-type": "OrderCreated"}, "rule")
        east._dispatch(west_router, {"detail-type": "OrderCreated"}, "rule")
        west._dispatch("router", {"detail-type": "OrderCreated"}, "rule")  # a bare name: the installer's own region
    finally:
        west.stop()
        east.stop()
    assert submitted == {"us-east-1": [east_router], "us-west-2": [west_router, "router"]}
