"""The e2e session fixture: one deployed stack for the whole run, local or real (chosen here, nowhere else).

* ``E2E_OUTPUTS_FILE=<terraform output -json file>``: run against that real deployment (AWS from the default
  credential chain, or ``E2E_AWS_PROFILE``; region from the API endpoint or ``E2E_AWS_REGION``).
* otherwise: start the local stack (``python -m scripts.local up --detach``) in a temporary ``--local-dir`` on
  free ports, and ``down`` it at the end of the session, pass or fail. ``E2E_LOCAL_ARGS`` adds options to
  ``up`` (e.g. ``--no-build``).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.chaos_scenario import QueueChaos
from tests.e2e.harness import E2ESetupError, Stack, deployed_stack, local_stack
from tests.e2e.scenarios import PoisonBatch, send_poison_batch, write_abandoned_order


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    outputs_file = os.environ.get("E2E_OUTPUTS_FILE")
    failure: str | None = None
    try:
        if outputs_file:
            deployed = deployed_stack(Path(outputs_file))
            try:
                yield deployed
            finally:
                deployed.close()
            return
        local_dir = tmp_path_factory.mktemp("e2e-local")
        with local_stack(local_dir, shlex.split(os.environ.get("E2E_LOCAL_ARGS", ""))) as local:
            yield local
    except E2ESetupError as exc:
        failure = str(exc)
    if failure is not None:  # outside the except: the report is the one line, not a chained traceback
        pytest.fail(f"e2e stack: {failure}", pytrace=False)


@pytest.fixture(scope="session")
def poison_batch(stack: Stack) -> PoisonBatch:
    return send_poison_batch(stack)


@pytest.fixture(scope="session")
def abandoned_order(stack: Stack) -> str:
    return write_abandoned_order(stack)


@pytest.fixture(scope="session")
def queue_chaos(stack: Stack) -> QueueChaos:
    return QueueChaos(stack).start()


@pytest.fixture(scope="session", autouse=True)
def _slow_scenarios_start_first(queue_chaos: QueueChaos, poison_batch: PoisonBatch, abandoned_order: str) -> None:
    """Arrange the scenarios that wait on a visibility timeout or a schedule before any test runs."""
