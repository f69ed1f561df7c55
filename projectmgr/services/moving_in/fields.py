"""The fields a bureau's columns map to (API.md "Moving in") and the words bureaus head them
with, in Chinese and English, from which the mapping is suggested."""

import re
import unicodedata

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...labels import label
from ...models import Category

# field -> (label, kind, words). kind tells how values.py reads the cell.
FIELDS: dict[str, tuple] = {
    "code": (
        _l("Project code"),
        "text",
        (
            "项目编号",
            "编号",
            "项目代码",
            "立项编号",
            "合同编号",
            "任务书编号",
            "code",
            "project code",
            "project no",
            "project no.",
            "no.",
        ),
    ),
    "title": (_l("Title"), "text", ("项目名称", "名称", "课题名称", "title", "project name", "project title", "name")),
    "organization": (
        _l("Organization"),
        "text",
        (
            "承担单位",
            "项目承担单位",
            "单位名称",
            "承担单位名称",
            "申报单位",
            "organization",
            "undertaking organization",
            "institution",
        ),
    ),
    "credit_code": (
        _l("Unified social credit code"),
        "text",
        ("统一社会信用代码", "社会信用代码", "信用代码", "credit code", "unified social credit code", "uscc"),
    ),
    "owner": (
        _l("Project owner"),
        "text",
        (
            "项目负责人",
            "负责人",
            "负责人姓名",
            "owner",
            "project owner",
            "principal investigator",
            "pi",
            "project leader",
        ),
    ),
    "phone": (
        _l("Phone"),
        "text",
        ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone", "telephone", "mobile"),
    ),
    "plan": (
        _l("Plan"),
        "text",
        (
            "计划类别",
            "项目类别",
            "计划名称",
            "科技计划",
            "计划类型",
            "项目类型",
            "plan",
            "programme",
            "program",
            "plan category",
        ),
    ),
    "level": (_l("Level"), "level", ("级别", "项目级别", "层级", "level")),
    "industry": (_l("Industry"), "text", ("产业领域", "技术领域", "所属领域", "行业", "领域", "industry", "field")),
    "start_date": (
        _l("Start date"),
        "start",
        ("开始时间", "开始日期", "起始时间", "起始日期", "开始年月", "start date", "start"),
    ),
    "end_date": (
        _l("End date"),
        "end",
        ("结束时间", "结束日期", "截止时间", "截止日期", "完成时间", "结束年月", "end date", "end"),
    ),
    "period": (
        _l("Period"),
        "period",
        (
            "起止时间",
            "起止日期",
            "起止年月",
            "执行期",
            "执行期限",
            "实施期限",
            "项目周期",
            "实施周期",
            "period",
            "duration",
        ),
    ),
    "special_funds": (
        _l("Special funds"),
        "money",
        (
            "财政资金",
            "专项资金",
            "市拨经费",
            "财政拨款",
            "省拨经费",
            "财政经费",
            "资助金额",
            "专项经费",
            "财政资金/合计",
            "special funds",
            "grant",
        ),
    ),
    "self_raised_committed": (
        _l("Self-raised committed"),
        "money",
        (
            "自筹资金",
            "自筹经费",
            "单位自筹",
            "自筹",
            "self-raised",
            "self raised",
            "self-raised funds",
            "self-raised committed",
        ),
    ),
    "special_disbursed": (
        _l("Special funds disbursed"),
        "money",
        (
            "已拨付",
            "已拨付资金",
            "已拨经费",
            "拨付金额",
            "已拨付财政资金",
            "已拨付专项资金",
            "财政资金/已拨付",
            "专项资金/已拨付",
            "disbursed",
            "special disbursed",
        ),
    ),
    "self_raised_arrived": (
        _l("Self-raised arrived"),
        "money",
        (
            "已到位",
            "自筹到位",
            "自筹资金到位",
            "到位资金",
            "自筹资金已到位",
            "自筹资金/已到位",
            "arrived",
            "self-raised arrived",
        ),
    ),
    "special_spent": (
        _l("Special funds spent"),
        "money",
        (
            "已支出",
            "专项资金已支出",
            "财政资金已支出",
            "专项支出",
            "财政资金/已支出",
            "专项资金/已支出",
            "spent",
            "special spent",
        ),
    ),
    "self_raised_spent": (
        _l("Self-raised spent"),
        "money",
        ("自筹已支出", "自筹资金已支出", "自筹支出", "自筹资金/已支出", "self-raised spent"),
    ),
    "state": (_l("State"), "state", ("项目状态", "状态", "进展情况", "执行状态", "实施状态", "state", "status")),
    "note": (_l("Note"), "text", ("备注", "说明", "note", "notes", "remarks")),
}

