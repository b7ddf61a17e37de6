"""The report's two charts as inline SVG: the kill chain reached and the timeline.

Generated here with ElementTree rather than by a charting library or a script from a
CDN: the report must open offline, run no JavaScript, and be safe to forward.
ElementTree escapes every text and attribute, so an operation id or an actor name
cannot inject markup; the result is wrapped in ``Markup`` only after that.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from markupsafe import Markup

from mercwatch.intel.report.view import PHASE_TITLES, PHASES, OperationView
from mercwatch.model import Phase

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 880
ROW = 36
LABEL_W = 250
MAX_ROWS = 40
PHASE_COLORS = {
    Phase.RECONNAISSANCE: "#2563eb",
    Phase.ENGAGEMENT: "#d97706",
    Phase.EXPLOITATION: "#dc2626",
}
INK, MUTED, GRID, EMPTY = "#0f172a", "#64748b", "#e2e8f0", "#f1f5f9"


def killchain_svg(operations: Sequence[OperationView]) -> Markup:
    """A row per operation, a chevron per phase, filled where the operation got to."""
    ops = list(operations[:MAX_ROWS])
    top = 56
    height = top + max(len(ops), 1) * ROW + 16
    svg = _svg(height, "Kill-chain phases reached by each operation")
    col_w = (WIDTH - LABEL_W - 20) / 3
    for i, phase in enumerate(PHASES):
        x = LABEL_W + i * col_w
        _chevron(svg, x, 10, col_w - 6, 30, PHASE_COLORS[phase], first=i == 0)
        _text(
            svg,
            x + col_w / 2,
            30,
            PHASE_TITLES[phase],
            fill="#ffffff",
            anchor="middle",
            weight="600",
            size=13,
        )
    if not ops:
        _text(
            svg,
            WIDTH / 2,
            top + 18,
            "No operations found in this run.",
            fill=MUTED,
            anchor="middle",
        )
    for row, op in enumerate(ops):
        y = top + row * ROW
        _label(svg, op, y)
        for i, view in enumerate(op.phases):
            x = LABEL_W + i * col_w
            fill = PHASE_COLORS[view.phase] if view.reached else EMPTY
            opacity = str(0.35 + 0.65 * min(view.evidence_count, 10) / 10) if view.reached else "1"
            ET.SubElement(
                svg,
                "rect",
                x=_n(x + 4),
                y=_n(y + 4),
                width=_n(col_w - 14),
                height=str(ROW - 8),
                rx="4",
                fill=fill,
                attrib={"fill-opacity": opacity},
            )
            caption = _caption(view.reached, view.evidence_count)
            _text(
                svg,
                x + col_w / 2 - 3,
                y + ROW / 2 + 4,
                caption,
                anchor="middle",
                size=12,
                fill="#ffffff" if view.reached and view.evidence_count >= 4 else INK,
            )
    return _markup(svg)


def timeline_svg(operations: Sequence[OperationView]) -> Markup:
    """A bar per operation from first to last seen, coloured by the furthest phase."""
    spans = [
        (o, o.first_seen, o.last_seen)
        for o in operations
        if o.first_seen is not None and o.last_seen is not None
    ][:MAX_ROWS]
    top, axis_h = 20, 34
    height = top + max(len(spans), 1) * ROW + axis_h + 30
    svg = _svg(height, "Timeline of operations, first to last seen")
    if not spans:
        _text(
            svg,
            WIDTH / 2,
            top + 18,
            "No dated operations in this run.",
            fill=MUTED,
            anchor="middle",
        )
        return _markup(svg)
    start = min(first for _, first, _ in spans)
    span = max(max(last for _, _, last in spans) - start, timedelta(hours=1))
    plot_w = WIDTH - LABEL_W - 30

    def x_of(moment: datetime) -> float:
        return LABEL_W + plot_w * ((moment - start) / span)

    _axis(
        svg, [start + span * (i / 5) for i in range(6)], x_of, span, top, top + len(spans) * ROW + 6
    )
    for row, (op, first, last) in enumerate(spans):
        y = top + row * ROW
        _label(svg, op, y)
        furthest = [p.phase for p in op.phases if p.reached]
        color = PHASE_COLORS[Phase.furthest(furthest)] if furthest else MUTED
        bar = ET.SubElement(
            svg,
            "rect",
            x=_n(x_of(first)),
            y=_n(y + 9),
            width=_n(max(x_of(last) - x_of(first), 5)),
            height=str(ROW - 18),
            rx="3",
            fill=color,
        )
        ET.SubElement(
            bar, "title"
        ).text = f"{op.operation_id}: {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
    _legend(svg, height - 12)
    return _markup(svg)


def _axis(
    svg: ET.Element,
    ticks: list[datetime],
    x_of: Callable[[datetime], float],
    span: timedelta,
    top: float,
    bottom: float,
) -> None:
    for i, tick in enumerate(ticks):
        x = x_of(tick)
        ET.SubElement(svg, "line", x1=_n(x), x2=_n(x), y1=_n(top - 6), y2=_n(bottom), stroke=GRID)
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        _text(svg, x, bottom + 16, _tick_label(tick, span), fill=MUTED, anchor=anchor, size=11)


def _caption(reached: bool, findings: int) -> str:
    if not reached:
        return "not observed"
    if findings == 0:
        return "reached"
    return f"{findings} finding{'s' if findings != 1 else ''}"


def _svg(height: int, title: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        xmlns=SVG_NS,
        viewBox=f"0 0 {WIDTH} {height}",
        width="100%",
        role="img",
        attrib={
            "aria-label": title,
            "font-family": "system-ui, -apple-system, 'Segoe UI', sans-serif",
            "preserveAspectRatio": "xMinYMin meet",
        },
    )
    svg.set("style", f"max-width:{WIDTH}px;height:auto;display:block")
    ET.SubElement(svg, "title").text = title
    return svg


def _label(svg: ET.Element, op: OperationView, y: float) -> None:
    _text(svg, 8, y + ROW / 2 - 2, _clip(op.operation_id, 30), weight="600", size=12)
    sub = f"{op.confidence:.0%} confidence" + (f" · {_clip(op.actor, 18)}" if op.actor else "")
    _text(svg, 8, y + ROW / 2 + 12, sub, fill=MUTED, size=10.5)


def _chevron(
    svg: ET.Element, x: float, y: float, w: float, h: float, fill: str, *, first: bool
) -> None:
    tip = 12
    notch = 0 if first else tip
    points = [
        (x, y),
        (x + w - tip, y),
        (x + w, y + h / 2),
        (x + w - tip, y + h),
        (x, y + h),
        (x + notch, y + h / 2),
    ]
    ET.SubElement(svg, "polygon", points=" ".join(f"{_n(a)},{_n(b)}" for a, b in points), fill=fill)


def _legend(svg: ET.Element, y: float) -> None:
    x = float(LABEL_W)
    _text(svg, x - 10, y, "Furthest phase:", fill=MUTED, size=11, anchor="end")
    for phase in PHASES:
        ET.SubElement(
            svg,
            "rect",
            x=_n(x),
            y=_n(y - 10),
            width="12",
            height="12",
            rx="2",
            fill=PHASE_COLORS[phase],
        )
        _text(svg, x + 17, y, PHASE_TITLES[phase], size=11)
        x += 130


def _tick_label(tick: datetime, span: timedelta) -> str:
    return f"{tick:%Y-%m-%d %H:%M}" if span < timedelta(days=3) else f"{tick:%Y-%m-%d}"


def _text(
    svg: ET.Element,
    x: float,
    y: float,
    text: str,
    *,
    fill: str = INK,
    anchor: str = "start",
    size: float = 12,
    weight: str = "400",
) -> None:
    node = ET.SubElement(
        svg,
        "text",
        x=_n(x),
        y=_n(y),
        fill=fill,
        attrib={"text-anchor": anchor, "font-size": str(size), "font-weight": weight},
    )
    node.text = text


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _markup(svg: ET.Element) -> Markup:
    # ElementTree has escaped every text node and attribute value.
    return Markup(ET.tostring(svg, encoding="unicode"))  # noqa: S704
