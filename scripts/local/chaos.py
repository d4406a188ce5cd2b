"""Queue chaos: a burst of order messages with poison and duplicates through a running local stack, a worker
killed mid-run, then a drain and an audit of what landed where. The e2e suite runs a small version against its
own stack (``tests/e2e``), ``scripts/chaos.py`` the full one (``make chaos``).

The audit reads the outcome from the system itself: the orders table (each good order exactly once, no poison),
the DLQ (every poison message, no good one) and order_worker's log (``order message applied`` with outcome
``placed`` per order id: a count above one is an order applied twice).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scripts.arns import parse_arn
from scripts.local.worker import process_environments

__all__ = [
    "ChaosPlan",
    "ChaosReport",
    "ChaosTarget",
    "PlannedMessage",
    "find_worker_pids",
    "format_report",
    "plan_messages",
    "run_chaos",
]

Progress = Callable[[str], None]
_SEND_BATCH = 10  # SendMessageBatch's limit


@dataclass(frozen=True)
class ChaosPlan:
    """What to send: ``messages`` sends in total, of which ``poison_rate`` poison and ``duplicate_rate`` resends."""

    messages: int = 10_000
    poison_rate: float = 0.01
    duplicate_rate: float = 0.05
    kill_workers: int = 1  # order_worker processes killed with SIGKILL while messages are in flight
    seed: int = 13
    senders: int = 4  # threads sending SendMessageBatch calls
    drain_timeout_s: float = 1800.0
    # "queue-empty": done when the queue stays empty (a queue of its own); "accounted": when every good order is
    # in the table and every poison message in the DLQ (a queue other senders use too, e.g. the e2e suite's)
    settle: str = "queue-empty"

    def __post_init__(self) -> None:
        if self.messages < 1:
            raise ValueError(f"messages must be at least 1, got {self.messages}")
        for name in ("poison_rate", "duplicate_rate"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.poison_rate + self.duplicate_rate >= 1:
            raise ValueError("poison_rate + duplicate_rate must leave room for good messages")
        if self.kill_workers < 0 or self.senders < 1:
            raise ValueError("kill_workers must be >= 0 and senders >= 1")
        if self.settle not in ("queue-empty", "accounted"):
            raise ValueError(f"settle must be 'queue-empty' or 'accounted', got {self.settle!r}")


@dataclass(frozen=True)
class PlannedMessage:
    kind: str  # "good" | "duplicate" | "poison"
    key: str  # the order id (good, duplicate) or the poison marker
    body: str


def plan_messages(plan: ChaosPlan, run_id: str) -> list[PlannedMessage]:
    """The sends, shuffled with ``plan.seed``: every duplicate repeats a good body; poison cannot be parsed."""
    rng = random.Random(plan.seed)
    poison = round(plan.messages * plan.poison_rate)
    duplicates = round(plan.messages * plan.duplicate_rate)
    good = plan.messages - poison - duplicates
    goods = [_good(f"chaos-{run_id}-g{i:05d}", i) for i in range(good)]
    sends = list(goods)
    sends += [PlannedMessage("duplicate", m.key, m.body) for m in rng.choices(goods, k=duplicates)]
    sends += [_poison(f"chaos-{run_id}-p{i:05d}", i) for i in range(poison)]
    rng.shuffle(sends)
    return sends


def _good(order_id: str, n: int) -> PlannedMessage:
    body = {
        "type": "OrderPlaced",
        "order_id": order_id,
        "customer_id": f"chaos-customer-{n % 97}",
        "items": [{"sku": f"sku-{n % 13}", "quantity": 1 + n % 3, "price": f"{1 + n % 50}.99"}],
    }
    return PlannedMessage("good", order_id, json.dumps(body))


def _poison(marker: str, n: int) -> PlannedMessage:
    """Three shapes of a message no retry can fix; each carries its marker so the DLQ can be audited."""
    shapes = [
        f"not json {marker}",
        json.dumps({"type": "OrderTeleported", "order_id": marker}),
        json.dumps({"type": "OrderPlaced", "order_id": marker, "customer_id": "c", "items": []}),
    ]
    return PlannedMessage("poison", marker, shapes[n % len(shapes)])


def _marker_of(body: str, prefix: str) -> str | None:
    """The order id or poison marker in a body (JSON or not) that starts with ``prefix``."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        words = [w for w in body.split() if w.startswith(prefix)]
        return words[0] if words else None
    key = data.get("order_id") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key.startswith(prefix) else None


