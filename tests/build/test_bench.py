"""`make bench`: the smoke mode's JSON shape (not its speeds), and the pure parts of scripts.measurements."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import measurements

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_smoke_run_writes_init_and_build_sections_with_their_counts(tmp_path: Path) -> None:
    # Given the smoke mode (one run, one function, no data plane) in a private work directory
    out = tmp_path / "bench.json"
    # When it runs
    proc = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--smoke", "--json", "--work", str(tmp_path / "w"), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    # Then it succeeds, prints the document it wrote, and the document has every figure the README quotes
    assert proc.returncode == 0, proc.stderr
    document = json.loads(out.read_text())
    assert json.loads(proc.stdout) == document
    assert document["smoke"] is True
    assert {"cpus", "machine", "load_1m"} <= document["machine"].keys()
    init = document["init"]
    assert init["bytecode"] == f"cpython-{init['python_version'].replace('.', '')}"
    assert init["floor_cpu_s"] > 0
    assert init["tracing"] is False
    health = init["functions"]["health"]
    assert list(init["functions"]) == ["health"]
    assert health["handler"] == "health.handler.lambda_handler"
    assert health["init_cpu_s"] > 0
    runs, floors = health["init_cpu_runs_s"], health["paired_floor_cpu_runs_s"]
    assert len(runs) == len(floors) == init["runs"]
    assert health["init_cpu_s"] == round(statistics.median(runs), 4)
    # the ratio is the median of each sample's ratio to the floor sample taken beside it
    # (within one hundredth: the samples in the JSON are rounded)
    paired = statistics.median(r / f for r, f in zip(runs, floors, strict=True))
    assert health["ratio_to_floor"] == pytest.approx(paired, abs=0.011)
    assert health["within_budget"] == (health["ratio_to_floor"] <= health["budget_ratio"])
    # its library baseline: what health's import loaded, sampled beside the same floor samples
    assert {"pydantic", "aws_lambda_powertools.event_handler"} <= set(health["libraries"])
    baselines = health["baseline_cpu_runs_s"]
    assert len(baselines) == init["runs"]
    alone = statistics.median(b / f for b, f in zip(baselines, floors, strict=True))
    assert health["baseline_ratio_to_floor"] == pytest.approx(alone, abs=0.011)
    # and what the modules beyond the baseline cost by -X importtime, with at most three heaviest named (which
    # ones is the machine's business: a library submodule only health loads may outrank ours under load)
    heaviest = health["beyond_baseline_heaviest_ms"]
    assert 0 < len(heaviest) <= 3
    assert all(ms > 0 for ms in heaviest.values())
    assert sum(heaviest.values()) <= health["beyond_baseline_import_ms"] + 0.2
    assert health["cold_invoke_outcome"] is not None
    # the layer and health: built cold, both cached on the no-op, only health rebuilt after its change
    build = document["build"]
    assert (build["cold"]["built"], build["cold"]["cached"], build["cold"]["failed"]) == (2, 0, 0)
    assert (build["noop"]["built"], build["noop"]["cached"]) == (0, 2)
    assert (build["one_changed"]["built"], build["one_changed"]["cached"]) == (1, 1)
    assert "plane" not in document


def test_percentile_is_nearest_rank() -> None:
    samples = [float(v) for v in range(1, 101)]
    assert measurements.percentile(samples, 50) == 50.0
    assert measurements.percentile(samples, 99) == 99.0
    assert measurements.percentile([3.0, 1.0, 2.0], 99) == 3.0
    assert measurements.percentile([7.0], 50) == 7.0


def test_baseline_imports_the_named_libraries_and_nothing_of_ours(tmp_path: Path) -> None:
    # Given the libraries an HTTP function's import loads (its route's body is a pydantic model)
    libraries = ["aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.batch"]
    directory = measurements.write_baseline(tmp_path / "baseline", libraries, None)
    # When the baseline module is imported in a fresh interpreter
    listed = [*measurements.LIBRARY_USES, "shared", "orders_api"]
    probe = (
        f"import json, sys; sys.path.insert(0, {str(directory)!r}); import {measurements.BASELINE_MODULE} as b; "
        f"print(json.dumps([n for n in {listed!r} if n in sys.modules])); print(type(b.app).__name__)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path)
    loaded, resolver = proc.stdout.splitlines()
    # Then it loaded those libraries and pydantic (and the data classes the resolver itself imports), none of ours
    assert set(json.loads(loaded)) == {*libraries, "pydantic", "aws_lambda_powertools.utilities.data_classes"}
    assert resolver == "APIGatewayHttpResolver"


def test_importtime_probe_reports_each_module_by_name(tmp_path: Path) -> None:
    # Given a handler module that imports a sibling module
    (tmp_path / "probe_handler.py").write_text("import probe_helper\n")
    (tmp_path / "probe_helper.py").write_text("VALUE = sum(range(10_000))\n")
    # When it is imported by the bench's probe under -X importtime
    probe = measurements._probe(sys.executable, [str(tmp_path)], ["probe_handler"], name="probe", importtime=True)
    # Then both modules have a self time, and without importtime nothing is kept
    assert {"probe_handler", "probe_helper"} <= probe.self_us.keys()
    assert all(us >= 0 for us in probe.self_us.values())
    plain = measurements._probe(sys.executable, [str(tmp_path)], ["probe_handler"], name="probe")
    assert plain.self_us == {}


def test_beyond_baseline_keeps_only_the_modules_the_baseline_did_not_import() -> None:
    def probe(self_us: dict[str, int]) -> measurements.Probe:
        return measurements.Probe(0.1, 0.1, 0.2, None, (), self_us)

    function = probe({"pydantic": 9000, "shared.orders": 6600, "orders_api.handler": 900})
    baseline = probe({"pydantic": 8000, "bench_baseline": 300})
    assert measurements.beyond_baseline(function, baseline) == {"shared.orders": 6.6, "orders_api.handler": 0.9}


def test_baseline_for_an_unknown_library_is_a_one_line_error() -> None:
    with pytest.raises(measurements.BenchError, match="no baseline use for numpy"):
        measurements.baseline_source(["pydantic", "numpy"])


def _document(ratios: dict[str, tuple[float, float]]) -> dict:
    functions = {
        name: {
            "handler": f"{name}.handler.lambda_handler",
            "init_cpu_s": ratio * 0.1,
            "ratio_to_floor": ratio,
            "baseline_ratio_to_floor": 1.25,
            "beyond_baseline_import_ms": 21.0,
            "budget_ratio": budget,
            "within_budget": ratio <= budget,
            "cold_invoke_wall_s": 0.5,
            "cold_invoke_outcome": "ok",
        }
        for name, (ratio, budget) in ratios.items()
    }
    return {
        "machine": {"cpus": 2, "machine": "x86_64", "system": "Linux", "load_1m": 1.0},
        "init": {
            "runs": 5,
            "floor_modules": ["aws_lambda_powertools", "boto3"],
            "floor_cpu_s": 0.1,
            "python": "/usr/bin/python3.13",
            "python_version": "3.13",
            "bytecode": "cpython-313",
            "functions": functions,
        },
    }


def test_verdict_names_each_function_over_its_budget() -> None:
    document = _document({"orders_api": (1.4, 1.3), "health": (1.2, 1.5), "notifier": (1.6, 1.5)})
    assert measurements.verdict(document) == [
        "notifier: INIT 1.6x the floor, budget 1.5x (its libraries alone: 1.25x)",
        "orders_api: INIT 1.4x the floor, budget 1.3x (its libraries alone: 1.25x)",
    ]
    assert measurements.verdict(_document({"health": (1.5, 1.5)})) == []


def test_table_has_the_floor_and_one_row_per_function_marking_the_over_budget() -> None:
    text = measurements.table(_document({"orders_api": (1.4, 1.3), "health": (1.2, 1.5)}))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| floor: import aws_lambda_powertools, boto3 | 100 ms | 1.00")
    assert rows[2].startswith("| health | 120 ms | 1.20 | 1.5 | 1.25 | -0.05 | 21 ms |")
    assert rows[3].startswith("| orders_api | 140 ms | 1.40 over | 1.3 | 1.25 | +0.15 | 21 ms |")
