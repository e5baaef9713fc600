"""What a sweep prints: nnlab's lines (a line per job, the summary table, the report's path, the
link), none of Hydra's INFO lines (``conf/hydra/hydra_logging/warnings.yaml``); with
``quiet=true`` no line per job either, but the summary and the report's path still."""

import re

import pytest

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

JOB_LINE = re.compile(r"^\[\d+/2\] optimizer=")
SWEEP = ["-m", "optimizer=sgd,adagrad", "trainer.epochs=20"]


def table_rows(lines: list[str]) -> list[str]:
    """The summary table's rows: a line per run that is not a job's line."""
    return [line for line in lines if "FINISHED" in line and not JOB_LINE.match(line)]


@pytest.fixture(scope="module")
def printed(tmp_path_factory, run_sweep):
    """The output of the same sweep run with ``quiet=false`` and with ``quiet=true``."""
    found = {}
    for quiet in (False, True):
        folder = tmp_path_factory.mktemp(f"quiet-{quiet}")
        found[quiet] = run_sweep(SWEEP, folder, quiet=quiet)
        assert found[quiet].returncode == 0, found[quiet].stderr
    return found


@pytest.mark.parametrize("quiet", [False, True])
def test_no_hydra_lines(printed, quiet):
    output = printed[quiet].stdout + printed[quiet].stderr
    assert "[HYDRA]" not in output
    assert "Launching" not in output
    assert "#0 : " not in output


def test_job_lines_table_and_report(printed):
    lines = printed[False].stdout.splitlines()
    assert len([line for line in lines if JOB_LINE.match(line)]) == 2
    assert len(table_rows(lines)) == 2
    assert any(line.startswith("report: ") and line.endswith("report.md") for line in lines)
    assert printed[False].stderr == ""


def test_quiet_prints_the_summary_and_report_only(printed):
    lines = printed[True].stdout.splitlines()
    assert not [line for line in lines if JOB_LINE.match(line)]
    assert len(table_rows(lines)) == 2
    assert any(line.startswith("report: ") and line.endswith("report.md") for line in lines)
    assert printed[True].stderr == ""


def test_errors_still_go_to_stderr(tmp_path, run_sweep):
    done = run_sweep(["-m", "optimizer=sgdd"], tmp_path, quiet=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: optimizer=sgdd is not an option")
