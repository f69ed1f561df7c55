"""Charts drawn on the server as inline SVG (no script, no network), each followed by a table of
its numbers. Colours are SVG attributes, not style attributes, so the strict CSP holds."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from .. import labels
from ..extensions import db
from ..models import DueItem, Plan, Project
from ..services import settings
from ..services.due_items import overdue_count_query
from ..services.evaluation import year_report
from ..services.ledger import flatten, ledger
from ..summary_cache import cached
from . import bp

PALETTE = ["#0b5cad", "#1c7c3c", "#a15c00", "#b3261e", "#6b4fbb", "#2a8c8c", "#7a7a7a"]
STATUS_COLOURS = {"on_track": "#1c7c3c", "at_risk": "#a15c00", "behind": "#b3261e"}


@dataclass
class Chart:
    key: str
    title: str
    categories: list[str]  # one bar per category
    series: list[tuple[str, list[float]]]  # stacked segments: (name, value per category)
    unit: str = ""
    percent: bool = False
    marks: list[float] | None = None  # a tick per category (e.g. the share of the year gone)
    colours: list[str] | None = None
    # Drawn once: a chart is cached under the data version with its html (dashboard_charts).
    drawn: Markup | None = field(default=None, repr=False, compare=False)

    def totals(self) -> list[float]:
        return [sum(values[i] for _, values in self.series) for i in range(len(self.categories))]

    def svg(self) -> Markup:
        width, label_w, bar_h, gap, top = 640, 190, 18, 8, 8
        height = top + len(self.categories) * (bar_h + gap) + 24
        scale_max = 1.0 if self.percent else max([*self.totals(), 1])
        plot_w = width - label_w - 60
        parts = [
            f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(self.title)}" '
            f'xmlns="http://www.w3.org/2000/svg" data-chart="{escape(self.key)}">'
        ]
        colours = self.colours or PALETTE
        for i, cat in enumerate(self.categories):
            y = top + i * (bar_h + gap)
            parts.append(
                f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end" font-size="12" fill="#3b4a5a">'
                f"{escape(_short(cat))}</text>"
            )
            parts.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f1f4f8"/>')
            x = float(label_w)
            for n, (name, values) in enumerate(self.series):
                w = plot_w * min(values[i], scale_max) / scale_max if scale_max else 0
                if w > 0:
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[n % len(colours)]}">'
                        f"<title>{escape(cat)} · {escape(name)}: {escape(self.fmt(values[i]))}</title></rect>"
                    )
                x += w
            if self.marks is not None:
                mx = label_w + plot_w * min(self.marks[i], 1.0)
                parts.append(
                    f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{y - 2}" y2="{y + bar_h + 2}" stroke="#1d2733" '
                    f'stroke-width="2" stroke-dasharray="3 2"/>'
                )
            parts.append(
                f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}" font-size="12" fill="#1d2733">'
                f"{escape(self.fmt(self.totals()[i]))}</text>"
            )
        if len(self.series) > 1:
            lx = label_w
            ly = height - 8
            for n, (name, _values) in enumerate(self.series):
                parts.append(
                    f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" fill="{colours[n % len(colours)]}"/>'
                )
                parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#3b4a5a">{escape(name)}</text>')
                lx += 24 + 7 * len(name) + (7 * sum(1 for ch in name if ord(ch) > 0x2E80))
        parts.append("</svg>")
        return Markup("".join(parts))

    def fmt(self, value: float) -> str:
        if self.percent:
            return f"{value * 100:.1f}%"
        return f"{value:g}{self.unit}"

    def table(self) -> Markup:
        head = "".join(f'<th class="num">{escape(name)}</th>' for name, _ in self.series)
        if len(self.series) > 1:
            head += f'<th class="num">{escape(_("Total"))}</th>'
        if self.marks is not None:
            head += f'<th class="num">{escape(_("Share of year gone"))}</th>'
        rows = []
        for i, cat in enumerate(self.categories):
            cells = "".join(f'<td class="num">{escape(self.fmt(values[i]))}</td>' for _, values in self.series)
            if len(self.series) > 1:
                cells += f'<td class="num">{escape(self.fmt(self.totals()[i]))}</td>'
            if self.marks is not None:
                cells += f'<td class="num">{self.marks[i] * 100:.1f}%</td>'
            rows.append(f"<tr><th>{escape(cat)}</th>{cells}</tr>")
        return Markup(
            f'<table class="list chart-data" data-chart="{escape(self.key)}"><thead><tr><th></th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    def html(self) -> Markup:
        if self.drawn is None:
            self.drawn = self._draw()
        return self.drawn

    def _draw(self) -> Markup:
        numbers = _("The numbers")  # outside the f-string, where pybabel extract finds it
        return Markup(
            f'<figure class="chart card" id="chart-{escape(self.key)}"><figcaption><h2>{escape(self.title)}</h2>'
            f"</figcaption>{self.svg()}<details><summary>{escape(numbers)}</summary>{self.table()}"
            f"</details></figure>"
        )


def _short(text: str, room: int = 180) -> str:
    """Cut a label to fit `room` pixels at 12px (CJK characters are twice as wide as Latin ones),
    the ellipsis included."""

    def width(ch: str) -> int:
        return 12 if ord(ch) > 0x2E80 else 7

    if sum(width(ch) for ch in text) <= room:
        return text
    used, out = 12, ""  # the ellipsis is full-width in a CJK font
    for ch in text:
        used += width(ch)
        if used > room:
            break
        out += ch
    return out + "…"


# --- the charts' numbers -------------------------------------------------------------------------


def projects_by_state_level() -> Chart:
    """Every project by state (bars) and level (segments): one GROUP BY."""
    rows = db.session.execute(
        select(Project.state, Plan.level, func.count())
        .join(Plan, Plan.id == Project.plan_id)
        .group_by(Project.state, Plan.level)
    ).all()
    counts = {(s.value, lv.value): n for s, lv, n in rows}
    states = [s for s in labels.STATES if any(counts.get((s, lv), 0) for lv in labels.LEVELS)]
    return Chart(
        "projects",
        _("Projects by state and level"),
        [str(labels.STATES[s]) for s in states],
        [(str(labels.LEVELS[lv]), [float(counts.get((s, lv), 0)) for s in states]) for lv in labels.LEVELS],
    )


def overdue_by_month(as_of: date) -> Chart:
    """Items overdue on as_of, by the month they fell due."""
    year, month = func.extract("year", DueItem.due_date), func.extract("month", DueItem.due_date)
    # From the due items alone (no join): ix_due_item_open covers it.
    rows = db.session.execute(
        overdue_count_query(as_of).with_only_columns(year, month, func.count()).group_by(year, month)
    ).all()
    by_month = {f"{int(y):04d}-{int(m):02d}": n for y, m, n in rows}
    months = sorted(by_month)
    return Chart(
        "overdue",
        _("Overdue items by month due"),
        months,
        [(_("Overdue items"), [float(by_month[m]) for m in months])],
    )


def ledger_progress(views) -> Chart:
    """Top-level targets: progress (coloured by status) against the share of the year gone."""
    top = [v for v in views if v.depth == 0]
    series = [
        (
            str(labels.LEDGER_STATUS[s]),
            [float(v.progress) if v.status == s else 0.0 for v in top],
        )
        for s in STATUS_COLOURS
    ]
    return Chart(
        "ledger",
        _("Target ledger progress"),
        [v.target.title for v in top],
        series,
        percent=True,
        marks=[float(v.expected) for v in top],
        colours=list(STATUS_COLOURS.values()),
    )


def grade_distribution(by_grade: dict[str, int]) -> Chart:
    keys = ["excellent", "good", "pass", "fail", "unconfirmed"]
    names = {**{k: str(v) for k, v in labels.GRADES.items()}, "unconfirmed": _("Unconfirmed")}
    return Chart(
        "grades",
        _("Grade distribution"),
        [names[k] for k in keys],
        [(_("Projects"), [float(by_grade.get(k, 0)) for k in keys])],
    )


@bp.app_template_global()
def dashboard_charts() -> list[Chart]:
    """The dashboard's charts (templates/web/_charts.html), computed once per data version, day
    and language (projectmgr.summary_cache)."""
    today = date.today()
    return cached(("dashboard_charts", today, str(get_locale())), lambda: _charts(today))


def _charts(today: date) -> list[Chart]:
    charts = [projects_by_state_level(), overdue_by_month(today)]
    views = flatten(ledger(today.year, today, settings()))
    if views:
        charts.append(ledger_progress(views))
    report = year_report(today.year)
    if report.total:
        charts.append(grade_distribution(report.by_grade))
    return charts
