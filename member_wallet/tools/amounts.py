"""Parsing and splitting of money amounts, as plain functions.

Amounts travel as ``Decimal`` quantised to the currency's decimals; floats
from JSON are converted through ``str`` so 0.1 stays 0.1.
"""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class AmountError(ValueError):
    """A bad amount; ``code`` tells which rule it broke."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


def parse_amount(value, decimals=2, maximum=None, allow_zero=False):
    """Return ``value`` as a positive ``Decimal`` with at most ``decimals``
    decimal places, or raise :class:`AmountError`.

    Codes: ``not_a_number`` (None, bool, text that is no number, NaN,
    infinity), ``not_positive`` (zero or negative), ``too_many_decimals``,
    ``too_large`` (above ``maximum``).
    """
    if value is None or isinstance(value, bool):
        raise AmountError("not_a_number")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise AmountError("not_a_number")
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise AmountError("not_a_number") from error
    if not amount.is_finite():
        raise AmountError("not_a_number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise AmountError("not_positive")
    quantum = Decimal(1).scaleb(-decimals)
    try:
        rounded = amount.quantize(quantum)
    except InvalidOperation as error:  # more digits than a Decimal holds: absurd
        raise AmountError("too_large") from error
    if amount != rounded:
        raise AmountError("too_many_decimals")
    if maximum is not None and amount > Decimal(str(maximum)):
        raise AmountError("too_large")
    return rounded


def split_spend(amount, principal, bonus, policy, decimals=2):
    """Split a spend of ``amount`` between principal and bonus.

    ``policy`` 'last': principal first, bonus once principal is used up.
    ``policy`` 'proportional': in the ratio of the two balances, the bonus
    part rounded half-up, never more than the bonus held.
    Returns ``(from_principal, from_bonus)``; the caller checks funds.
    """
    quantum = Decimal(1).scaleb(-decimals)
    amount, principal, bonus = (Decimal(str(x)) for x in (amount, principal, bonus))
    if policy == "proportional" and principal > 0 and bonus > 0:
        from_bonus = (amount * bonus / (principal + bonus)).quantize(quantum, ROUND_HALF_UP)
        from_bonus = min(from_bonus, bonus)
    else:
        from_bonus = min(max(amount - max(principal, Decimal(0)), Decimal(0)), bonus)
    return amount - from_bonus, from_bonus


def bonus_clawback(withdrawn, principal, bonus, decimals=2):
    """Bonus taken back when ``withdrawn`` of ``principal`` is refunded: the
    share of the bonus that came with that principal (all of it when the
    whole principal goes)."""
    quantum = Decimal(1).scaleb(-decimals)
    withdrawn, principal, bonus = (Decimal(str(x)) for x in (withdrawn, principal, bonus))
    if principal <= 0 or bonus <= 0:
        return Decimal(0)
    if withdrawn >= principal:
        return bonus
    return min(bonus, (bonus * withdrawn / principal).quantize(quantum, ROUND_HALF_UP))
