"""Day one: after `up`, the commands it printed create an order with a fresh user's token and read it back."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.e2e.harness import REPO, Stack

pytestmark = pytest.mark.e2e

HEADING = "Create an order and read it back"


def printed_commands(up_output: str) -> list[str]:
    """The indented command lines under the heading `up` printed, as a user would copy them."""
    lines = up_output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(HEADING)), None)
    assert start is not None, f"`up` printed no {HEADING!r} block:\n{up_output}"
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        commands.append(line.strip())
    return commands


def answers(text: str) -> list[tuple[int, dict[str, object]]]:
    """(status, JSON body) of each HTTP answer curl -i printed."""
    found = re.findall(r"^HTTP/[\d.]+ (\d{3})[^\n]*\n(?:[^\n]+\n)*?\r?\n(\{[^\n]*\})", text.replace("\r\n", "\n"), re.M)
    return [(int(status), json.loads(body)) for status, body in found]


def test_the_printed_curls_create_an_order_and_read_it_back(stack: Stack) -> None:
    if stack.mode != "local":
        pytest.skip("the printed commands come from `make up` (a local stack)")
    # Given what `up` printed: a token command for this stack's state directory, then a POST and a GET
    commands = printed_commands(stack.up_output)
    assert commands[0].startswith("TOKEN=$(")
    assert f"--local-dir {stack.local_dir} token" in commands[0]
    assert '"items":[{"sku":"SKU-1","quantity":1,"price":"9.99"}]' in commands[1]

    # When a user pastes them into bash
    script = "\n".join(["set -euo pipefail", *commands])
    ran = subprocess.run(["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)

    # Then the POST answered 201 with the order, and the GET read the same order back with 200
    assert ran.returncode == 0, f"stdout: {ran.stdout}\nstderr: {ran.stderr}"
    [(created_status, created)] = answers(ran.stderr)
    [(read_status, read)] = answers(ran.stdout)
    assert created_status == 201, ran.stderr
    assert read_status == 200, ran.stdout
    assert read["order_id"] == created["order_id"]
    assert read["items"] == [{"sku": "SKU-1", "quantity": 1, "price": "9.99"}]
    assert read["customer_id"] == created["customer_id"]
