"""The threat report: HTML (inline SVG charts, no script) and Markdown, from a run's output.

render_html(operations, summary, **options) -> str
render_markdown(operations, summary, **options) -> str
write_report(out_dir) -> (report.html, report.md)   re-render a run folder
ReportSummary                                        run counts (summary.json)
"""

from mercwatch.intel.report.render import (
    RunFiles,
    load_run,
    md_escape,
    render_html,
    render_markdown,
    write_report,
)
from mercwatch.intel.report.safety import TargetRedactor, defang
from mercwatch.intel.report.summary import DetectorStat, ReportSummary

__all__ = [
    "DetectorStat",
    "ReportSummary",
    "RunFiles",
    "TargetRedactor",
    "defang",
    "load_run",
    "md_escape",
    "render_html",
    "render_markdown",
    "write_report",
]
