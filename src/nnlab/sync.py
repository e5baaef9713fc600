"""``python -m nnlab.sync <folder>...``: send to the tracking store whatever of the runs recorded
in these folders it does not have yet, as the same runs (``nnlab.track.mirror``). A folder is a
run's, a sweep's, or any folder holding them. Runs whose process is gone while their record says
RUNNING are closed FAILED ("process lost"). Syncing again sends nothing twice.

Exit status 0 when everything is in the store, 1 when some of it could not be sent (the lines
on stderr say which and why).
"""

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlab.sync", description=__doc__)
    parser.add_argument("folders", nargs="+", type=Path, help="run or sweep folders")
    args = parser.parse_args(argv)
    missing = [str(folder) for folder in args.folders if not folder.is_dir()]
    if missing:
        print(f"error: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    from nnlab.track.mirror import Mirror
    from nnlab.track.query import settle_mlflow

    settle_mlflow()
    mirror = Mirror()
    for folder in args.folders:
        mirror.watch(folder)
    mirror.step(final=True)
    for target in mirror.sent:
        print(f"sent {target.path} (run {target.run_id})")
    for note in mirror.notes.values():
        print(f"error: {note}", file=sys.stderr)
    if not mirror.sent and not mirror.notes:
        print("nothing to send")
    return 1 if mirror.notes else 0


if __name__ == "__main__":
    sys.exit(main())
