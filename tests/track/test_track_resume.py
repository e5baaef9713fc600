"""End to end: running a sweep again skips the jobs whose config already has a FINISHED run
(``tracking.resume``), and ``tracking.resume=false`` trains them again."""

import re
from types import SimpleNamespace

import pytest
from support import e2e

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
        expected = first[job["name"]].data.metrics["val/loss_final"]
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
        assert old.data.metrics["val/loss_final"] == new.data.metrics["val/loss_final"]
