"""The words of a notification: its subject and body in the recipient's language."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from ...labels import DUE_KINDS_IN_TEXT
from ...models import User
from ...models.notification import Notification
from ...rules import reminders as rules

# The email subject in each language, by rule kind; the body goes through gettext like the pages.
SUBJECTS = {
    "zh": {
        "before": "【科技计划项目】{code}：{kind}将于{due}到期",
        "on_day": "【科技计划项目】{code}：{kind}今天到期",
        "after": "【科技计划项目】{code}：{kind}已逾期{days}天",
        "escalation": "【科技计划项目】严重逾期：{code} {kind}已逾期{days}天",
        "expired": "【科技计划项目】{code}：{kind}逾期，视为验收不通过",
        "digest": "【科技计划项目】逾期汇总：新增{count}项逾期",
    },
    "en": {
        "before": "[S&T Plan Projects] {code}: {kind} due on {due}",
        "on_day": "[S&T Plan Projects] {code}: {kind} due today",
        "after": "[S&T Plan Projects] {code}: {kind} {days} days overdue",
        "escalation": "[S&T Plan Projects] Very late: {code} {kind} {days} days overdue",
        "expired": "[S&T Plan Projects] {code}: {kind} expired, acceptance failed",
        "digest": "[S&T Plan Projects] Overdue digest: {count} newly overdue",
    },
}


def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _kind_name(kind: str) -> str:
    """The due item's kind as it reads inside a sentence, in the current (forced) locale."""
    name = DUE_KINDS_IN_TEXT.get(kind)
    return kind if name is None else str(name)


def _wording(notification: Notification) -> str:
    """Which text a reminder reads as: by the figures of the day it was queued, not by the rule that
    queued it. A sweep that missed days sends only the latest rule whose day has come, so an
    `on_day` reminder can go out after the due date: it must then say overdue, not due today."""
    kind = rules.rule_kind(notification.rule)
    if kind not in ("before", "on_day", "after"):
        return kind
    d = notification.details
    if d["days_overdue"] > 0:
        return "after"
    return "on_day" if d["days_left"] == 0 else "before"


def _subject(notification: Notification, language: str) -> str:
    d = notification.details
    kind = _wording(notification)
    if kind == "digest":
        return SUBJECTS[language]["digest"].format(count=len(d["items"]))
    return SUBJECTS[language][kind].format(
        code=d["code"],
        kind=_kind_name(d["kind"]),
        due=format_date(date.fromisoformat(d["due_date"])),
        days=d["days_overdue"],
    )


def _item_line(d: dict) -> str:
    return _(
        "%(code)s %(title)s — %(kind)s, due %(due)s, %(days)s days overdue",
        code=d["code"],
        title=d["title"],
        kind=_kind_name(d["kind"]),
        due=format_date(date.fromisoformat(d["due_date"])),
        days=d["days_overdue"],
    )


def _body(notification: Notification) -> str:
    d = notification.details
    kind = _wording(notification)
    if kind == "digest":
        lines = [_("These items became overdue since your last digest:")]
        lines += ["- " + _item_line(i) for i in d["items"]]
        return "\n".join(lines)
    due = format_date(date.fromisoformat(d["due_date"]))
    what = _kind_name(d["kind"])
    if kind == "before":
        text = _("The %(kind)s of %(code)s %(title)s is due on %(due)s (in %(days)s days).")
        days = d["days_left"]
    elif kind == "on_day":
        text = _("The %(kind)s of %(code)s %(title)s is due today (%(due)s).")
        days = 0
    elif kind == "after":
        text = _("The %(kind)s of %(code)s %(title)s was due on %(due)s and is %(days)s days overdue.")
        days = d["days_overdue"]
    elif kind == "expired":
        text = _(
            "The %(kind)s of %(code)s %(title)s was due on %(due)s and was not made: the project is deemed "
            "to have failed acceptance, and a credit record is kept for the organization and the principal "
            "investigator."
        )
        days = d["days_overdue"]
    else:
        text = _(
            "Very late: the %(kind)s of %(code)s %(title)s was due on %(due)s and is %(days)s days overdue. "
            "You receive this as the responsible staff member or a bureau leader."
        )
        days = d["days_overdue"]
    return text % {"kind": what, "code": d["code"], "title": d["title"], "due": due, "days": days}


def render(notification: Notification, language: str) -> tuple[str, str]:
    """(subject, body) of a notification in `language`, whatever the locale of the request."""
    with force_locale(language):
        return _subject(notification, language), _body(notification)
