"""``python -m nnlab.sync <folder>``: send to the tracking store what runs could not send while
it was unreachable (their ``unsent/`` outboxes, see ``nnlab.tracking.outbox``), as the same
runs. ``<folder>`` is a run's folder, a sweep's folder or any folder holding them; the runs are
sent first, then the sweeps' ends. A sync that fails half-way can be repeated: what was sent is
counted and not sent again.
"""

import argparse
import sys
from pathlib import Path

from nnlab.sweep_state import FOLDER as SWEEP_FOLDER
from nnlab.tracking.outbox import FILE as OUTBOX_FILE
from nnlab.tracking.outbox import FOLDER as OUTBOX_FOLDER
from nnlab.tracking.outbox import Channel, Outbox


def outboxes(folder: Path) -> list[Path]:
    """The outbox folders under ``folder``: runs' first, then sweeps' (in ``.nnlab/``)."""
    found = sorted(path.parent.parent for path in folder.rglob(f"{OUTBOX_FOLDER}/{OUTBOX_FILE}"))
    return sorted(found, key=lambda path: path.name == SWEEP_FOLDER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlab.sync", description=__doc__)
    parser.add_argument("folders", nargs="+", type=Path, help="run or sweep folders")
    args = parser.parse_args(argv)
    pending = [path for folder in args.folders for path in outboxes(folder)]
    sent = 0
    for path in pending:
        outbox = Outbox(path)
        operations = outbox.operations()
        unsent = operations[outbox.sent_count() :]
        if not unsent:
            continue
        try:
            channel = Channel.from_outbox(outbox, operations[0])
            count = channel.replay(unsent)
        except Exception as error:  # noqa: BLE001 - the store is still unreachable: say so
            print(f"error: could not send {outbox.folder}: {type(error).__name__}: {error}",
                  file=sys.stderr)  # fmt: skip
            return 1
        print(f"sent {count} operations of {channel.spec.name} (run {channel.run_id}) "
              f"to {channel.uri}")  # fmt: skip
        sent += 1
    if not sent:
        print("nothing to send")
    return 0


if __name__ == "__main__":
    sys.exit(main())
