"""make diagram: the committed picture is current, complete and drawn from the committed DOT."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from scripts import diagram
from scripts.hcl_literal import parse

REPO = diagram.REPO
# Environment variables that carry plain configuration, not a resource: nothing to draw.
PLAIN_CONFIGURATION = {"ALLOWED_EMAIL_DOMAINS", "ABANDONED_AFTER_HOURS", "UPLOAD_ALERT_RECIPIENTS"}


def wiring() -> dict[str, dict[str, object]]:
    return parse((REPO / "terraform/stacks/regional/wiring.tf").read_text())["locals"]["wiring"]


def declared_keys() -> set[str]:
    return {
        key for path in (REPO / "functions").glob("*/function.json") for key in json.loads(path.read_text())["handlers"]
    }


def test_the_committed_picture_is_current() -> None:
    # Given the sources Terraform reads, as they are now
    # When the DOT is generated again
    expected = diagram.to_dot(diagram.load_architecture())
    # Then it equals the committed DOT, and the committed SVG says it was rendered from exactly that text
    assert (REPO / diagram.DOT_PATH).read_text() == expected, "stale docs/architecture.dot: run `make diagram`"
    svg = (REPO / diagram.SVG_PATH).read_text()
    assert diagram.svg_drawn_from(svg) == diagram.dot_sha256(expected), (
        "stale docs/architecture.svg: run `make diagram`"
    )
    assert diagram.stale() == []


def test_every_deployed_function_and_route_is_in_the_picture() -> None:
    # Given every key that is both wired and declared by a folder (what Terraform deploys)
    deployed = {key: entry for key, entry in wiring().items() if key in declared_keys()}
    # When the picture is drawn
    dot = diagram.to_dot(diagram.load_architecture())
    # Then each is a node, and each of its routes labels the API's edge to it
    assert len(deployed) >= 20
    for key, entry in deployed.items():
        assert f'"fn:{key}" [label="{key}\\n' in dot
        for route in [*entry.get("routes", []), *entry.get("public_routes", [])]:  # type: ignore[misc]
            assert re.search(rf'"api" -> "fn:{key}" \[label="[^"]*{re.escape(route)}', dot), route


def test_every_resource_variable_of_the_wiring_is_drawn_or_known_configuration() -> None:
    # Given every environment variable a deployed function receives
    names = {name for entry in wiring().values() for name in entry.get("env", [])}  # type: ignore[attr-defined]
    # When the variables are resolved to what main.tf's env_values names
    resources = diagram.load_architecture().env_resources
    # Then each is a drawn resource or listed here as plain configuration (a new variable fails until classified)
    assert names - PLAIN_CONFIGURATION <= set(resources)
    assert resources["ORDERS_TABLE"] == ("table", "orders")
    assert resources["ORDER_SAGA_ARN"] == ("state_machine", "saga")


def test_triggers_destinations_and_dead_letter_queues_are_edges() -> None:
    # Given the architecture
    dot = diagram.to_dot(diagram.load_architecture())
    # Then the queue, bus, schedule, bucket, saga, topic, Cognito triggers, destinations and DLQs are drawn
    for edge in [
        r'"queue:orders" -> "fn:order_worker" \[label="event source mapping',
        r'"bus:bus" -> "fn:order_events_router" \[label="OrderCreated, PaymentCompleted, ShipmentDispatched"',
        r'"scheduler" -> "fn:scheduled_cleanup" \[label="rate\(1 hour\)"',
        r'"bucket:uploads" -> "fn:csv_ingest" \[label="ObjectCreated\\nuploads/\*\.csv"',
        r'"state_machine:saga" -> "fn:reserve_inventory" \[label="task"',
        r'"topic:notifications" -> "fn:notifier" \[label="subscription"',
        r'"cognito" -> "fn:cognito_pre_sign_up" \[label="pre_sign_up trigger"',
        r'"fn:document_pipeline_extract" -> "fn:document_pipeline_analyze" \[label="on success \(async\)"',
        r'"fn:csv_ingest" -> "queue:async-failures"',
        r'"queue:bulk" -> "dlq:bulk" \[label="after 5 receives"',
        r'"route53" -> "api" \[label="prod: us-east-1 or eu-west-1',
    ]:
        assert re.search(edge, dot), edge


def test_the_dot_text_is_deterministic() -> None:
    assert diagram.to_dot(diagram.load_architecture()) == diagram.to_dot(diagram.load_architecture())


def test_a_wiring_that_is_not_literal_is_an_error_naming_the_file(tmp_path: Path) -> None:
    # Given a copy of the sources whose wiring refers to another local
    for relative in ("terraform/stacks/regional", "terraform/environments/prod", "functions/health"):
        shutil.copytree(REPO / relative, tmp_path / relative, ignore=shutil.ignore_patterns(".terraform", "tests"))
    wiring_tf = tmp_path / "terraform/stacks/regional/wiring.tf"
    wiring_tf.write_text(wiring_tf.read_text().replace("timeout       = 5", "timeout       = local.short", 1))
    # When the architecture is read
    with pytest.raises(diagram.DiagramError) as failed:
        diagram.load_architecture(tmp_path)
    # Then the one-line error names the file and the line
    assert re.fullmatch(
        r"terraform/stacks/regional/wiring\.tf: line \d+: 'local' is not a literal value.*", str(failed.value)
    )


def test_check_reports_a_stale_picture_in_one_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a copy of the sources with an outdated DOT and an SVG drawn from something else
    for relative in ("terraform/stacks/regional", "terraform/environments/prod", "functions/health"):
        shutil.copytree(REPO / relative, tmp_path / relative, ignore=shutil.ignore_patterns(".terraform", "tests"))
    (tmp_path / "docs").mkdir()
    (tmp_path / diagram.DOT_PATH).write_text("digraph old {}\n")
    (tmp_path / diagram.SVG_PATH).write_text("<svg/>")
    # When --check runs
    code = diagram.main(["--check", "--repo", str(tmp_path)])
    # Then it fails naming both files and what to run
    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: docs/architecture.dot differs from what the sources give: run `make diagram`",
        "error: docs/architecture.svg was not rendered from the current DOT: run `make diagram`",
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_the_rendered_svg_carries_the_sha256_of_its_dot() -> None:
    # Given a small DOT text
    text = "digraph g { a -> b }\n"
    # When it is rendered
    svg = diagram.render_svg(text)
    # Then the SVG is Graphviz's, with the DOT's sha256 recorded
    assert "<svg" in svg
    assert diagram.svg_drawn_from(svg) == diagram.dot_sha256(text)
    assert diagram.svg_drawn_from(diagram.render_svg("digraph g { a -> c }\n")) != diagram.dot_sha256(text)
