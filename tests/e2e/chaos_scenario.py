"""The small queue chaos run, started with the session so its poison redrives overlap other tests.

300 order messages with 1% poison and 5% duplicate sends on the orders queue, one order_worker process killed
with SIGKILL while they are in flight (local stack only: a real deployment's workers are not ours to kill),
then the audit of ``scripts.local.chaos``: every good order once in the table, all poison in the DLQ, none good.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from scripts.local.chaos import ChaosPlan, ChaosReport, ChaosTarget, dead_letter_queue_url, run_chaos
from tests.e2e.harness import Stack, unique

MESSAGES = 300


@dataclass
class QueueChaos:
    """A chaos run in a background thread; :meth:`report` waits for it."""

    stack: Stack
    killed_worker: bool = False  # whether this stack's workers can be killed (a local stack)
    _report: ChaosReport | None = None
    _error: BaseException | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    lines: list[str] = field(default_factory=list)

    def start(self) -> QueueChaos:
        sqs = self.stack.client_factory("sqs")  # own clients: this thread runs beside the tests
        queue_url = self.stack.queue_url("orders")
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        visibility = int(attributes["VisibilityTimeout"])
        max_receives = int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"])
        local_dir = getattr(self.stack, "local_dir", None)
        info = json.loads((local_dir / "stack.json").read_text()) if local_dir is not None else {}
        function = self.stack.function("order_worker")
        target = ChaosTarget(
            sqs=sqs,
            dynamodb=self.stack.client_factory("dynamodb"),
            queue_url=queue_url,
            dlq_url=dead_letter_queue_url(sqs, queue_url),
            orders_table=self.stack.table("orders"),
            function_name=function,
            log_file=(local_dir / "logs" / f"{function}.log") if local_dir is not None else None,
            stack_id=info.get("stack_id"),
        )
        self.killed_worker = bool(info)
        plan = ChaosPlan(
            messages=MESSAGES,
            poison_rate=0.01,
            duplicate_rate=0.05,
            kill_workers=1 if info else 0,
            senders=2,
            settle="accounted",  # the suite's other tests use the same queue
            drain_timeout_s=visibility * max_receives + 120,
        )
        run_id = unique("e2e").replace("-", "")

        def run() -> None:
            try:
                self._report = run_chaos(target, plan, run_id=run_id, progress=self.lines.append)
            except BaseException as exc:  # noqa: BLE001 - handed to the test, which reports it
                self._error = exc

        self._thread = threading.Thread(target=run, name="e2e-queue-chaos", daemon=True)
        self._thread.start()
        return self

    def report(self, timeout_s: float) -> ChaosReport:
        assert self._thread is not None, "the chaos run was never started"
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), f"the chaos run did not end within {timeout_s:.0f} s: {self.lines[-5:]}"
        if self._error is not None:
            raise AssertionError(f"the chaos run failed: {self._error!r}") from self._error
        assert self._report is not None
        return self._report
