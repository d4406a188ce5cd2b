"""scripts/tf.py: mirror discovery, the generated CLI config, the emulator provider override, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts import tf

REPO = Path(__file__).resolve().parents[2]


def _mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0" / "linux_amd64").mkdir(parents=True)
    return root


def test_explicit_mirror_variable_wins(tmp_path):
    mirror = _mirror(tmp_path / "explicit")

    assert tf.find_mirror({"TF_PLUGIN_MIRROR": str(mirror)}, roots=()) == mirror.resolve()


def test_explicit_mirror_without_the_provider_is_a_clear_error(tmp_path):
    with pytest.raises(tf.TerraformError, match=r"holds no registry\.terraform\.io/hashicorp/aws"):
        tf.find_mirror({"TF_PLUGIN_MIRROR": str(tmp_path)}, roots=())


def test_implicit_terraform_mirror_directory_is_found(tmp_path):
    data_home = tmp_path / "data"
    mirror = _mirror(data_home / "terraform" / "plugins")

    env = {"XDG_DATA_HOME": str(data_home), "XDG_DATA_DIRS": str(tmp_path / "none")}
    assert tf.find_mirror(env, roots=()) == mirror.resolve()


def test_shallow_scan_finds_a_mirror_two_levels_down_but_not_deeper(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "none"), "XDG_DATA_DIRS": str(tmp_path / "none")}
    _mirror(tmp_path / "deep" / "a" / "b" / "c")
    assert tf.find_mirror(env, roots=[str(tmp_path / "deep")]) is None

    shallow = _mirror(tmp_path / "opt" / "vendor" / "tf-plugins")
    assert tf.find_mirror(env, roots=[str(tmp_path / "deep"), str(tmp_path / "opt")]) == shallow.resolve()


def test_cli_config_mirrors_hashicorp_and_goes_direct_for_the_rest(tmp_path):
    text = tf.render_cli_config(tmp_path / "m", tmp_path / "cache")

    assert f'plugin_cache_dir = "{tmp_path / "cache"}"' in text
    assert f'path    = "{tmp_path / "m"}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/*"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/*"]' in text


def test_cli_config_without_a_mirror_uses_the_registry(tmp_path):
    text = tf.render_cli_config(None, tmp_path / "cache")

    assert "provider_installation" not in text
    assert "plugin_cache_dir" in text


def test_terraform_env_points_at_the_generated_config_under_cache(tmp_path):
    env = tf.terraform_env(tmp_path, base={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})

    config = Path(env["TF_CLI_CONFIG_FILE"])
    assert config == REPO / ".cache" / "terraform" / "cli.tfrc"
    assert config.is_file()
    assert env["TF_PLUGIN_CACHE_DIR"] == str(REPO / ".cache" / "terraform-plugins")
    assert env["TF_INPUT"] == "0"


def test_terraform_env_rejects_a_missing_workdir(tmp_path):
    with pytest.raises(tf.TerraformError, match="working directory not found"):
        tf.terraform_env(tmp_path / "nope")


def test_provider_override_for_one_region_targets_every_service_at_the_emulator():
    override = tf.provider_override("http://127.0.0.1:5555")

    (provider,) = override["provider"]["aws"]
    assert "alias" not in provider
    assert provider["region"] == "us-east-1"
    assert provider["endpoints"][0]["lambda"] == "http://127.0.0.1:5555"
    assert set(provider["endpoints"][0]) == set(tf.EMULATED_SERVICES)
    assert provider["skip_credentials_validation"] is True
    assert provider["skip_requesting_account_id"] is True
    assert provider["max_retries"] == 3


def test_provider_override_for_several_regions_aliases_all_but_the_first():
    override = tf.provider_override("http://e", ["eu-west-1", "us-east-1"])

    assert [(p.get("alias"), p["region"]) for p in override["provider"]["aws"]] == [
        (None, "eu-west-1"),
        ("us_east_1", "us-east-1"),
    ]


def test_provider_override_mapping_names_the_blocks_exactly():
    override = tf.provider_override("http://e", {"primary": "eu-west-1", "secondary": "us-east-1"})

    assert [p["alias"] for p in override["provider"]["aws"]] == ["primary", "secondary"]


def test_provider_override_needs_a_region():
    with pytest.raises(ValueError, match="at least one region"):
        tf.provider_override("http://e", [])


@pytest.mark.slow
def test_init_is_offline_and_fast_once_the_cache_is_warm(tmp_path):
    # Given two root modules needing the AWS provider
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        )
    tf.run(["init", "-no-color"], tmp_path / "one", timeout=300)

    # When the second is initialised
    started = time.monotonic()
    tf.run(["init", "-no-color"], tmp_path / "two", timeout=300)
    elapsed = time.monotonic() - started

    # Then it links the cached provider instead of copying ~600 MB, in seconds
    provider = next((tmp_path / "two" / ".terraform" / "providers").rglob("linux_*"))
    assert provider.is_symlink()
    assert elapsed < 20


def test_cli_help_and_missing_arguments():
    shown = subprocess.run([sys.executable, "-m", "scripts.tf", "--help"], cwd=REPO, capture_output=True, text=True)
    missing = subprocess.run([sys.executable, "-m", "scripts.tf"], cwd=REPO, capture_output=True, text=True)

    assert shown.returncode == 0
    assert "--show-config" in shown.stdout
    assert missing.returncode == 2
    assert "give terraform arguments after --" in missing.stderr


def test_cli_show_config_json_reports_the_generated_config():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.tf", "--show-config", "--json"], cwd=REPO, capture_output=True, text=True
    )

    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["cli_config"] == str(REPO / ".cache" / "terraform" / "cli.tfrc")


def test_cli_bad_mirror_variable_is_one_line_on_stderr(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.tf", "--show-config"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TF_PLUGIN_MIRROR": str(tmp_path)},
    )

    assert result.returncode == 1
    assert result.stderr.startswith("error: TF_PLUGIN_MIRROR=")
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_passes_terraforms_exit_code_through(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.tf", "--cwd", str(tmp_path), "--", "version", "-json"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0
    assert json.loads(result.stdout)["terraform_version"]
