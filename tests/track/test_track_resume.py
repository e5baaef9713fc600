"""End to end: running a sweep again skips the jobs whose config already has a FINISHED run
(``tracking.resume``), and ``tracking.resume=false`` trains them again."""

import re
from types import SimpleNamespace

import pytest
from support import e2e

from nnlab.run import provenance

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

ARGS = ["-m", "optimizer=sgd,adagrad", "trainer.epochs=20"]
NAMES = ["optimizer=sgd", "optimizer=adagrad"]


@pytest.fixture(scope="module")
def rerun(tmp_path_factory, run_sweep):
    """The same sweep three times into one store, each in its own sweep folder: ``first``,
    ``again``, and ``fresh`` with ``tracking.resume=false``."""
    folder = tmp_path_factory.mktemp("resume")
    procs = {}
    for name, extra in (("first", []), ("again", []), ("fresh", ["tracking.resume=false"])):
        procs[name] = run_sweep([*ARGS, *extra], folder, sweep_dir=folder / name, quiet=False)
    uri = e2e.store_uri(folder)
    runs = e2e.all_runs(uri)

    def of_sweep(group, sweep):
        found = [r for r in group if r.data.tags.get("nnlab.sweep_id") == sweep]
        return e2e.by_job(found)

    return SimpleNamespace(
        folder=folder,
        procs=procs,
        client=e2e.client(uri),
        runs=runs,
        parents={s: of_sweep(e2e.parent_runs(runs), s) for s in procs},
        children={s: of_sweep(e2e.child_runs(runs), s) for s in procs},
    )


def job_lines(stdout: str) -> list[str]:
    """The line each job prints when it ends: ``[1/2] optimizer=sgd  SKIPPED  ...``."""
    return [line for line in stdout.splitlines() if re.match(r"\[\d+/\d+\] ", line)]


def test_every_sweep_succeeds_with_its_own_parent(rerun):
    for name, proc in rerun.procs.items():
        assert proc.returncode == 0, (name, proc.stderr)
        (parent,) = rerun.parents[name]
        assert parent.info.status == "FINISHED"
    assert len(e2e.parent_runs(rerun.runs)) == 3
    assert [c.info.run_name for c in rerun.children["first"]] == NAMES
    assert {c.info.status for c in rerun.children["first"]} == {"FINISHED"}


def test_rerun_skips_finished_jobs(rerun):
    lines = job_lines(rerun.procs["again"].stdout)
    assert len(lines) == 2, rerun.procs["again"].stdout
    first_ids = [c.info.run_id for c in rerun.children["first"]]
    for line, name, run_id in zip(lines, NAMES, first_ids, strict=True):
        assert name in line
        assert "SKIPPED" in line
        assert run_id in line
    assert rerun.children["again"] == [], "a skipped job must not create a run"
    assert len(e2e.child_runs(rerun.runs)) == 4  # two of the first sweep, two fresh ones


def test_rerun_lists_the_runs_it_skipped(rerun):
    (parent,) = rerun.parents["again"]
    listed = e2e.sweep_runs_json(rerun.client, parent.info.run_id)
    assert [job["status"] for job in listed] == ["SKIPPED", "SKIPPED"]
    assert [job["run_id"] for job in listed] == [c.info.run_id for c in rerun.children["first"]]
    first = {c.info.run_name: c for c in rerun.children["first"]}
    for job in listed:
        expected = first[job["name"]].data.metrics["val_loss_final"]
        assert job["objective"] == pytest.approx(expected, rel=1e-12)
    report = e2e.download(rerun.client, parent.info.run_id, "report/report.md").read_text()
    assert report == (rerun.folder / "again" / "report" / "report.md").read_text()
    for child in rerun.children["first"]:
        assert child.info.run_name in report
        assert child.info.run_id[:8] in report


def test_resume_false_trains_again(rerun):
    lines = job_lines(rerun.procs["fresh"].stdout)
    assert len(lines) == 2
    assert all("FINISHED" in line for line in lines), lines
    fresh = rerun.children["fresh"]
    assert [c.info.run_name for c in fresh] == NAMES
    assert {c.info.status for c in fresh} == {"FINISHED"}
    first = rerun.children["first"]
    assert not {c.info.run_id for c in fresh} & {c.info.run_id for c in first}
    for old, new in zip(first, fresh, strict=True):
        assert old.data.tags["nnlab.config_hash"] == new.data.tags["nnlab.config_hash"]
        assert old.data.metrics["val_loss_final"] == new.data.metrics["val_loss_final"]


@pytest.fixture(scope="module")
def other_code(tmp_path_factory, run_sweep):
    """A sweep whose sgd run is then marked as made by another commit, and the same sweep again
    with ``tracking.resume=any`` (``any``), then with the default (``same``)."""
    folder = tmp_path_factory.mktemp("other-code")
    first = run_sweep(ARGS, folder, sweep_dir=folder / "first")
    assert first.returncode == 0, first.stderr
    uri = e2e.store_uri(folder)
    client = e2e.client(uri)
    sgd, adagrad = e2e.by_job(e2e.child_runs(e2e.all_runs(uri)))
    client.set_tag(sgd.info.run_id, provenance.COMMIT_TAG, "feedbeef" * 5)
    procs = {
        "any": run_sweep([*ARGS, "tracking.resume=any"], folder, sweep_dir=folder / "any",
                         quiet=False),
        "same": run_sweep(ARGS, folder, sweep_dir=folder / "same", quiet=False),
    }  # fmt: skip
    return SimpleNamespace(folder=folder, procs=procs, sgd=sgd, adagrad=adagrad)


def test_a_run_of_other_code_is_reused_only_when_asked(other_code):
    for proc in other_code.procs.values():
        assert proc.returncode == 0, proc.stderr
    reused = job_lines(other_code.procs["any"].stdout)
    assert ["SKIPPED" in line for line in reused] == [True, True], reused
    report = (other_code.folder / "any" / "report" / "report.md").read_text()
    assert "FINISHED (reused from feedbeef)" in report
    same = job_lines(other_code.procs["same"].stdout)
    assert "FINISHED" in same[0], same  # sgd: its run came from other code, trained again
    assert "SKIPPED" in same[1], same
    assert other_code.adagrad.info.run_id in same[1]


def test_resume_takes_true_false_or_any(tmp_path, run_sweep):
    proc = run_sweep([*ARGS, "tracking.resume=maybe"], tmp_path)
    assert proc.returncode == 2
    (line,) = e2e.error_lines(proc.stderr)
    assert line.startswith("error: tracking.resume"), line
    assert "maybe" in line, line
    assert "any" in line, line
    assert not (tmp_path / "sweep").exists()
