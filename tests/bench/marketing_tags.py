#!/usr/bin/env python3
"""Time member_marketing's nightly jobs on a generated chain: the level review,
the automatic tag recompute and the daily reminders.

    python3 tests/bench/generate_chain.py --db member_bench_mkt    # after installing
    python3 tests/bench/marketing_tags.py --db member_bench_mkt    # member_marketing

In an Odoo environment on the database, as the cron runs them:

M. (committed, unless ``--no-measures``) the per-day measures' first build over
   the whole ledger, then a day of new postings (a past day's copied as now's, and
   old consumption reversed) and the steady night's refresh of what they touched;

then in ONE transaction rolled back at the end:

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
    parser.add_argument(
        "--day-of",
        type=int,
        default=30,
        help="the postings of the local day this many days ago are copied as today's "
        "(the steady night's new postings)",
    )
    parser.add_argument(
        "--reversals",
        type=int,
        default=500,
        help="old consumption postings reversed today (their old days counted again)",
    )
    parser.add_argument(
        "--no-measures",
        action="store_true",
        help="skip the per-day measures phase (it commits: the table, its state and the "
        "copied postings stay in the database)",
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
            if not args.no_measures:
                run_measures(env, args)
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


def run_measures(env, args):
    """The per-day measures (member.measure.day) as the nightly cron keeps them,
    COMMITTED: their first build (or a rebuild) over the whole ledger, then a day
    of new postings (a copy of a past day's, dated now, and ``--reversals``
    reversals of old consumption) and the steady night's refresh of the pairs they
    touched."""
    cr = env.cr
    MeasureDay = env["member.measure.day"]
    cr.execute("DELETE FROM ir_config_parameter WHERE key = 'member_marketing.measure_day_state'")
    env.registry.clear_cache()

    def build():
        result = MeasureDay._cron_refresh()
        cr.execute("SELECT COUNT(*) FROM member_measure_day")
        return {**result, "rows": cr.fetchone()[0]}

    measured("measures: first build (committed)", build)
    counts = measured("measures: a day of new postings", lambda: copy_a_day(env, args))
    print(f"  ({counts})", flush=True)
    refreshed = measured("measures: steady-night refresh", MeasureDay._cron_refresh)
    if refreshed["rebuilt"] or not refreshed["pairs"]:
        raise benchlib.BenchError(f"the refresh after a day of postings: {refreshed}")
    measured("measures: refresh again (nothing new)", MeasureDay._cron_refresh)


def copy_a_day(env, args):
    """Copy the postings (and their lines) of the local day ``--day-of`` days ago
    as postings of now, and reverse ``--reversals`` consumption postings of a year
    ago (reversal postings without lines: what the refresh reads); committed."""
    cr = env.cr

    def columns(table, skip):
        cr.execute(
            """SELECT column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position""",
            [table],
        )
        return [name for (name,) in cr.fetchall() if name not in skip]

    moved = {"id", "date", "create_date", "write_date", "idempotency_key", "reversed_move_id"}
    move_cols = columns("member_wallet_move", moved | {"booking_id", "result"})
    line_cols = columns(
        "member_wallet_line", {"id", "move_id"} | (moved & {"date", "create_date", "write_date"})
    )
    cr.execute("""SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date - %s""", [args.day_of])
    day = cr.fetchone()[0]
    cr.execute(
        f"""
        CREATE TEMPORARY TABLE bench_day_moves ON COMMIT DROP AS
        SELECT id AS old_id, nextval('member_wallet_move_id_seq') AS new_id
          FROM member_wallet_move
         WHERE date >= (%(day)s::timestamp AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'UTC'
           AND date < ((%(day)s + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'UTC'
           AND reversed_move_id IS NULL;
        INSERT INTO member_wallet_move (id, date, create_date, write_date, {", ".join(move_cols)})
        SELECT c.new_id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', {", ".join(f"m.{c}" for c in move_cols)}
          FROM bench_day_moves c JOIN member_wallet_move m ON m.id = c.old_id;
        INSERT INTO member_wallet_line (move_id, date, create_date, write_date,
                                        {", ".join(line_cols)})
        SELECT c.new_id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', {", ".join(f"l.{c}" for c in line_cols)}
          FROM bench_day_moves c JOIN member_wallet_line l ON l.move_id = c.old_id;
        """,  # noqa: S608 - the tables' own columns
        {"day": day},
    )
    cr.execute("SELECT COUNT(*) FROM bench_day_moves")
    moves = cr.fetchone()[0]
    cr.execute(
        "SELECT COUNT(*) FROM member_wallet_line l JOIN bench_day_moves c ON c.new_id = l.move_id"
    )
    lines = cr.fetchone()[0]
    reversal_cols = [c for c in move_cols if c not in ("kind", "amount")]
    cr.execute(
        f"""
        WITH old AS (
            SELECT m.id FROM member_wallet_move m
             WHERE m.kind = 'consumption'
               AND m.date < now() AT TIME ZONE 'UTC' - INTERVAL '1 year'
               AND NOT EXISTS (SELECT 1 FROM member_wallet_move r WHERE r.reversed_move_id = m.id)
             ORDER BY m.id DESC LIMIT %(n)s)
        INSERT INTO member_wallet_move (date, create_date, write_date, kind, amount,
                                        reversed_move_id, {", ".join(reversal_cols)})
        SELECT now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
               'reversal', -m.amount, m.id, {", ".join(f"m.{c}" for c in reversal_cols)}
          FROM old JOIN member_wallet_move m ON m.id = old.id
        """,  # noqa: S608 - the table's own columns
        {"n": args.reversals},
    )
    reversals = cr.rowcount
    cr.commit()
    return {"day": str(day), "moves": moves, "lines": lines, "reversals": reversals}


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
