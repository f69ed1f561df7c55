"""The target ledger (目标台账, DESIGN §10): yearly targets decomposed to a responsible staff member
each, progress computed from the projects by named metrics or entered by hand with evidence."""

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Indicator,
    IndicatorValue,
    LedgerProgress,
    LedgerTarget,
    Plan,
    Project,
    Report,
    State,
    User,
)
from ..permissions import can_keep_ledger, require
from ..rules import ledger as rules
from ..rules.settings import RuleSettings
from .applications.upward import won_in_year
from .attachments import PENDING, clean_filename, detect, storage_dir
from .evaluation import active_in

ZERO = Decimal(0)


# --- metrics: progress computed from the projects --------------------------------------------


def _count(query) -> Decimal:
    return Decimal(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def won(year: int, as_of: date) -> Decimal:
    """The year's won recommendations upward plus the year's national and provincial projects
    registered without one, never the same project twice (services.applications.upward)."""
    return Decimal(won_in_year(year))


def major_active(year: int, as_of: date) -> Decimal:
    """Projects flagged major (重大) active in the year."""
    return _count(select(Project.id).where(Project.flag_major.is_(True), Project.id.in_(active_in(year))))


def projects_active(year: int, as_of: date) -> Decimal:
    return _count(select(Project.id).where(Project.id.in_(active_in(year))))


def implementation_rate(year: int, as_of: date) -> Decimal:
    """Percent of the year's plans' projects started and not terminated (DESIGN §10)."""
    rows = db.session.execute(
        select(Project.state, func.count())
        .join(Plan, Plan.id == Project.plan_id)
        .where(Plan.year == year)
        .group_by(Project.state)
    ).all()
    total = sum(n for _, n in rows)
    if not total:
        return ZERO
    started = sum(n for state, n in rows if state not in (State.approved, State.terminated))
    return (Decimal(started) * 100 / Decimal(total)).quantize(Decimal("0.0001"))


def indicator_sum(*keys: str) -> Callable[[int, date], Decimal]:
    """The latest achieved values of the named indicators, summed over the projects active in the year."""

    def compute(year: int, as_of: date) -> Decimal:
        # Each indicator's value from its latest report (ranked in SQL), summed in SQL.
        rank = (
            func.row_number()
            .over(
                partition_by=IndicatorValue.indicator_id,
                order_by=(Report.submitted_at.desc(), Report.id.desc()),
            )
            .label("rank")
        )
        values = (
            select(IndicatorValue.achieved.label("achieved"), rank)
            .join(Report, Report.id == IndicatorValue.report_id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(Indicator.key.in_(keys), Indicator.project_id.in_(active_in(year)))
            .subquery()
        )
        total = db.session.scalar(select(func.sum(values.c.achieved)).where(values.c.rank == 1))
        return ZERO if total is None else total

    return compute


@dataclass(frozen=True)
class Metric:
    key: str
    label: object  # a lazy translated string
    unit: str
    compute: Callable[[int, date], Decimal]
    cumulative: bool = True


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("national_provincial_won", _l("National and provincial projects won in the year"), "项", won),
        Metric("major_projects_active", _l("Major projects active in the year"), "项", major_active, False),
        Metric("projects_active", _l("Plan projects active in the year"), "项", projects_active, False),
        Metric(
            "implementation_rate",
            _l("Implementation rate of the year's plan projects"),
            "%",
            implementation_rate,
            False,
        ),
        Metric("patent_applications", _l("Patent applications (from indicators)"), "件", indicator_sum("patents")),
        Metric("people_trained", _l("People trained (from indicators)"), "人次", indicator_sum("trained")),
        Metric("new_products", _l("New products (from indicators)"), "个", indicator_sum("products")),
        Metric("demonstration_bases", _l("Demonstration bases (from indicators)"), "个", indicator_sum("bases")),
    )
}


# --- targets and progress ----------------------------------------------------------------------


@dataclass
class TargetInput:
    year: int
    title: str
    unit: str
    target_value: Decimal
    parent_id: int | None = None
    responsible_id: int | None = None
    metric: str | None = None
    cumulative: bool = True
    note: str | None = None
    position: int | None = None


def _require_staff(user: User | None) -> None:
    require(can_keep_ledger(user), _("Only bureau staff keep the target ledger."))


