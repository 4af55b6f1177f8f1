"""Product suggestions in plain arithmetic, the reference the nightly SQL
follows (tests check both on the same matrix)."""

import datetime


def repurchase_due(days):
    """``(cycle in days, next due date)`` of a product bought on the distinct
    ``days`` (dates), or ``None`` if bought on fewer than two days: the
    average gap between the first and the last purchase, rounded down to
    whole days, added to the last one."""
    days = sorted(set(days))
    if len(days) < 2:
        return None
    cycle = (days[-1] - days[0]).days // (len(days) - 1)
    return cycle, days[-1] + datetime.timedelta(days=cycle)


def copurchase_scores(baskets, segment_of, min_members=2):
    """``{member: {product: score}}``: for every member, the products they
    have not bought, scored by how many members of their segment bought
    both it and one of the member's products, summed over the member's
    products; pairs bought together by fewer than ``min_members`` members of
    a segment count for nothing. ``baskets``: ``{member: set of products}``;
    ``segment_of``: ``{member: segment}``."""
    pairs = {}
    for member, products in baskets.items():
        segment = segment_of[member]
        for a in products:
            for b in products:
                if a != b:
                    pairs[segment, a, b] = pairs.get((segment, a, b), 0) + 1
    scores = {}
    for member, products in baskets.items():
        segment = segment_of[member]
        mine = {}
        for (seg, a, b), count in pairs.items():
            if seg == segment and a in products and b not in products and count >= min_members:
                mine[b] = mine.get(b, 0) + count
        scores[member] = mine
    return scores
