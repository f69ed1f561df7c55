"""The sheets and columns the exports write and the imports read, in both languages."""

# (key, 中文, English, kind). kind tells how a cell is read on import.
PROJECT_COLUMNS = [
    ("code", "项目编号", "Code", "text"),
    ("title", "项目名称", "Title", "text"),
    ("plan_id", "计划ID", "Plan ID", "int"),
    ("organization_id", "承担单位ID", "Organization ID", "int"),
    ("owner_id", "项目负责人ID", "Owner ID", "int"),
    ("start_date", "开始日期", "Start date", "date"),
    ("end_date", "结束日期", "End date", "date"),
    ("industry", "产业领域", "Industry", "text"),
    ("responsible_staff_id", "责任人ID", "Responsible officer ID", "int"),
    ("flags", "重点跟踪", "Key tracking", "flags"),
    ("special_funds", "专项资金（元）", "Special funds (yuan)", "money"),
    ("self_raised_committed", "自筹资金承诺（元）", "Self-raised committed (yuan)", "money"),
]
# Read-only columns after the importable ones in a project export.
PROJECT_EXTRA = [
    ("level", "级别", "Level"),
    ("plan", "科技计划", "Plan"),
    ("organization", "承担单位", "Organization"),
    ("state", "状态", "State"),
]
BUDGET_COLUMNS = [
    ("code", "项目编号", "Project code", "text"),
    ("category", "预算科目", "Category", "category"),
    ("special", "专项资金（元）", "Special (yuan)", "money"),
    ("self_raised", "自筹资金（元）", "Self-raised (yuan)", "money"),
]
INDICATOR_COLUMNS = [
    ("code", "项目编号", "Project code", "text"),
    ("key", "指标代码", "Indicator key", "text"),
    ("name", "指标名称", "Indicator name", "text"),
    ("unit", "单位", "Unit", "text"),
    ("target", "目标值", "Target", "decimal"),
    ("weight", "权重", "Weight", "decimal"),
]
SHEETS = {"projects": ("项目", "Projects"), "budget": ("经费预算", "Budget"), "indicators": ("绩效指标", "Indicators")}
FLAG_WORDS = {"重大项目": "major", "实施中存在问题": "problematic", "季节性强": "seasonal"}
CATEGORY_WORDS = {
    "设备费": "equipment",
    "材料费": "materials",
    "测试化验加工费": "testing",
    "燃料动力费": "fuel_power",
    "差旅/会议/国际合作交流费": "travel_meeting",
    "出版/文献/信息传播/知识产权事务费": "publication_ip",
    "劳务费": "labor",
    "专家咨询费": "expert_consulting",
    "其他支出": "other",
    "间接费用": "indirect",
}

LEDGER_COLUMNS = [
    ("id", "ID", "ID", "int"),
    ("parent_id", "上级目标ID", "Parent ID", "int"),
    ("year", "年度", "Year", "int"),
    ("title", "目标", "Target", "text"),
    ("unit", "单位", "Unit", "text"),
    ("target_value", "目标值", "Target value", "decimal"),
    ("cumulative", "累计型", "Cumulative", "bool"),
    ("metric", "计算指标", "Metric", "text"),
    ("responsible", "责任人（用户名）", "Responsible (username)", "text"),
    ("value", "完成值", "Achieved", "decimal"),
    ("note", "备注", "Note", "text"),
]
LEDGER_READONLY = [
    ("progress", "完成进度", "Progress"),
    ("expected", "时间进度", "Share of year gone"),
    ("status", "状态", "Status"),
]

# The project a row of the overdue and evaluation exports is about.
_PROJECT_NAMED = [("code", "项目编号", "Code"), ("title", "项目名称", "Title"), ("level", "级别", "Level")]
OVERDUE_COLUMNS = [
    *_PROJECT_NAMED,
    ("kind", "待办事项", "Due item"),
    ("due_date", "到期日", "Due date"),
    ("days", "逾期天数", "Days overdue"),
    ("flags", "重点跟踪", "Key tracking"),
    ("staff", "责任人", "Responsible officer"),
]
EVALUATION_COLUMNS = [
    *_PROJECT_NAMED,
    ("on_time", "按时履约", "On time"),
    ("survey", "调研通过", "Survey returns"),
    ("indicators", "指标进度", "Indicator progress"),
    ("execution", "资金执行率", "Fund execution"),
    ("score", "得分", "Score"),
    ("proposed", "建议等次", "Proposed grade"),
    ("grade", "考评等次", "Grade"),
    ("reason", "调整理由", "Reason"),
]
