"""The demo data (DESIGN §10): the bureau of the 2010 work plan of 济源市科学技术局, running.

Everything is built through the services and the lifecycle, as the bureau's people would have
done it over the past three years, so every rule, due item, credit record and history row is real.
Dates are relative to `today`: whenever the demo is loaded it shows a project in every state,
overdue items, and work waiting for each demo account. `load` flushes and never commits.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from .demo_applications import load_applications
from .extensions import db
from .lifecycle import AFTER_CONCLUSION
from .models import (
    Aggregation,
    Category,
    Flag,
    FundSource,
    Level,
    OrgKind,
    Project,
    ReportKind,
    Role,
    User,
)
from .permissions import SYSTEM
from .rules.credit_code import make_credit_code
from .rules.deadlines import add_months
from .rules.scoring import DEFAULT_SCORESHEET
from .rules.settings import RuleSettings
from .services import evaluation, funds, ledger, panels, registry, settings
from .services.projects import BudgetInput, IndicatorInput, ProjectInput, register_project
from .services.transitions import transition

PASSWORD = "demo12345"

# key, name, kind, the first 17 characters of the credit code (registration authority and type,
# administrative division, organisation code); the check character is computed (GB 32100-2015).
ORGANIZATIONS: tuple[tuple[str, str, OrgKind, str], ...] = (
    ("bureau", "济源市科学技术局", OrgKind.government, "11419001005230118"),
    ("zytg", "中原特钢", OrgKind.enterprise, "91419001171060127"),
    ("qsy", "清水源", OrgKind.enterprise, "91419001742547103"),
    ("bd", "贝迪公司", OrgKind.enterprise, "91419001MA40B3D21"),
    ("ky", "矿用公司", OrgKind.enterprise, "91419001706781235"),
    ("lc", "联创化工", OrgKind.enterprise, "91419001763102458"),
    ("sj", "石晶光电", OrgKind.enterprise, "91419001MA3X4G8K6"),
    ("tyut", "太原理工大学", OrgKind.university, "12140000405200313"),
    ("xidian", "西安电子科技大学", OrgKind.university, "12610000435230437"),
    ("ustb", "北京科技大学", OrgKind.university, "12100000400010624"),
    ("lynm", "洛阳有色院", OrgKind.institute, "12410300416901218"),
    ("ioz", "中科院动物所", OrgKind.institute, "12100000400012892"),
    ("tongji", "同济大学", OrgKind.university, "12100000425006117"),
    ("buct", "北京化工大学", OrgKind.university, "12100000400011295"),
)


# Every demo account has an address on the reserved .invalid domain (RFC 2606): with MAIL_SERVER
# pointed at a local test SMTP server the sweep's emails can be read there, and nothing can reach a
# real mailbox.
DEMO_MAIL_DOMAIN = "demo.projectmgr.invalid"


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    display_name: str
    organization: str | None
    try_this: str
    fields: tuple[str, ...] = ()
    finance: bool = False
    title: str = ""
    conflicts: tuple[str, ...] = ()  # organisation keys the expert has declared a conflict with


# fmt: off
ACCOUNTS: tuple[Account, ...] = (
    Account("admin", Role.admin, "系统管理员", "bureau", "accounts and settings; everything staff can do"),
    Account("security", Role.security_officer, "安全管理员", "bureau", "unlock accounts, reset a second factor"),
    Account("auditor", Role.auditor, "审计管理员", "bureau", "the security audit log and the project history"),
    Account("staff", Role.staff, "王科长", "bureau",
            "responsible officer (责任人) of the municipal projects: form a panel for a waiting application, "
            "review submitted surveys, decide the pending extension, the overdue radar"),
    Account("staff2", Role.staff, "李明", "bureau",
            "responsible officer of the national and provincial projects: record the higher authority's conclusion"),
    Account("leader", Role.leader, "张局长", "bureau",
            "bureau leader (局领导): read-only dashboards and every project"),
    Account("owner", Role.owner, "赵建新", "qsy",
            "project owner of 清水源: resubmit the returned survey, reapply after rectification, "
            "an acceptance application overdue, a pending extension"),
    Account("owner2", Role.owner, "孙永刚", "zytg", "owner of 中原特钢 (an extended project, a national one)"),
    Account("owner3", Role.owner, "马丽娟", "bd", "owner of 贝迪公司 (an open survey window, a project under review)"),
    Account("owner4", Role.owner, "周国强", "ky",
            "owner of 矿用公司 (overspent special funds; a project deemed failed)"),
    Account("owner5", Role.owner, "吴海涛", "lc", "owner of 联创化工 (self-raised funds short; a failed acceptance)"),
    Account("owner6", Role.owner, "郑晓燕", "sj", "owner of 石晶光电 (a survey report overdue; a terminated project)"),
    Account("expert1", Role.expert, "王建国", "tyut",
            "expert: two panels wait for your scores (one past its scoring deadline)",
            fields=("矿用机电", "装备制造"), title="教授"),
    Account("expert2", Role.expert, "李淑芬", None, "finance expert (财务专家)",
            fields=("财务审计",), finance=True, title="高级会计师"),
    Account("expert3", Role.expert, "张卫东", "xidian", "expert", fields=("矿用机电", "硅伏材料"), title="教授"),
    Account("expert4", Role.expert, "刘海燕", "ioz", "expert", fields=("生物科技", "畜禽养殖加工"), title="研究员"),
    Account("expert5", Role.expert, "陈志强", None, "finance expert: a panel waits for your scores",
            fields=("财务审计",), finance=True, title="正高级会计师"),
    Account("expert6", Role.expert, "赵明", "buct", "expert", fields=("PVC深加工",), title="教授"),
    Account("expert7", Role.expert, "孙立新", "lynm", "expert", fields=("铅锌延伸加工",), title="教授级高级工程师"),
    Account("expert8", Role.expert, "周红梅", None, "finance expert",
            fields=("财务审计",), finance=True, title="注册会计师"),
    Account("expert9", Role.expert, "吴国平", "ustb", "expert with a declared conflict (回避) with 中原特钢",
            fields=("装备制造", "铅锌延伸加工"), title="教授", conflicts=("zytg",)),
    Account("expert10", Role.expert, "郑晓光", "tongji", "expert", fields=("生物科技", "硅伏材料"), title="教授"),
    Account("expert11", Role.expert, "黄丽", None, "finance expert",
            fields=("财务审计",), finance=True, title="高级会计师"),
)
# fmt: on


def _accounts_text() -> str:
    org_names = {key: name for key, name, _, _ in ORGANIZATIONS}
    head = ("username", "password", "role", "name", "what to try")
    rows = [
        (
            a.username,
            PASSWORD,
            a.role.value,
            a.display_name + (f"（{org_names[a.organization]}）" if a.organization else ""),
            a.try_this + (f" [{'、'.join(a.fields)}]" if a.fields else ""),
        )
        for a in ACCOUNTS
    ]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(3)]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(r[i].ljust(widths[i]) for i in range(3)) + f"  {r[3]}: {r[4]}"

    return "\n".join([f"Demo accounts (password for all: {PASSWORD})", line(head), *(line(r) for r in rows)])


ACCOUNTS_TEXT = _accounts_text()

# Plans (科技计划) by kind: name, level, minimum self-raised ratio, aggregation of expert scores.
PLANS: dict[str, tuple[str, Level, Decimal, Aggregation]] = {
    "national": ("国家科技计划（转报）", Level.national, Decimal("0"), Aggregation.mean),
    "provincial": ("河南省重大科技专项", Level.provincial, Decimal("3.00"), Aggregation.mean),
    "municipal_key": ("济源市科技计划（重点）", Level.municipal, Decimal("1.00"), Aggregation.trimmed_mean),
    "municipal": ("济源市科技计划（一般）", Level.municipal, Decimal("1.00"), Aggregation.mean),
}
CODE_PREFIX = {"national": "GJZB", "provincial": "HNZX", "municipal_key": "JYZD", "municipal": "JYYB"}

# The demo projects' task-book indicators: each key's name and unit.
# fmt: off
INDICATORS: dict[str, tuple[str, str]] = {
    "sales": ("销售收入", "万元"), "tax": ("新增利税", "万元"), "jobs": ("新增就业", "人"),
    "patents": ("专利申请", "件"), "products": ("新产品", "个"), "standards": ("标准制定", "项"),
    "papers": ("论文", "篇"), "trained": ("技术培训", "人次"), "bases": ("示范基地", "个"),
}
# fmt: on

# Budget shares in percent per category, (special, self-raised): an equipment-heavy project, a laboratory one.
BUDGET_SHARES = (
    (Category.equipment, (40, 50), (20, 30)),
    (Category.materials, (25, 25), (30, 35)),
    (Category.testing, (10, 5), (20, 15)),
    (Category.fuel_power, (0, 10), (0, 5)),
    (Category.travel_meeting, (5, 0), (5, 0)),
    (Category.publication_ip, (5, 0), (8, 0)),
    (Category.labor, (10, 10), (12, 15)),
    (Category.expert_consulting, (2, 0), (2, 0)),
    (Category.indirect, (3, 0), (3, 0)),
)
EQUIPMENT_HEAVY = {category: shares for category, shares, _ in BUDGET_SHARES}
LABORATORY = {category: shares for category, _, shares in BUDGET_SHARES}


def budget(special: Decimal, self_raised: Decimal, shares: dict) -> list[BudgetInput]:
    """Lines in the given shares; rounding goes to the first line so the lines sum exactly."""
    lines = [
        BudgetInput(c, (special * s / 100).quantize(Decimal("1")), (self_raised * r / 100).quantize(Decimal("1")))
        for c, (s, r) in shares.items()
    ]
    lines[0].special += special - sum(x.special for x in lines)
    lines[0].self_raised += self_raised - sum(x.self_raised for x in lines)
    return lines


def scoresheet(points: int) -> dict[str, str]:
    """One expert's sheet totalling `points`, spread over the default criteria in proportion."""
    values = {c.key: (c.max * points / 100).quantize(Decimal("0.5"), ROUND_HALF_UP) for c in DEFAULT_SCORESHEET}
    values["task_content"] += Decimal(points) - sum(values.values())
    return {k: f"{v:f}" for k, v in values.items()}


