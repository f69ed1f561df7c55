"""Excel export of a call: its applications (one row each, with the requested budget) and its
ranking, Chinese headers (English when the page is in English)."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Application, Call, User
from ...permissions import can_check_applications, require
from ..excel.workbook import current_lang, money, new_book, save, word
from .notice import ranking

# Each column's heading in Chinese and in English, by what it shows (the ranking's requested funds shorter).
HEADINGS = {
    "rank": ("排名", "Rank"),
    "id": ("申报编号", "ID"),
    "title": ("项目名称", "Title"),
    "organization": ("申报单位", "Organization"),
    "owner": ("项目负责人", "Owner"),
    "score": ("评审得分", "Score"),
    "state": ("状态", "State"),
    "submitted_on": ("提交日期", "Submitted on"),
    "special_funds": ("申请专项资金（元）", "Special funds requested (yuan)"),
    "requested": ("申请专项资金（元）", "Requested (yuan)"),
    "suggested_funds": ("建议资助（元）", "Suggested (yuan)"),
    "self_raised_committed": ("自筹资金（元）", "Self-raised funds (yuan)"),
    "start_date": ("开始日期", "Start date"),
    "end_date": ("结束日期", "End date"),
}
APPLICATION_COLUMNS = (
    "id", "title", "organization", "owner", "state", "submitted_on", "special_funds", "self_raised_committed",
    "start_date", "end_date",
)
RANKING_COLUMNS = ("rank", "id", "title", "organization", "score", "requested", "suggested_funds", "state")


def call_workbook(user: User, call: Call, lang: str | None = None):
    """The call's applications and ranking as a saved workbook (a temporary file)."""
    require(can_check_applications(user), _("Only bureau staff rank a call."))
    lang = lang or current_lang()
    head = 0 if lang == "zh" else 1
    wb = new_book()
    sheet = wb.create_sheet("申报" if lang == "zh" else "Applications")
    sheet.append([HEADINGS[c][head] for c in APPLICATION_COLUMNS])
    rows = db.session.scalars(
        select(Application)
        .options(joinedload(Application.organization), joinedload(Application.owner))
        .where(Application.call_id == call.id)
        .order_by(Application.id)
    )
    for a in rows:
        sheet.append(
            [
                a.id,
                a.title,
                a.organization.name,
                a.owner.display_name,
                word("application_state", a.state.value, lang),
                a.submitted_on,
                money(a.special_funds),
                money(a.self_raised_committed),
                a.start_date,
                a.end_date,
            ]
        )
    sheet = wb.create_sheet("排名" if lang == "zh" else "Ranking")
    sheet.append([HEADINGS[c][head] for c in RANKING_COLUMNS])
    for r in ranking(user, call):
        a = r.application
        sheet.append(
            [
                r.rank,
                a.id,
                a.title,
                r.organization,
                None if a.score is None else float(round(a.score, 2)),
                money(a.special_funds),
                money(r.suggested_funds),
                word("application_state", a.state.value, lang),
            ]
        )
    return save(wb)
