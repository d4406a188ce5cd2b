"""The data plane runs real zips from the emulator in warm worker processes, with Lambda's semantics."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts.emulator import Emulator, set_lambda_invoker
from scripts.local.errors import FunctionNotFoundError, InvalidRequestContentError, TooManyRequestsError
from scripts.local.logs import LogHub
from scripts.local.runtime import DataPlane

Deploy = Callable[..., str]
Zip = Callable[[dict[str, str]], bytes]

ECHO = """
    import os

    def handler(event, context):
        return {"pid": os.getpid(), "event": event}
"""


def _json(result: Any) -> Any:
    return json.loads(result.payload)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child that was reaped is gone; an unreaped zombie counts as dead too.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_cold_start_reports_init_duration_and_warm_start_reuses_the_worker(
    deploy: Deploy, data_plane: DataPlane
) -> None:
    # Given a deployed function
    name = deploy(ECHO)

    # When it is invoked twice
    cold = data_plane.invoke(name, b'{"n": 1}')
    warm = data_plane.invoke(name, b'{"n": 2}')

    # Then the first is a cold start with an init duration, the second runs in the same process
    assert cold.init_duration_ms is not None
    assert cold.init_duration_ms > 0
    assert "Init Duration:" in cold.log
    assert warm.init_duration_ms is None
    assert "Init Duration:" not in warm.log
    assert _json(cold)["pid"] == _json(warm)["pid"]
    assert _json(warm)["event"] == {"n": 2}
    assert cold.function_error is None


def test_handler_sees_the_lambda_environment_and_a_real_context(
    deploy: Deploy, data_plane: DataPlane, emulator: Emulator
) -> None:
    # Given a function that reports its environment and context
    name = deploy(
        """
        import os

        def handler(event, context):
            keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "_HANDLER",
                    "AWS_ENDPOINT_URL", "ORDERS_TABLE", "AWS_LAMBDA_FUNCTION_VERSION", "LAMBDA_TASK_ROOT"]
            return {
                "env": {k: os.environ.get(k) for k in keys},
                "cwd": os.getcwd(),
                "request_id": context.aws_request_id,
                "arn": context.invoked_function_arn,
                "name": context.function_name,
                "memory": context.memory_limit_in_mb,
                "group": context.log_group_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        memory=256,
        timeout=5,
        environment={"ORDERS_TABLE": "orders-local"},
    )

    # When it is invoked
    result = data_plane.invoke(name, b"{}")
    seen = _json(result)

    # Then it sees Lambda's variables, its own environment, the emulator endpoint and a matching context
    assert seen["env"]["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert seen["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert seen["env"]["AWS_REGION"] == "us-east-1"
    assert seen["env"]["_HANDLER"] == "app.handler"
    assert seen["env"]["AWS_ENDPOINT_URL"] == emulator.url
    assert seen["env"]["ORDERS_TABLE"] == "orders-local"
    assert seen["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert seen["cwd"] == seen["env"]["LAMBDA_TASK_ROOT"]
    assert seen["request_id"] == result.request_id
    assert seen["arn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert seen["name"] == name
    assert seen["memory"] == 256
    assert seen["group"] == f"/aws/lambda/{name}"
    assert 4000 < seen["remaining"] <= 5000


def test_remaining_time_decreases_during_an_invocation(deploy: Deploy, data_plane: DataPlane) -> None:
    # Given a function that samples the remaining time around a 300 ms sleep
    name = deploy(
        """
        import time

        def handler(event, context):
            before = context.get_remaining_time_in_millis()
            time.sleep(0.3)
            return [before, context.get_remaining_time_in_millis()]
        """
    )

    # When it is invoked
    before, after = _json(data_plane.invoke(name, b"{}"))

    # Then the second sample is about 300 ms lower
    assert before <= 3000
    assert 250 <= before - after < 1000


def test_a_timeout_kills_the_worker_and_the_next_invocation_gets_a_fresh_one(
    deploy: Deploy, data_plane: DataPlane
) -> None:
    # Given a 1-second function whose first call hangs
    name = deploy(
        """
        import os, time

        def handler(event, context):
            if event.get("hang"):
                time.sleep(30)
            return os.getpid()
        """,
        timeout=1,
    )
    first_pid = _json(data_plane.invoke(name, b"{}"))

    # When an invocation runs past the timeout
    started = time.monotonic()
    timed_out = data_plane.invoke(name, b'{"hang": true}')
    elapsed = time.monotonic() - started

    # Then it reports Lambda's timeout, the worker is gone, and the next call cold-starts a new one
    assert timed_out.timed_out is True
    assert timed_out.function_error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in _json(timed_out)["errorMessage"]
    assert "Task timed out after 1.00 seconds" in timed_out.log
    assert elapsed < 5
    assert not _alive(first_pid)
    after = data_plane.invoke(name, b"{}")
    assert after.function_error is None
    assert after.init_duration_ms is not None
    assert _json(after) != first_pid


def test_a_worker_that_exits_is_replaced_on_the_next_invocation(deploy: Deploy, data_plane: DataPlane) -> None:
    # Given a function that kills its own process when asked
    name = deploy(
        """
        import os

        def handler(event, context):
            if event.get("exit"):
                os._exit(3)
            return "alive"
        """
    )

    # When one invocation exits the process
    crashed = data_plane.invoke(name, b'{"exit": true}')
    after = data_plane.invoke(name, b"{}")

    # Then that invocation reports Runtime.ExitError and the next one runs in a fresh worker
    assert crashed.function_error == "Unhandled"
    assert crashed.error_type == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in _json(crashed)["errorMessage"]
    assert after.function_error is None
    assert _json(after) == "alive"
    assert after.init_duration_ms is not None


def test_a_raising_handler_returns_lambdas_error_shape(deploy: Deploy, data_plane: DataPlane) -> None:
    # Given a handler that raises
    name = deploy(
        """
        def handler(event, context):
            raise ValueError("order total must be positive")
        """
    )

    # When it is invoked
    result = data_plane.invoke(name, b"{}")
    error = _json(result)

    # Then the payload is {errorMessage, errorType, requestId, stackTrace} and the log has the [ERROR] line
    assert result.function_error == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "order total must be positive"
    assert error["requestId"] == result.request_id
    assert any("app.py" in frame for frame in error["stackTrace"])
    assert "[ERROR] ValueError: order total must be positive" in result.log
    # and the worker survives a handled exception
    assert data_plane.invoke(name, b"{}").init_duration_ms is None


def test_a_missing_handler_module_reports_import_module_error(deploy: Deploy, data_plane: DataPlane) -> None:
    # Given a function whose handler points at a module that is not in the zip
    name = deploy(ECHO, handler="orders.handler.lambda_handler")

    # When it is invoked
    result = data_plane.invoke(name, b"{}")

    # Then Lambda's init error comes back
    assert result.function_error == "Unhandled"
    assert result.error_type == "Runtime.ImportModuleError"
    assert "Unable to import module 'orders.handler'" in _json(result)["errorMessage"]


def test_an_unserialisable_result_is_a_marshal_error(deploy: Deploy, data_plane: DataPlane) -> None:
    name = deploy("def handler(event, context):\n    return object()\n")

    result = data_plane.invoke(name, b"{}")

    assert result.error_type == "Runtime.MarshalError"
    assert "Unable to marshal response" in _json(result)["errorMessage"]


def test_reserved_concurrency_bounds_the_pool_and_throttles_the_rest(deploy: Deploy, data_plane: DataPlane) -> None:
    # Given a slow function with reserved concurrency 2
    name = deploy(
        "import os, time\n\ndef handler(event, context):\n    time.sleep(1.5)\n    return os.getpid()\n",
        reserved=2,
        timeout=10,
    )
    outcomes: list[object] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            outcome: object = _json(data_plane.invoke(name, b"{}"))
        except TooManyRequestsError as exc:
            outcome = exc
        with lock:
            outcomes.append(outcome)

    # When four invocations arrive at once
    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.8)
    live_workers = data_plane.worker_pids(name)
    for thread in threads:
        thread.join()

    # Then two run (in two workers) and two are throttled
    pids = [o for o in outcomes if isinstance(o, int)]
    throttled = [o for o in outcomes if isinstance(o, TooManyRequestsError)]
    assert len(pids) == 2
    assert len(set(pids)) == 2
    assert len(throttled) == 2
    assert "reserved concurrency (2)" in str(throttled[0])
    assert len(live_workers) <= 2


def test_without_reserved_concurrency_the_local_pool_queues_instead_of_throttling(
    deploy: Deploy, emulator: Emulator, tmp_path: Path
) -> None:
    # Given a data plane with a local pool of 2 and a slow function
    name = deploy("import os, time\n\ndef handler(event, context):\n    time.sleep(0.5)\n    return os.getpid()\n")
    with DataPlane(emulator.url, run_dir=tmp_path / "run", default_concurrency=2, config_ttl_s=0) as plane:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(_json(plane.invoke(name, b"{}")))) for _ in range(3)]
        # When three invocations arrive at once
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # Then all three succeed, in at most two processes
    assert len(results) == 3
    assert len(set(results)) <= 2


