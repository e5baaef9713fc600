"""Ctrl-C and SIGTERM end the command with one line, ``interrupted: ...``, and exit status 130
or 143, not a traceback (end to end: ``tests/track/test_track_failures.py`` and
``tests/faults/test_faults_signals.py``)."""

import pytest

from nnlab.cli.errors import exit_interrupted, interrupted


@pytest.mark.parametrize(
    ("error", "status"), [(KeyboardInterrupt(), 130), (SystemExit(143), 143)], ids=["int", "term"]
)
def test_one_line_and_the_signals_status(capsys, error, status):
    with pytest.raises(SystemExit) as exited:
        exit_interrupted(error, "2 runs KILLED, record in multirun/x")
    assert exited.value.code == status
    assert capsys.readouterr() == ("", "interrupted: 2 runs KILLED, record in multirun/x\n")


@pytest.mark.parametrize(
    ("error", "expected"),
    [(KeyboardInterrupt(), True), (SystemExit(130), True), (SystemExit(143), True),
     (SystemExit(2), False), (SystemExit(1), False), (ValueError("x"), False)],
)  # fmt: skip
def test_what_counts_as_an_interrupt(error, expected):
    assert interrupted(error) is expected