def recommendation(points: int) -> str:
    return "pass" if points >= 80 else "rectify" if points >= 60 else "fail"


@dataclass
class Spec:
    """One demo project: the task book, and its story up to today."""

    org: str
    plan: str
    title: str
    industry: str
    special: int  # yuan
    self_raised: int
    start: date
    end: date
    indicators: dict[str, int]
    story: Callable[["Builder", Project, "Spec"], None]
    flags: tuple[Flag, ...] = ()
    staff: str = "staff"
    shares: dict = field(default_factory=lambda: EQUIPMENT_HEAVY)
    params: dict = field(default_factory=dict)


class Builder:
    """Creates the demo through the services, remembering what it made."""

    def __init__(self, today: date, rules: RuleSettings):
        self.today = today
        self.rules = rules
        self.orgs: dict = {}
        self.users: dict[str, User] = {}
        self.plans: dict[tuple[str, int], object] = {}
        self.numbers: dict[tuple[str, int], int] = {}

    # --- people and plans ------------------------------------------------------------------

    def organizations(self) -> None:
        for key, name, kind, body in ORGANIZATIONS:
            self.orgs[key] = registry.create_organization(name, kind, make_credit_code(body))

    def accounts(self) -> None:
        for a in ACCOUNTS:
            expert = None
            if a.role == Role.expert:
                expert = {
                    "fields": list(a.fields),
                    "finance": a.finance,
                    "title": a.title,
                    "conflict_organization_ids": [self.orgs[k].id for k in a.conflicts],
                }
            self.users[a.username] = registry.create_user(
                SYSTEM,
                username=a.username,
                password=PASSWORD,
                role=a.role,
                display_name=a.display_name,
                organization_id=self.orgs[a.organization].id if a.organization else None,
                email=f"{a.username}@{DEMO_MAIL_DOMAIN}",
                expert=expert,
                # The demo's accounts keep demo12345 and sign in without a second factor
                # (README "Accounts and the audit log"); only `demo load` passes this.
                policy_exempt=True,
            )

    def plan(self, kind: str, year: int):
        if (kind, year) not in self.plans:
            name, level, ratio, aggregation = PLANS[kind]
            self.plans[kind, year] = registry.create_plan(
                self.rules, name=name, level=level, year=year, min_self_raised_ratio=ratio, aggregation=aggregation
            )
        return self.plans[kind, year]

    def owner_of(self, org_key: str) -> User:
        return next(self.users[a.username] for a in ACCOUNTS if a.role == Role.owner and a.organization == org_key)

    # --- projects --------------------------------------------------------------------------

    def register(self, spec: Spec) -> Project:
        year = min(spec.start.year, self.today.year)
        plan = self.plan(spec.plan, year)
        number = self.numbers[spec.plan, year] = self.numbers.get((spec.plan, year), 0) + 1
        owner = self.owner_of(spec.org)
        special, self_raised = Decimal(spec.special), Decimal(spec.self_raised)
        data = ProjectInput(
            code=f"{CODE_PREFIX[spec.plan]}-{year}-{number:03d}",
            title=spec.title,
            plan_id=plan.id,
            organization_id=owner.organization_id,
            owner_id=owner.id,
            start_date=spec.start,
            end_date=spec.end,
            special_funds=special,
            self_raised_committed=self_raised,
            budget=budget(special, self_raised, spec.shares),
            indicators=[
                IndicatorInput(key, *INDICATORS[key], Decimal(target)) for key, target in spec.indicators.items()
            ],
            industry=spec.industry,
            responsible_staff_id=self.users[spec.staff].id,
            flags=list(spec.flags),
        )
        project = register_project(self.users["staff"], data, self.rules, self.today)
        spec.story(self, project, spec)
        return project

    def fire(self, project: Project, trigger: str, on: date, by: str | None = "staff", **params) -> None:
        user = project.owner if by == "owner" else (self.users[by] if by else SYSTEM)
        transition(project, trigger, user, self.rules, on, params)

    def staff_of(self, project: Project) -> str:
        return project.responsible_staff.username

    def before_today(self, d: date) -> date:
        return min(d, self.today)

    def money(self, project: Project, disbursed: str, arrived: str, spent: str) -> None:
        """Disbursements in two tranches, self-raised arrivals, and spending of each budget line,
        as shares of the grant, the commitment and the lines."""
        owner, start = project.owner, project.start_date
        grant = project.special_funds * Decimal(disbursed)
        first = (grant * Decimal("0.6")).quantize(Decimal("0.01"))
        for on, amount in ((start + timedelta(days=20), first), (add_months(start, 7), grant - first)):
            if amount > 0:
                funds.record_disbursement(self.users["staff"], project, self.before_today(on), amount)
        arrived_total = project.self_raised_committed * Decimal(arrived)
        half = (arrived_total / 2).quantize(Decimal("0.01"))
        for on, amount in ((start + timedelta(days=25), half), (add_months(start, 5), arrived_total - half)):
            if amount > 0:
                funds.record_self_raised(owner, project, self.before_today(on), amount, "自筹资金到位")
        n = 0
        for line in project.budget_lines:
            for source, approved in ((FundSource.special, line.special), (FundSource.self_raised, line.self_raised)):
                amount = (approved * Decimal(spent)).quantize(Decimal("0.01"))
                if amount > 0:
                    n += 1
                    on = self.before_today(add_months(start, 2) + timedelta(days=9 * n))
                    funds.record_expenditure(
                        owner, project, on, line.category, source, amount, f"记-{on:%Y%m}-{n:03d}", self.today
                    )

    def report(self, project: Project, kind: ReportKind, ratio: str, summary: str, separate: bool = True) -> None:
        achieved = [
            (i.key, (i.target * Decimal(ratio)).quantize(Decimal("1"), ROUND_HALF_UP)) for i in project.indicators
        ]
        funds.submit_report(
            project.owner, project, kind, summary, achieved, separate if kind == ReportKind.acceptance else None
        )

    def survey(self, project: Project, opened: date, due: date, submitted: date | None, accepted: date | None):
        """A half-year survey window (半年调研): opened, reported, accepted."""
        staff = self.staff_of(project)
        self.fire(project, "open_survey", opened, staff, due_date=due)
        if submitted is not None:
            self.report(project, ReportKind.survey, "0.5", "项目按任务书进度实施，关键设备已到位，完成阶段性试验。")
            self.fire(project, "submit_survey", submitted, "owner")
        if accepted is not None:
            self.fire(project, "accept_survey", accepted, staff)

    def routine(self, project: Project, survey: bool = True) -> None:
        """Start on the start date; a survey half a year in, if that is behind us."""
        self.fire(project, "start", project.start_date, self.staff_of(project))
        opened = add_months(project.start_date, 6)
        if survey and opened + timedelta(days=25) <= self.today:
            self.survey(
                project, opened, opened + timedelta(days=20), opened + timedelta(days=15), opened + timedelta(25)
            )

    def apply(self, project: Project, on: date, ratio: str, separate: bool = True) -> None:
        self.report(
            project,
            ReportKind.acceptance,
            ratio,
            "项目已按任务书完成全部研究内容，提交验收申请及财务决算报告。",
            separate,
        )
        self.fire(project, "apply_acceptance", on, "owner")

    def panel(self, project: Project, on: date, experts: tuple[str, ...] | None = None) -> None:
        staff = self.users[self.staff_of(project)]
        if experts is None:
            panels.set_panel(staff, project, self.rules, on, draw_spec={"size": 5, "seed": f"demo-{project.code}"})
        else:
            ids = [self.users[u].id for u in experts]
            panels.set_panel(staff, project, self.rules, on, expert_ids=ids)
        self.fire(project, "form_panel", on, staff.username)

    def score(self, project: Project, points: list[int], concern: int | None = None) -> None:
        """The first len(points) members of the current panel score."""
        members = panels.active_members(panels.panel_for_round(project))
        for n, (member, p) in enumerate(zip(members, points, strict=False)):
            comment = "资料齐全，指标完成情况良好。" if p >= 80 else "部分指标未达任务书要求，需补充佐证材料。"
            panels.submit_score(member.expert, project, scoresheet(p), recommendation(p), n == concern, comment)