def test_concurrency_limit_is_the_reserved_concurrency_else_the_local_pool(
    deploy: Deploy, emulator: Emulator, tmp_path: Path
) -> None:
    # Given one function with reserved concurrency 3 and one without, on a data plane whose local pool is 2
    reserved = deploy("def handler(event, context):\n    return 1\n", reserved=3)
    unreserved = deploy("def handler(event, context):\n    return 1\n")
    with DataPlane(emulator.url, run_dir=tmp_path / "run", default_concurrency=2, config_ttl_s=0) as plane:
        # When event sources ask how many invocations of each can run at once
        limits = (plane.concurrency_limit(reserved), plane.concurrency_limit(unreserved))

    # Then the reserved one answers its reservation and the other the local pool
    assert limits == (3, 2)


def test_layers_are_importable_after_the_function_code(
    deploy: Deploy, data_plane: DataPlane, lambda_client: Any, make_zip: Zip
) -> None:
    # Given a layer with python/greeting.py and python/shadowed.py, and a function that also has shadowed.py
    layer_zip = make_zip(
        {"python/greeting.py": "WORD = 'hello from the layer'\n", "python/shadowed.py": "WHO = 'layer'\n"}
    )
    layer_arn = lambda_client.publish_layer_version(LayerName="greeting", Content={"ZipFile": layer_zip})[
        "LayerVersionArn"
    ]
    name = deploy(
        "import greeting, shadowed\n\ndef handler(event, context):\n    return [greeting.WORD, shadowed.WHO]\n",
        layers=[layer_arn],
        extra_files={"shadowed.py": "WHO = 'function'\n"},
    )

    # When the function runs
    word, who = _json(data_plane.invoke(name, b"{}"))

    # Then the layer's module is importable and the function's own code comes first
    assert word == "hello from the layer"
    assert who == "function"