@dataclass
class ChaosTarget:
    """The stack under test: clients for the emulator (or an account), and where order_worker writes."""

    sqs: Any
    dynamodb: Any
    queue_url: str
    dlq_url: str
    orders_table: str
    function_name: str  # order_worker's deployed name (worker processes carry it in their environment)
    log_file: Path | None = None  # order_worker's log: the applied-twice audit (None: table audit only)
    stack_id: str | None = None  # LOCAL_STACK_ID of the stack's processes: which workers may be killed

    @classmethod
    def from_stack_info(cls, info: dict[str, Any], clients: Callable[[str], Any]) -> ChaosTarget:
        """From a local stack's ``stack.json`` (``scripts.local``), with ``clients(service)`` against its emulator."""
        outputs = info["outputs"]
        sqs = clients("sqs")
        queue_url = str(outputs["queue_urls"]["orders"])
        function_name = str(outputs["deployed_functions"]["order_worker"])
        return cls(
            sqs=sqs,
            dynamodb=clients("dynamodb"),
            queue_url=queue_url,
            dlq_url=dead_letter_queue_url(sqs, queue_url),
            orders_table=str(outputs["tables"]["orders"]),
            function_name=function_name,
            log_file=Path(info["logs_dir"]) / f"{function_name}.log",
            stack_id=info.get("stack_id"),
        )


def dead_letter_queue_url(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    if not policy:
        raise ValueError(f"queue {queue_url} has no redrive policy: poison would circle forever")
    arn = parse_arn(str(policy["deadLetterTargetArn"]))
    return str(sqs.get_queue_url(QueueName=arn.resource, QueueOwnerAWSAccountId=arn.account)["QueueUrl"])


@dataclass
class ChaosReport:
    run_id: str
    sent: int
    good_unique: int
    duplicates_sent: int
    poison_sent: int
    good_applied: int  # good orders in the table
    applied_twice: int  # order ids whose OrderPlaced took effect more than once (order_worker's log)
    good_missing: int  # good orders neither in the table nor anywhere else
    good_in_dlq: int
    poison_in_dlq: int
    poison_in_table: int
    workers_killed: list[int]
    send_s: float
    apply_s: float  # first send → last good order written
    drain_s: float  # first send → queue empty (poison redrives included)
    apply_rate: float  # good messages applied per second (sends of good bodies incl. duplicates / apply_s)
    drain_rate: float  # messages sent / drain_s
    load_average: list[float]  # max 1-minute load average seen during the run, then 1/5/15 at the end
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # stack process vs order_worker workers
    audited_log: bool = True

    @property
    def ok(self) -> bool:
        return (
            self.good_applied == self.good_unique
            and self.applied_twice == 0
            and self.good_in_dlq == 0
            and self.poison_in_dlq == self.poison_sent
            and self.poison_in_table == 0
        )

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "ok": self.ok}, indent=2)


def format_report(report: ChaosReport, *, target_rate: float = 100.0) -> str:
    rows = [
        (
            "messages sent",
            f"{report.sent:,} ({report.good_unique:,} good, {report.duplicates_sent:,} duplicate sends, "
            f"{report.poison_sent:,} poison)",
        ),
        ("good orders applied", f"{report.good_applied:,} / {report.good_unique:,}"),
        ("applied twice", str(report.applied_twice) + ("" if report.audited_log else " (log not audited)")),
        ("good messages in DLQ", str(report.good_in_dlq)),
        ("poison in DLQ", f"{report.poison_in_dlq} / {report.poison_sent}"),
        ("workers killed (SIGKILL)", ", ".join(map(str, report.workers_killed)) or "none"),
        ("send time", f"{report.send_s:.1f} s ({report.sent / max(report.send_s, 1e-9):.0f} msg/s)"),
        ("apply time / rate", f"{report.apply_s:.1f} s, {report.apply_rate:.0f} msg/s (target ≥ {target_rate:.0f})"),
        ("drain time / rate", f"{report.drain_s:.1f} s, {report.drain_rate:.0f} msg/s (incl. poison redrives)"),
        ("load average", "max {:.2f}; end {:.2f} / {:.2f} / {:.2f}".format(*report.load_average)),
    ]
    rows += [(f"CPU s: {name}", f"{seconds:.1f}") for name, seconds in report.cpu_seconds.items()]
    rows.append(("result", "PASS" if report.ok else "FAIL"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


# -- processes ------------------------------------------------------------------------------------------------


def find_worker_pids(function_name: str, stack_id: str | None) -> list[int]:
    """Live worker processes of ``function_name`` (by their Lambda environment), of one stack when given."""
    return sorted(
        pid
        for pid, env in process_environments()
        if env.get("AWS_LAMBDA_FUNCTION_NAME") == function_name
        and (stack_id is None or env.get("LOCAL_STACK_ID") == stack_id)
    )


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its reaped children) in seconds; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(v) for v in fields[11:15]) / ticks


# -- the run --------------------------------------------------------------------------------------------------