# --- stories: how each project got to where it is today --------------------------------------


def approved(b: Builder, p: Project, spec: Spec) -> None:
    """Registered; starts next month."""


def running(b: Builder, p: Project, spec: Spec) -> None:
    b.routine(p)
    b.money(p, *spec.params.get("money", ("1", "1", "0.6")))
    if "overspend" in spec.params:
        line = next(x for x in p.budget_lines if x.category == Category.equipment)
        funds.record_expenditure(
            p.owner,
            p,
            b.today - timedelta(days=12),
            Category.equipment,
            FundSource.special,
            (line.special * Decimal(spec.params["overspend"])).quantize(Decimal("0.01")),
            "记-追加-001",
            b.today,
        )
    if "extension" in spec.params:
        asked, new_end, decided = spec.params["extension"]
        funds.request_extension(p.owner, p, new_end, "关键设备进口延迟到货，中试推迟。", b.rules, asked)
        if decided:
            funds.decide_extension(b.users[b.staff_of(p)], p, True, b.rules, b.today)


def surveying(b: Builder, p: Project, spec: Spec) -> None:
    """In a survey window: open, submitted, or returned for revision."""
    b.routine(p, survey=False)
    b.money(p, "0.6", "0.7", "0.4")
    opened, due = spec.params["survey"]
    b.survey(p, opened, due, spec.params.get("submitted"), None)
    if "returned" in spec.params:
        b.fire(
            p,
            "return_survey",
            spec.params["returned"],
            b.staff_of(p),
            comment="销售收入数据缺少发票佐证，请补充后重新提交。",
        )


