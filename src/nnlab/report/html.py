"""A report as one self-contained HTML file: its Markdown rendered (CommonMark with tables, by
``markdown-it-py``) and its figures embedded as ``data:`` PNGs, so that it shows whole wherever
it is opened, including MLflow's artifact viewer (which renders ``.html`` but shows a Markdown
file's images as text)."""

import base64
import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px;
       padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; }
code { background: #f3f3f3; padding: 0 3px; }
"""


def write_html(report: Path) -> Path:
    """``report.html`` beside ``report`` (a ``report.md``); its path."""
    body = MarkdownIt("commonmark").enable("table").render(report.read_text())
    body = re.sub(r'<img src="([^":]+)"', lambda m: _embedded(report.parent, m), body)
    title = report.read_text().partition("\n")[0].lstrip("# ")
    page = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n")  # fmt: skip
    path = report.with_suffix(".html")
    path.write_text(page)
    return path


def _embedded(folder: Path, match: re.Match) -> str:
    """An ``<img src=`` of a figure beside the report, as a ``data:`` URI."""
    figure = folder / html.unescape(match[1])
    if figure.suffix != ".png" or not figure.is_file():
        return match[0]
    return f'<img src="data:image/png;base64,{base64.b64encode(figure.read_bytes()).decode()}"'