def _send_all(target: ChaosTarget, sends: list[PlannedMessage], senders: int, progress: Progress) -> None:
    chunks = [sends[i : i + _SEND_BATCH] for i in range(0, len(sends), _SEND_BATCH)]
    done = 0
    lock = threading.Lock()
    step = max(1, len(chunks) // 10)

    def send(chunk: list[PlannedMessage]) -> None:
        nonlocal done
        entries = [{"Id": str(i), "MessageBody": m.body} for i, m in enumerate(chunk)]
        for _attempt in range(5):
            answer = target.sqs.send_message_batch(QueueUrl=target.queue_url, Entries=entries)
            failed = {f["Id"] for f in answer.get("Failed", [])}
            entries = [e for e in entries if e["Id"] in failed]
            if not entries:
                break
        if entries:
            raise RuntimeError(f"SendMessageBatch kept failing for {len(entries)} message(s)")
        with lock:
            done += 1
            if done % step == 0:
                progress(f"sent {min(done * _SEND_BATCH, len(sends)):,} / {len(sends):,}")

    with ThreadPoolExecutor(max_workers=senders, thread_name_prefix="chaos-send") as pool:
        list(pool.map(send, chunks))


def _queue_depth(sqs: Any, url: str) -> int:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def _read_queue(sqs: Any, url: str) -> list[str]:
    """Every body on a queue, left there: each message is hidden while the queue is enumerated, then made
    visible again (another reader, such as a test peeking at the same DLQ, still finds it)."""
    bodies: list[str] = []
    handles: list[str] = []
    empty_polls = 0
    while empty_polls < 2:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        empty_polls = 0 if messages else empty_polls + 1
        bodies += [m["Body"] for m in messages]
        handles += [m["ReceiptHandle"] for m in messages]
    for start in range(0, len(handles), 10):
        chunk = handles[start : start + 10]
        entries = [{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(chunk)]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
    return bodies


def _orders_present(dynamodb: Any, table: str, order_ids: list[str]) -> dict[str, str]:
    """order id → created_at of those of ``order_ids`` that are in the table (BatchGetItem, 100 at a time)."""
    found: dict[str, str] = {}
    for start in range(0, len(order_ids), 100):
        keys = [{"pk": {"S": f"ORDER#{i}"}, "sk": {"S": "ORDER"}} for i in order_ids[start : start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "order_id, created_at"}}
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(table, []):
                found[item["order_id"]["S"]] = item.get("created_at", {}).get("S", "")
            request = answer.get("UnprocessedKeys") or {}
    return found


def _table_orders(dynamodb: Any, table: str, prefix: str) -> dict[str, str]:
    """order id → created_at of every order item whose id starts with ``prefix``."""
    found: dict[str, str] = {}
    paginator = dynamodb.get_paginator("scan")
    pages = paginator.paginate(
        TableName=table,
        FilterExpression="begins_with(pk, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": f"ORDER#{prefix}"}},
        ProjectionExpression="order_id, created_at",
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            found[item["order_id"]["S"]] = item.get("created_at", {}).get("S", "")
    return found


def _placed_counts(log_file: Path, prefix: str, offset: int) -> Counter[str]:
    """How many times order_worker's log says an OrderPlaced with an id under ``prefix`` took effect."""
    counts: Counter[str] = Counter()
    with log_file.open("rb") as log:
        log.seek(offset)
        for raw in log:
            if b'"order message applied"' not in raw or prefix.encode() not in raw:
                continue
            with contextlib.suppress(ValueError):
                line = json.loads(raw[raw.index(b"{") :])
                if line.get("outcome") == "placed":
                    counts[str(line.get("order_id"))] += 1
    return counts


@dataclass
class _Watch:
    """Samples the load average once a second while the run goes on."""

    max_load: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self._loop, name="chaos-watch", daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            self.max_load = max(self.max_load, os.getloadavg()[0])


def run_chaos(
    target: ChaosTarget,
    plan: ChaosPlan,
    *,
    run_id: str | None = None,
    progress: Progress = print,
    stack_pid: int | None = None,
) -> ChaosReport:
    """Send the plan's messages, kill workers mid-run, wait for the drain and audit the outcome."""
    run_id = run_id or f"{int(time.time()):x}"
    prefix = f"chaos-{run_id}-"
    sends = plan_messages(plan, run_id)
    good_keys = {m.key for m in sends if m.kind == "good"}
    poison_keys = {m.key for m in sends if m.kind == "poison"}
    log_offset = target.log_file.stat().st_size if target.log_file and target.log_file.exists() else 0
    cpu_before = _cpu_seconds(stack_pid) if stack_pid else 0.0
    worker_cpu: dict[int, float] = {}
    watch = _Watch()
    killed: list[int] = []
    progress(f"run {run_id}: {len(sends):,} messages → {target.queue_url}")

    with watch.running():
        started = time.monotonic()
        started_wall = time.time()
        sender = threading.Thread(
            target=_send_all, args=(target, sends, plan.senders, progress), name="chaos-sender", daemon=True
        )
        sender.start()
        kill_at = [started + 3.0 + i * 2.0 for i in range(plan.kill_workers)]
        sent_at: float | None = None
        drained_at: float | None = None
        last_report = last_account = started
        empty_polls = 0
        present: dict[str, str] = {}
        deadline = started + plan.drain_timeout_s
        while time.monotonic() < deadline:
            now = time.monotonic()
            busiest: tuple[float, int] | None = None
            for pid in find_worker_pids(target.function_name, target.stack_id):
                cpu = _cpu_seconds(pid)
                busy = cpu - worker_cpu.get(pid, 0.0)
                worker_cpu[pid] = max(worker_cpu.get(pid, 0.0), cpu)
                if pid not in killed and (busiest is None or busy > busiest[0]):
                    busiest = (busy, pid)
            if kill_at and now >= kill_at[0] and busiest is not None:
                kill_at.pop(0)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(busiest[1], signal.SIGKILL)
                    killed.append(busiest[1])
                    progress(f"killed order_worker worker pid {busiest[1]} (SIGKILL) at {now - started:.1f} s")
            if sent_at is None and not sender.is_alive():
                sent_at = time.monotonic()
                progress(f"all {len(sends):,} sent in {sent_at - started:.1f} s")
            depth = _queue_depth(target.sqs, target.queue_url)
            if sent_at is not None and plan.settle == "queue-empty":
                empty_polls = empty_polls + 1 if depth == 0 else 0
                if empty_polls >= 2:
                    drained_at = time.monotonic()
                    break
            elif sent_at is not None and now - last_account >= 3:
                last_account = now
                missing = sorted(good_keys - present.keys())
                present.update(_orders_present(target.dynamodb, target.orders_table, missing))
                if len(present) == len(good_keys):
                    in_dlq = {_marker_of(b, prefix) for b in _read_queue(target.sqs, target.dlq_url)}
                    if poison_keys <= in_dlq:
                        drained_at = time.monotonic()
                        break
            if now - last_report >= 10:
                last_report = now
                progress(f"{now - started:.0f} s: {depth:,} message(s) in the queue")
            time.sleep(1.0)
        sender.join()
    if sent_at is None:
        sent_at = time.monotonic()
    if drained_at is None:
        progress(f"the queue did not drain within {plan.drain_timeout_s:.0f} s; auditing what happened")
        drained_at = time.monotonic()

    progress("auditing the orders table, the DLQ and the order_worker log ...")
    in_table = _table_orders(target.dynamodb, target.orders_table, prefix)
    dlq_keys = Counter(k for k in (_marker_of(b, prefix) for b in _read_queue(target.sqs, target.dlq_url)) if k)
    placed: Counter[str] = Counter()
    if target.log_file is not None and target.log_file.exists():
        placed = _placed_counts(target.log_file, prefix, log_offset)
    audited_log = bool(placed) or not in_table  # applied orders but no "applied" line: the log says nothing
    last_write = max((_epoch(created) for k, created in in_table.items() if k in good_keys), default=started_wall)
    apply_s = max(last_write - started_wall, 1e-3)
    drain_s = drained_at - started
    good_sends = sum(1 for m in sends if m.kind != "poison")
    cpu_by_part: dict[str, float] = {}
    if stack_pid:
        cpu_by_part["stack process (emulator + data plane)"] = _cpu_seconds(stack_pid) - cpu_before
    cpu_by_part["order_worker workers"] = sum(worker_cpu.values())
    return ChaosReport(
        run_id=run_id,
        sent=len(sends),
        good_unique=len(good_keys),
        duplicates_sent=sum(1 for m in sends if m.kind == "duplicate"),
        poison_sent=len(poison_keys),
        good_applied=len(good_keys & in_table.keys()),
        applied_twice=sum(1 for n in placed.values() if n > 1),
        good_missing=len(good_keys - in_table.keys() - dlq_keys.keys()),
        good_in_dlq=sum(n for k, n in dlq_keys.items() if k in good_keys),
        poison_in_dlq=len(poison_keys & dlq_keys.keys()),
        poison_in_table=len(poison_keys & in_table.keys()),
        workers_killed=killed,
        send_s=round(sent_at - started, 2),
        apply_s=round(apply_s, 2),
        drain_s=round(drain_s, 2),
        apply_rate=round(good_sends / apply_s, 1),
        drain_rate=round(len(sends) / max(drain_s, 1e-3), 1),
        load_average=[round(watch.max_load, 2), *(round(v, 2) for v in os.getloadavg())],
        cpu_seconds={name: round(value, 1) for name, value in cpu_by_part.items()},
        audited_log=audited_log,
    )


def _epoch(timestamp: str) -> float:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
