"""What a handler's INIT builds: no pydantic validator for a model that only some invocations need.

A model's validator costs ~0.5–3 ms to build; a module of per-route or per-event models built at import made
its function's INIT 10–25 ms (0.05–0.15× the floor) dearer for models most invocations never use. These
modules declare ``defer_build`` (shared/README.md, import-time rule 2), so the first call that needs a model
builds it. Each check imports the function's handler in a fresh interpreter, as Lambda's INIT does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Reports, for every pydantic model class and TypeAdapter defined in MODULE, whether its validator is built.
PROBE = """
import importlib, json, sys
import pydantic
importlib.import_module(sys.argv[1])
module = importlib.import_module(sys.argv[2])
for call in sys.argv[3:]:
    exec(call, vars(module))
built = {
    name: (value.pydantic_complete if isinstance(value, pydantic.TypeAdapter) else value.__pydantic_complete__)
    for name, value in vars(module).items()
    if isinstance(value, pydantic.TypeAdapter)
    or (isinstance(value, type) and issubclass(value, pydantic.BaseModel) and value.__module__ == module.__name__)
}
print(json.dumps(built))
"""


def built_after(function: str, handler: str, module: str, *calls: str) -> dict[str, bool]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "functions" / function), *sys.path]))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, handler, module, *calls],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("function", "handler", "module"),
    [
        ("activity_recorder", "activity_recorder.handler", "activity_recorder.domain"),
        ("document_pipeline", "document_pipeline.handler", "document_pipeline.contracts"),
        ("notifier", "notifier.handler", "notifier.messages"),
        ("order_saga", "order_saga.handler", "order_saga.models"),
        ("orders_api", "orders_api.handler", "orders_api.models"),
        ("orders_api", "orders_api.handler", "orders_api.service"),
        ("payment_gateway", "payment_gateway.handler", "payment_gateway.api_models"),
    ],
)
def test_importing_the_handler_builds_none_of_the_per_event_models(function: str, handler: str, module: str) -> None:
    # Given a module of models that only some routes, tasks or event types use
    # When the function's handler is imported (INIT)
    built = built_after(function, handler, module)
    # Then it defines them all and builds none
    assert built, f"{module} defines no pydantic model or TypeAdapter"
    assert [name for name, complete in built.items() if complete] == []


def test_one_action_builds_its_own_models_and_no_other() -> None:
    # Given the activity recorder's handler imported
    # When one product view is parsed
    built = built_after(
        "activity_recorder",
        "activity_recorder.handler",
        "activity_recorder.domain",
        "parse_action({'type': 'product_viewed', 'data': {'sku': 'sku-1'}})",
    )
    # Then that action's model is built (its data model's schema inside it), the other actions' are not
    assert built["ProductViewed"] is True
    assert {name for name, complete in built.items() if not complete} >= {"SignedIn", "CartItemAdded", "OrderPlaced"}
