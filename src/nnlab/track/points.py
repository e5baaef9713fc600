"""Which metric points go to MLflow: a bounded number per metric that keeps every extreme (the
full history stays in ``history.csv``).

A run of at most ``max_points`` epochs sends every epoch (so does ``max_points <= 0``). A longer
one is cut into windows of ``width = ceil(epochs / (max_points / 2))`` epochs; of each window,
every metric sends the point with its least value and the point with its greatest (one point
when they coincide), in epoch order; at the end of the run the metric's last measured point is
sent too. So a metric gets at most ``max_points + 1`` points, and its minimum and maximum over
the points sent are its minimum and maximum over every epoch: a spike between two regular samples
is never lost. Not-measured epochs (``nan``) are skipped;
``inf`` (a diverged loss) counts as a value.

In a decimated run, a point whose value equals both the point sent before it and the one after
is not sent: the UI's line through its neighbours passes through it. A constant learning rate
goes as its first and last points, and an accuracy's plateaus as their ends. So that this can
be told, each point waits for the next one of its metric (the last one until the run ends).
"""

import math

Point = tuple[str, float, int]  # key, value, step (the epoch)


class Decimator:
    def __init__(self, epochs: int, max_points: int, sent: dict[str, int] | None = None) -> None:
        """``sent``: the step of each metric's last point already in the store (a resumed
        mirror sends only what comes after)."""
        every = max_points <= 0 or epochs <= max_points
        self.width = 1 if every else math.ceil(epochs / max(1, max_points // 2))
        self._window = 0  # index of the window being filled
        self._low: dict[str, tuple[float, int]] = {}
        self._high: dict[str, tuple[float, int]] = {}
        self._last: dict[str, tuple[float, int]] = {}
        self._held: dict[str, tuple[float, int]] = {}  # key -> its point waiting for the next
        self._before: dict[str, float] = {}  # key -> the value of its last point sent
        self.sent: dict[str, int] = dict(sent or {})  # key -> the step of its last point taken

    def add(self, epoch: int, metrics: dict[str, float]) -> list[Point]:
        """Take one epoch's metrics; the points of the windows it closes."""
        points = self._close() if epoch // self.width != self._window else []
        self._window = epoch // self.width
        for key, value in metrics.items():
            if math.isnan(value):
                continue
            if key not in self._low or value < self._low[key][0]:
                self._low[key] = (value, epoch)
            if key not in self._high or value > self._high[key][0]:
                self._high[key] = (value, epoch)
            self._last[key] = (value, epoch)
        return points

    def finish(self) -> list[Point]:
        """The points of the open window and each metric's last point, once the run ended."""
        points = self._close()
        for key, (value, epoch) in self._last.items():
            self._take(key, value, epoch, points)
        points += [(key, value, epoch) for key, (value, epoch) in self._held.items()]
        self._held = {}
        return points

    def _close(self) -> list[Point]:
        points = []
        for key, low in self._low.items():
            for value, epoch in sorted({low, self._high[key]}, key=lambda point: point[1]):
                self._take(key, value, epoch, points)
        self._low, self._high = {}, {}
        return points

    def _take(self, key: str, value: float, epoch: int, points: list[Point]) -> None:
        """Send a point not sent yet; in a decimated run, hold it back until the next one
        tells whether it lies inside a flat stretch (then it is dropped)."""
        if self.sent.get(key, -1) >= epoch:
            return
        self.sent[key] = epoch
        if self.width == 1:
            points.append((key, value, epoch))
            return
        if key in self._held:
            held, step = self._held[key]
            if not held == value == self._before.get(key):
                points.append((key, held, step))
                self._before[key] = held
        self._held[key] = (value, epoch)
