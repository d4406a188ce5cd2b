"""Every Lambda invocation inside the emulator reaches the registered invoker (never Docker)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import InvokeOutcome


def test_request_response_invoke_returns_the_invokers_payload(client, function, invoker):
    # Given an invoker that answers with a fixed document
    invoker.respond = lambda r: InvokeOutcome(payload=b'{"ok": true}', executed_version="1")

    # When the function is invoked through its alias
    response = client("lambda").invoke(FunctionName=function, Qualifier="live", Payload=b'{"n": 1}')

    # Then the invoker saw exactly that request and the caller gets its answer
    (request,) = invoker.requests
    assert (request.function_name, request.qualifier, request.invocation_type, request.source) == (
        function,
        "live",
        "RequestResponse",
        "invoke",
    )
    assert json.loads(request.payload) == {"n": 1}
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == {"ok": True}
    assert response["ExecutedVersion"] == "1"
    assert "FunctionError" not in response


def test_function_error_and_log_tail_reach_the_caller(client, function, invoker):
    # Given an invoker reporting an unhandled error with logs
    invoker.respond = lambda r: InvokeOutcome(
        payload=b'{"errorType": "ValueError", "errorMessage": "bad"}', function_error="Unhandled", log_tail="boom\n"
    )

    # When invoked with LogType=Tail
    response = client("lambda").invoke(FunctionName=function, LogType="Tail", Payload=b"{}")

    # Then the error flag, the error document and the log tail come back
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"
    assert base64.b64decode(response["LogResult"]) == b"boom\n"


def test_event_invoke_by_arn_is_handed_over_with_its_qualifier(client, function, invoker):
    # Given the function's alias ARN
    arn = client("lambda").get_alias(FunctionName=function, Name="live")["AliasArn"]

    # When invoked asynchronously by that ARN
    response = client("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=b'{"a": 1}')

    # Then the caller gets 202 and the invoker an Event request for name + alias
    assert response["StatusCode"] == 202
    (request,) = invoker.requests
    assert (request.function_name, request.qualifier, request.invocation_type) == (function, "live", "Event")


def test_dry_run_does_not_execute(client, function, invoker):
    response = client("lambda").invoke(FunctionName=function, InvocationType="DryRun")

    assert response["StatusCode"] == 204
    assert invoker.requests == []


def test_without_an_invoker_invocation_fails_with_a_clear_error(client, function, no_invoker):
    with pytest.raises(ClientError) as raised:
        client("lambda").invoke(FunctionName=function, Payload=b"{}")

    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Code"] == "ResourceConflictException"
    assert "no invoker is registered" in error["Message"]


def test_unknown_function_is_a_404_not_an_invocation(client, invoker):
    with pytest.raises(ClientError) as raised:
        client("lambda").invoke(FunctionName="no-such-function", Payload=b"{}")

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert invoker.requests == []


def test_sns_subscription_delivers_a_real_sns_event(client, function, invoker):
    # Given a topic with the function's alias subscribed
    sns = client("sns")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    alias_arn = client("lambda").get_alias(FunctionName=function, Name="live")["AliasArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=alias_arn)["SubscriptionArn"]

    # When a message with an attribute is published
    message_id = sns.publish(
        TopicArn=topic,
        Message="hello",
        Subject="greeting",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )["MessageId"]

    # Then the function gets one asynchronous SNS event carrying the real ids
    (request,) = invoker.requests
    assert (request.source, request.invocation_type, request.qualifier) == ("sns", "Event", "live")
    record = json.loads(request.payload)["Records"][0]
    assert record["EventSubscriptionArn"] == subscription
    assert record["Sns"]["MessageId"] == message_id
    assert record["Sns"]["TopicArn"] == topic
    assert (record["Sns"]["Message"], record["Sns"]["Subject"]) == ("hello", "greeting")
    assert record["Sns"]["MessageAttributes"]["kind"]["Value"] == "order"


def test_s3_notification_invokes_the_function(client, function, invoker):
    # Given a bucket notifying the function for uploads/ objects
    s3 = client("s3")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arn = client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )

    # When one matching and one non-matching object are written
    s3.put_object(Bucket=bucket, Key="uploads/a.csv", Body=b"x")
    s3.put_object(Bucket=bucket, Key="other/b.csv", Body=b"x")

    # Then only the matching one reaches the function, as an S3 event
    assert [r.source for r in invoker.requests] == ["s3"]
    record = invoker.events()[0]["Records"][0]
    assert record["s3"]["object"]["key"] == "uploads/a.csv"
    assert record["s3"]["bucket"]["name"] == bucket


def test_eventbridge_rule_targets_the_function(client, function, invoker):
    # Given a rule on a custom bus matching OrderCreated with the function as target
    events = client("events")
    bus = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    events.put_rule(Name="created", EventBusName=bus, EventPattern=json.dumps({"detail-type": ["OrderCreated"]}))
    arn = client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    events.put_targets(Rule="created", EventBusName=bus, Targets=[{"Id": "fn", "Arn": arn}])

    # When a matching and a non-matching event are put
    result = events.put_events(
        Entries=[
            {"EventBusName": bus, "Source": "orders", "DetailType": "OrderCreated", "Detail": '{"id": "o-1"}'},
            {"EventBusName": bus, "Source": "orders", "DetailType": "OrderDeleted", "Detail": '{"id": "o-2"}'},
        ]
    )

    # Then the put succeeds and only the matching event reaches the function, whole
    assert result["FailedEntryCount"] == 0
    assert [r.source for r in invoker.requests] == ["events"]
    event = invoker.events()[0]
    assert (event["detail-type"], event["detail"]) == ("OrderCreated", {"id": "o-1"})


def test_eventbridge_constant_input_is_delivered(client, function, invoker):
    events = client("events")
    rule = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["cleanup"]}))
    arn = client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": arn, "Input": '{"mode": "sweep"}'}])

    events.put_events(Entries=[{"Source": "cleanup", "DetailType": "tick", "Detail": "{}"}])

    assert invoker.events() == [{"mode": "sweep"}]


def test_sqs_send_does_not_trigger_the_mapped_function(client, function, invoker):
    # Given an event source mapping from a queue to the function's alias
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=f"{function}:live")

    # When a message is sent
    sqs.send_message(QueueUrl=url, MessageBody="m")

    # Then nothing ran and the message is still in the queue for the data plane's poller
    assert invoker.requests == []
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in messages] == ["m"]


def test_deprecated_invoke_async_is_an_event_invocation(client, function, invoker):
    response = client("lambda").invoke_async(FunctionName=function, InvokeArgs=b'{"legacy": true}')

    assert response["Status"] == 202
    (request,) = invoker.requests
    assert (request.source, request.invocation_type) == ("invoke-async", "Event")
    assert json.loads(request.payload) == {"legacy": True}