def applied(b: Builder, p: Project, spec: Spec) -> None:
    b.routine(p)
    b.money(p, "1", "1", "0.95")
    b.apply(p, spec.params["applied"], "1.08")


def reviewing(b: Builder, p: Project, spec: Spec) -> None:
    """Under review by a panel chosen by the staff; some members have scored."""
    applied(b, p, spec)
    b.panel(p, spec.params["formed"], spec.params["experts"])
    b.score(p, spec.params["points"])


def concluded(b: Builder, p: Project, spec: Spec) -> None:
    """Through a drawn panel to the computed conclusion (accepted, rectifying or failed)."""
    b.routine(p)
    b.money(p, "1", spec.params.get("arrived", "1"), "0.95")
    b.apply(p, spec.params["applied"], spec.params.get("achieved", "1.1"))
    b.panel(p, spec.params["formed"])
    b.score(p, spec.params["points"], spec.params.get("concern"))
    if spec.params.get("close_out"):
        b.fire(p, "close_out", spec.params["concluded"], b.staff_of(p), comment=spec.params["close_out"])
    else:
        b.fire(p, "conclude", spec.params["concluded"], b.staff_of(p))
    if "grade" in spec.params:
        b.fire(p, "evaluate", spec.params["evaluated"], b.staff_of(p), grade=spec.params["grade"])


