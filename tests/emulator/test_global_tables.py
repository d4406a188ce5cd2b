"""DynamoDB global tables (2019.11.21) in the emulator: replicas with real boto3, replication, last writer wins."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from scripts import tf
from scripts.emulator import global_tables

HOME, AWAY, THIRD = "us-east-1", "eu-west-1", "ap-southeast-2"
DEADLINE = 30.0  # seconds; generous for a loaded machine, polled, never slept


@pytest.fixture
def ddb(emulator) -> Callable[[str], BaseClient]:
    clients: dict[str, BaseClient] = {}

    def client(region: str) -> BaseClient:
        if region not in clients:
            clients[region] = emulator.client("dynamodb", region)
        return clients[region]

    return client


@pytest.fixture
def table(ddb) -> Iterator[str]:
    """A table in HOME with a hash+range key and a GSI, no stream; deleted (with its replicas) afterwards."""
    name = f"gt-{uuid.uuid4().hex[:8]}"
    ddb(HOME).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    yield name
    for region in (HOME, AWAY, THIRD):
        with contextlib.suppress(ClientError):
            ddb(region).delete_table(TableName=name)


def add_replica(ddb, name: str, region: str) -> dict[str, Any]:
    return ddb(HOME).update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])


def poll(read: Callable[[], Any], until: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + DEADLINE
    value = read()
    while not until(value):
        assert time.monotonic() < deadline, f"condition not met within {DEADLINE}s; last value {value!r}"
        global_tables.wait_for_replication(0.5)
        value = read()
    return value


def scan_sorted(client: BaseClient, name: str) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=name)["Items"], key=lambda found: found["pk"]["S"])


def item(ddb, region: str, name: str, pk: str, sk: str = "a") -> dict[str, Any] | None:
    return ddb(region).get_item(TableName=name, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")


# --- control plane ---


def test_adding_a_replica_creates_the_table_in_the_replica_region_with_the_same_schema(ddb, table):
    ddb(HOME).put_item(TableName=table, Item={"pk": {"S": "before"}, "sk": {"S": "a"}, "owner": {"S": "u1"}})

    add_replica(ddb, table, AWAY)

    home = ddb(HOME).describe_table(TableName=table)["Table"]
    away = ddb(AWAY).describe_table(TableName=table)["Table"]
    assert home["GlobalTableVersion"] == away["GlobalTableVersion"] == "2019.11.21"
    assert home["Replicas"] == [{"RegionName": AWAY, "ReplicaStatus": "ACTIVE"}]
    assert away["Replicas"] == [{"RegionName": HOME, "ReplicaStatus": "ACTIVE"}]
    assert away["KeySchema"] == home["KeySchema"]
    assert [i["IndexName"] for i in away["GlobalSecondaryIndexes"]] == ["by-owner"]
    assert away["TableArn"] == home["TableArn"].replace(HOME, AWAY)
    # existing items are copied when the replica is created
    assert item(ddb, AWAY, table, "before") == {"pk": {"S": "before"}, "sk": {"S": "a"}, "owner": {"S": "u1"}}


def test_first_replica_turns_on_a_new_and_old_images_stream_that_cannot_be_disabled(ddb, table):
    add_replica(ddb, table, AWAY)

    for region in (HOME, AWAY):
        described = ddb(region).describe_table(TableName=table)["Table"]
        assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert described["LatestStreamArn"].startswith(described["TableArn"] + "/stream/")
    with pytest.raises(ClientError) as error:
        ddb(HOME).update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "not allowed for a Global Table" in error.value.response["Error"]["Message"]


def test_an_existing_stream_keeps_its_view_type(ddb):
    name = f"gt-{uuid.uuid4().hex[:8]}"
    ddb(HOME).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )
    try:
        ddb(HOME).update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": AWAY}}])

        for region in (HOME, AWAY):
            stream = ddb(region).describe_table(TableName=name)["Table"]["StreamSpecification"]
            assert stream == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    finally:
        for region in (HOME, AWAY):
            ddb(region).delete_table(TableName=name)


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"Create": {"RegionName": HOME}}, "Cannot add or delete the local region through ReplicaUpdates"),
        ({"Delete": {"RegionName": THIRD}}, "Replica specified in the Replica Update or Replica Delete action"),
        ({"Create": {"RegionName": "mars-north-1"}}, "mars-north-1 is not a valid AWS region"),
    ],
)
def test_replica_updates_aws_rejects_are_validation_errors(ddb, table, update, message):
    with pytest.raises(ClientError) as error:
        ddb(HOME).update_table(TableName=table, ReplicaUpdates=[update])

    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert message in error.value.response["Error"]["Message"]
    assert "Replicas" not in ddb(HOME).describe_table(TableName=table)["Table"]


def test_a_duplicate_replica_is_rejected_with_already_exist(ddb, table):
    add_replica(ddb, table, AWAY)

    with pytest.raises(ClientError) as error:
        add_replica(ddb, table, AWAY)

    # the provider's createReplicas matches "already exist" and switches to an Update
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "already exist" in error.value.response["Error"]["Message"]


def test_removing_the_last_replica_makes_the_table_regional_again(ddb, table):
    add_replica(ddb, table, AWAY)

    ddb(HOME).update_table(TableName=table, ReplicaUpdates=[{"Delete": {"RegionName": AWAY}}])

    described = ddb(HOME).describe_table(TableName=table)["Table"]
    assert "Replicas" not in described
    assert "GlobalTableVersion" not in described
    assert described["StreamSpecification"]["StreamEnabled"] is True  # AWS leaves the stream on
    with pytest.raises(ClientError) as error:
        ddb(AWAY).describe_table(TableName=table)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_gsi_added_to_a_global_table_appears_in_every_replica(ddb, table):
    add_replica(ddb, table, AWAY)

    ddb(HOME).update_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "status", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )

    away = ddb(AWAY).describe_table(TableName=table)["Table"]
    assert sorted(i["IndexName"] for i in away["GlobalSecondaryIndexes"]) == ["by-owner", "by-status"]


# --- replication ---


def test_writes_of_every_kind_replicate_to_every_replica_after_the_lag(ddb, table):
    add_replica(ddb, table, AWAY)
    add_replica(ddb, table, THIRD)
    home = ddb(HOME)

    # Given a put, an update, a batch write, a transaction and a delete in the home region
    home.put_item(TableName=table, Item={"pk": {"S": "p1"}, "sk": {"S": "a"}, "owner": {"S": "u1"}})
    home.update_item(
        TableName=table,
        Key={"pk": {"S": "p1"}, "sk": {"S": "a"}},
        UpdateExpression="SET qty = :q",
        ExpressionAttributeValues={":q": {"N": "3"}},
    )
    home.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"S": "a"}}}} for i in range(3)]}
    )
    home.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t1"}, "sk": {"S": "a"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "b2"}, "sk": {"S": "a"}}}},
        ]
    )

    # Then every replica converges to the home region's content
    expected = scan_sorted(home, table)
    for region in (AWAY, THIRD):
        replicated = poll(lambda region=region: scan_sorted(ddb(region), table), lambda items: items == expected)
        assert [i["pk"]["S"] for i in replicated] == ["b0", "b1", "p1", "t1"]
    assert item(ddb, AWAY, table, "p1")["qty"] == {"N": "3"}
    # the GSI of the replica sees the replicated item
    by_owner = ddb(AWAY).query(
        TableName=table,
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "u1"}},
    )
    assert [i["pk"]["S"] for i in by_owner["Items"]] == ["p1"]


def test_a_write_is_not_visible_elsewhere_before_the_lag_and_the_lag_is_measured(ddb, table):
    add_replica(ddb, table, AWAY)
    global_tables.set_replication_lag(0.5)
    assert global_tables.wait_for_replication(DEADLINE)  # nothing left over from earlier tests
    global_tables.reset_replication_stats()
    try:
        started = time.monotonic()
        ddb(HOME).put_item(TableName=table, Item={"pk": {"S": "slow"}, "sk": {"S": "a"}})
        seen_early = item(ddb, AWAY, table, "slow")
        early = time.monotonic() - started < 0.5  # only meaningful when the read ran before the lag elapsed

        poll(lambda: item(ddb, AWAY, table, "slow"), lambda found: found is not None)

        stats = global_tables.replication_stats()
        assert stats["replicated"] == 1
        assert stats["pending"] == 0
        assert stats["last_seconds"] >= 0.5  # never applied before the configured lag
        if early:
            assert seen_early is None
    finally:
        global_tables.set_replication_lag(None)


def test_a_failed_conditional_write_does_not_replicate(ddb, table):
    add_replica(ddb, table, AWAY)
    ddb(HOME).put_item(TableName=table, Item={"pk": {"S": "c"}, "sk": {"S": "a"}, "v": {"N": "1"}})
    poll(lambda: item(ddb, AWAY, table, "c"), lambda found: found is not None)
    assert global_tables.wait_for_replication(DEADLINE)
    global_tables.reset_replication_stats()

    with pytest.raises(ClientError):
        ddb(HOME).put_item(
            TableName=table,
            Item={"pk": {"S": "c"}, "sk": {"S": "a"}, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    assert global_tables.replication_stats()["pending"] == 0
    assert item(ddb, AWAY, table, "c")["v"] == {"N": "1"}


def test_deletes_replicate_and_replicated_writes_do_not_come_back(ddb, table):
    add_replica(ddb, table, AWAY)
    ddb(AWAY).put_item(TableName=table, Item={"pk": {"S": "d"}, "sk": {"S": "a"}})
    poll(lambda: item(ddb, HOME, table, "d"), lambda found: found is not None)
    assert global_tables.wait_for_replication(DEADLINE)
    global_tables.reset_replication_stats()

    ddb(HOME).delete_item(TableName=table, Key={"pk": {"S": "d"}, "sk": {"S": "a"}})

    poll(lambda: item(ddb, AWAY, table, "d"), lambda found: found is None)
    assert global_tables.wait_for_replication(DEADLINE)
    # exactly one copy (HOME → AWAY); applying it in AWAY did not send it back to HOME
    assert global_tables.replication_stats()["replicated"] == 1


def test_the_later_of_two_writes_in_different_regions_wins_everywhere(ddb, table):
    add_replica(ddb, table, AWAY)
    global_tables.set_replication_lag(1.0)  # both writes land before either copy arrives (on a fast machine)
    try:
        ddb(HOME).put_item(TableName=table, Item={"pk": {"S": "k"}, "sk": {"S": "a"}, "by": {"S": HOME}})
        ddb(AWAY).put_item(TableName=table, Item={"pk": {"S": "k"}, "sk": {"S": "a"}, "by": {"S": AWAY}})

        assert global_tables.wait_for_replication(DEADLINE)
    finally:
        global_tables.set_replication_lag(None)

    # AWAY wrote last: its item wins in both regions, whichever copy arrived first
    assert item(ddb, HOME, table, "k")["by"] == {"S": AWAY}
    assert item(ddb, AWAY, table, "k")["by"] == {"S": AWAY}


def test_concurrent_writes_in_two_regions_converge_to_the_last_writer(ddb, table, emulator):
    add_replica(ddb, table, AWAY)
    writers, rounds = 4, 10
    start = threading.Barrier(writers * 2)
    errors: list[BaseException] = []

    def write(region: str, writer: int) -> None:
        client = emulator.client("dynamodb", region)
        start.wait()
        try:
            for n in range(rounds):
                client.put_item(
                    TableName=table,
                    Item={"pk": {"S": "hot"}, "sk": {"S": "a"}, "by": {"S": f"{region}/{writer}/{n}"}},
                )
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(r, w)) for r in (HOME, AWAY) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)

    assert not errors
    assert global_tables.wait_for_replication(DEADLINE)
    home, away = item(ddb, HOME, table, "hot"), item(ddb, AWAY, table, "hot")
    assert home == away
    # and the surviving item is the write with the latest timestamp in either region
    key = {"pk": {"S": "hot"}, "sk": {"S": "a"}}
    home_version = global_tables.item_version(emulator_account(), HOME, table, key)
    away_version = global_tables.item_version(emulator_account(), AWAY, table, key)
    assert home_version == away_version
    assert home["by"]["S"].split("/")[0] == home_version[1]


def emulator_account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


# --- Terraform: aws_dynamodb_table with replica {} applies, re-plans clean and destroys ---

GLOBAL_TABLE_CONFIG = Path(__file__).parent / "terraform_gaps" / "global_table"


@pytest.mark.slow
def test_terraform_global_table_applies_replans_clean_and_destroys(tmp_path: Path, emulator, ddb):
    # Given the fixture configuration pointed at the emulator in both regions
    name = f"tfgt-{uuid.uuid4().hex[:8]}"
    shutil.copy(GLOBAL_TABLE_CONFIG / "main.tf", tmp_path / "main.tf")
    tf.write_provider_override(tmp_path, emulator.url, (HOME, AWAY))
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"name": name}))
    tf.run(["init", "-no-color"], tmp_path, timeout=300)

    # When it is applied
    started = time.monotonic()
    tf.run(["apply", "-auto-approve", "-no-color"], tmp_path, timeout=600)
    applied_in = time.monotonic() - started

    # Then the replica exists in eu-west-1 as a 2019.11.21 replica, with PITR and the propagated tags
    outputs = {k: v["value"] for k, v in json.loads(tf.run(["output", "-json"], tmp_path).stdout).items()}
    assert outputs["replica_arn"] == outputs["replica_table_arn"]
    assert f":{AWAY}:" in outputs["replica_arn"]
    assert outputs["replica_stream_view_type"] == "NEW_AND_OLD_IMAGES"
    home = ddb(HOME).describe_table(TableName=name)["Table"]
    assert home["GlobalTableVersion"] == "2019.11.21"
    assert home["Replicas"] == [{"RegionName": AWAY, "ReplicaStatus": "ACTIVE"}]
    pitr = ddb(AWAY).describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = ddb(AWAY).list_tags_of_resource(ResourceArn=outputs["replica_arn"])["Tags"]
    assert {"Key": "team", "Value": "orders"} in tags

    # And a write through us-east-1 is read through eu-west-1
    ddb(HOME).put_item(TableName=name, Item={"pk": {"S": "o1"}, "sk": {"S": "a"}, "owner": {"S": "u1"}})
    poll(lambda: item(ddb, AWAY, name, "o1"), lambda found: found is not None)

    # And a second plan finds nothing to change (exit code 0 with -detailed-exitcode; 2 means changes)
    plan = tf.run(["plan", "-detailed-exitcode", "-no-color"], tmp_path, check=False, timeout=600)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-2000:]

    # And destroy removes the table and its replica
    tf.run(["destroy", "-auto-approve", "-no-color"], tmp_path, timeout=600)
    for region in (HOME, AWAY):
        assert name not in ddb(region).list_tables()["TableNames"]
    print(f"global table apply took {applied_in:.1f}s")


def test_the_control_endpoint_sets_the_lag_and_answers_the_stats(emulator):
    url = f"{emulator.url}/moto-api/emulator/dynamodb/replication"
    try:
        request = urllib.request.Request(url, data=json.dumps({"lag_seconds": 0.75}).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            posted = json.loads(response.read())
        with urllib.request.urlopen(url, timeout=DEADLINE) as response:
            got = json.loads(response.read())
    finally:
        global_tables.set_replication_lag(None)

    assert posted["lag_setting_seconds"] == got["lag_setting_seconds"] == 0.75
    assert {"replicated", "pending", "last_seconds", "p95_seconds"} <= set(got)
    bad = urllib.request.Request(url, data=b'{"lag_seconds": -1}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(bad, timeout=DEADLINE)
    assert error.value.code == 400


MODULE = Path(__file__).parents[2] / "terraform" / "modules" / "dynamodb_table"
MODULE_CONFIG = Path(__file__).parent / "terraform_gaps" / "global_table_module"


@pytest.mark.slow
def test_terraform_module_with_a_replica_applies_replans_clean_and_destroys(tmp_path: Path, emulator, ddb):
    # Given the project's module as a global table (us-east-1 + a replica in eu-west-1) pointed at the emulator
    name = f"tfmod-{uuid.uuid4().hex[:8]}"
    shutil.copy(MODULE_CONFIG / "main.tf", tmp_path / "main.tf")
    shutil.copytree(MODULE, tmp_path / "dynamodb_table", ignore=shutil.ignore_patterns("examples", ".terraform*"))
    tf.write_provider_override(tmp_path, emulator.url, (HOME, AWAY))
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"name": name}))
    tf.run(["init", "-no-color"], tmp_path, timeout=300)

    # When it is applied
    tf.run(["apply", "-auto-approve", "-no-color"], tmp_path, timeout=600)

    # Then both regions hold the table as a 2019.11.21 global table, with the module's GSI and TTL
    outputs = {k: v["value"] for k, v in json.loads(tf.run(["output", "-json"], tmp_path).stdout).items()}
    assert outputs["replica_regions"] == [AWAY]
    away = ddb(AWAY).describe_table(TableName=name)["Table"]
    assert outputs["replica_arn"] == away["TableArn"]
    assert away["Replicas"] == [{"RegionName": HOME, "ReplicaStatus": "ACTIVE"}]
    assert [i["IndexName"] for i in away["GlobalSecondaryIndexes"]] == ["gsi1"]
    ttl = ddb(AWAY).describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")

    # And a second plan finds nothing to change
    plan = tf.run(["plan", "-detailed-exitcode", "-no-color"], tmp_path, check=False, timeout=600)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-2000:]

    # And destroy removes the table and its replica
    tf.run(["destroy", "-auto-approve", "-no-color"], tmp_path, timeout=600)
    for region in (HOME, AWAY):
        assert name not in ddb(region).list_tables()["TableNames"]