# Budget and spending by category, where the sheet has them ("设备费", "已支出/设备费", ...): each
# category's special and self-raised budget and spending, as `<part>:<category>`.
CATEGORY_PARTS = {
    "special_budget": _l("special budget"),
    "self_raised_budget": _l("self-raised budget"),
    "special_spent": _l("special spent"),
    "self_raised_spent": _l("self-raised spent"),
}
CATEGORY_WORDS = {
    "设备费": Category.equipment,
    "设备购置费": Category.equipment,
    "材料费": Category.materials,
    "测试化验加工费": Category.testing,
    "测试费": Category.testing,
    "燃料动力费": Category.fuel_power,
    "差旅/会议/国际合作交流费": Category.travel_meeting,
    "差旅费": Category.travel_meeting,
    "会议费": Category.travel_meeting,
    "出版/文献/信息传播/知识产权事务费": Category.publication_ip,
    "知识产权事务费": Category.publication_ip,
    "劳务费": Category.labor,
    "专家咨询费": Category.expert_consulting,
    "其他支出": Category.other,
    "其他费用": Category.other,
    "间接费用": Category.indirect,
}
SPENT_WORDS = ("支出", "已用", "使用", "spent")


def _category_label(part: str, category: Category) -> LazyString:
    return LazyString(
        lambda: _("%(category)s · %(part)s", category=label("category", category), part=CATEGORY_PARTS[part])
    )


for _part in CATEGORY_PARTS:
    for _category in Category:
        FIELDS[f"{_part}:{_category.value}"] = (_category_label(_part, _category), "money", ())

KINDS = {key: spec[1] for key, spec in FIELDS.items()}
MONEY_FIELDS = tuple(k for k, kind in KINDS.items() if kind == "money")

_UNIT = re.compile(r"[（(][^）)]*[）)]")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """A header as it is compared: full-width folded, unit brackets dropped, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _UNIT.sub("", text)
    return _SPACES.sub("", text).strip().lower().replace("／", "/")


def _words() -> dict[str, str]:
    out = {}
    for key, (_label, _kind, words) in FIELDS.items():
        for w in words:
            out.setdefault(normalize(w), key)
    return out


WORDS = _words()
# The longest words first: "自筹资金已支出" before "自筹资金" and "已支出".
_BY_LENGTH = sorted(WORDS, key=len, reverse=True)


def match_field(header: str) -> str | None:
    """The field a header names: its exact word, then a budget category's budget or spending,
    then for a two-row header its lower part, then the longest field word the header contains
    (short English words only as the whole header)."""
    text = normalize(header)
    if not text:
        return None
    if text in WORDS:
        return WORDS[text]
    by_category = category_field(text)
    if by_category is not None:
        return by_category
    if "/" in text:
        top, _sep, bottom = text.partition("/")
        for candidate in (top + bottom, bottom + top):
            if candidate in WORDS:
                return WORDS[candidate]
        if bottom in WORDS:
            return WORDS[bottom]
    for word in _BY_LENGTH:
        if len(word) >= 2 and not word.isascii() and word in text:
            return WORDS[word]
    return None


_CATEGORIES_BY_LENGTH = sorted(CATEGORY_WORDS, key=len, reverse=True)


def category_field(text: str) -> str | None:
    """A normalised header naming a budget category: its budget, or its spending when it says so
    ("已支出"), special unless it says 自筹."""
    for word in _CATEGORIES_BY_LENGTH:
        if word in text:
            rest = text.replace(word, "")
            part = "spent" if any(w in rest for w in SPENT_WORDS) else "budget"
            source = "self_raised" if "自筹" in rest else "special"
            return f"{source}_{part}:{CATEGORY_WORDS[word].value}"
    return None


def unit_of(header: str) -> str | None:
    """wan or yuan when the header says so ("财政资金（万元）"), else None."""
    text = unicodedata.normalize("NFKC", str(header))
    if "万元" in text or "万" in "".join(_UNIT.findall(text)):
        return "wan"
    if re.search(r"[（(]\s*元\s*[）)]", text) or "(yuan)" in text.lower():
        return "yuan"
    return None
