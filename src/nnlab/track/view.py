"""A sweep's page in the MLflow UI: one link that opens its runs as overlaid curves.

The UI (MLflow 3.17) opens an experiment on its GenAI pages unless the link says
``workflowType=machine_learning``; it nests a sweep's runs under their parent (and leaves them
out of the charts) unless the runs are sorted by something else than their start time; it draws
a chart for every metric, summaries first when their names sort first; and it shows the first 10
runs only. A *saved view* fixes all of that from the server's side: an experiment tag
``mlflow.sharedViewState.<id>`` holding the search (this sweep's runs, no parent, sorted by the
objective), the charts (the objective's curve first and large, the other curves after it, the
per-run summaries left out), the table's columns (the objective, the parameters the sweep
varies) and "show all runs". ``link`` opens it with the chart tab selected: no click.

The tag's value is the envelope the UI writes itself: ``{"name", "createdAt", "updatedAt",
"state"}``, ``state`` being ``"deflate;" + base64(zlib(json))``.
"""

import base64
import json
import time
import zlib
from urllib.parse import urlparse

from nnlab.track.uri import SERVERS, resolve_uri
from nnlab.train.metrics import (
    PENALTY_METRICS,
    SEARCH_METRICS,
    SUMMARIZED,
    SUMMARY_KINDS,
    TRAIN_METRICS,
    VAL_METRICS,
    higher_is_better,
    summary_key,
)

TAG_PREFIX = "mlflow.sharedViewState."
LOCAL_UI = "http://127.0.0.1:5000"  # where `mlflow ui` (and `make ui`) serves a local store
MODEL_METRICS = "Model metrics"  # the UI's section for names without "/"
SECTIONS = ("val", "train", "search", MODEL_METRICS, "System metrics")  # top to bottom
CURVES = (*VAL_METRICS, *TRAIN_METRICS, *PENALTY_METRICS, *SEARCH_METRICS)
LINE_DEFAULTS = {
    "lineSmoothness": 0, "xAxisScaleType": "linear", "scaleType": "linear", "range": {},
    "xAxisKey": "step", "selectedXAxisMetricKey": "", "yAxisKey": "metric",
    "yAxisExpressions": [], "ignoreOutliers": False, "useGlobalXaxisKey": True,
    "useGlobalLineSmoothing": True,
}  # fmt: skip


def view_id(sweep_id: str) -> str:
    return f"nnlab-sweep-{sweep_id}"


def ui_base(uri: str) -> str:
    """Where the UI of the store at ``uri`` is served: the tracking server itself, or
    ``LOCAL_UI`` for a store on this machine (``make ui``)."""
    return uri.rstrip("/") if urlparse(uri).scheme in SERVERS else LOCAL_UI


def ui_hint(uri: str) -> str:
    """How to get the UI of the store at ``uri`` served (``nnlab.ui``)."""
    if urlparse(uri).scheme in SERVERS:
        return "on the tracking server"
    if uri == resolve_uri(None):
        return "start it with: make ui"
    return f"start it with: python -m nnlab.ui --serve --uri {uri}"


def link(uri: str, experiment_id: str, sweep_id: str) -> str:
    return (f"{ui_base(uri)}/#/experiments/{experiment_id}/runs?workflowType=machine_learning"
            f"&compareRunsMode=CHART&viewStateShareKey={view_id(sweep_id)}")  # fmt: skip


def run_link(sweep_link: str, run_id: str) -> str:
    """The page of a run in the UI, from the link of its sweep's view."""
    return f"{sweep_link.partition('/runs?')[0]}/runs/{run_id}"


def columns(varying: list[str]) -> list[str]:
    """The table's columns for the override keys a sweep varies: ``optimizer.momentum`` is a
    param, a config group (``optimizer``) its ``.name`` param, ``method`` the ``nnlab.method``
    tag (a method sets several groups)."""
    found = []
    for key in varying:
        if key == "method":
            found.append("tags.`nnlab.method`")
        else:
            found.append(f"params.`{key if '.' in key else f'{key}.name'}`")
    return found


