"""Panel rules (DESIGN §6), pure: who may sit on a project's acceptance panel, and what a proposed
panel breaks. The reads that feed them are in projectmgr.facts.panels."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .money import N_


@dataclass(frozen=True)
class Candidate:
    """What the rules know of an expert."""

    id: int
    name: str
    username: str
    organization_id: int | None
    finance: bool
    conflict_organization_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PanelRules:
    """A plan's panel rules and the bureau's workload limit."""

    min_size: int
    min_finance: int
    max_panels_per_year: int


def conflicted(organization_id: int | None, conflict_organization_ids: Collection[int], project_org: int) -> bool:
    """An expert from the undertaking organization, or who declared a conflict with it, does not sit."""
    return organization_id == project_org or project_org in conflict_organization_ids


def has_room(panels_this_year: int, rules: PanelRules) -> bool:
    """May sit on one more panel this year."""
    return panels_this_year < rules.max_panels_per_year


def problems(
    experts: Sequence[Candidate], project_org: int, year: int, load: Mapping[int, int], rules: PanelRules
) -> list[dict]:
    """Every panel rule the proposed members break, each named (API.md's check names); messages are
    rule Messages (projectmgr.i18n.translate shows them in the reader's language)."""
    found = []

    def broken(check: str, message, **more) -> None:
        found.append({"check": check, "message": message, **more})

    size = len(experts)
    if size < rules.min_size or size % 2 == 0:
        broken(
            "panel_size",
            N_(
                "The panel has %(size)s members; it needs at least %(min)s and an odd number.",
                size=size,
                min=rules.min_size,
            ),
        )
    finance = sum(1 for e in experts if e.finance)
    if finance < rules.min_finance:
        broken(
            "panel_finance",
            N_(
                "The panel has %(finance)s finance experts; it needs at least %(min)s.",
                finance=finance,
                min=rules.min_finance,
            ),
        )
    for e in experts:
        if conflicted(e.organization_id, e.conflict_organization_ids, project_org):
            broken(
                "conflict",
                N_(
                    "%(name)s (%(username)s) is from or has a declared conflict with the undertaking organization.",
                    name=e.name,
                    username=e.username,
                ),
                expert_id=e.id,
            )
    for e in experts:
        if not has_room(load.get(e.id, 0), rules):
            broken(
                "workload",
                N_(
                    "%(name)s (%(username)s) already sits on %(n)s panels in %(year)s; the limit is %(limit)s.",
                    name=e.name,
                    username=e.username,
                    n=load[e.id],
                    year=year,
                    limit=rules.max_panels_per_year,
                ),
                expert_id=e.id,
            )
    return found
