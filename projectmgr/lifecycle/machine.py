"""Runs a transition table through `transitions`, over a small adapter built per operation
around one object (STYLE: never attach a machine to the model), and reads a trigger's parameters
by the table's Param rows. The project lifecycle uses it; another lifecycle (its own table and
states) can build its own Runner the same way."""

from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum

from flask_babel import gettext
from transitions import Machine, MachineError

from ..errors import GuardFailed, InvalidTransition, ValidationFailed
from ..extensions import db
from ..models import State, TransitionRecord
from ..models.base import utcnow
from .guards import Context
from .table import EVENTS, TRANSITIONS, Into, Param, Transition


def failed_checks(transition: Transition, ctx: Context) -> list[dict]:
    """Every guard of the transition that refuses, each named. Each guard is asked once per ctx."""
    failures = []
    for guard in transition.guards:
        if ctx.passes(guard):
            continue
        failure = {"check": guard.check, "message": str(guard.message)}
        if guard.explain is not None:
            failure["problems"] = guard.explain(ctx)
        failures.append(failure)
    return failures


# --- parameters ----------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_one(param: Param, value, ctx: Context):
    """(the parsed value, or None when absent) or raise ValueError(message)."""
    if param.kind == "date":
        if not isinstance(value, date):
            raise ValueError(str(param.message))
        if value < ctx.as_of:
            raise ValueError(str(param.past_message))
        return value
    if param.kind == "choice":
        if value not in param.choices:
            raise ValueError(str(param.message))
        return value
    if _missing(value):
        if param.required:
            raise ValueError(str(param.message or gettext("Required for this action.")))
        return None
    if not isinstance(value, str):
        raise ValueError(str(param.message or gettext("Must be text.")))
    return value.strip()


def parse_params(transition: Transition, raw: dict, ctx: Context) -> None:
    """Check the trigger's parameters (API.md) and put what the transition needs on ctx; every
    bad parameter is named at once."""
    errors = []
    for param in transition.params:
        value = raw.get(param.name)
        if param.kind != "text" and value is None and not param.required:
            continue
        try:
            parsed = _parse_one(param, value, ctx)
        except ValueError as exc:
            errors.append({"field": param.name, "message": str(exc)})
            continue
        if param.detail:
            ctx.details[param.name] = parsed
        converted = param.convert(parsed) if (param.convert and parsed is not None) else parsed
        if param.into == Into.comment:
            ctx.comment = converted
        elif param.into == Into.destination:
            ctx.destination = converted
        else:
            ctx.params[param.name] = converted
    if errors:
        raise ValidationFailed(errors)


# --- the machine ---------------------------------------------------------------------------


class RowAdapter:
    """Gives `transitions` a model whose `state` is a row's `state` column (values of `states`);
    after each change it writes the history row (`history`, pointing at the row through
    `owner_key`) in the same transaction. A project and an application are run alike."""

    def __init__(self, row, states: type[StrEnum], history: type, owner_key: str):
        self.row, self.states, self.history, self.owner_key = row, states, history, owner_key

    @property
    def state(self) -> str:
        return self.row.state.value

    @state.setter
    def state(self, value: str) -> None:
        # The machine sets its initial state on every build: setting the same state would mark the
        # row changed (a page that only asks "could I?" would be a writing session).
        if self.row.state.value != value:
            self.row.state = self.states(value)

    def record(self, event) -> None:
        """after_state_change: the history row, in the same transaction as the change."""
        ctx = event.kwargs["ctx"]
        self.row.state_changed_at = utcnow()
        db.session.add(
            self.history(
                **{self.owner_key: self.row.id},
                trigger=event.event.name,
                from_state=self.states(event.transition.source),
                to_state=self.states(event.transition.dest),
                actor_id=getattr(ctx.user, "id", None),
                comment=ctx.comment,
                details=ctx.details or None,
            )
        )


def adapter(states: type[StrEnum], history: type, owner_key: str) -> Callable[[object], RowAdapter]:
    """The Runner's adapter factory for rows of one kind."""
    return lambda row: RowAdapter(row, states, history, owner_key)


