"""The asmgeo command: its own interpreter's Snakemake, arguments passed through, a version,
help on every option, documented exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asmgeo import __version__
from asmgeo.cli import main, snakemake_command

ASMGEO = str(Path(sys.executable).parent / "asmgeo")


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"asmgeo {__version__}"


def test_snakemake_is_the_installed_interpreters_and_gets_every_argument(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no Snakefile here: the repository's is named
    command = snakemake_command("my.yaml", 4, ["-n", "--", "--rerun-triggers", "mtime"])
    assert command[:3] == [sys.executable, "-m", "snakemake"]
    assert command[command.index("--configfile") + 1] == "my.yaml" and command[command.index("--cores") + 1] == "4"
    assert command[-3:] == ["-n", "--rerun-triggers", "mtime"]
    assert Path(command[command.index("--snakefile") + 1]).name == "Snakefile"


def test_every_option_has_help_and_the_exit_codes_are_documented():
    for sub in ("demo", "check-config", "run"):
        text = subprocess.run([ASMGEO, sub, "--help"], capture_output=True, text=True, check=True).stdout
        lines = text.splitlines()
        for k, line in enumerate(lines):
            if not line.strip().startswith("--") or line.strip().startswith("--help"):
                continue
            words = line.split()
            described = len(words) > 2 or (words[-1].isupper() is False and len(words) > 1)
            following = lines[k + 1].strip() if k + 1 < len(lines) else ""
            assert described or (following and not following.startswith("-")), f"{sub} {words[0]} has no help"
        if sub != "demo":
            assert "exit codes:" in text and "2  a problem with the config" in text


def test_a_missing_input_is_exit_code_2_with_one_sentence(tmp_path, capsys):
    config = tmp_path / "my.yaml"
    config.write_text(f"layers:\n  sites:\n    - path: {tmp_path / 'sitez.csv'}\n")
    with pytest.raises(SystemExit) as stop:
        main(["run", "--config", str(config), "-n"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip() == (f"asmgeo: error: config key layers.sites[0].path: {tmp_path / 'sitez.csv'} "
                                               "does not exist (relative paths start at the folder you run snakemake "
                                               "from); fix the path or remove the entry")


def test_other_commands_refuse_unknown_arguments():
    result = subprocess.run([ASMGEO, "check-config", "x.yaml", "--bogus"], capture_output=True, text=True)
    assert result.returncode == 2 and "unrecognized arguments: --bogus" in result.stderr


def test_run_works_without_the_venv_on_path(tmp_path, workdir):
    """A dry run in a copy of the repository with a PATH that has no snakemake on it."""
    result = subprocess.run([ASMGEO, "run", "--config", "config/config.yaml", "-n", "--quiet"], cwd=workdir,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
