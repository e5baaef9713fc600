"""The MLflow UI as a user's browser shows it: ``mlflow ui`` on a store (``UiServer``) and
Debian's Chromium driven headless by Playwright (``chart``).

The UI's charts are Plotly: each ``.js-plotly-plot`` element carries its traces in ``el.data``,
and MLflow puts the metric (``metricKey``) and the run id (``uuid``) on every trace, drawing each
run twice (its line, and a faded copy with ``hoverinfo: "skip"``). The legend is MLflow's own,
below the plot: one ``<svg><path/></svg><span>name (metric)</span>`` pair per entry.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from support.e2e import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
NO_ASSISTANT = {  # the MLflow Assistant panel would open over the page on a first visit
    "mlflow.assistant.fab.autoOpenedOnFirstLoad_v1": "true",
    "mlflow.assistant.panelOpen_v1": "false",
}
CARD = '[data-testid="experiment-view-compare-runs-card"]'
JS_CHART = """(key) => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const traces = (el.data || []).filter(t => t.metricKey === key && t.hoverinfo !== 'skip');
    if (!traces.length) continue;
    const card = el.closest('CARD');
    const box = card.getBoundingClientRect();
    const legend = [];
    for (const path of card.querySelectorAll('svg > path')) {
      const label = path.parentElement.nextElementSibling;
      if (!path.closest('.js-plotly-plot') && label && label.tagName === 'SPAN')
        legend.push(label.textContent.trim());
    }
    return {
      lines: traces.map(t => ({run_id: t.uuid, color: (t.marker || {}).color,
                               points: (t.x || []).length, y: t.y})),
      legend: legend,
      in_view: box.top >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
    };
  }
  return null;
}""".replace("CARD", CARD)


@dataclass
class Chart:
    lines: list[dict]  # run_id, color, points, y: one per run drawn
    legend: list[str]
    in_view: bool  # wholly in the window as the page loaded, no scrolling or click


class UiServer:
    """``mlflow ui`` on ``uri`` on a free port, as ``make ui`` starts it; a context."""

    def __init__(self, uri: str, log: Path) -> None:
        self.base = f"http://127.0.0.1:{free_port()}"
        self.uri, self.log = uri, log

    def __enter__(self) -> "UiServer":
        environment = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", self.uri,
                 "--host", "127.0.0.1", "--port", self.base.rsplit(":", 1)[1], "--workers", "1"],
                stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)  # the port is not open yet
        raise AssertionError(f"mlflow ui did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)


def chart(url: str, metric: str, screenshots: Path, timeout: float = 60.0) -> Chart:
    """Open ``url`` in a 1600x1000 window, wait until ``metric``'s chart has its lines, and
    read it; ``page.png`` and ``chart.png`` go to ``screenshots``."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            settings = (f"localStorage.setItem({json.dumps(k)}, {json.dumps(v)});"
                        for k, v in NO_ASSISTANT.items())  # fmt: skip
            context.add_init_script("".join(settings))
            page = context.new_page()
            page.goto(url, wait_until="load")
            try:
                page.wait_for_function(
                    f"(key) => {{ const c = ({JS_CHART})(key);"
                    " return !!c && c.lines.every(l => l.points > 0); }",
                    arg=metric, timeout=timeout * 1000,
                )  # fmt: skip
            finally:
                page.screenshot(path=str(screenshots / "page.png"))
            found = page.evaluate(JS_CHART, metric)
            card = page.locator(CARD).filter(has=page.locator(".js-plotly-plot"))
            card.filter(has=page.get_by_text(metric, exact=True)).first.screenshot(
                path=str(screenshots / "chart.png")
            )
        finally:
            browser.close()
    return Chart(**found)
