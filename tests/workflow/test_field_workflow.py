"""End to end: flags exported for the field with `asmgeo field-export`, verdicts written as
KoboToolbox exports them, recorded with `asmgeo field-import`, and shown by the next run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from asmgeo import io
from tests.conftest import snakemake
from tests.unit.test_field import kobo_csv
from tests.workflow.test_run_safety_workflow import own_inputs, write_config

pytestmark = pytest.mark.workflow


def asmgeo(cwd, *args):
    return subprocess.run([sys.executable, "-m", "asmgeo.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_field_verdicts_come_back_into_the_next_run(workdir):
    config = own_inputs(workdir, "fieldcheck")
    config["field"] = {"verifications": "data/raw/fieldcheck/verifications.csv"}
    configfile = write_config(workdir, config)
    out = workdir / "data" / "processed" / "fieldcheck"
    snakemake(workdir, "--configfile", configfile)
    before = io.read_csv(out / "flags.csv", keep_default_na=False)
    done = asmgeo(workdir, "field-export", "--config", configfile, "--type", "site_in_protected_area",
                  "--severity", "high")
    assert done.returncode == 0, done.stderr
    sent = io.read_csv(out / "field" / "flags.csv", keep_default_na=False)
    assert set(sent.name) == set(before[(before.flag_type == "site_in_protected_area") & (before.severity == "high")].flag_id)
    assert len(sent) == 6 and (out / "field" / "verify-flags.xlsx").exists()

    flags = before.set_index("flag_id").loc[sent.name].reset_index().rename(columns={"index": "flag_id"})
    # two of the park's sites answered as the unit test's Kobo export does: S2 -> first, clearing -> second
    picked = flags.iloc[:2].assign(id=["S2", "LY-2021-0001"])
    submissions = workdir / "kobo-export.csv"
    kobo_csv(picked, submissions)
    done = asmgeo(workdir, "field-import", str(submissions), "--config", configfile)
    assert done.returncode == 0, done.stderr
    assert "3 verdict" not in done.stdout and "2 verdict(s) read, 2 new, 1 submission(s) not used" in done.stdout
    assert "row 4: flag F-000000000000 was not in the exported form's flags.csv" in done.stderr
    again = asmgeo(workdir, "field-import", str(submissions), "--config", configfile)
    assert "0 new" in again.stdout  # the same export twice records nothing twice

    snakemake(workdir, "--configfile", configfile)
    after = io.read_csv(out / "flags.csv", keep_default_na=False).set_index("flag_id")
    for fid in picked.flag_id:
        assert after.at[fid, "verdict"] == "not_found"
        assert after.at[fid, "severity"] == "low"
        assert "severity lowered from high to low while the evidence stays as it was checked" in after.at[fid, "reason"]
    assert len(after) == len(before)  # lowered, never dropped
    changes = io.read_csv(out / "changes.csv", keep_default_na=False)
    lowered = changes[(changes.subject == "flag") & (changes.change == "changed")]
    assert set(picked.flag_id) <= set(lowered.flag_id)
    assert all("severity high -> low" in d for d in lowered.set_index("flag_id").loc[list(picked.flag_id), "detail"])


def test_field_import_without_a_verdicts_file_says_which_key_to_set(workdir):
    config = own_inputs(workdir, "nofield")
    configfile = write_config(workdir, config)
    done = asmgeo(workdir, "field-import", "x.csv", "--config", configfile)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"asmgeo: error: {configfile}: config key field.verifications is not set; name the "
                                   "file the verdicts are kept in (e.g. data/raw/<area>/verifications.csv) or give --out")