def target_errors(data: TargetInput, target: LedgerTarget | None = None) -> list[dict]:
    errors = []

    def err(f, m):
        errors.append({"field": f, "message": m})

    if not (2000 <= data.year <= 2100):
        err("year", _("A year between 2000 and 2100."))
    elif (
        target is not None
        and data.year != target.year
        and db.session.scalar(select(LedgerTarget.id).where(LedgerTarget.parent_id == target.id).limit(1)) is not None
    ):
        err("year", _("A target with sub-targets keeps its year: move or remove its sub-targets first."))
    if not data.title or not data.title.strip():
        err("title", _("Required."))
    if not data.unit or not data.unit.strip():
        err("unit", _("Required."))
    if data.target_value is None or data.target_value <= 0:
        err("target_value", _("Must be greater than 0."))
    if data.metric is not None and data.metric not in METRICS:
        err("metric", _("Unknown metric. Known: %(known)s.", known=", ".join(METRICS)))
    if data.responsible_id is not None:
        staff = db.session.get(User, data.responsible_id)
        if staff is None or not staff.is_staff:
            err("responsible_id", _("No such bureau staff member."))
    if data.parent_id is not None:
        parent = db.session.get(LedgerTarget, data.parent_id)
        if parent is None:
            err("parent_id", _("No such target."))
        elif parent.year != data.year:
            err("parent_id", _("A sub-target belongs to its parent's year."))
        elif target is not None:
            node = parent
            while node is not None:  # no cycles: the parent must not be the target or below it
                if node.id == target.id:
                    err("parent_id", _("A target cannot be placed under itself."))
                    break
                node = node.parent_id and db.session.get(LedgerTarget, node.parent_id)
    return errors


def create_target(user: User, data: TargetInput) -> LedgerTarget:
    _require_staff(user)
    errors = target_errors(data)
    if errors:
        raise ValidationFailed(errors)
    position = data.position
    if position is None:
        position = 1 + (
            db.session.scalar(
                select(func.max(LedgerTarget.position)).where(
                    LedgerTarget.year == data.year,
                    LedgerTarget.parent_id.is_(None)
                    if data.parent_id is None
                    else LedgerTarget.parent_id == data.parent_id,
                )
            )
            or 0
        )
    target = LedgerTarget(
        year=data.year,
        parent_id=data.parent_id,
        position=position,
        title=data.title.strip(),
        unit=data.unit.strip(),
        target_value=data.target_value,
        cumulative=data.cumulative,
        metric=data.metric,
        responsible_id=data.responsible_id,
        note=data.note,
    )
    db.session.add(target)
    db.session.flush()
    return target


def update_target(user: User, target: LedgerTarget, data: TargetInput) -> LedgerTarget:
    _require_staff(user)
    errors = target_errors(data, target)
    if errors:
        raise ValidationFailed(errors)
    target.year, target.parent_id, target.title, target.unit = (
        data.year,
        data.parent_id,
        data.title.strip(),
        data.unit.strip(),
    )
    target.target_value, target.cumulative, target.metric = data.target_value, data.cumulative, data.metric
    target.responsible_id, target.note = data.responsible_id, data.note
    if data.position is not None:
        target.position = data.position
    db.session.flush()
    return target


def find_target(target_id: int) -> LedgerTarget:
    target = db.session.get(LedgerTarget, target_id)
    if target is None:
        raise NotFound(_("No target %(id)s.", id=target_id))
    return target


def add_progress(
    user: User,
    target: LedgerTarget,
    value: Decimal,
    note: str,
    recorded_on: date,
    *,
    filename: str | None = None,
    stream=None,
    max_bytes: int = 20 * 1024 * 1024,
) -> LedgerProgress:
    """A hand-entered progress figure (the value reached so far), with optional evidence checked
    like an attachment (type from the bytes, size limit) and stored outside the web root."""
    _require_staff(user)
    if target.metric is not None:
        raise ValidationFailed.one("value", _("This target's progress is computed from the projects."))
    if value is None or value < 0:
        raise ValidationFailed.one("value", _("Must be 0 or more."))
    entry = LedgerProgress(
        target_id=target.id, value=value, note=(note or "").strip(), recorded_on=recorded_on, recorded_by_id=user.id
    )
    if stream is not None:
        data = stream.read(max_bytes + 1)
        if data:
            if len(data) > max_bytes:
                raise ValidationFailed.one("file", _("The file is larger than %(max)s bytes.", max=max_bytes))
            kind = detect(data)
            if kind is None:
                raise ValidationFailed.one(
                    "file", _("Only PDF, PNG, JPEG and Word/Excel/PowerPoint documents are accepted.")
                )
            directory = evidence_dir()
            directory.mkdir(parents=True, exist_ok=True)
            stored = secrets.token_hex(16)
            path = directory / stored
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            entry.evidence_filename = clean_filename(filename)
            entry.evidence_kind, entry.evidence_content_type = kind.kind, kind.content_type
            entry.evidence_size, entry.evidence_sha256 = len(data), hashlib.sha256(data).hexdigest()
            entry.evidence_stored_name = stored
            # Removed again by services.attachments' rollback hook if the transaction fails.
            db.session.info.setdefault(PENDING, []).append(str(path))
    db.session.add(entry)
    try:
        db.session.flush()
        db.session.expire(target, ["entries"])
    except SQLAlchemyError:
        if entry.evidence_stored_name:
            (evidence_dir() / entry.evidence_stored_name).unlink(missing_ok=True)
        raise
    return entry


