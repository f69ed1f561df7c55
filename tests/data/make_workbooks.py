"""Bureau workbooks the way bureaus make them, for the moving-in tests, the browser walk and the
benchmark. `python tests/data/make_workbooks.py` writes them into tests/data/; the tests call the
functions directly (into a temporary folder) so the files never go stale.

- bureau_2024.xlsx: a title row merged across every column, a header row, amounts in 万元, a
  period column, Chinese states, plan names, a 合计 row, and one bad row ("约50万").
- bureau_two_rows.xlsx: a title row and a header over two rows (a group heading "财政资金（万元）"
  merged over its columns, codes and names merged down both rows), separate start and end dates.
- bureau_gb18030.csv: a CSV in GB18030 with 元 amounts, thousands separators, full-width digits
  and every date form.
- bureau_categories.xlsx: budget and spending by category (设备费, 材料费, 劳务费 each merged over
  预算 and 已支出), one row whose categories exceed its grant.
- bureau_rows(n): n clean rows in the first layout (the benchmark's 1,000-row workbook).
- corrupt.xlsx, protected.xlsx (an encrypted workbook's OLE header), no_header.xlsx."""

import csv
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from projectmgr.rules.credit_code import make_credit_code  # noqa: E402

HERE = Path(__file__).resolve().parent
TITLE = "2024年度市级科技计划项目汇总表"
HEADERS = [
    "序号",
    "项目编号",
    "项目名称",
    "承担单位",
    "统一社会信用代码",
    "项目负责人",
    "联系电话",
    "计划类别",
    "起止时间",
    "财政资金（万元）",
    "自筹资金（万元）",
    "已拨付（万元）",
    "已支出（万元）",
    "项目状态",
    "备注",
]
PLAN = "市重点研发专项"
ORGS = [
    ("安阳市清水源环保科技有限公司", make_credit_code("91410500MA3X00001")),
    ("安阳工学院", make_credit_code("12410000MB1A00002")),
    ("安阳市农业科学院", None),  # the bureau never had its code
]


def credit(i: int) -> str:
    return make_credit_code(f"91410500MA{i:07d}")