def test_code_is_taken_from_dist_manifest_by_its_hash(
    emulator: Emulator, lambda_client: Any, role_arn: str, tmp_path: Path, make_zip: Zip
) -> None:
    # Given a dist/ with a manifest listing a zip, deployed under the same hash
    from scripts.local.codestore import sha256_b64

    dist = tmp_path / "dist"
    (dist / "functions").mkdir(parents=True)
    data = make_zip({"app.py": "def handler(event, context):\n    return 'from dist'\n"})
    (dist / "functions" / "demo.zip").write_bytes(data)
    manifest = {"version": 1, "functions": {"demo": {"path": "dist/functions/demo.zip", "sha256": sha256_b64(data)}}}
    (dist / "manifest.json").write_text(json.dumps(manifest))
    created = lambda_client.create_function(
        FunctionName="dist-demo", Runtime="python3.13", Role=role_arn, Handler="app.handler", Code={"ZipFile": data}
    )

    with DataPlane(emulator.url, run_dir=tmp_path / "run", dist_dir=dist) as plane:
        # When the store looks the function's hash up, and the function runs
        found = plane.code.manifest_path_for(created["CodeSha256"])
        result = plane.invoke("dist-demo", b"{}")

    # Then the manifest's zip is the one that runs
    assert found == dist / "functions" / "demo.zip"
    assert _json(result) == "from dist"


def test_updated_code_and_recycle_start_fresh_workers(
    deploy: Deploy, data_plane: DataPlane, lambda_client: Any, make_zip: Zip
) -> None:
    # Given a warm function
    name = deploy("import os\n\ndef handler(event, context):\n    return ['v1', os.getpid()]\n")
    _, first_pid = _json(data_plane.invoke(name, b"{}"))

    # When its code is updated in the emulator
    new_zip = make_zip({"app.py": "import os\n\ndef handler(event, context):\n    return ['v2', os.getpid()]\n"})
    lambda_client.update_function_code(FunctionName=name, ZipFile=new_zip)
    version, second_pid = _json(data_plane.invoke(name, b"{}"))

    # Then the next invocation runs the new code in a new worker; an explicit recycle does the same
    assert version == "v2"
    assert second_pid != first_pid
    assert not _alive(first_pid)  # the replaced code's idle worker was stopped
    assert data_plane.recycle(name) == 1
    _, third_pid = _json(data_plane.invoke(name, b"{}"))
    assert third_pid != second_pid
    assert not _alive(first_pid)