def evidence_dir() -> Path:
    return storage_dir() / "ledger"


def find_entry(entry_id: int) -> LedgerProgress:
    entry = db.session.get(LedgerProgress, entry_id)
    if entry is None or entry.evidence_stored_name is None:
        raise NotFound(_("No evidence %(id)s.", id=entry_id))
    return entry


# --- the ledger as it stands -----------------------------------------------------------------


@dataclass
class TargetView:
    target: LedgerTarget
    depth: int
    value: Decimal | None
    progress: Decimal
    expected: Decimal
    status: str
    source: str  # metric | manual | children | none
    latest: LedgerProgress | None = None
    children: list["TargetView"] = field(default_factory=list)


def ledger(year: int, as_of: date, settings: RuleSettings) -> list[TargetView]:
    """The year's targets as a tree (depth-first, in position order), each with its progress.
    Queries: the targets, their entries, and one per metric in use."""
    targets = db.session.scalars(
        select(LedgerTarget)
        .options(joinedload(LedgerTarget.responsible))
        .where(LedgerTarget.year == year)
        .order_by(LedgerTarget.position, LedgerTarget.id)
    ).all()
    entries: dict[int, LedgerProgress] = {}
    if targets:
        for e in db.session.scalars(
            select(LedgerProgress)
            .where(LedgerProgress.target_id.in_([t.id for t in targets]), LedgerProgress.recorded_on <= as_of)
            .order_by(LedgerProgress.recorded_on, LedgerProgress.id)
        ):
            entries[e.target_id] = e  # the latest wins
    metric_values: dict[str, Decimal] = {}
    children: dict[int | None, list[LedgerTarget]] = {}
    for t in targets:
        children.setdefault(t.parent_id, []).append(t)

    def build(t: LedgerTarget, depth: int) -> TargetView:
        kids = [build(c, depth + 1) for c in children.get(t.id, [])]
        expected = rules.expected(t.cumulative, t.year, as_of)
        latest = entries.get(t.id)
        if t.metric is not None:
            if t.metric not in metric_values:
                metric_values[t.metric] = METRICS[t.metric].compute(year, as_of)
            value, source = metric_values[t.metric], "metric"
        elif latest is not None:
            value, source = latest.value, "manual"
        elif kids and all(k.value is not None and k.target.unit == t.unit for k in kids):
            value, source = sum((k.value for k in kids), ZERO), "children"
        else:
            value, source = None, "children" if kids else "none"
        if value is not None:
            progress = rules.progress(value, t.target_value)
        elif kids:
            progress = sum((k.progress for k in kids), ZERO) / len(kids)
        else:
            progress = ZERO
        return TargetView(
            t, depth, value, progress, expected, rules.status(progress, expected, settings), source, latest, kids
        )

    return [build(t, 0) for t in children.get(None, [])]


def flatten(views: list[TargetView]) -> list[TargetView]:
    out = []
    for v in views:
        out.append(v)
        out.extend(flatten(v.children))
    return out


def view_of(target: LedgerTarget, as_of: date, settings: RuleSettings) -> TargetView | None:
    """The target as its year's ledger shows it; None when the tree does not hold it (a sub-target
    left under a parent of another year)."""
    return next((v for v in flatten(ledger(target.year, as_of, settings)) if v.target.id == target.id), None)