def sweep_view(sweep_id: str, objective: str, varying: list[str]) -> dict:
    """The UI state of a sweep's view; ``varying``: the keys its jobs differ by."""
    curves = sorted(dict.fromkeys((objective, *CURVES)), key=lambda k: k != objective)
    summaries = [summary_key(metric, kind) for metric in SUMMARIZED for kind in SUMMARY_KINDS]
    sections = [
        {"uuid": f"nnlab-section-{i}", "name": name, "display": True, "isReordered": True,
         "deleted": False, "isGenerated": True,
         **({"columns": 2, "cardHeight": 440} if name == _section(objective) else {})}
        for i, name in enumerate(sorted(SECTIONS, key=lambda n: n != _section(objective)))
    ]  # fmt: skip
    section_ids = {section["name"]: section["uuid"] for section in sections}
    charts = [
        _chart(f"nnlab-chart-{i}", key, section_ids[_section(key)], line=i < len(curves))
        for i, key in enumerate([*curves, *summaries])
    ]
    final = f"metrics.`{summary_key(objective, 'final')}`"
    return {
        "searchFilter": f"tags.`nnlab.sweep_id` = '{sweep_id}' and tags.`nnlab.role` = 'run'",
        "orderByKey": final,  # any key but the start time lists the runs flat, parent left out
        "orderByAsc": not higher_is_better(objective),
        "startTime": "ALL",
        "lifecycleFilter": "Active",
        "datasetsFilter": [],
        "modelVersionFilter": "All Runs",
        "selectedColumns": [
            final,
            f"metrics.`{summary_key(objective, 'best')}`",
            *columns(varying),
        ],  # fmt: skip
        "columnOrder": [],
        "columnWidths": {},
        "runsHiddenMode": "SHOW_ALL",
        "compareRunCharts": charts,
        "compareRunSections": sections,
        "viewMaximized": False,
        "runListHidden": False,
        "isAccordionReordered": True,
        "useGroupedValuesInCharts": True,
        "hideEmptyCharts": True,
        "groupBy": None,
        "groupsExpanded": {},
        "globalLineChartConfig": {
            "xAxisKey": "step",
            "lineSmoothness": 0,
            "selectedXAxisMetricKey": "",
        },  # fmt: skip
        "chartsSearchFilter": "",
    }


def encoded(name: str, state: dict) -> str:
    """The experiment tag's value: the envelope of a saved view named ``name``."""
    now = int(time.time() * 1000)
    packed = base64.b64encode(zlib.compress(json.dumps(state).encode())).decode()
    return json.dumps({"name": name, "createdAt": now, "updatedAt": now,
                       "state": f"deflate;{packed}"})  # fmt: skip


def decoded(value: str) -> dict:
    """The state of a saved view's tag value (``encoded``'s inverse)."""
    state = json.loads(value)["state"]
    return json.loads(zlib.decompress(base64.b64decode(state.removeprefix("deflate;"))))


def _section(key: str) -> str:
    """The UI's section of a metric: its name up to the last "/"."""
    head = key.rpartition("/")[0]
    return head or MODEL_METRICS


def _chart(uuid: str, key: str, section: str, line: bool) -> dict:
    """A curve (losses on a log scale), or a summary's bar chart kept as deleted, so that the UI
    does not add it."""
    chart = {"uuid": uuid, "type": "LINE" if line else "BAR", "runsCountToCompare": 10,
             "metricSectionId": section, "deleted": not line, "isGenerated": True,
             "displayName": key, "metricKey": key}  # fmt: skip
    if not line:
        return chart
    scale = "log" if "loss" in key else "linear"  # losses span decades, as in the report
    return {**chart, **LINE_DEFAULTS, "scaleType": scale}
