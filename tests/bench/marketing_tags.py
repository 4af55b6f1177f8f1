#!/usr/bin/env python3
"""Time member_marketing's nightly jobs on a generated chain: the level review,
the automatic tag recompute and the daily reminders.

    python3 tests/bench/generate_chain.py --db member_bench_mkt    # after installing
    python3 tests/bench/marketing_tags.py --db member_bench_mkt    # member_marketing

In an Odoo environment on the database, as the cron runs them, in ONE transaction
rolled back at the end (the database is left as it was):

0. the level review with four active rules (silver from 2,000 topped up in 12
   months; gold from 1,000 spent in 12 months, kept by 300, else silver; gold
   from a single top-up of 990 in 6 months; diamond from 2,000 points earned in
   24 months) through ``member.level.review._review`` twice: the first run moves
   the members, the second must change nothing;
1. a set of tag rules of every kind over the whole chain (spend, frequency,
   recency, average ticket, RFM by quintiles and by thresholds, the A/B/C/D
   pyramid, inactivity), then ``member.tag.engine._recompute`` twice: the first
   run tags the members, the second must change nothing;
2. every reminder rule of the addon (birthdays with a few thousand birthdays set
   on the members, solar and lunar, anniversaries, low balance, inactivity, card
   and package expiry) through ``member.reminder._generate`` twice, the second
   run creating nothing, SMS sending off (the SMS queue is Odoo's, measured
   elsewhere).

Each job prints its time, the changes it made and the peak Python memory
(tracemalloc) and the process's peak RSS.
"""

import datetime
import resource
import time
import tracemalloc

import benchlib

TAG_RULES = [
    ("Bench spend ≥ 1000", "spend", {"value_min": 1000}),
    ("Bench frequent", "frequency", {"value_min": 10}),
    ("Bench active 30 d", "recency", {"value_min": 0, "value_max": 30}),
    ("Bench lapsed 31–180 d", "recency", {"value_min": 31, "value_max": 180}),
    ("Bench big ticket", "average_ticket", {"value_min": 60}),
    ("Bench champions (quintiles)", "rfm", {"r_min": 4, "f_min": 4, "m_min": 4}),
    (
        "Bench champions (thresholds)",
        "rfm",
        {
            "rfm_method": "threshold",
            "rfm_recency_bands": "7,30,90,180",
            "rfm_frequency_bands": "2,5,10,20",
            "rfm_monetary_bands": "100,300,600,1000",
            "r_min": 4,
            "f_min": 4,
            "m_min": 4,
        },
    ),
    ("Bench pyramid A", "pyramid", {"value_min": 0, "value_max": 50}),
    ("Bench pyramid B", "pyramid", {"value_min": 50, "value_max": 80}),
    ("Bench pyramid C", "pyramid", {"value_min": 80, "value_max": 95}),
    ("Bench pyramid D", "pyramid", {"value_min": 95, "value_max": 100}),
    ("Bench dormant 180 d", "inactivity", {"value_min": 180}),
]


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "Time the automatic tag recompute and the daily reminders of member_marketing "
        "on a generated chain (rolled back).",
        "member_bench_mkt",
    )
    parser.add_argument(
        "--birthdays",
        type=int,
        default=5000,
        help="members given a birthday (half solar, half lunar) for the reminders",
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
        f"{label:<40} {elapsed:8.2f} s   peak Python {peak / 2**20:6.1f} MB   "
        f"peak RSS {rss:6.0f} MB   {result}",
        flush=True,
    )
    return result


def main(argv=None):
    args = parse_args(argv)
    benchlib.check_bench_db_name(args.db)
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
            total = time.monotonic()
            run_levels(env)
            run_tags(env)
            run_reminders(env, args)
            print(
                f"{'the three jobs (both runs of each)':<40} {time.monotonic() - total:8.2f} s",
                flush=True,
            )
        finally:
            cr.rollback()
    return 0


