"""DynamoDB global tables (version 2019.11.21) for moto: replicas and replication (README.md, "DynamoDB global tables").

moto 5.2 ignores ``ReplicaUpdates`` on UpdateTable and has no replication. Here UpdateTable creates and deletes
replica tables in the other regions' backends (rejecting what AWS rejects), DescribeTable lists them, and every
successful write on a member table is copied to the other members after :func:`replication_lag` seconds by one
background thread, last writer wins. :func:`replication_stats` and :func:`wait_for_replication` observe it, in
this process or at ``<emulator>/moto-api/emulator/dynamodb/replication`` (POST ``{"lag_seconds": ...}`` sets the lag).

Writes to tables are serialised while any global table exists (one lock, also taken by the replicator), so that
a local write and a replicated one never interleave. Do not attach moto's own synchronous DynamoDB-stream Lambda
triggers to a global table whose function writes back through the emulator: the function's write would wait for
the lock its own trigger holds.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.emulator.patching import env_number, once

GLOBAL_TABLE_VERSION = "2019.11.21"
LAG_ENV = "EMULATOR_DYNAMODB_REPLICATION_LAG"
DEFAULT_LAG_SECONDS = 0.2
LAG_SAMPLES = 10_000
AUTO_STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
CONTROL_PATH = "{0}/moto-api/emulator/dynamodb/replication"

logger = logging.getLogger("scripts.emulator")

GroupKey = tuple[str, str]  # (account id, table name)
Version = tuple[float, str]  # (write timestamp, origin region): compared as a tuple, last writer wins

_lock = threading.RLock()
_wake = threading.Condition(_lock)
_groups: dict[GroupKey, set[str]] = {}
_versions: dict[tuple[str, str, str], dict[str, Version]] = {}  # (account, region, table) → key id → version
_queue: list[_Replication] = []
_sequence = itertools.count()
_local = threading.local()
_lag_override: float | None = None
_last_timestamp = 0.0
_worker: threading.Thread | None = None


@dataclass
class _Stats:
    replicated: int = 0
    superseded: int = 0
    dropped: int = 0
    pending: int = 0
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=LAG_SAMPLES))


_stats = _Stats()


@dataclass(order=True)
class _Replication:
    due: float
    sequence: int
    version: Version = field(compare=False)
    account: str = field(compare=False)
    table: str = field(compare=False)
    target: str = field(compare=False)
    key: dict[str, Any] = field(compare=False)
    item: dict[str, Any] | None = field(compare=False)  # None: the item was deleted
    written_at: float = field(compare=False)  # monotonic time of the source write


# --- public API ------------------------------------------------------------------------------------------------


def replication_lag() -> float:
    """Seconds from a write to its copies elsewhere: the override, else $EMULATOR_DYNAMODB_REPLICATION_LAG."""
    if _lag_override is not None:
        return _lag_override
    return env_number(LAG_ENV, DEFAULT_LAG_SECONDS, lambda value: value >= 0, "a number of seconds", ">= 0")


def set_replication_lag(seconds: float | None) -> None:
    """Set the replication lag for this process (``None``: back to the environment variable or the default)."""
    global _lag_override
    if seconds is not None and seconds < 0:
        raise ValueError(f"replication lag must be >= 0 seconds, got {seconds}")
    _lag_override = seconds


def replication_stats() -> dict[str, Any]:
    """Measured replication since start (or :func:`reset_replication_stats`).

    ``replicated`` copies applied, ``superseded`` copies skipped because the target held a newer write,
    ``pending`` copies not yet applied, and the lag from a write to its copy being readable in another region:
    ``last_seconds``, ``p50_seconds``, ``p95_seconds``, ``max_seconds`` (None before the first copy).
    """
    with _lock:
        lags = sorted(_stats.lags)
        return {
            "replicated": _stats.replicated,
            "superseded": _stats.superseded,
            "dropped": _stats.dropped,
            "pending": _stats.pending,
            "lag_setting_seconds": replication_lag(),
            "last_seconds": _stats.lags[-1] if _stats.lags else None,
            "p50_seconds": statistics.median(lags) if lags else None,
            "p95_seconds": lags[min(len(lags) - 1, int(len(lags) * 0.95))] if lags else None,
            "max_seconds": lags[-1] if lags else None,
        }


def reset_replication_stats() -> None:
    """Forget the counters and lag samples (pending copies still run)."""
    with _lock:
        pending = _stats.pending
        _stats.__init__()  # type: ignore[misc]
        _stats.pending = pending


def wait_for_replication(timeout: float) -> bool:
    """Wait until no copy is pending; True when drained, False when ``timeout`` seconds passed first."""
    deadline = time.monotonic() + timeout
    with _wake:
        while _stats.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _wake.wait(remaining)
        return True


def replica_regions(account_id: str, table_name: str) -> list[str]:
    """Every region holding a replica of ``table_name`` (sorted; empty when the table is not global)."""
    with _lock:
        return sorted(_live_members((account_id, table_name)))


def item_version(account_id: str, region: str, table_name: str, key: dict[str, Any]) -> Version | None:
    """(write timestamp, origin region) of the write a region's replica holds for ``key`` (DynamoDB JSON)."""
    with _lock:
        return _versions.get((account_id, region, table_name), {}).get(_key_id(key))


