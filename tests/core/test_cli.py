"""The `tnt-desktop` command: --version everywhere, study check, dictionary, clean errors."""

import os
import subprocess
import sys

import pytest

from tnt_desktop import __version__


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "tnt_desktop", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("args", [["--version"], ["study", "--version"],
                                  ["study", "check", "--version"],
                                  ["study", "dictionary", "--version"]])  # fmt: skip
@pytest.mark.req("REQ-VAL-02")
def test_version_everywhere(args):
    result = run(*args)
    assert result.returncode == 0
    assert result.stdout.strip() == f"TNT Desktop {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["study", "--help"], ["study", "check", "--help"],
                                  ["study", "dictionary", "--help"]])  # fmt: skip
def test_help_everywhere(args):
    result = run(*args)
    assert result.returncode == 0 and "usage:" in result.stdout


def test_study_check_passes_and_summarises():
    result = run("study", "check", env={"TNT_LANG": "en"})
    assert result.returncode == 0, result.stderr
    assert "study check passed" in result.stdout and "19 forms" in result.stdout


def test_study_check_speaks_chinese():
    result = run("study", "check", env={"TNT_LANG": "zh"})
    assert result.returncode == 0 and "研究定义检查通过" in result.stdout


def test_dictionary_command_writes_every_item(tmp_path):
    out = tmp_path / "dd.csv"
    result = run("study", "dictionary", "--out", str(out), env={"TNT_LANG": "en"})
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert f"{len(lines) - 1} items written" in result.stdout


def test_unwritable_output_is_a_clear_error_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("study", "dictionary", "--out", str(blocker / "dd.csv"), env={"TNT_LANG": "en"})
    assert result.returncode == 4
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_missing_required_argument_is_a_usage_error():
    result = run("study", "dictionary")
    assert result.returncode == 2 and "--out" in result.stderr


def test_top_level_help_offers_the_desktop_options():
    result = run("--help")
    assert result.returncode == 0
    assert "--demo" in result.stdout and "--lang" in result.stdout and "admin" in result.stdout
