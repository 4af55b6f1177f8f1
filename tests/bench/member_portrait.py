#!/usr/bin/env python3
"""Time member_marketing's nightly portrait and co-purchase aggregates on a
generated chain.

    python3 tests/bench/generate_chain.py --db member_bench_portrait   # member_marketing
    python3 tests/bench/member_portrait.py --db member_bench_portrait  # installed

In an Odoo environment on the database, in ONE transaction rolled back at the
end (the database is left as it was):

1. product purchases for the suggestions: ``--products`` package products in
   ``--categories`` categories (ORM), then one package sale (``member_package``,
   paid by other means) for every ``--every``-th consumption posting of the
   ledger, on that posting's member, store and date (set-based SQL). Each
   member has a taste (a cluster of five products) that four sales in five
   follow, the fifth any product: the co-purchase pairs have a structure;
2. ``member.portrait.engine._refresh`` phase by phase, as the nightly cron runs
   it: the shared aggregates (one pass over the ledger's consumption and the
   package sales of 365 days into two temporary tables), the portraits (one
   upsert, one delete, the favourite categories), the suggestions
   (re-purchases and co-purchases within each level); then the whole run a
   second time.

Each phase prints its time, the rows it wrote, the peak Python memory
(tracemalloc) and the process's peak RSS.
"""

import re
import resource
import time
import tracemalloc

import benchlib

DB_PATTERN = re.compile(r"^[A-Za-z0-9_]*bench[A-Za-z0-9_]*$")


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "Time the member portrait and product suggestion aggregates of member_marketing "
        "on a generated chain (rolled back).",
        "member_bench_portrait",
    )
    parser.add_argument("--products", type=int, default=200, help="package products")
    parser.add_argument("--categories", type=int, default=20, help="product categories")
    parser.add_argument(
        "--every", type=int, default=4, help="one package sale per this many consumptions"
    )
    return parser.parse_args(argv)


def measured(label, func):
    tracemalloc.start()
    start = time.monotonic()
    result = func()
    elapsed = time.monotonic() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<44} {elapsed:8.2f} s   peak Python {peak / 2**20:6.1f} MB   "
        f"peak RSS {rss:6.0f} MB   {result}",
        flush=True,
    )
    return result


def main(argv=None):
    args = parse_args(argv)
    if not DB_PATTERN.match(args.db):
        raise benchlib.BenchError(
            f"database {args.db!r}: benchmark databases have 'bench' in their name."
        )
    if benchlib.module_state(args, "member_marketing") != "installed":
        raise benchlib.BenchError(f"member_marketing is not installed in {args.db}.")
    with benchlib.odoo_env(args) as env:
        cr = env.cr
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE is_member")
        members = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM member_wallet_line")
        lines = cr.fetchone()[0]
        print(f"{args.db}: {members:,} members, {lines:,} ledger lines", flush=True)
        if not members:
            raise benchlib.BenchError("no members: run tests/bench/generate_chain.py first.")
        try:
            measured("purchases (package sales)", lambda: make_purchases(env, args))
            run_refresh(env)
        finally:
            cr.rollback()
    return 0


def make_purchases(env, args):
    Category = env["product.category"]
    categories = Category.create(
        [{"name": f"Bench category {i + 1}"} for i in range(args.categories)]
    )
    service = env["product.product"].create({"name": "Bench service", "type": "service"})
    products = env["product.product"].create(
        [
            {
                "name": f"Bench package {i + 1}",
                "type": "service",
                "list_price": 100,
                "categ_id": categories[i % len(categories)].id,
                "member_package": True,
                "member_package_uses": 10,
                "member_package_validity": 12,
                "member_package_validity_unit": "months",
                "member_package_product_ids": [(6, 0, service.ids)],
            }
            for i in range(args.products)
        ]
    )
    env.flush_all()
    cr = env.cr
    # the member's taste: products 5t..5t+4 (four sales in five), else any
    cr.execute(
        """
        INSERT INTO member_package
               (wallet_id, card_id, partner_id, product_id, company_id, uses_total,
                uses_remaining, sale_move_id, paid_by, state, sale_date, price, price_total,
                create_uid, create_date, write_uid, write_date)
        SELECT m.wallet_id, w.card_id, w.partner_id,
               (%(products)s::int[])[1 + CASE WHEN m.id %% 5 < 4
                        THEN ((w.partner_id %% (%(n)s / 5)) * 5 + m.id %% 5) %% %(n)s
                        ELSE ((m.id::bigint * 7919) %% %(n)s)::int END],
               m.company_id, 10, 10, m.id, 'other', 'active', m.date::date, 100, 100,
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM member_wallet_move m
          JOIN member_wallet w ON w.id = m.wallet_id
         WHERE m.kind = 'consumption' AND m.id %% %(every)s = 0
        """,
        {"products": products.ids, "n": len(products), "every": args.every},
    )
    sold = cr.rowcount
    cr.execute("ANALYZE member_package")
    return {"package sales": sold, "products": len(products)}


def run_refresh(env):
    Engine = env["member.portrait.engine"]
    today, tz = Engine._today_and_tz()
    cr = env.cr

    def build():
        Engine._build_sources(today, tz)
        cr.execute("SELECT COUNT(*) FROM member_portrait_ticket")
        tickets = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM member_portrait_product")
        return {"tickets": tickets, "product rows": cr.fetchone()[0]}

    measured("shared aggregates (365 days)", build)
    measured("portraits", lambda: {"portraits": Engine._write_portraits(today)})

    def suggestions():
        written = Engine._write_suggestions(today)
        cr.execute("SELECT COUNT(*) FROM member_portrait_pair")
        pairs = cr.fetchone()[0]
        cr.execute("SELECT reason, COUNT(*) FROM member_suggestion GROUP BY reason ORDER BY 1")
        return {"suggestions": written, "pairs kept": pairs, **dict(cr.fetchall())}

    measured("suggestions (re-purchase + co-purchase)", suggestions)
    Engine._drop_sources()
    measured("whole nightly run, again", lambda: Engine._refresh())


if __name__ == "__main__":
    benchlib.run(main)