def higher_conclusion(b: Builder, p: Project, spec: Spec) -> None:
    """National or provincial: the higher authority accepts; the bureau records its document."""
    applied(b, p, spec)
    on, document_no = spec.params["recorded"]
    b.fire(p, "record_conclusion", on, b.staff_of(p), conclusion="accepted", document_no=document_no)
    if "grade" in spec.params:
        b.fire(p, "evaluate", spec.params["evaluated"], b.staff_of(p), grade=spec.params["grade"])


def terminated(b: Builder, p: Project, spec: Spec) -> None:
    b.routine(p)
    b.money(p, "0.6", "0.5", "0.3")
    b.fire(p, "terminate", spec.params["terminated"], b.staff_of(p), comment=spec.params["reason"])


def expired(b: Builder, p: Project, spec: Spec) -> None:
    """Never applied for acceptance: the daily sweep deemed it failed the day after the deadline."""
    b.routine(p)
    b.money(p, "1", "0.8", "0.7")
    deadline = add_months(p.end_date, b.rules.acceptance_grace_months)
    b.fire(p, "expire", deadline + timedelta(days=1), None)


def specs(today: date) -> list[Spec]:
    """The demo projects. Projects that fail or leave an acceptance application overdue come last:
    the research-integrity rule refuses new projects to their organisation after them."""

    def m(n: int) -> date:
        return add_months(today, n)

    def d(n: int) -> date:
        return today + timedelta(days=n)

    next_month = add_months(today.replace(day=1), 1)
    two_years = add_months(next_month, 24) - timedelta(days=1)
    # One project a row: org, plan, title, industry, special and self-raised funds (yuan), start, end,
    # indicator targets, story; then flags and the keywords. The formatter keeps the table as laid out.
    # fmt: off
    return [
        # 清水源 (the main demo owner)
        Spec("qsy", "municipal_key", "新型绿色阻垢缓蚀剂研发及产业化", "生物科技", 400000, 600000, m(-10), m(2),
             {"sales": 3000, "jobs": 40, "patents": 5, "products": 2}, running, (Flag.major,),
             params={"money": ("0.6", "0.7", "0.5"), "extension": (d(-3), m(8), False)}),
        Spec("qsy", "municipal", "膜法污水深度处理成套装备研制", "装备制造", 300000, 300000, m(-7), m(11),
             {"sales": 1500, "jobs": 20, "patents": 3}, surveying,
             params={"survey": (d(-25), d(10)), "submitted": d(-12), "returned": d(-5)}),
        Spec("qsy", "municipal_key", "铅锌冶炼副产物制备聚合硫酸铁水处理剂", "铅锌延伸加工",
             500000, 800000, m(-24), m(-1), {"sales": 5000, "tax": 600, "jobs": 50, "patents": 6, "standards": 1},
             applied, (Flag.major,), params={"applied": d(-8)}),
        Spec("qsy", "municipal", "工业循环水智能加药装备研发", "装备制造", 300000, 450000, m(-26), m(-3),
             {"sales": 1200, "jobs": 15, "patents": 4, "products": 1}, concluded,
             params={"arrived": "0.8", "applied": d(-60), "formed": d(-50), "concluded": d(-30),
                     "points": [78, 80, 75, 82, 77]}),
        # 中原特钢
        Spec("zytg", "provincial", "风电主轴用大型特种钢锻件研制", "装备制造", 1500000, 4500000, m(-20), m(-1),
             {"sales": 20000, "tax": 2500, "jobs": 80, "patents": 8, "standards": 2}, running, (Flag.major,),
             staff="staff2", params={"extension": (m(-3), m(8), True), "money": ("1", "1", "0.7")}),
        Spec("zytg", "municipal_key", "大型锻件数字化热处理装备研制", "装备制造", 500000, 1000000, m(-8), m(10),
             {"sales": 4000, "jobs": 30, "patents": 4, "products": 1}, surveying, (Flag.major,),
             params={"survey": (d(-20), d(5)), "submitted": d(-3)}),
        Spec("zytg", "national", "核电用高品质特殊钢大型锻件关键技术研究", "装备制造", 3000000, 6000000, m(-36), m(-2),
             {"sales": 30000, "tax": 4000, "patents": 12, "papers": 6, "standards": 2}, applied, (Flag.major,),
             staff="staff2", shares=LABORATORY, params={"applied": d(-30)}),
        Spec("zytg", "municipal_key", "风电齿轮箱用高性能渗碳钢研发", "装备制造", 400000, 600000, m(-30), m(-9),
             {"sales": 2500, "jobs": 25, "patents": 4, "products": 2}, concluded,
             params={"applied": m(-8), "formed": m(-8) + timedelta(days=10), "concluded": m(-7),
                     "points": [92, 90, 88, 94, 91], "grade": "excellent", "evaluated": d(-2)}),
        # 矿用公司
        Spec("ky", "municipal_key", "矿用隔爆型变频调速装置研发", "矿用机电", 400000, 500000, m(-9), m(9),
             {"sales": 2000, "jobs": 25, "patents": 4, "products": 2}, running, (Flag.problematic,),
             params={"money": ("1", "0.8", "0.8"), "overspend": "0.5"}),
        Spec("ky", "municipal", "煤矿井下智能供电监控系统", "矿用机电", 250000, 300000, m(-6), m(12),
             {"sales": 1000, "jobs": 12, "patents": 3}, surveying,
             params={"survey": (d(-15), d(15)), "submitted": d(-2)}),
        Spec("ky", "municipal_key", "矿用本质安全型电源研制", "矿用机电", 300000, 400000, m(-27), m(-4),
             {"sales": 1800, "jobs": 20, "patents": 3, "products": 2}, concluded,
             params={"applied": d(-95), "formed": d(-85), "concluded": d(-70), "points": [86, 84, 88, 83, 85]}),
        # 联创化工
        Spec("lc", "provincial", "PVC深加工新型管材产业化", "PVC深加工", 1000000, 3000000, m(-12), m(12),
             {"sales": 15000, "tax": 1800, "jobs": 60, "patents": 6}, running, (Flag.problematic,), staff="staff2",
             params={"money": ("0.6", "0.4", "0.35")}),
        Spec("lc", "municipal", "PVC-O双轴取向管材生产线研制", "PVC深加工", 350000, 500000, m(-26), m(-2),
             {"sales": 2500, "jobs": 20, "patents": 3, "products": 1}, reviewing,
             params={"applied": d(-30), "formed": d(-20), "points": [84, 81],
                     "experts": ("expert6", "expert8", "expert1", "expert10", "expert11")}),
        # 贝迪公司
        Spec("bd", "municipal", "畜禽粪污资源化利用技术示范", "畜禽养殖加工", 200000, 300000, next_month, two_years,
             {"trained": 800, "bases": 2, "jobs": 10}, approved, (Flag.seasonal,), shares=LABORATORY),
        Spec("bd", "municipal_key", "生猪健康养殖与肉制品精深加工技术集成", "畜禽养殖加工",
             400000, 500000, m(-6), m(12), {"sales": 3000, "jobs": 35, "trained": 1200, "bases": 1}, surveying,
             (Flag.seasonal,), shares=LABORATORY, params={"survey": (d(-5), d(25))}),
        Spec("bd", "municipal", "禽类屠宰副产物生物活性肽提取技术", "生物科技", 300000, 300000, m(-25), m(-1),
             {"sales": 1200, "patents": 4, "papers": 3, "products": 2}, reviewing, shares=LABORATORY,
             params={"applied": d(-15), "formed": d(-5), "points": [88, 85, 90],
                     "experts": ("expert2", "expert3", "expert4", "expert1", "expert5")}),
        Spec("bd", "municipal", "肉鸡规模化健康养殖技术集成与示范", "畜禽养殖加工", 200000, 250000, m(-28), m(-6),
             {"sales": 1500, "jobs": 15, "trained": 1000, "bases": 2}, concluded, (Flag.seasonal,), shares=LABORATORY,
             params={"applied": m(-5), "formed": m(-5) + timedelta(days=10), "concluded": m(-4), "achieved": "0.82",
                     "points": [72, 70, 75, 68, 74],
                     "close_out": "受禽流感疫情影响，销售收入未达任务书目标，属客观原因，经专家组评议予以结题。"}),
        Spec("bd", "provincial", "动物源性食品安全快速检测技术", "生物科技", 800000, 2400000, m(-36), m(-10),
             {"sales": 6000, "patents": 6, "papers": 5, "standards": 1}, higher_conclusion, staff="staff2",
             shares=LABORATORY,
             params={"applied": m(-9), "recorded": (m(-6), f"豫科验〔{m(-6).year}〕17号"), "grade": "good",
                     "evaluated": d(-2)}),
        # 石晶光电
        Spec("sj", "municipal", "高效多晶硅太阳能电池片制备工艺研究", "硅伏材料", 300000, 400000, next_month, two_years,
             {"sales": 2000, "patents": 4, "products": 1}, approved),
        Spec("sj", "municipal", "太阳能级硅片线切割废砂浆回收利用", "硅伏材料", 250000, 300000, m(-8), m(10),
             {"sales": 1500, "jobs": 15, "patents": 2}, surveying, params={"survey": (d(-45), d(-15))}),
        Spec("sj", "provincial", "硅基薄膜光伏材料关键技术研究", "硅伏材料", 1200000, 3600000, m(-30), m(-2),
             {"sales": 10000, "patents": 8, "papers": 4, "products": 2}, applied, (Flag.major,), staff="staff2",
             shares=LABORATORY, params={"applied": d(-20)}),
        Spec("sj", "national", "光伏级多晶硅提纯关键技术", "硅伏材料", 2000000, 3000000, m(-40), m(-8),
             {"sales": 25000, "tax": 3000, "patents": 10, "papers": 5}, higher_conclusion, staff="staff2",
             params={"applied": m(-7), "recorded": (m(-5), f"国科发火〔{m(-5).year}〕86号")}),
        Spec("sj", "municipal", "单晶硅棒拉制节能技术改造", "硅伏材料", 300000, 400000, m(-14), m(4),
             {"sales": 1800, "jobs": 10, "patents": 2}, terminated,
             params={"terminated": d(-60),
                     "reason": "企业转产，核心技术人员流失，项目无法继续实施，经局务会研究予以终止。"}),
        # Last of their organisations: a failed conclusion or an overdue application blocks new projects.
        Spec("ky", "municipal", "矿用防爆电机远程故障诊断系统", "矿用机电", 300000, 350000, m(-30), m(-7),
             {"sales": 1500, "jobs": 10, "patents": 3}, expired),
        Spec("lc", "municipal_key", "PVC木塑复合材料开发及应用", "PVC深加工", 300000, 300000, m(-28), m(-5),
             {"sales": 2000, "jobs": 20, "patents": 3, "products": 2}, concluded,
             params={"applied": d(-130), "formed": d(-120), "concluded": d(-105), "achieved": "0.7",
                     "points": [52, 58, 55, 61, 49], "concern": 0}),
        Spec("qsy", "municipal", "高效脱氮除磷复合菌剂研发", "生物科技", 300000, 350000, m(-28), m(-4),
             {"sales": 1000, "patents": 3, "papers": 2}, running, shares=LABORATORY,
             params={"money": ("1", "1", "0.85")}),
        Spec("sj", "municipal", "光伏级多晶硅铸锭炉热场优化", "硅伏材料",
             250000, 300000, m(-27), m(-3) - timedelta(days=5), {"sales": 1200, "jobs": 8, "patents": 2}, running,
             params={"money": ("1", "1", "0.9")}),
    ]
    # fmt: on