def view_json(v: TargetView) -> dict:
    t = v.target
    return {
        "id": t.id,
        "year": t.year,
        "parent_id": t.parent_id,
        "depth": v.depth,
        "title": t.title,
        "unit": t.unit,
        "target_value": _num(t.target_value),
        "cumulative": t.cumulative,
        "metric": t.metric,
        "responsible": t.responsible.username if t.responsible else None,
        "responsible_id": t.responsible_id,
        "note": t.note,
        "value": _num(v.value),
        "source": v.source,
        "progress": str(v.progress.quantize(Decimal("0.0001"))),
        "expected": str(v.expected.quantize(Decimal("0.0001"))),
        "status": v.status,
    }


def _num(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def entry_json(e: LedgerProgress) -> dict:
    return {
        "id": e.id,
        "value": _num(e.value),
        "note": e.note,
        "recorded_on": e.recorded_on.isoformat(),
        "recorded_by": e.recorded_by.username,
        "evidence": None
        if e.evidence_stored_name is None
        else {"filename": e.evidence_filename, "kind": e.evidence_kind, "size": e.evidence_size},
    }


def years() -> list[int]:
    return list(db.session.scalars(select(LedgerTarget.year).distinct().order_by(LedgerTarget.year.desc())))


# --- the demo's ledger (DESIGN §10: the 2010 work plan's twelve targets) -----------------------

DEMO_TARGETS = [
    # title, unit, value, metric, cumulative, responsible, sub-targets [(title, value, responsible)]
    ("争取国家级、省级科技计划项目", "项", "10", "national_provincial_won", True, "staff", []),
    ("实施重大科技专项", "项", "5", "major_projects_active", False, "staff", []),
    ("科技计划项目实施率", "%", "95", "implementation_rate", False, "staff", []),
    ("培育国家高新技术企业、省创新型试点企业", "家", "2", None, True, "staff", []),
    (
        "培育企业研发机构",
        "家",
        "6",
        None,
        True,
        "staff",
        [("工程技术研究中心", "4", "staff"), ("重点实验室", "2", "staff")],
    ),
    ("新建企业研发中心", "个", "5", None, True, "staff", []),
    (
        "科技培训",
        "人次",
        "15000",
        None,
        True,
        "staff",
        [("农村实用技术培训", "12000", "staff"), ("企业技术人员培训", "3000", "staff")],
    ),
    ("省级科普项目", "项", "8", None, True, "staff", []),
    ("引进农业新技术、新品种", "项", "40", None, True, "staff", [("新技术", "25", "staff"), ("新品种", "15", "staff")]),
    ("推广示范项目", "个", "3", None, True, "staff", []),
    ("专利申请", "件", "180", "patent_applications", True, "staff", []),
    ("防震减灾行政审批按时办结率", "%", "100", None, False, "staff", []),
]


def load_demo_targets(year: int, users: dict[str, User], today: date) -> None:
    """The twelve targets of the 2010 work plan (DESIGN §10), partly decomposed, with a few
    hand-entered figures. `users` maps usernames to the demo accounts."""
    staff = [u for u in users.values() if u.role.value == "staff"] or [u for u in users.values() if u.is_staff]

    def who(name: str, n: int) -> int | None:
        user = staff[n % len(staff)] if staff else users.get(name)
        return user.id if user is not None else None

    entered = {
        "培育国家高新技术企业、省创新型试点企业": "2",
        "新建企业研发中心": "4",
        "省级科普项目": "7",
        "推广示范项目": "1",
        "防震减灾行政审批按时办结率": "100",
        "工程技术研究中心": "2",
        "重点实验室": "1",
        "农村实用技术培训": "8600",
        "企业技术人员培训": "1200",
        "新技术": "11",
        "新品种": "9",
    }
    recorder = next((u for u in staff if u.role.value == "staff"), staff[0])  # the demo has staff
    for n, (title, unit, value, metric, cumulative, resp, subs) in enumerate(DEMO_TARGETS, start=1):
        parent = create_target(
            recorder,
            TargetInput(year, title, unit, Decimal(value), None, who(resp, n), metric, cumulative, "2010年工作目标", n),
        )
        for m, (sub_title, sub_value, sub_resp) in enumerate(subs, start=1):
            child = create_target(
                recorder,
                TargetInput(
                    year, sub_title, unit, Decimal(sub_value), parent.id, who(sub_resp, n + m), None, True, None, m
                ),
            )
            if sub_title in entered:
                add_progress(recorder, child, Decimal(entered[sub_title]), "季度统计", min(today, date(year, 12, 31)))
        if title in entered:
            add_progress(recorder, parent, Decimal(entered[title]), "季度统计", min(today, date(year, 12, 31)))
