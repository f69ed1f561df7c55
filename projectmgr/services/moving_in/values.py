"""Cell values as bureaus write them: amounts in 元 or 万元 with separators and full-width digits,
dates in the usual forms (and Excel serials), periods split into start and end, states in Chinese,
levels from the plan words. Each reader returns the value or raises BadValue with what is wrong."""

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from ...labels import STATES
from ...lifecycle.migrate import MIGRATABLE_STATES
from ...models import Level, State

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal("10000")
EXCEL_EPOCH = date(1899, 12, 30)


class BadValue(ValueError):
    """A cell that cannot be read; the message says what is wrong."""


def text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def amount(value, unit: str) -> Decimal | None:
    """Yuan, exact to the fen. unit is the column's (wan: ×10000); a cell may say its own unit
    ("50万元", "12,000元")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, (datetime, date)):
        raise BadValue(_("Not an amount."))
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raw = _fold(value).replace(",", "").replace(" ", "").replace("¥", "").replace("￥", "")
        if raw.endswith("万元") or raw.endswith("万"):
            unit, raw = "wan", raw.rstrip("元").rstrip("万")
        elif raw.endswith("元"):
            unit, raw = "yuan", raw[:-1]
        if not _NUMBER.match(raw):
            raise BadValue(_("Not an amount: write a number such as 50 or 1,200.50 (no words)."))
        try:
            number = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise BadValue(_("Not an amount.")) from None
    if number < 0:
        raise BadValue(_("An amount cannot be negative."))
    yuan = number * TEN_THOUSAND if unit == "wan" else number
    if yuan != yuan.quantize(CENT):
        raise BadValue(_("More precise than a fen (0.01 yuan)."))
    return yuan.quantize(CENT)


# 2024-01-05, 2024/1/5, 2024.01.05, 2024.01, 2024-01, 2024年1月, 2024年1月5日, 2024年 (and 20240105)
_DATE = re.compile(
    r"(?P<y>(?:19|20|21)\d{2})(?!\d)"
    r"(?:\s*[-/.年]\s*(?P<m>\d{1,2})(?!\d)(?:\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d))?)?\s*[日月年号]?"
)
_PERIOD_GLUE = re.compile(r"^\s*(?:[-–—~～至到]|－)\s*$")


def _as_date(m: re.Match, end: bool) -> date:
    y, mo, d = int(m["y"]), m["m"], m["d"]
    try:
        if mo is None:
            return date(y, 12, 31) if end else date(y, 1, 1)
        mo = int(mo)
        if d is None:
            return date(y, mo, calendar.monthrange(y, mo)[1] if end else 1)
        return date(y, mo, int(d))
    except ValueError:
        raise BadValue(_("Not a calendar date.")) from None


def _serial(value: float) -> date:
    if not 1 <= value < 80000:
        raise BadValue(_("Not a date."))
    return EXCEL_EPOCH + timedelta(days=int(value))


def day(value, end: bool = False) -> date | None:
    """A date; a month alone (2024.01, 2024年1月) is its first day, or its last for an end date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise BadValue(_("Not a date."))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            # 2024.01 typed as a number: a year and month (as Excel shows it).
            raw = repr(value)
        elif 1900 <= value <= 2200:
            raw = str(int(value))
        else:
            return _serial(value)
    else:
        raw = _fold(value)
        if raw.isdigit() and len(raw) <= 5:
            return _serial(int(raw))
        if raw.isdigit() and len(raw) == 8:  # 20240105
            raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    m = _DATE.fullmatch(raw.strip())
    if m is None:
        raise BadValue(_("Not a date: write it as 2024-01-05, 2024/1/5, 2024.01 or 2024年1月5日."))
    return _as_date(m, end)


def period(value) -> tuple[date, date] | None:
    """ "2024.01-2025.12", "2024年1月至2025年12月", "2024/1/5～2025/12/31": start and end."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = _fold(str(value))
    matches = list(_DATE.finditer(raw))
    if len(matches) == 2 and not raw[: matches[0].start()].strip() and not raw[matches[1].end() :].strip():
        glue = raw[matches[0].end() : matches[1].start()]
        if _PERIOD_GLUE.match(glue):
            return _as_date(matches[0], False), _as_date(matches[1], True)
    raise BadValue(_("Not a period: write it as 2024.01-2025.12 or 2024年1月至2025年12月."))


# The words bureaus write for a project's state; the catalog's own labels and keys count too.
STATE_WORDS = {
    "已立项": State.approved,
    "立项": State.approved,
    "未启动": State.approved,
    "实施中": State.in_progress,
    "在研": State.in_progress,
    "执行中": State.in_progress,
    "进行中": State.in_progress,
    "在建": State.in_progress,
    "已申请验收": State.acceptance_applied,
    "申请验收": State.acceptance_applied,
    "待验收": State.acceptance_applied,
    "验收中": State.acceptance_applied,
    "整改中": State.rectifying,
    "已验收": State.accepted,
    "通过验收": State.accepted,
    "验收通过": State.accepted,
    "已通过验收": State.accepted,
    "结题": State.closed_out,
    "已结题": State.closed_out,
    "未通过验收": State.failed,
    "不通过验收": State.failed,
    "验收不通过": State.failed,
    "终止": State.terminated,
    "已终止": State.terminated,
    "中止": State.terminated,
}


def state(value) -> State | None:
    raw = text(value)
    if raw is None:
        return None
    raw = _fold(raw)
    found = STATE_WORDS.get(raw)
    if found is None:
        for key, lazy in STATES.items():
            if raw.lower() in (key, str(lazy).lower()):
                found = State(key)
    if found is None:
        raise BadValue(_("Not a project state: use 实施中, 已申请验收, 整改中, 已验收, 已结题, 未通过验收 or 终止."))
    if found not in MIGRATABLE_STATES:
        raise BadValue(_("A project cannot move in at this state: enter it at the state before and continue here."))
    return found


LEVEL_WORDS = {
    Level.national: ("国家", "national"),
    Level.provincial: ("省", "provincial"),
    Level.municipal: ("市", "municipal"),
}


def level(value) -> Level | None:
    """国家级/省级/市级 (or a plan name saying so)."""
    raw = text(value)
    if raw is None:
        return None
    folded = _fold(raw).lower()
    for found, words in LEVEL_WORDS.items():
        if any(word in folded for word in words):
            return found
    raise BadValue(_("Not a level: use 国家级, 省级 or 市级."))


def level_in(plan_words: str | None) -> Level | None:
    """The level a plan's name says, if it says one."""
    try:
        return level(plan_words)
    except BadValue:
        return None
