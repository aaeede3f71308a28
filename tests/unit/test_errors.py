"""A user's input problem is one sentence in the log, not a traceback."""

import subprocess
import sys


def test_input_error_is_logged_as_one_sentence(tmp_path):
    log = tmp_path / "rule.log"
    code = (
        "from asmgeo.logs import configure_logging\n"
        "from asmgeo.errors import InputError\n"
        f"configure_logging({str(log)!r})\n"
        "raise InputError('coordinate missing', path='sites.csv', row=7, field='lat')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    text = log.read_text()
    assert "sites.csv, row 7, field 'lat': coordinate missing" in text
    assert "Traceback" not in text and "Traceback" not in result.stderr


def test_unexpected_errors_keep_their_traceback(tmp_path):
    log = tmp_path / "rule.log"
    code = f"from asmgeo.logs import configure_logging\nconfigure_logging({str(log)!r})\n1 / 0\n"
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "ZeroDivisionError" in log.read_text() and "Traceback" in log.read_text()
