"""What value an indicator can take: `!wert` refuses a 150 % share or a negative count."""

from __future__ import annotations

from commands.context import Context
from commands.errors import CommandError
from config.measures import Indicator

__all__ = ["allowed_range", "check_range"]


def allowed_range(indicator: Indicator) -> tuple[float | None, float | None]:
    """(lowest, highest) value the indicator can take; None where it has no bound.

    A share in % lies in 0–100, every other unit counts or measures something, so from 0. The
    catalogue says otherwise where its own figures do: a negative baseline, target or value (a
    balance, a change) allows negatives, one above 100 % (a growth rate) lifts the cap.
    """
    known = [v.value for v in indicator.values]
    known += [pair[0] for pair in (indicator.baseline, indicator.target) if pair is not None]
    low = None if any(v < 0 for v in known) else 0.0
    high = 100.0 if indicator.unit == "%" and all(v <= 100 for v in known) else None
    return low, high


def check_range(ctx: Context, indicator: Indicator, value: float) -> None:
    """Refuse a value the indicator cannot take (150 % LED share), saying what is allowed."""
    low, high = allowed_range(indicator)
    if (low is None or value >= low) and (high is None or value <= high):
        return
    from commands.measurevalues import format_number  # it imports this module

    unit = indicator.unit

    def number(v: float) -> str:
        return format_number(v, ctx.language)

    if low is not None and high is not None:
        allowed = ctx.t("measures.allowed_between", low=number(low), high=number(high), unit=unit)
    elif low is not None:
        allowed = ctx.t("measures.allowed_from", low=number(low), unit=unit)
    else:
        allowed = ctx.t("measures.allowed_up_to", high=number(high or 0), unit=unit)
    raise CommandError(
        "measures.value_out_of_range",
        name=indicator.name, value=number(value), unit=unit, allowed=allowed,
    )  # fmt: skip
