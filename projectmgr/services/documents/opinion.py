"""专家组验收意见 / the panel's opinion: the aggregate, the anonymised comments, the
recommendation counts, the integrity finding and a signature line per member. The staff copy
names the members; the owner's copy has none (the blind-scoring rule, permissions)."""

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _

from ...errors import NotFound
from ...facts.figures import current_panel
from ...facts.panels import active_members, panel_for_round
from ...labels import label
from ...models import Level, Project, Recommendation
from ...rules.scoring import aggregate, grade_for
from .certificate import project_parties
from .common import bureau, day


@dataclass
class OpinionData:
    bureau: str
    project: dict
    round: int
    formed_on: str
    concluded_on: str
    aggregation: str
    members: int
    scored: int
    aggregate: str
    grade: str
    recommendations: list[tuple[str, int]]
    comments: list[str]
    integrity_flags: int
    integrity_passed: bool
    signatures: list[dict]
    named: bool


def concluded_panel(project: Project):
    panel = None
    if project.plan.level == Level.municipal:
        panel = panel_for_round(project) or current_panel(project.id)
    if panel is None or not panel.concluded:
        raise NotFound(_("This project has no panel opinion: no panel has concluded its acceptance."))
    return panel


def opinion_data(project: Project, named: bool) -> OpinionData:
    panel = concluded_panel(project)
    members = active_members(panel)
    scored = [m for m in members if m.score is not None]
    totals = [m.score.total for m in scored]
    score = aggregate(totals, project.plan.aggregation.value) if totals else None
    counts = Counter(m.score.recommendation for m in scored)
    flags = sum(1 for m in scored if m.score.integrity_concern)
    return OpinionData(
        bureau=bureau(),
        project=project_parties(project),
        round=panel.round,
        formed_on=day(panel.formed_on),
        concluded_on=day(project.concluded_on),
        aggregation=_("trimmed mean") if project.plan.aggregation.value == "trimmed_mean" else _("mean"),
        members=len(members),
        scored=len(scored),
        aggregate="—" if score is None else f"{score:.2f}",
        grade="—" if score is None else label("grade", grade_for(score)),
        recommendations=[(label("recommendation", r), counts.get(r, 0)) for r in Recommendation],
        # Sorted: their order must not tell who wrote which.
        comments=sorted(m.score.comment for m in scored if m.score.comment),
        integrity_flags=flags,
        # DESIGN §4: the materials fail as untruthful when half or more of the members flag them.
        integrity_passed=not members or flags * 2 < len(members),
        signatures=[
            {
                "name": m.expert.display_name if named else "",
                "title": (m.expert.expert.title if m.expert.expert else "") if named else "",
                "organization": (m.expert.organization.name if m.expert.organization else "") if named else "",
                "finance": m.finance,
            }
            for m in members
        ],
        named=named,
    )
