"""The demo's application side (issue 14 item 8), built through the services as of dated days: one
open call with drafts and submissions, one call in review, one in public notice with an objection,
one approved last year whose projects now run, and a year of recommendations upward (some won, some
not, some pending)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .models import Category, Level, Outcome, Project, State, User
from .rules.applications import notice_end
from .schemas import ApplicationIn, BudgetLineIn, CallIn, IndicatorIn, RecommendationIn
from .services.applications import calls, forms, machine, notice, review, upward
from .services.transitions import transition


@dataclass(frozen=True)
class Draft:
    owner: str
    title: str
    special: str
    industry: str


def _body(call_id: int, d: Draft, start: date) -> ApplicationIn:
    special = Decimal(d.special)
    equipment = (special * Decimal("0.5")).quantize(Decimal("0.01"))
    materials = (special * Decimal("0.3")).quantize(Decimal("0.01"))
    return ApplicationIn.model_construct(
        call_id=call_id,
        title=d.title,
        start_date=start,
        end_date=date(start.year + 1, 12, 31),
        industry=d.industry,
        summary=f"{d.title}：研制、示范与推广。",
        special_funds=special,
        self_raised_committed=special,
        budget=[
            BudgetLineIn.model_construct(category=Category.equipment, special=equipment, self_raised=special),
            BudgetLineIn.model_construct(category=Category.materials, special=materials, self_raised=Decimal(0)),
            BudgetLineIn.model_construct(
                category=Category.labor, special=special - equipment - materials, self_raised=Decimal(0)
            ),
        ],
        indicators=[
            IndicatorIn.model_construct(key=key, name=name, unit=unit, target=Decimal(target), weight=Decimal(1))
            for key, name, unit, target in (
                ("sales", "销售收入", "万元", "800"),
                ("patents", "专利申请", "件", "3"),
                ("jobs", "新增就业", "人", "20"),
            )
        ],
    )


def _scores(points: int) -> dict[str, str]:
    return {c.key: str((c.max * points / 100).quantize(Decimal("0.5"), ROUND_HALF_UP)) for c in review.scoresheet()}


class ApplicationDemo:
    def __init__(self, b):
        self.b, self.today = b, b.today
        self.staff: User = b.users["staff"]

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def call(self, title: str, opens: int, closes: int, year: int | None = None):
        plan = self.b.plan("municipal", year or self.today.year)
        data = CallIn(
            plan_id=plan.id,
            title=title,
            opens_on=self.day(opens),
            closes_on=self.day(closes),
            guide="支持智能制造、新材料、节能环保等领域的关键技术研发与产业化。",
            max_special_funds=Decimal("500000.00"),
        )
        return calls.create_call(self.staff, data)

    def apply(self, call, d: Draft, start: date):
        owner = self.b.owner_of(d.owner)
        return forms.create_application(owner, _body(call.id, d, start))

    def submit(self, application, offset: int):
        return machine.transition(application, "submit", application.owner, self.b.rules, self.day(offset))

    def review(self, application, offset: int, seed: str, points=(86, 82, 90, 78, 84), score_upto: int = 5):
        on = self.day(offset)
        review.set_review_panel(self.staff, application, self.b.rules, on, draw_spec={"seed": seed})
        machine.transition(application, "form_panel", self.staff, self.b.rules, on)
        panel = review.panel_of(application)
        for member, p in list(zip(panel.members, points, strict=False))[:score_upto]:
            review.submit_score(
                member.expert, application, _scores(p), "pass", False, f"创新点明确，建议支持（{p}分）。"
            )

    def load(self) -> None:
        rules, staff = self.b.rules, self.staff
        # 1. The call open now: two drafts (the owners of 清水源 and 石晶光电 have an overdue acceptance
        # application: submitting shows the credit rule), two submissions (one waiting long for its check).
        open_call = self.call(f"{self.today.year}年度济源市科技计划项目申报指南（第二批）", -20, 25)
        self.apply(open_call, Draft("qsy", "高效水处理剂绿色合成工艺", "300000", "PVC深加工"), self.day(60))
        self.apply(open_call, Draft("sj", "畜禽养殖废弃物资源化利用", "200000", "生物科技"), self.day(60))
        a = self.apply(open_call, Draft("zytg", "高端模具钢洁净化冶炼技术", "450000", "装备制造"), self.day(60))
        self.submit(a, -12)
        a = self.apply(open_call, Draft("bd", "大尺寸蓝宝石晶体生长装备", "350000", "硅伏材料"), self.day(60))
        self.submit(a, -2)

        # 2. A call in review: one under review (scores late), one checked, one returned.
        review_call = self.call(f"{self.today.year}年度济源市科技计划项目申报指南（第一批）", -70, -40)
        a = self.apply(review_call, Draft("zytg", "特厚钢板轧制在线检测系统", "400000", "装备制造"), self.day(30))
        self.submit(a, -45)
        machine.transition(a, "pass_check", staff, rules, self.day(-38))
        self.review(a, -30, "demo-review-1", score_upto=3)
        a = self.apply(review_call, Draft("bd", "功能性饲料添加剂中试", "250000", "生物科技"), self.day(30))
        self.submit(a, -44)
        machine.transition(a, "pass_check", staff, rules, self.day(-37))
        a = self.apply(review_call, Draft("zytg", "光伏硅片金刚线切割工艺", "300000", "硅伏材料"), self.day(30))
        self.submit(a, -43)
        machine.transition(
            a, "return", staff, rules, self.day(-36), {"comment": "缺少近一年审计报告，请补充后重新提交。"}
        )

        # 3. A call in public notice, with an objection waiting to be resolved.
        notice_call = self.call(f"{self.today.year}年度济源市重点研发专项申报指南", -120, -90)
        for n, (d, points) in enumerate(
            (
                (Draft("zytg", "核电用大锻件关键材料研发", "500000", "装备制造"), (92, 90, 88, 94, 91)),
                (Draft("bd", "宠物功能食品研发与产业化", "300000", "生物科技"), (80, 76, 82, 78, 79)),
            )
        ):
            a = self.apply(notice_call, d, self.day(20))
            self.submit(a, -95)
            machine.transition(a, "pass_check", staff, rules, self.day(-88))
            self.review(a, -80, f"demo-notice-{n}", points)
            machine.transition(a, "conclude_review", staff, rules, self.day(-60))
            machine.transition(a, "publicize", staff, rules, self.day(-2), {"notice_until": notice_end(self.day(-2))})
            if n == 1:
                notice.raise_objection(
                    self.b.users["owner2"], a, "该单位同类项目此前已获市级资助，存在重复申报嫌疑。", self.day(-1)
                )

        # 4. Last year's call: approved, the projects now run.
        last = self.today.year - 1
        approved_call = self.call(f"{last}年度济源市科技计划项目申报指南", -400, -370, year=last)
        for n, d in enumerate(
            (
                Draft("zytg", "高强度耐磨钢板研发", "400000", "装备制造"),
                Draft("bd", "光电晶体材料精密加工", "300000", "硅伏材料"),
            )
        ):
            a = self.apply(approved_call, d, self.day(-300))
            self.submit(a, -380)
            machine.transition(a, "pass_check", staff, rules, self.day(-365))
            self.review(a, -355, f"demo-approved-{n}", (85 + n, 83, 88, 80, 86))
            machine.transition(a, "conclude_review", staff, rules, self.day(-335))
            machine.transition(
                a, "publicize", staff, rules, self.day(-330), {"notice_until": notice_end(self.day(-330))}
            )
            outcome = machine.transition(
                a,
                "approve",
                staff,
                rules,
                self.day(-320),
                {
                    "code": f"JYYB-{last}-S{n + 1:02d}",
                    "special_funds": a.special_funds,
                    "responsible_staff_id": staff.id,
                },
            )
            project: Project = outcome.project
            transition(project, "start", staff, rules, self.day(-300))
            assert project.state == State.in_progress

        # 5. A year of recommendations upward.
        year = self.today.year
        for title, org, level, programme, offset, result in (
            ("新能源汽车用特种钢材研发", "zytg", Level.provincial, "河南省重大科技专项", -200, Outcome.won),
            ("矿用防爆机器人", "ky", Level.provincial, "河南省重点研发与推广专项", -190, Outcome.won),
            ("低碳冶金关键技术", "zytg", Level.national, "国家重点研发计划", -180, Outcome.not_won),
            ("蓝宝石衬底材料产业化", "sj", Level.provincial, "河南省科技攻关计划", -150, Outcome.won),
            ("生物饲料菌种选育", "bd", Level.national, "国家重点研发计划", -120, None),
            ("高效絮凝剂绿色制备", "qsy", Level.provincial, "河南省重点研发与推广专项", -60, None),
        ):
            row = upward.recommend(
                staff,
                RecommendationIn(
                    level=level.value,
                    programme=programme,
                    year=year,
                    submitted_on=self.day(offset),
                    title=title,
                    organization_id=self.b.orgs[org].id,
                ),
            )
            if result is not None:
                doc = f"豫科〔{year}〕{abs(offset)}号"
                upward.record_outcome(staff, row, result, doc, rules, self.day(offset + 60))


def load_applications(b) -> None:
    ApplicationDemo(b).load()