def _title(ws, width: int) -> None:
    ws.append([TITLE] + [None] * (width - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")


BUREAU_ROWS = [
    # code, title, org index, owner, phone, period, special, self, disbursed, spent, state, note
    (
        "AYKJ2022-001",
        "高效低耗污水处理装备研发",
        0,
        "王建国",
        "13903720001",
        "2022.01-2023.12",
        "50",
        "100",
        "50",
        "48.6",
        "已验收",
        "",
    ),
    (
        "AYKJ2022-007",
        "小麦抗逆新品种选育",
        2,
        "李秀英",
        "13903720002",
        "2022年3月至2024年2月",
        "30",
        "30",
        "24",
        "20",
        "实施中",
        "逾期未申请验收",
    ),
    (
        "AYKJ2023-003",
        "工业机器人视觉定位系统",
        1,
        "张伟",
        "13903720003",
        "2023.01-2025.12",
        "80",
        "80",
        "40",
        "31.25",
        "实施中",
        "",
    ),
    (
        "AYKJ2023-011",
        "废旧锂电池梯次利用技术",
        0,
        "王建国",
        "13903720001",
        "2023.07-2024.06",
        "60",
        "120",
        "60",
        "60",
        "已申请验收",
        "",
    ),
    ("AYKJ2023-015", "智慧灌溉物联网平台", 2, "赵磊", "", "2023.01-2023.12", "20", "20", "20", "18", "已结题", ""),
    (
        "AYKJ2024-002",
        "高端轴承材料热处理工艺",
        1,
        "陈静",
        "13903720005",
        "2024.01-2026.06",
        "1,200",
        "1,500",
        "600",
        "150",
        "实施中",
        "重大项目",
    ),
    (
        "AYKJ2024-004",
        "中药材种植溯源系统",
        2,
        "刘洋",
        "13903720006",
        "2024.03-2025.02",
        "约50万",
        "10",
        "",
        "",
        "实施中",
        "金额待核",
    ),
    (
        "AYKJ2024-009",
        "光伏组件清洗机器人",
        0,
        "孙涛",
        "13903720007",
        "2024.01-2025.12",
        "40",
        "40",
        "20",
        "5",
        "终止",
        "企业经营困难，主动申请终止",
    ),
]


def bureau_2024(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "2024年项目"
    _title(ws, len(HEADERS))
    ws.append(HEADERS)
    for n, (code, title, org, owner, phone, period, sp, sr, dis, spent, state, note) in enumerate(BUREAU_ROWS, 1):
        name, code18 = ORGS[org]
        ws.append([n, code, title, name, code18, owner, phone, PLAN, period, sp, sr, dis, spent, state, note or None])
    ws.append([None, "合计", None, None, None, None, None, None, None, 2280, 1900, 814, 332.85, None, None])
    ws.column_dimensions["C"].width = 30
    wb.create_sheet("说明").append(["本表由科技局计划科整理"])
    wb.save(path)
    return path


def bureau_two_rows(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "在研项目"
    top = [
        "项目编号",
        "项目名称",
        "承担单位",
        "负责人",
        "开始时间",
        "结束时间",
        "财政资金（万元）",
        None,
        None,
        "自筹资金（万元）",
        None,
        "级别",
        "状态",
    ]
    bottom = [None, None, None, None, None, None, "合计", "已拨付", "已支出", "合计", "已到位", None, None]
    _title(ws, len(top))
    ws.append(top)
    ws.append(bottom)
    for col in (1, 2, 3, 4, 5, 6, 12, 13):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells("G2:I2")
    ws.merge_cells("J2:K2")
    rows = [
        (
            "SKJ-2023-101",
            "黄河滩区生态修复技术示范",
            "安阳工学院",
            "张伟",
            "2023/3/1",
            "2025/2/28",
            150,
            60,
            42.5,
            150,
            90,
            "省级",
            "实施中",
        ),
        (
            "SKJ-2023-102",
            "特种钢连铸工艺优化",
            "安阳市清水源环保科技有限公司",
            "周敏",
            "2023年1月",
            "2024年12月",
            100,
            100,
            97,
            200,
            200,
            "省级",
            "待验收",
        ),
        (
            "SKJ-2024-103",
            "乡村振兴数字服务平台",
            "安阳市农业科学院",
            "李秀英",
            "2024-04-01",
            "2026-03-31",
            90,
            30,
            0,
            90,
            10,
            "省级",
            "在研",
        ),
    ]
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def bureau_categories(path: Path) -> Path:
    """A title, then a header over two rows: each budget category merged over its 预算 and 已支出."""
    wb = Workbook()
    ws = wb.active
    ws.title = "经费明细"
    top = ["项目编号", "项目名称", "承担单位", "负责人", "起止时间", "财政资金（万元）"]
    top += ["设备费（万元）", None, "材料费（万元）", None, "劳务费（万元）", None, "项目状态"]
    bottom = [None] * 6 + ["预算", "已支出", "预算", "已支出", "预算", "已支出", None]
    _title(ws, len(top))
    ws.append(top)
    ws.append(bottom)
    for col in (1, 2, 3, 4, 5, 6, 13):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for col in (7, 9, 11):
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
    ws.append(
        [
            "AYJF-001",
            "精密铸件数字化车间",
            "安阳工学院",
            "张伟",
            "2024.01-2025.12",
            100,
            60,
            30,
            20,
            10,
            10,
            5,
            "实施中",
        ]
    )
    ws.append(
        ["AYJF-002", "农机具智能调度", "安阳市农业科学院", "赵磊", "2024.06-2026.05", 50, 40, 0, 20, 0, 0, 0, "实施中"]
    )
    wb.save(path)
    return path


def bureau_csv(path: Path) -> Path:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "项目编号",
            "项目名称",
            "承担单位",
            "统一社会信用代码",
            "项目负责人",
            "项目级别",
            "开始日期",
            "结束日期",
            "市拨经费（元）",
            "自筹资金（元）",
            "已拨付（元）",
            "已到位（元）",
            "项目状态",
        ]
    )
    w.writerow(
        [
            "AY-C-01",
            "豫北地区设施农业节水技术",
            "安阳市农业科学院",
            "",
            "赵磊",
            "市级",
            "2024年1月5日",
            "2025.12",
            "３００，０００",
            "300,000.00",
            "150,000",
            "120000",
            "实施中",
        ]
    )
    w.writerow(
        [
            "AY-C-02",
            "纺织印染废水回用",
            "安阳市清水源环保科技有限公司",
            ORGS[0][1],
            "王建国",
            "市级",
            "2023/6/1",
            "2024/5/31",
            "200,000",
            "400,000",
            "200,000",
            "400,000",
            "已验收",
        ]
    )
    w.writerow(
        [
            "AY-C-03",
            "铸造砂再生利用",
            "林州市华盛铸造有限公司",
            credit(3),
            "郭强",
            "市级",
            45000,
            45640,
            "100000",
            "100000",
            "",
            "",
            "实施中",
        ]
    )
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


def bureau_rows(path: Path, n: int) -> Path:
    """n clean rows (20 organizations, their owners, periods in 2023–2026)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "项目汇总"
    _title(ws, len(HEADERS))
    ws.append(HEADERS)
    states = ["实施中", "实施中", "实施中", "已申请验收", "已验收", "已结题"]
    for i in range(1, n + 1):
        org = i % 20
        year = 2023 + i % 3
        ws.append(
            [
                i,
                f"BENCH-{i:05d}",
                f"批量项目{i}",
                f"安阳市第{org}科技有限公司",
                credit(100 + org),
                f"负责人{org}-{i % 3}",
                f"1390372{i:04d}",
                PLAN,
                f"{year}.01-{year + 1}.12",
                f"{10 + i % 50}",
                f"{20 + i % 30}",
                f"{5 + i % 5}",
                f"{i % 5}.5",
                states[i % len(states)],
                None,
            ]
        )
    wb.save(path)
    return path


def corrupt(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    return path


def protected(path: Path) -> Path:
    # What Excel writes for a workbook with an open password: an encrypted OLE compound file.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return path


def no_header(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["会议纪要"])
    ws.append(["请各单位于月底前报送进展"])
    wb.save(path)
    return path


def make_all(folder: Path = HERE) -> dict[str, Path]:
    return {
        "bureau_2024": bureau_2024(folder / "bureau_2024.xlsx"),
        "bureau_two_rows": bureau_two_rows(folder / "bureau_two_rows.xlsx"),
        "bureau_csv": bureau_csv(folder / "bureau_gb18030.csv"),
        "bureau_categories": bureau_categories(folder / "bureau_categories.xlsx"),
        "corrupt": corrupt(folder / "corrupt.xlsx"),
        "protected": protected(folder / "protected.xlsx"),
        "no_header": no_header(folder / "no_header.xlsx"),
    }


if __name__ == "__main__":
    for name, p in make_all().items():
        print(name, p)
