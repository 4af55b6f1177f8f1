"""Cross-store attribution of stored value, as plain functions (no Odoo import).

Money put on a card in one store (a top-up, its bonus, an opening balance) is
a liability in that store's books. When it is spent, refunded or written off
in another store, that other store delivered what the first one was paid for:
the first store owes it the amount. Which store's money a debit uses is
decided first-in, first-out over the card's credits.

Events are ``(ref, store, amount)`` in posting order: ``amount > 0`` is a
credit (a lot of stored value held by ``store``), ``amount < 0`` a debit made
in ``store``. A debit larger than the lots (a card with a credit limit going
below zero) leaves a *deficit* owed by the card; the next credits pay it off
first, and the store that granted the credit is then owed by the store of the
credit that paid it.

Amounts are ``Decimal`` (or anything ``Decimal(str(x))`` accepts), quantised
to ``decimals`` places; they never go through floats.
"""

from collections import deque
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Portion:
    """Part of event ``ref`` covered by stored value held by ``from_store``
    and used in ``to_store``; ``source_ref`` is the credit it came from (for
    a deficit paid off, ``ref`` is the credit and ``source_ref`` the debit
    that went below zero)."""

    ref: object
    from_store: object
    to_store: object
    amount: Decimal
    source_ref: object

    @property
    def cross_store(self):
        return self.from_store != self.to_store


@dataclass
class _Lot:
    ref: object
    store: object
    remaining: Decimal


def _quantize(value, decimals):
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))


def attribute(events, decimals=2):
    """Run the FIFO over ``events``.

    :return: ``(portions, lots, deficits)``: every :class:`Portion` (same
        store or not) in order; the lots still held, as ``(ref, store,
        remaining)``; the deficits not yet paid off, as ``(ref, store,
        amount)``.
    """
    zero = Decimal(0)
    lots = deque()
    deficits = deque()
    portions = []
    for ref, store, raw_amount in events:
        amount = _quantize(raw_amount, decimals)
        if amount > 0:
            rest = amount
            while rest > 0 and deficits:
                deficit = deficits[0]
                take = min(rest, deficit.remaining)
                portions.append(Portion(ref, store, deficit.store, take, deficit.ref))
                deficit.remaining -= take
                rest -= take
                if deficit.remaining == zero:
                    deficits.popleft()
            if rest > 0:
                lots.append(_Lot(ref, store, rest))
        elif amount < 0:
            rest = -amount
            while rest > 0 and lots:
                lot = lots[0]
                take = min(rest, lot.remaining)
                portions.append(Portion(ref, lot.store, store, take, lot.ref))
                lot.remaining -= take
                rest -= take
                if lot.remaining == zero:
                    lots.popleft()
            if rest > 0:
                deficits.append(_Lot(ref, store, rest))
    return (
        portions,
        [(lot.ref, lot.store, lot.remaining) for lot in lots],
        [(deficit.ref, deficit.store, deficit.remaining) for deficit in deficits],
    )


def cross_store_portions(events, ref, decimals=2):
    """The portions of event ``ref`` (the last of ``events``, or any of them)
    that move value between two stores, merged per ``(from_store,
    source_ref)``: what the settlement records for that event."""
    return cross_store_portions_of(events, [ref], decimals=decimals).get(ref, [])


def cross_store_portions_of(events, refs, decimals=2):
    """:func:`cross_store_portions` of each event of ``refs``, in one pass
    over ``events``: ``{ref: [Portion]}`` (refs without any left out)."""
    wanted = set(refs)
    portions, _lots, _deficits = attribute(events, decimals=decimals)
    merged = {}
    for portion in portions:
        if portion.ref not in wanted or not portion.cross_store:
            continue
        key = (portion.ref, portion.from_store, portion.to_store, portion.source_ref)
        merged[key] = merged.get(key, Decimal(0)) + portion.amount
    result = {}
    for (ref, from_store, to_store, source_ref), amount in merged.items():
        result.setdefault(ref, []).append(Portion(ref, from_store, to_store, amount, source_ref))
    return result


def held_by_store(events, decimals=2):
    """Stored value each store holds after ``events`` once every
    cross-store portion is settled (its lots), minus the deficits granted in
    it: ``{store: Decimal}``. Its total equals the sum of the events."""
    _portions, lots, deficits = attribute(events, decimals=decimals)
    held = {}
    for _ref, store, remaining in lots:
        held[store] = held.get(store, Decimal(0)) + remaining
    for _ref, store, amount in deficits:
        held[store] = held.get(store, Decimal(0)) - amount
    return held