def is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.username == ACCOUNTS[0].username)) is not None


def load(today: date) -> bool:
    """Create the demo as of `today`; False (and nothing changed) if it is loaded already.
    Flushes; the caller commits."""
    if is_loaded():
        return False
    b = Builder(today, settings())
    b.organizations()
    b.accounts()
    for kind in PLANS:
        b.plan(kind, today.year)
    for spec in specs(today):
        b.register(spec)
    load_applications(b)
    ledger.load_demo_targets(today.year, b.users, today)
    evaluate_past_years(b)
    db.session.flush()
    return True


def evaluate_past_years(b: Builder) -> None:
    """The bureau has graded every project in the earlier years it ran, so the radar shows what is
    really late. A concluded project keeps its conclusion: the evaluation of the year it concluded,
    which would move it to `evaluated`, is left for staff to try."""
    staff = b.users["staff"]
    first = db.session.scalar(select(func.min(Project.start_date))).year
    for year in range(first, b.today.year):
        for ev in evaluation.run_evaluation(staff, year, b.today, b.rules):
            project = ev.project
            concluded = project.state in AFTER_CONCLUSION
            if not concluded or (project.concluded_on is not None and year < project.concluded_on.year):
                evaluation.confirm(staff, ev, None, None, b.today, b.rules)
