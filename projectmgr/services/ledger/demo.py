"""The demo's ledger (DESIGN §10: the 2010 work plan's twelve targets)."""

from datetime import date
from decimal import Decimal

from ...models import User
from .progress import add_progress
from .targets import TargetInput, create_target

DEMO_TARGETS = [
    # title, unit, value, metric, cumulative, responsible, sub-targets [(title, value, responsible)]
    ("争取国家级、省级科技计划项目", "项", "10", "national_provincial_won", True, "staff", []),
    ("实施重大科技专项", "项", "5", "major_projects_active", False, "staff", []),
    ("科技计划项目实施率", "%", "95", "implementation_rate", False, "staff", []),
    ("培育国家高新技术企业、省创新型试点企业", "家", "2", None, True, "staff", []),
    ("培育企业研发机构", "家", "6", None, True, "staff",
     [("工程技术研究中心", "4", "staff"), ("重点实验室", "2", "staff")]),
    ("新建企业研发中心", "个", "5", None, True, "staff", []),
    ("科技培训", "人次", "15000", None, True, "staff",
     [("农村实用技术培训", "12000", "staff"), ("企业技术人员培训", "3000", "staff")]),
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