class Runner:
    """A transition table run over `transitions`: one Machine configuration, built once."""

    def __init__(
        self,
        table: Sequence[Transition],
        states: Sequence[str],
        adapter: Callable[[object], object],
        state_of: Callable[[object], str],
    ):
        self.by_trigger = {t.trigger: t for t in table}
        self.states = list(states)
        self.adapter = adapter
        self.state_of = state_of
        self.rows = self._rows(table)

    def _rows(self, table: Sequence[Transition]) -> list[dict]:
        rows = []
        for t in table:
            for dest in t.dests:
                conditions = [self._guards_pass(t)]
                if len(t.dests) > 1:
                    conditions.append(_destination_is(dest))
                rows.append(
                    {
                        "trigger": t.trigger,
                        "source": [s.value for s in t.sources],
                        "dest": dest.value,
                        "conditions": conditions,
                    }
                )
        return rows

    @staticmethod
    def _guards_pass(t: Transition):
        # The verdicts kept on ctx: a guard asked by failed_checks is not asked again here.
        return lambda event: all(event.kwargs["ctx"].passes(g) for g in t.guards)

    def _machine(self, obj) -> object:
        adapter = self.adapter(obj)
        Machine(
            model=adapter,
            states=self.states,
            transitions=self.rows,
            initial=self.state_of(obj),
            auto_transitions=False,
            send_event=True,
            after_state_change="record",
        )
        return adapter

    def fire(self, trigger: str, obj, ctx: Context) -> None:
        """Run one transition on obj, or raise naming why not. Does not commit."""
        transition = self.by_trigger[trigger]
        state = self.state_of(obj)
        if state not in {s.value for s in transition.sources}:
            raise InvalidTransition(
                gettext("'%(trigger)s' is not possible from state '%(state)s'.", trigger=trigger, state=state)
            )
        failures = failed_checks(transition, ctx)
        if failures:
            raise GuardFailed(failures)
        adapter = self._machine(obj)
        try:
            fired = adapter.trigger(trigger, ctx=ctx)
        except MachineError as exc:  # pragma: no cover - sources were checked above
            raise InvalidTransition(str(exc)) from exc
        if not fired:
            # No destination matched the one asked for: refuse rather than guess.
            raise GuardFailed([{"check": "destination", "message": gettext("No destination applies.")}])

    def possible(self, obj, ctx: Context, candidates: Sequence[str]) -> list[str]:
        """The candidates the machine would accept now (`may_<trigger>`), in table order."""
        adapter = self._machine(obj)
        state = self.state_of(obj)
        return [
            t
            for t in candidates
            if state in {s.value for s in self.by_trigger[t].sources} and adapter.may_trigger(t, ctx=ctx)
        ]


def record_event(name: str, ctx: Context) -> TransitionRecord:
    """Write the history row of an Event (a change that keeps the state). The caller holds the
    project row lock and has checked the state; a state the event does not happen in is refused."""
    event, project = EVENTS[name], ctx.project
    if project.state not in event.states:
        raise InvalidTransition(
            gettext("'%(trigger)s' is not possible from state '%(state)s'.", trigger=name, state=project.state.value)
        )
    row = TransitionRecord(
        project_id=project.id,
        trigger=name,
        from_state=project.state,
        to_state=project.state,
        actor_id=getattr(ctx.user, "id", None),
        comment=ctx.comment,
        details=ctx.details or None,
    )
    db.session.add(row)
    return row


def _destination_is(dest: State):
    # While asking "could I?" no destination is chosen yet: any destination will do.
    return lambda event: event.kwargs["ctx"].destination in (None, dest)


PROJECTS = Runner(
    TRANSITIONS, [s.value for s in State], adapter(State, TransitionRecord, "project_id"), lambda p: p.state.value
)


def fire(trigger: str, ctx: Context) -> None:
    """Run one transition on ctx.project, or raise naming why not. Does not commit."""
    PROJECTS.fire(trigger, ctx.project, ctx)


def possible_triggers(ctx: Context, candidates: Sequence[str]) -> list[str]:
    """The candidates the project's machine would accept now, in table order."""
    return PROJECTS.possible(ctx.project, ctx, candidates)


def mermaid() -> str:
    """The lifecycle as a Mermaid stateDiagram-v2, drawn from TRANSITIONS."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.approved.value}"]
    for t in TRANSITIONS:
        for source in t.sources:
            for dest in t.dests:
                lines.append(f"    {source.value} --> {dest.value}: {t.trigger}")
    for final in (State.evaluated, State.terminated):
        lines.append(f"    {final.value} --> [*]")
    return "\n".join(lines) + "\n"
