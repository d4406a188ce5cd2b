"""`python -m scripts.local`: a detached stack, invoke through it, logs, one-line errors, and a clean `down`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.local.control import read_event
from scripts.local.errors import LocalStackError
from scripts.local.stack import REPO

pytestmark = pytest.mark.slow

Zip = Callable[[dict[str, str]], bytes]
FAST_UP = ["up", "--detach", "--no-build", "--no-terraform", "--emulator-port", "0", "--api-port", "0", "--wait", "60"]


def cli(local_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(local_dir), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, input=stdin, timeout=120, check=False)


def stack_processes(stack_id: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if f"LOCAL_STACK_ID={stack_id}".encode() in environ.split(b"\0") and state != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    local_dir = tmp_path_factory.mktemp("stack")
    started = cli(local_dir, *FAST_UP)
    assert started.returncode == 0, started.stderr
    info = json.loads((local_dir / "stack.json").read_text())
    try:
        yield {"dir": local_dir, **info}
    finally:
        cli(local_dir, "down")


def _deploy(stack: dict[str, Any], name: str, source: str, make_zip: Zip) -> None:
    url = stack["emulator_url"]
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    try:
        role = iam.create_role(RoleName="cli-tests", AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="cli-tests")["Role"]["Arn"]
    code = {"ZipFile": make_zip({"app.py": source})}
    lambda_client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1")
    lambda_client.create_function(FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler", Code=code)


GREETER = """
    def handler(event, context):
        print("greeting", event.get("name"))
        if event.get("fail"):
            raise ValueError("no name")
        return {"hello": event.get("name")}
"""


ECHO = """
    def handler(event, context):
        return event
"""

CRASHING_HTTP = """
    def handler(event, context):
        return {"statusCode": 500, "body": '{"message": "internal error"}'}