# --- groups -----------------------------------------------------------------------------------------------------


def _backend(account: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region]


def _live_members(group: GroupKey) -> set[str]:
    """Members whose table still exists (moto's reset or a DeleteTable removes tables behind our back)."""
    members = _groups.get(group)
    if not members:
        return set()
    account, name = group
    live = {region for region in members if name in _backend(account, region).tables}
    if len(live) < 2:
        _groups.pop(group, None)
        return set()
    if live != members:
        _groups[group] = live
    return live


def _key_id(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


def _table_key(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _next_timestamp() -> float:
    global _last_timestamp
    _last_timestamp = max(time.time(), _last_timestamp + 1e-6)
    return _last_timestamp


# --- write tracking ---------------------------------------------------------------------------------------------


def _record(backend: Any, table_name: str, key_of: Callable[[Any], dict[str, Any]]) -> None:
    touched = getattr(_local, "touched", None)
    if touched is None:
        return
    table = backend.tables.get(table_name)
    if table is not None:
        touched.append((backend.account_id, backend.region_name, table_name, key_of(table)))


def _outermost_write(original: Callable[..., Any]) -> Callable[..., Any]:
    """A backend write: serialised while global tables exist; its touched keys replicate when it succeeds."""

    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_local, "touched", None) is not None or getattr(_local, "applying", False) or not _groups:
            return original(self, *args, **kwargs)
        with _lock:
            _local.touched = []
            try:
                result = original(self, *args, **kwargs)
                _enqueue(_local.touched)
            finally:
                _local.touched = None
            return result

    return write


def _keyed_write(original: Callable[..., Any]) -> Callable[..., Any]:
    """PutItem, UpdateItem, DeleteItem: the second argument holds the item's key (PutItem's whole item does)."""

    def keyed(self: Any, table_name: str, attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = original(self, table_name, attrs, *args, **kwargs)
        _record(self, table_name, lambda table: _table_key(table, attrs))
        return result

    return _outermost_write(keyed)


def _enqueue(touched: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Called with the lock held, after a successful write: version the keys and schedule their copies."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    written_at = time.monotonic()
    due = written_at + replication_lag()
    for account, region, name, key in touched:
        members = _live_members((account, name))
        if region not in members:
            continue
        table = _backend(account, region).tables[name]
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(DynamoType(key[table.hash_key_attr]), range_value)
        snapshot = copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None
        version = (_next_timestamp(), region)
        _versions.setdefault((account, region, name), {})[_key_id(key)] = version
        for target in sorted(members - {region}):
            heapq.heappush(
                _queue,
                _Replication(due, next(_sequence), version, account, name, target, key, snapshot, written_at),
            )
            _stats.pending += 1
    if _queue:
        _ensure_worker()
        _wake.notify_all()


# --- the replicator ---------------------------------------------------------------------------------------------


def _ensure_worker() -> None:
    global _worker
    if _worker is None or not _worker.is_alive():
        _worker = threading.Thread(target=_replicate_forever, name="emulator-dynamodb-replication", daemon=True)
        _worker.start()


def _replicate_forever() -> None:
    while True:
        with _wake:
            while not _queue or _queue[0].due > time.monotonic():
                _wake.wait(None if not _queue else max(0.0, _queue[0].due - time.monotonic()))
            event = heapq.heappop(_queue)
            try:
                _apply(event)
            except Exception:
                logger.exception("replicating %s to %s failed", event.table, event.target)
                _stats.dropped += 1
            finally:
                _stats.pending -= 1
                _wake.notify_all()


def _apply(event: _Replication) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if event.target not in _live_members((event.account, event.table)):
        _stats.dropped += 1
        return
    versions = _versions.setdefault((event.account, event.target, event.table), {})
    key_id = _key_id(event.key)
    current = versions.get(key_id)
    if current is not None and current >= event.version:
        _stats.superseded += 1
        return
    table = _backend(event.account, event.target).tables[event.table]
    _local.applying = True
    try:
        if event.item is None:
            range_value = DynamoType(event.key[table.range_key_attr]) if table.range_key_attr else None
            table.delete_item(DynamoType(event.key[table.hash_key_attr]), range_value)
        else:
            table.put_item(copy.deepcopy(event.item))
    finally:
        _local.applying = False
    versions[key_id] = event.version
    _stats.replicated += 1
    _stats.lags.append(time.monotonic() - event.written_at)


# --- control plane: UpdateTable ReplicaUpdates, DescribeTable Replicas ------------------------------------------


def _validation(message: str) -> Exception:
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _check_replica_updates(backend: Any, name: str, updates: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Validate every action first (nothing changes when one is invalid); returns (action, region, spec)."""
    if not isinstance(updates, list) or not updates:
        raise _validation("1 validation error detected: Value null at 'replicaUpdates' failed to satisfy constraint")
    members = _live_members((backend.account_id, name))
    known_regions = set(_all_regions(backend.account_id))
    actions = []
    for update in updates:
        if not isinstance(update, dict) or len(update) != 1 or next(iter(update)) not in ("Create", "Update", "Delete"):
            raise _validation(
                "One or more parameter values were invalid: "
                "each ReplicaUpdates entry needs exactly one of Create, Update or Delete"
            )
        action, spec = next(iter(update.items()))
        region = (spec or {}).get("RegionName")
        if not region:
            raise _validation(f"One or more parameter values were invalid: {action}.RegionName is required")
        if region == backend.region_name:
            raise _validation(
                "Cannot add or delete the local region through ReplicaUpdates. "
                "Use CreateTable, DeleteTable, or UpdateTable as required."
            )
        if region not in known_regions:
            raise _validation(f"One or more parameter values were invalid: {region} is not a valid AWS region")
        if action == "Create":
            if region in members or name in _backend(backend.account_id, region).tables:
                raise _validation(
                    f"Failed to create a the new replica of table with name: '{name}' because one or more "
                    "replicas already existed as tables."
                )
        elif region not in members:
            raise _validation(
                "Replica specified in the Replica Update or Replica Delete action of the request was not found."
            )
        actions.append((action, region, spec))
    return actions


def _all_regions(account: str) -> list[str]:
    from moto.dynamodb.models import dynamodb_backends

    return list(dynamodb_backends[account].regions)


def _create_replica(backend: Any, table: Any, region: str, spec: dict[str, Any]) -> None:
    if not (table.stream_specification or {}).get("StreamEnabled"):
        table.set_stream_specification(dict(AUTO_STREAM))
    target = _backend(backend.account_id, region)
    throughput = {k: v for k, v in (table.throughput or {}).items() if k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    sse = None
    if (table.sse_specification or {}).get("Enabled") or spec.get("KMSMasterKeyId"):
        sse = {"Enabled": True, "SSEType": "KMS"}
        if spec.get("KMSMasterKeyId"):
            sse["KMSMasterKeyId"] = spec["KMSMasterKeyId"]
    replica = target.create_table(
        table.name,
        schema=copy.deepcopy(table.schema),
        throughput=throughput or None,
        attr=copy.deepcopy(table.attr),
        global_indexes=[_index_spec(index) for index in table.global_indexes],
        indexes=[_index_spec(index) for index in table.indexes],
        streams=copy.deepcopy(table.stream_specification),
        billing_mode=table.billing_mode,
        sse_specification=sse,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    replica.ttl = copy.deepcopy(table.ttl)
    _local.applying = True
    try:
        for item in table.all_items():
            replica.put_item(copy.deepcopy(item.to_json()["Attributes"]))
    finally:
        _local.applying = False
    source_versions = _versions.get((backend.account_id, backend.region_name, table.name), {})
    _versions[(backend.account_id, region, table.name)] = dict(source_versions)
    group = (backend.account_id, table.name)
    _groups[group] = _live_members(group) | {backend.region_name, region}


def _index_spec(index: Any) -> dict[str, Any]:
    described = index.describe()
    wanted = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    return {k: copy.deepcopy(v) for k, v in described.items() if k in wanted}


def _delete_replica(backend: Any, name: str, region: str) -> None:
    _backend(backend.account_id, region).tables.pop(name, None)
    _versions.pop((backend.account_id, region, name), None)
    _live_members((backend.account_id, name))


def _update_table(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_table(self: Any) -> Any:
        from moto.dynamodb.responses import DynamoResult

        backend = self.dynamodb_backend
        name = self.body["TableName"]
        table = backend.get_table(name)  # ResourceNotFoundException first, as AWS
        with _lock:
            members = _live_members((backend.account_id, name))
            stream = self.body.get("StreamSpecification")
            if members and stream is not None and not stream.get("StreamEnabled"):
                raise _validation(f"Table: {name}: disabling the stream is not allowed for a Global Table replica")
            if "ReplicaUpdates" in self.body:
                for action, region, spec in _check_replica_updates(backend, name, self.body["ReplicaUpdates"]):
                    if action == "Create":
                        _create_replica(backend, table, region, spec)
                    elif action == "Delete":
                        _delete_replica(backend, name, region)
                    # Update: KMS key / throughput overrides are accepted and not modelled
            others = set(self.body) - {"TableName", "ReplicaUpdates"}
            if not others:
                return DynamoResult(backend.get_table(name).describe())
            result = original(self)
            _propagate_schema_changes(backend, name, self.body)
            return result

    return update_table


def _propagate_schema_changes(backend: Any, name: str, body: dict[str, Any]) -> None:
    """GSI and billing-mode changes on one replica apply to every replica (AWS keeps them in sync)."""
    gsi_updates = body.get("GlobalSecondaryIndexUpdates")
    for region in _live_members((backend.account_id, name)) - {backend.region_name}:
        replica_backend = _backend(backend.account_id, region)
        replica = replica_backend.tables[name]
        if body.get("AttributeDefinitions"):
            replica.attr = copy.deepcopy(body["AttributeDefinitions"])
        if gsi_updates:
            replica_backend.update_table_global_indexes(replica, copy.deepcopy(gsi_updates))
        if body.get("BillingMode"):
            replica.billing_mode = body["BillingMode"]


def _describe(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe(self: Any, base_key: str = "TableDescription") -> dict[str, Any]:
        result: dict[str, Any] = original(self, base_key)
        with _lock:
            members = _live_members((self.account_id, self.name)) if _groups else set()
        if self.region_name in members:
            result[base_key]["GlobalTableVersion"] = GLOBAL_TABLE_VERSION
            result[base_key]["Replicas"] = [
                {"RegionName": region, "ReplicaStatus": "ACTIVE"} for region in sorted(members - {self.region_name})
            ]
        return result

    return describe


def _create_table(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_table(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        table = original(self, name, *args, **kwargs)
        with _lock:  # a new table of an old name starts with no versions of its predecessor
            _versions.pop((self.account_id, self.region_name, name), None)
        return table

    return create_table


def _delete_table(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_table(self: Any, name: str) -> Any:
        table = original(self, name)
        with _lock:  # deleting one replica leaves the others replicating; the last but one makes it regional
            _versions.pop((self.account_id, self.region_name, name), None)
            _live_members((self.account_id, name))
        return table

    return delete_table


def _control(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """GET: :func:`replication_stats`; POST ``{"lag_seconds": 0.5 | null}`` sets the lag first."""
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"{}")
            lag = body["lag_seconds"]
            set_replication_lag(None if lag is None else float(lag))
        except (KeyError, TypeError, ValueError) as error:
            message = f'body must be {{"lag_seconds": <seconds >= 0> or null}}: {error}'
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": message})
    return 200, {"Content-Type": "application/json"}, json.dumps(replication_stats())


@once
def install() -> None:
    """Patch moto's DynamoDB backend, table model and UpdateTable handler."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_api._internal import urls as moto_api_urls

    DynamoHandler.update_table = _update_table(DynamoHandler.update_table)  # type: ignore[method-assign]
    Table.describe = _describe(Table.describe)  # type: ignore[method-assign]
    DynamoDBBackend.create_table = _create_table(DynamoDBBackend.create_table)  # type: ignore[method-assign]
    DynamoDBBackend.delete_table = _delete_table(DynamoDBBackend.delete_table)  # type: ignore[method-assign]
    DynamoDBBackend.put_item = _keyed_write(DynamoDBBackend.put_item)  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _keyed_write(DynamoDBBackend.update_item)  # type: ignore[method-assign]
    DynamoDBBackend.delete_item = _keyed_write(DynamoDBBackend.delete_item)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _outermost_write(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
    moto_api_urls.url_paths[CONTROL_PATH] = _control
