"""CloudWatch metric alarm evaluation in the emulator (scripts/emulator/alarms.py).

The missing-data rules are pinned to the two tables of the CloudWatch User Guide, "Configuring how CloudWatch
alarms treat missing data" (AlarmThatSendsEmail.md#alarms-and-missing-data: 3 out of 3 and 2 out of 3 alarms,
evaluation range 5, most recent datapoint on the right; 0 = not breaching, X = breaching, - = missing) and its
section "Avoiding premature transitions to alarm state". The rest runs with real boto3 against the emulator.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from scripts.emulator import Emulator, alarms
from scripts.emulator.alarms import ALARM, INSUFFICIENT_DATA, OK, AlarmRule, Bucket, decide, evaluate

RETAIN = None
COLUMNS = ("missing", "ignore", "breaching", "notBreaching")


def flags(points: str) -> list[bool | None]:
    return [{"0": False, "X": True, "-": None}[p] for p in points.split()]


# --- the documentation's tables -------------------------------------------------------------------------------

THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, RETAIN, ALARM, OK)),
]
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, RETAIN, ALARM, OK)),
]


@pytest.mark.parametrize(("points", "expected"), THREE_OF_THREE)
def test_three_out_of_three_follows_the_documented_table(points: str, expected: tuple[str | None, ...]) -> None:
    got = tuple(
        decide(flags(points), evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data=t) for t in COLUMNS
    )
    assert got == expected


@pytest.mark.parametrize(("points", "expected"), TWO_OF_THREE)
def test_two_out_of_three_follows_the_documented_table(points: str, expected: tuple[str | None, ...]) -> None:
    got = tuple(
        decide(flags(points), evaluation_periods=3, datapoints_to_alarm=2, treat_missing_data=t) for t in COLUMNS
    )
    assert got == expected


@pytest.mark.parametrize("points", ["- - - - X", "- - - X -"])
def test_a_recent_lone_breach_is_not_a_premature_alarm(points: str) -> None:
    # "the alarm does not go immediately into ALARM state when the data is either - - - - X or - - - X -"
    assert decide(flags(points), evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="missing") == (
        INSUFFICIENT_DATA
    )
    assert decide(flags(points), evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="ignore") is RETAIN


def test_enough_real_datapoints_decide_whatever_the_missing_data_treatment() -> None:
    # Four real points in the range: the three most recent (X 0 X) decide; the older breach is not needed.
    points = flags("X X - 0 X")
    for treatment in COLUMNS:
        assert decide(points, evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data=treatment) == OK


# --- statistics of one evaluation -------------------------------------------------------------------------------


def rule(**overrides: Any) -> AlarmRule:
    fields: dict[str, Any] = {
        "name": "a",
        "namespace": "AWS/Lambda",
        "metric_name": "Duration",
        "dimensions": frozenset({("FunctionName", "f")}),
        "statistic": "p99",
        "period_s": 60,
        "evaluation_periods": 1,
        "datapoints_to_alarm": 1,
        "operator": "GreaterThanThreshold",
        "threshold": 800.0,
        "treat_missing_data": "notBreaching",
    }
    return AlarmRule(**{**fields, **overrides})


def test_p99_alarms_on_the_slowest_percent_only() -> None:
    # Given 100 durations of which 2 are slow: p99 is a slow one; 1 of 100 slow keeps p99 fast
    two_slow = Bucket(values=[100.0] * 98 + [900.0, 950.0])
    one_slow = Bucket(values=[100.0] * 99 + [950.0])
    starts = [0.0, 60.0, 120.0]
    assert evaluate(rule(), [None, None, two_slow], starts).state == ALARM
    assert evaluate(rule(), [None, None, one_slow], starts).state == OK


def test_statistic_sets_and_single_values_add_up() -> None:
    bucket = Bucket(values=[1.0, 0.0], sets=[(10.0, 3.0, 0.0, 1.0)])
    assert (bucket.statistic("Sum"), bucket.statistic("SampleCount"), bucket.statistic("Maximum")) == (4.0, 12.0, 1.0)
    outcome = evaluate(rule(statistic="Sum", threshold=3.0), [None, None, bucket], [0.0, 60.0, 120.0])
    assert outcome.state == ALARM
    assert outcome.reason.startswith("Threshold Crossed: 1 out of the last 1 datapoints [4.0 (")
    assert outcome.reason_data["recentDatapoints"] == [4.0]


def test_low_sample_count_percentile_ignore_treats_a_thin_period_as_missing() -> None:
    thin = Bucket(values=[5000.0] * 10)  # p99 needs 1,000 samples to count
    ignoring = rule(low_sample_ignore=True, treat_missing_data="ignore")
    assert evaluate(ignoring, [None, None, thin], [0.0, 60.0, 120.0]).state is RETAIN
    assert evaluate(rule(), [None, None, thin], [0.0, 60.0, 120.0]).state == ALARM


# --- against the emulator -----------------------------------------------------------------------------------------

SCALE = 0.02  # a 60 s period lasts 1.2 s
WAIT_S = 60.0  # generous: the evaluator shares 2 cores with the rest of the suite


@pytest.fixture
def fast_alarms() -> Iterator[None]:
    previous = alarms.set_time_scale(SCALE)
    try:
        yield
    finally:
        alarms.set_time_scale(previous)


@pytest.fixture
def cloudwatch(client: Callable[[str], BaseClient], fast_alarms: None) -> BaseClient:
    return client("cloudwatch")


@pytest.fixture
def topic_inbox(client: Callable[[str], BaseClient]) -> tuple[str, Callable[[], list[dict[str, Any]]]]:
    """An SNS topic with an SQS queue subscribed; returns the topic ARN and a reader of the alarm messages."""
    sns, sqs = client("sns"), client("sqs")
    suffix = uuid.uuid4().hex[:8]
    topic = sns.create_topic(Name=f"alarms-{suffix}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"alarm-inbox-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    received: list[dict[str, Any]] = []

    def read() -> list[dict[str, Any]]:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            envelope = json.loads(message["Body"])
            received.append({"Subject": envelope.get("Subject"), **json.loads(envelope["Message"])})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received

    return topic, read


def wait_until(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {WAIT_S:.0f} s waiting for {what}")
        time.sleep(0.1)


def state_of(cloudwatch: BaseClient, name: str) -> dict[str, Any]:
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return dict(alarm)


def put_alarm(cloudwatch: BaseClient, name: str, topic: str | None = None, **overrides: Any) -> None:
    arguments: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "Test/Alarms",
        "MetricName": "Failures",
        "Dimensions": [{"Name": "Service", "Value": name}],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 5.0,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic] if topic else [],
        "OKActions": [topic] if topic else [],
    }
    cloudwatch.put_metric_alarm(**{**arguments, **overrides})


def test_a_new_alarm_starts_in_insufficient_data_and_settles_without_data(cloudwatch: BaseClient) -> None:
    # Given a new alarm whose missing data is not breaching
    name = f"settles-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, name)
    # Then the first evaluation without any datapoint makes it OK
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} to become OK")
    assert "treated as [NonBreaching]" in state_of(cloudwatch, name)["StateReason"]
    # And it came from INSUFFICIENT_DATA, the state CloudWatch creates alarms in (moto said OK)
    items = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in items] == ["Alarm updated from INSUFFICIENT_DATA to OK"]


def test_breaching_data_fires_the_alarm_and_its_sns_topic_then_it_recovers(
    cloudwatch: BaseClient, topic_inbox: tuple[str, Callable[[], list[dict[str, Any]]]]
) -> None:
    topic, inbox = topic_inbox
    name = f"fires-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, name, topic)
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} to settle OK")

    # When a period's Sum crosses the threshold (two datapoints, one a statistic set)
    cloudwatch.put_metric_data(
        Namespace="Test/Alarms",
        MetricData=[
            {"MetricName": "Failures", "Dimensions": [{"Name": "Service", "Value": name}], "Value": 4.0},
            {
                "MetricName": "Failures",
                "Dimensions": [{"Name": "Service", "Value": name}],
                "StatisticValues": {"SampleCount": 3, "Sum": 3.0, "Minimum": 1.0, "Maximum": 1.0},
            },
        ],
    )

    # Then the alarm goes to ALARM saying why
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == ALARM, f"{name} in ALARM")
    reason = state_of(cloudwatch, name)["StateReason"]
    assert reason.startswith("Threshold Crossed: 1 out of the last 1 datapoints [7.0 ("), reason
    assert "greater than the threshold (5.0)" in reason
    # And the topic received CloudWatch's notification
    notice = wait_until(lambda: [m for m in inbox() if m["NewStateValue"] == ALARM], "the ALARM notification")[0]
    assert (notice["AlarmName"], notice["OldStateValue"]) == (name, OK)
    assert notice["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
    assert notice["Trigger"]["MetricName"] == "Failures"
    assert notice["Trigger"]["Dimensions"] == [{"value": name, "name": "Service"}]

    # And once the datapoint has left the evaluation range, missing data (not breaching) brings it back to OK
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} back to OK")
    wait_until(lambda: [m for m in inbox() if m["NewStateValue"] == OK], "the OK notification")
    # And the history holds both transitions and the actions, newest first
    items = cloudwatch.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    summaries = [i["HistorySummary"] for i in items if i["HistoryItemType"] == "StateUpdate"]
    assert summaries[:2] == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM"]
    actions = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
    assert len(actions) >= 2
    assert all(topic in a["HistorySummary"] for a in actions)


def test_datapoints_with_other_dimensions_do_not_count(cloudwatch: BaseClient) -> None:
    # Given an alarm on {Service} and one on {Service, Version}
    name = f"exact-{uuid.uuid4().hex[:8]}"
    superset = [{"Name": "Service", "Value": name}, {"Name": "Version", "Value": "2"}]
    put_alarm(cloudwatch, name)
    put_alarm(cloudwatch, f"{name}-v2", Dimensions=superset)
    for alarm in (name, f"{name}-v2"):
        wait_until(lambda alarm=alarm: state_of(cloudwatch, alarm)["StateValue"] == OK, f"{alarm} to settle OK")
    stamp = state_of(cloudwatch, name)["StateUpdatedTimestamp"]

    # When a breaching datapoint is published with {Service, Version}
    cloudwatch.put_metric_data(
        Namespace="Test/Alarms", MetricData=[{"MetricName": "Failures", "Dimensions": superset, "Value": 50.0}]
    )

    # Then only the alarm on exactly those dimensions fires (both were evaluated on the same period)
    wait_until(lambda: state_of(cloudwatch, f"{name}-v2")["StateValue"] == ALARM, f"{name}-v2 in ALARM")
    assert state_of(cloudwatch, name)["StateValue"] == OK
    assert state_of(cloudwatch, name)["StateUpdatedTimestamp"] == stamp
    # And GetMetricStatistics matches dimensions exactly too (moto summed every superset into {Service})
    now = datetime.now(UTC)
    window = {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=1), "Period": 60}
    by_service = cloudwatch.get_metric_statistics(
        Namespace="Test/Alarms",
        MetricName="Failures",
        Dimensions=[{"Name": "Service", "Value": name}],
        Statistics=["Sum"],
        **window,
    )
    by_version = cloudwatch.get_metric_statistics(
        Namespace="Test/Alarms", MetricName="Failures", Dimensions=superset, Statistics=["Sum"], **window
    )
    assert by_service["Datapoints"] == []
    assert [d["Sum"] for d in by_version["Datapoints"]] == [50.0]


def test_set_alarm_state_notifies_and_lasts_until_the_next_evaluation(
    cloudwatch: BaseClient, topic_inbox: tuple[str, Callable[[], list[dict[str, Any]]]]
) -> None:
    topic, inbox = topic_inbox
    name = f"forced-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, name, topic)
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} to settle OK")

    # When someone sets it to ALARM by hand
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=ALARM, StateReason="testing the pager")

    # Then the topic hears of it, with the given reason
    notice = wait_until(lambda: [m for m in inbox() if m["NewStateValue"] == ALARM], "the forced ALARM notice")[0]
    assert notice["NewStateReason"] == "testing the pager"
    # And the next evaluation (no data, not breaching) puts it back to OK
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} back to OK")


def test_updating_an_alarm_keeps_its_state(cloudwatch: BaseClient) -> None:
    name = f"updated-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, name)
    wait_until(lambda: state_of(cloudwatch, name)["StateValue"] == OK, f"{name} to settle OK")
    put_alarm(cloudwatch, name, Threshold=9.0)
    described = state_of(cloudwatch, name)
    assert (described["StateValue"], described["Threshold"]) == (OK, 9.0)


def test_metric_math_alarms_are_left_alone(cloudwatch: BaseClient) -> None:
    # Given a metric math alarm (the stack defines none; the emulator does not evaluate them)
    name = f"math-{uuid.uuid4().hex[:8]}"
    metric = {"Namespace": "Test/Alarms", "MetricName": "Failures", "Dimensions": [{"Name": "Service", "Value": name}]}
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=1.0,
        Metrics=[
            {"Id": "m1", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
        ],
    )
    # Then it stays as created, while a plain alarm created after it is evaluated
    plain = f"plain-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, plain)
    wait_until(lambda: state_of(cloudwatch, plain)["StateValue"] == OK, f"{plain} to settle OK")
    assert state_of(cloudwatch, name)["StateValue"] == INSUFFICIENT_DATA


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="time_scale must be > 0"):
        alarms.set_time_scale(0)


def test_history_is_per_alarm_and_filters_by_type(cloudwatch: BaseClient, emulator: Emulator) -> None:
    name = f"history-{uuid.uuid4().hex[:8]}"
    put_alarm(cloudwatch, name)
    created = cloudwatch.describe_alarm_history(AlarmName=name, HistoryItemType="ConfigurationUpdate")
    assert [i["HistorySummary"] for i in created["AlarmHistoryItems"]] == [f'Alarm "{name}" created']
    assert cloudwatch.describe_alarm_history(AlarmName=f"{name}-other")["AlarmHistoryItems"] == []
