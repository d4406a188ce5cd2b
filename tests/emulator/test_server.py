"""Starting and stopping the emulator, and its CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.emulator import EmulatorStartError, start_emulator

REPO = Path(__file__).resolve().parents[2]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_started_emulator_answers_on_a_free_loopback_port_until_stopped():
    # Given a started emulator
    with start_emulator() as emulator:
        # Then it listens on loopback, on the port it reports, and answers AWS calls
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        assert emulator.port > 0
        assert emulator.client("sqs").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    # When the context exits, then the port is closed
    assert not _listening(emulator.port)


def test_a_port_in_use_is_a_clear_error(emulator):
    with pytest.raises(EmulatorStartError, match=f"cannot listen on 127.0.0.1:{emulator.port}"):
        start_emulator("127.0.0.1", emulator.port)


def test_cli_prints_its_url_and_stops_on_sigterm():
    # Given the CLI started with --json
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.emulator", "--json"], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        first = json.loads(process.stdout.readline())
        # Then it prints where it listens, and it does listen there
        assert first["url"] == f"http://127.0.0.1:{first['port']}"
        assert _listening(first["port"])
        # When it gets SIGTERM
        process.terminate()
        # Then it exits cleanly
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:  # never leave a server behind, even when an assertion failed
            process.kill()
            process.wait()


def test_cli_reports_a_port_in_use_in_one_line(emulator):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.emulator", "--port", str(emulator.port)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{emulator.port}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_rejects_an_out_of_range_port():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.emulator", "--port", "70000"], cwd=REPO, capture_output=True, text=True
    )

    assert result.returncode == 2
    assert "--port must be between 0 and 65535" in result.stderr


def test_aws_env_lets_a_subprocess_reach_the_emulator(emulator, aws_env):
    # Given a queue created in the emulator
    emulator.client("sqs").create_queue(QueueName="seen-by-subprocess")

    # When a separate process lists queues with only the environment to go on
    script = "import boto3; print([u.rsplit('/', 1)[-1] for u in boto3.client('sqs').list_queues()['QueueUrls']])"
    result = subprocess.run([sys.executable, "-c", script], env=aws_env, capture_output=True, text=True, timeout=60)

    # Then it sees the emulator's queue
    assert result.returncode == 0, result.stderr
    assert "seen-by-subprocess" in result.stdout
    assert aws_env["AWS_ENDPOINT_URL"] == emulator.url
