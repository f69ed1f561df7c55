"""A row's budget lines and opening spending: by category where the sheet has category columns
("设备费", "已支出/设备费"), the rest of the grant, the commitment and the spending in `other`."""

from collections.abc import Callable
from decimal import Decimal

from flask_babel import gettext as _

from ...models import Category, FundSource

ZERO = Decimal("0.00")
TOTALS = {FundSource.special: "special_funds", FundSource.self_raised: "self_raised_committed"}
SPENT = {FundSource.special: "special_spent", FundSource.self_raised: "self_raised_spent"}


def by_category(mapped, part: str) -> bool:
    """Whether any column is mapped to `<source>_<part>:<category>` (part: budget or spent)."""
    return any(f.split(":")[0].endswith(f"_{part}") and ":" in f for f in mapped)


def _amounts(d: dict, prefix: str) -> dict[Category, Decimal]:
    return {Category(k.split(":")[1]): v for k, v in d.items() if k.startswith(prefix + ":") and v is not None}


def split(d: dict, mapped, fail: Callable[[str, str], None]) -> None:
    """d gets "budget_lines" [(category, special, self_raised)] and "spending" [(category, source,
    amount)]; a category total larger than the row's total is refused at the total's cell."""
    lines: dict[Category, dict[FundSource, Decimal]] = {}
    for source, total_key in TOTALS.items():
        parts = _amounts(d, f"{source.value}_budget")
        total = sum(parts.values(), ZERO)
        if parts and total_key not in mapped:
            d[total_key] = total  # the sheet gives the budget by category only
        rest = d[total_key] - total
        if rest < 0:
            fail(
                total_key,
                _("The budget categories sum to %(sum)s, more than this total.", sum=format(total, ".2f")),
            )
            return
        if rest > 0 or not parts:
            parts[Category.other] = parts.get(Category.other, ZERO) + rest
        for category, amount in parts.items():
            lines.setdefault(category, {FundSource.special: ZERO, FundSource.self_raised: ZERO})[source] = amount
    d["budget_lines"] = [(c, v[FundSource.special], v[FundSource.self_raised]) for c, v in lines.items()]
    spending = []
    for source, total_key in SPENT.items():
        parts = _amounts(d, f"{source.value}_spent")
        total = sum(parts.values(), ZERO)
        given = d.get(total_key)
        if given is not None and given < total:
            fail(
                total_key,
                _("The spending by category sums to %(sum)s, more than this total.", sum=format(total, ".2f")),
            )
            return
        if given is not None and given > total:
            parts[Category.other] = parts.get(Category.other, ZERO) + given - total
        spending += [(c, source, amount) for c, amount in parts.items() if amount > 0]
    d["spending"] = spending
