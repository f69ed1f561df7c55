"""The lifecycle picture: an SVG drawn on the server from lifecycle.TRANSITIONS, with the current
state highlighted and the path taken so far (no network, no script)."""

import math
from html import escape

from markupsafe import Markup

from ..labels import STATES, TRIGGERS
from ..lifecycle import TRANSITIONS

W, H = 168, 40  # node size
# Where each state sits (the centre of its node): the main path runs left to right, the survey loop
# above it, the outcomes of the review to the right, termination below. Nodes are drawn in this order.
# fmt: off
POSITIONS = {
    "approved": (90, 150), "in_progress": (270, 150), "mid_year_survey": (270, 45), "survey_submitted": (470, 45),
    "acceptance_applied": (470, 150), "under_review": (670, 150), "rectifying": (670, 265),
    "accepted": (880, 65), "closed_out": (880, 150), "failed": (880, 235), "evaluated": (1070, 150),
    "terminated": (270, 265),
}
# fmt: on
WIDTH, HEIGHT = 1160, 310


def _border_point(cx: float, cy: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from the node's centre towards (tx, ty) leaves its box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (W / 2) / abs(dx) if dx else math.inf,
        (H / 2) / abs(dy) if dy else math.inf,
    )
    return cx + dx * scale, cy + dy * scale


def _edges() -> list[tuple[str, str, str]]:
    return [(s.value, d.value, t.trigger) for t in TRANSITIONS for s in t.sources for d in t.dests]


def lifecycle_svg(current: str, taken: list[tuple[str, str]] | None = None) -> Markup:
    taken_set = set(taken or [])
    visited = {s for pair in taken_set for s in pair} | {current}
    pairs = {(a, b) for a, b, _ in _edges()}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="lifecycle" '
        f'role="img" aria-label="{escape(str(STATES[current]))}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow"/></marker>'
        '<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow-taken"/></marker>'
        "</defs>",
    ]
    # Edges first, so nodes sit on top; several triggers between the same pair share one line.
    drawn: dict[tuple[str, str], list[str]] = {}
    for source, dest, trigger in _edges():
        drawn.setdefault((source, dest), []).append(trigger)
    for (source, dest), triggers in drawn.items():
        (sx, sy), (dx, dy) = POSITIONS[source], POSITIONS[dest]
        # A pair drawn both ways is split apart so the two arrows do not overlap.
        offset = 7 if (dest, source) in pairs else 0
        length = math.hypot(dx - sx, dy - sy) or 1
        ox, oy = -(dy - sy) / length * offset, (dx - sx) / length * offset
        x1, y1 = _border_point(sx + ox, sy + oy, dx + ox, dy + oy)
        x2, y2 = _border_point(dx + ox, dy + oy, sx + ox, sy + oy)
        is_taken = (source, dest) in taken_set
        cls = "edge taken" if is_taken else ("edge terminate" if dest == "terminated" else "edge")
        marker = "arrow-taken" if is_taken else "arrow"
        title = escape(", ".join(str(TRIGGERS[t]) for t in triggers))
        parts.append(
            f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'marker-end="url(#{marker})"><title>{title}</title></line>'
        )
    for state, (x, y) in POSITIONS.items():
        cls = "node current" if state == current else ("node visited" if state in visited else "node")
        label = escape(str(STATES[state]))
        parts.append(
            f'<g class="{cls}" data-state="{state}"><rect x="{x - W / 2}" y="{y - H / 2}" width="{W}" height="{H}" rx="8"/>'
            f'<text x="{x}" y="{y + 5}" text-anchor="middle">{label}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