def test_an_alias_runs_its_published_version(
    deploy: Deploy, data_plane: DataPlane, lambda_client: Any, make_zip: Zip
) -> None:
    # Given version 1 behind alias "live", and newer code on $LATEST
    name = deploy("def handler(event, context):\n    return ['v1', context.invoked_function_arn]\n")
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    lambda_client.update_function_code(
        FunctionName=name, ZipFile=make_zip({"app.py": "def handler(event, context):\n    return ['v2', None]\n"})
    )

    # When the alias and $LATEST are invoked
    via_alias = data_plane.invoke(name, b"{}", qualifier="live")
    latest = data_plane.invoke(f"arn:aws:lambda:us-east-1:123456789012:function:{name}", b"{}")

    # Then the alias runs version 1 with the alias ARN in its context, $LATEST runs the new code
    assert _json(via_alias) == ["v1", f"arn:aws:lambda:us-east-1:123456789012:function:{name}:live"]
    assert via_alias.executed_version == version
    assert _json(latest)[0] == "v2"


def test_unknown_function_and_malformed_payload_are_one_line_errors(deploy: Deploy, data_plane: DataPlane) -> None:
    name = deploy(ECHO)

    with pytest.raises(FunctionNotFoundError, match=r"^function not found: no-such-function$"):
        data_plane.invoke("no-such-function", b"{}")
    with pytest.raises(InvalidRequestContentError, match="Could not parse request body into json"):
        data_plane.invoke(name, b"{not json")


def test_logs_go_to_the_functions_file_with_start_end_report(
    deploy: Deploy, emulator: Emulator, tmp_path: Path
) -> None:
    # Given a data plane writing logs under tmp/logs
    name = deploy("def handler(event, context):\n    print('processing order 42')\n    return 1\n")
    with DataPlane(emulator.url, run_dir=tmp_path / "run", logs=LogHub(tmp_path / "logs")) as plane:
        # When the function runs
        result = plane.invoke(name, b"{}")

    # Then its file holds START, the function's output, END and REPORT, in that order
    text = (tmp_path / "logs" / f"{name}.log").read_text()
    rid = result.request_id
    markers = [f"START RequestId: {rid}", "processing order 42", f"END RequestId: {rid}", f"REPORT RequestId: {rid}"]
    positions = [text.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert "processing order 42" in result.log


def test_the_emulators_invoke_api_runs_functions_in_the_data_plane(
    deploy: Deploy, data_plane: DataPlane, lambda_client: Any
) -> None:
    # Given the data plane registered as the emulator's invoker
    ok = deploy("def handler(event, context):\n    print('via invoke api')\n    return {'got': event}\n")
    failing = deploy("def handler(event, context):\n    raise KeyError('sku')\n")
    assert data_plane.register_with_emulator() is True
    try:
        # When boto3 invokes through the emulator
        response = lambda_client.invoke(FunctionName=ok, Payload=b'{"a": 1}', LogType="Tail")
        failed = lambda_client.invoke(FunctionName=failing, Payload=b"{}")
    finally:
        set_lambda_invoker(None)

    # Then the payload, the function error and the log tail are the data plane's
    assert json.loads(response["Payload"].read()) == {"got": {"a": 1}}
    assert "FunctionError" not in response
    assert "via invoke api" in base64.b64decode(response["LogResult"]).decode()
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "KeyError"


def test_event_invocations_through_the_emulator_go_to_the_async_dispatcher(
    deploy: Deploy, data_plane: DataPlane, lambda_client: Any
) -> None:
    # Given an async dispatcher (the events package's AsyncInvoker.submit in the stack)
    name = deploy(ECHO)
    submitted: list[tuple[str, bytes, str | None]] = []
    data_plane.async_dispatcher = lambda fn, payload, qualifier: submitted.append((fn, payload, qualifier))
    assert data_plane.register_with_emulator() is True
    try:
        # When the function is invoked with InvocationType=Event
        response = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}')
    finally:
        set_lambda_invoker(None)

    # Then the caller gets 202 at once and the event is handed over, not run inline
    assert response["StatusCode"] == 202
    assert submitted == [(name, b'{"order": 7}', None)]
    assert data_plane.worker_pids(name) == []