"""


def test_invoke_prints_the_response_and_the_log(stack: dict[str, Any], make_zip: Zip, tmp_path: Path) -> None:
    # Given a function deployed as <prefix>-<key> in the running stack and an event file
    _deploy(stack, "orders-local-greeter", GREETER, make_zip)
    event = tmp_path / "event.json"
    event.write_text('{"name": "ada"}')

    # When it is invoked by its key
    result = cli(stack["dir"], "invoke", "greeter", str(event))

    # Then the response is on stdout and the log (START ... REPORT) on stderr
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"hello": "ada"}
    assert "greeting ada" in result.stderr
    assert "REPORT RequestId:" in result.stderr


def test_invoke_json_reports_a_function_error_and_exits_1(stack: dict[str, Any], make_zip: Zip) -> None:
    _deploy(stack, "orders-local-failing", GREETER, make_zip)

    result = cli(stack["dir"], "invoke", "orders-local-failing", "-", "--json", stdin='{"fail": true}')
    output = json.loads(result.stdout)

    assert result.returncode == 1
    assert output["function_error"] == "Unhandled"
    assert output["payload"]["errorType"] == "ValueError"
    assert "[ERROR] ValueError: no name" in output["log"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invoke", "no-such-fn"], "error: unknown function 'no-such-fn' (deployed: "),
        (["invoke", "greeter", "{missing}"], "error: cannot read event file "),
        (["invoke", "greeter", "{malformed}"], "error: malformed event file "),
        (["logs", "no-such-fn", "--no-follow"], "error: unknown function 'no-such-fn' (deployed: "),
        (["invoke", "greeter"], "error: no function folder declares 'greeter': give the event: EVENT=<file>"),
    ],
)
def test_bad_input_is_a_one_line_error(stack: dict[str, Any], tmp_path: Path, args: list[str], message: str) -> None:
    malformed = tmp_path / "bad.json"
    malformed.write_text('{"name": ')
    args = [a.replace("{missing}", str(tmp_path / "nope.json")).replace("{malformed}", str(malformed)) for a in args]

    result = cli(stack["dir"], *args)

    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_invoke_without_an_event_sends_the_first_sample_event_and_says_which(
    stack: dict[str, Any], make_zip: Zip
) -> None:
    # Given a function deployed under the key of a folder with sample events (health)
    _deploy(stack, "orders-local-health", ECHO, make_zip)

    # When it is invoked without an event
    result = cli(stack["dir"], "invoke", "health")

    # Then it got the folder's first sample event, and stderr says which
    sample = sorted((REPO / "functions" / "health" / "events").glob("*.json"))[0]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(sample.read_text())
    assert f"event: {sample.relative_to(REPO)} (the first sample event" in result.stderr


def test_an_http_function_answering_500_exits_1(stack: dict[str, Any], make_zip: Zip) -> None:
    # Given an HTTP function whose resolver turns a crash into a 500
    _deploy(stack, "orders-local-crashing", CRASHING_HTTP, make_zip)

    # When it is invoked
    result = cli(stack["dir"], "invoke", "crashing", "-", stdin="{}")

    # Then the answer is printed, and the command fails naming the status
    assert result.returncode == 1
    assert json.loads(result.stdout)["statusCode"] == 500
    assert result.stderr.strip().endswith("error: orders-local-crashing failed: HTTP 500")


def test_logs_of_a_function_not_run_yet_waits_for_its_first_line(stack: dict[str, Any], make_zip: Zip) -> None:
    # Given a deployed function that has never run, and `logs` following it
    _deploy(stack, "orders-local-late", GREETER, make_zip)
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(stack["dir"]), "logs", "late"]
    follower = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stuck = threading.Timer(120, follower.kill)  # a hung follower fails the test instead of hanging it
    stuck.start()
    try:
        assert follower.stderr is not None
        assert follower.stdout is not None
        note = follower.stderr.readline()

        # When the function runs for the first time
        assert cli(stack["dir"], "invoke", "late", "-", stdin='{"name": "lin"}').returncode == 0

        # Then the follower, still running, prints its log lines
        lines = iter(follower.stdout.readline, "")
        assert any("greeting lin" in line for line in lines)
        assert follower.poll() is None
    finally:
        stuck.cancel()
        follower.kill()
        follower.wait()
    assert note.strip() == "orders-local-late has not run yet; waiting for its first log line (Ctrl-C stops)"


def test_logs_prints_the_functions_log(stack: dict[str, Any], make_zip: Zip) -> None:
    _deploy(stack, "orders-local-logger", GREETER, make_zip)
    cli(stack["dir"], "invoke", "logger", "-", stdin='{"name": "grace"}')

    result = cli(stack["dir"], "logs", "logger", "--no-follow", "-n", "20")

    assert result.returncode == 0
    assert "greeting grace" in result.stdout
    assert "END RequestId:" in result.stdout


def test_up_twice_says_already_up_and_down_leaves_no_process(tmp_path: Path, make_zip: Zip) -> None:
    # Given a detached stack with a warm worker
    assert cli(tmp_path, *FAST_UP).returncode == 0
    try:
        info = json.loads((tmp_path / "stack.json").read_text())
        _deploy(info, "orders-local-warm", GREETER, make_zip)
        assert cli(tmp_path, "invoke", "warm", "-", stdin="{}").returncode == 0
        processes = stack_processes(info["stack_id"])

        # When it is started again, then stopped
        again = cli(tmp_path, *FAST_UP)
    finally:
        down = cli(tmp_path, "down")

    # Then the second start only reports it, and down leaves nothing behind
    assert info["pid"] in processes
    assert len(processes) >= 2  # the stack and its warm worker
    assert again.returncode == 0
    assert again.stdout.startswith(f"already up (pid {info['pid']})")
    assert down.returncode == 0
    assert down.stdout.startswith(f"stopped (pid {info['pid']}")
    assert stack_processes(info["stack_id"]) == []
    assert not (tmp_path / "stack.json").exists()
    assert cli(tmp_path, "status").stdout.strip() == "not up"


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = cli(tmp_path, "up", "--no-build", "--no-terraform", "--emulator-port", str(port))

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 (emulator) is in use: Address already in use; "
        "stop what uses it or choose another port"
    )
    assert not (tmp_path / "stack.json").exists()


def test_commands_need_a_running_stack(tmp_path: Path) -> None:
    result = cli(tmp_path, "invoke", "health")

    assert result.returncode == 1
    assert result.stderr.strip() == "error: the local stack is not up (start it with `make up`)"


def test_read_event_names_the_position_of_a_json_error(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}')

    with pytest.raises(LocalStackError, match=r"malformed event file .*event\.json: line 4 column 1: Expecting value"):
        read_event(str(path))
    assert read_event(None) == b"{}"