def run_levels(env):
    Level = env["member.level"]
    silver, gold, diamond = (
        Level.search([("name", "=", name)], limit=1) for name in ("Silver", "Gold", "Diamond")
    )
    if not (silver and gold and diamond):
        raise benchlib.BenchError("the levels Silver, Gold and Diamond of member_base are missing")
    env["member.level.rule"].search([]).write({"active": False})
    rules = env["member.level.rule"].create(
        [
            {"name": "Bench silver", "level_id": silver.id, "measure": "topup", "threshold": 2000},
            {
                "name": "Bench gold",
                "level_id": gold.id,
                "measure": "spend",
                "threshold": 1000,
                "keep_enabled": True,
                "keep_threshold": 300,
                "downgrade_level_id": silver.id,
            },
            {
                "name": "Bench gold, single top-up",
                "level_id": gold.id,
                "measure": "single_topup",
                "threshold": 990,
                "period_months": 6,
            },
            {
                "name": "Bench diamond",
                "level_id": diamond.id,
                "measure": "points",
                "threshold": 2000,
                "period_months": 24,
            },
        ]
    )
    rules.write({"state": "active"})
    env.flush_all()
    Review = env["member.level.review"]

    def review():
        changes = Review._review(rules)
        env.flush_all()
        return {"changes": len(changes)}

    first = measured(f"level review ({len(rules)} rules), first", review)
    second = measured(f"level review ({len(rules)} rules), again", review)
    if second != {"changes": 0}:
        raise benchlib.BenchError(f"the second review changed levels: {second}")
    if not first["changes"]:
        raise benchlib.BenchError("the first review moved nobody")


def run_tags(env):
    env["member.tag.rule"].search([]).write({"active": False})
    rules = env["member.tag.rule"].create(
        [
            {"name": name, "kind": kind, "window_months": 12, **vals}
            for name, kind, vals in TAG_RULES
        ]
    )
    env.flush_all()

    def recompute():
        result = env["member.tag.engine"]._recompute(rules)
        return {
            "added": sum(a for a, _r in result.values()),
            "removed": sum(r for _a, r in result.values()),
        }

    first = measured(f"tag recompute ({len(rules)} rules), first", recompute)
    second = measured(f"tag recompute ({len(rules)} rules), again", recompute)
    if second != {"added": 0, "removed": 0}:
        raise benchlib.BenchError(f"the second recompute changed tags: {second}")
    if not first["added"]:
        raise benchlib.BenchError("the first recompute tagged nobody")


def run_reminders(env, args):
    cr = env.cr
    today = env.company.root_id._member_local_today()
    # birthdays in the next days, half solar, half lunar (set-based)
    cr.execute(
        """
        WITH picked AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM res_partner
             WHERE is_member ORDER BY id LIMIT %s)
        UPDATE res_partner p
           SET birthday_calendar = CASE WHEN picked.n %% 2 = 0 THEN 'solar' ELSE 'lunar' END,
               birthday = (%s::date - (30 + picked.n %% 40) * INTERVAL '1 year'
                           + (picked.n %% 5) * INTERVAL '1 day')::date,
               birthday_lunar_month = 1 + picked.n %% 12,
               birthday_lunar_day = 1 + picked.n %% 30,
               birthday_lunar_leap = FALSE
          FROM picked WHERE picked.id = p.id
        """,
        [args.birthdays, today],
    )
    env.invalidate_all()
    Reminder = env["member.reminder"]
    rules = env["member.reminder.rule"].search([])
    rules.write({"send_sms": False})
    env.flush_all()

    def generate():
        return sum(len(Reminder._generate(rule)) for rule in rules)

    first = measured(f"reminders ({len(rules)} rules), first", generate)
    second = measured(f"reminders ({len(rules)} rules), again", generate)
    if second:
        raise benchlib.BenchError(f"the second run created {second} reminders")
    print(f"  ({first} reminders on {today + datetime.timedelta(days=0)})", flush=True)


if __name__ == "__main__":
    benchlib.run(main)
