#!/usr/bin/env python3
"""Build a benchmark chain in an existing database that has member_wallet installed.

    python3 tests/bench/generate_chain.py --db member_bench --stores 10 \
        --members 50000 --lines 1000000

Head office, regions and stores are created through the ORM (a few records);
members, cards, wallets, postings, ledger lines and the operation log are
written with set-based SQL (``INSERT … SELECT generate_series`` and window
functions) in ONE transaction: a failure leaves no half-built chain behind.

The data obeys the wallet's invariants:
  * every wallet's principal / bonus / points equal the sum of its ledger lines,
    balance = principal + bonus, nothing negative (the CHECK constraints stay on);
  * every line's ``balance_after`` is the running sum of its wallet and asset;
  * ids come from the tables' own sequences (ranges reserved with nextval/setval);
  * the NOT NULL columns Odoo requires are filled (checked against the catalog).

Ledger shape, per wallet, in cycles of 10 lines: one top-up posting (a principal
line of 500–1000 and a bonus line of 10 %), seven consumptions of 1–50 and one
points posting, so the principal can never go below zero. Lines per wallet
follow an exponential spread (many quiet members, a few busy ones); postings
are dated over the last two years and numbered in date order, interleaved
across wallets as a real ledger is; 80 % of them happen in the member's home store.

For speed the bulk inserts run with ``session_replication_role = replica``
(foreign-key triggers off) and with the secondary indexes of the filled tables
dropped and rebuilt afterwards; every foreign key of those tables is then
checked with set-based anti-joins, and the index rebuild re-checks uniqueness.
At the end: ``member.wallet._cron_reconcile()`` is run in an Odoo environment and
must find 0 differences (rolled back), then VACUUM ANALYZE.

Full scale (100 stores, 1,000,000 members, 20,000,000 lines) is expected to take
about 20x the 50,000 / 1,000,000 run reported in member_wallet/readme/BENCHMARKS.md
and to need roughly 20x its disk space; see that file.
"""

import datetime
import json
import math
import shlex

import benchlib

BENCH_PARAM = "member_bench.chain"
CARD_TYPE_NAME = "Bench Card"
FILLED_TABLES = (
    "res_partner",
    "member_card",
    "member_operation_log",
    "member_wallet",
    "member_wallet_move",
    "member_wallet_line",
    "member_points_lot",
)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩然子轩雨涵欣怡"
)


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "Build a benchmark chain (stores, members, cards, wallets, ledger lines) "
        "with bulk SQL in a database where member_wallet is installed.",
        "member_bench",
    )
    parser.add_argument("--stores", type=int, default=10, help="number of stores")
    parser.add_argument(
        "--regions", type=int, default=None, help="number of regions (default: one per 25 stores)"
    )
    parser.add_argument(
        "--members",
        type=int,
        default=50_000,
        help="members, each with one active card and one wallet",
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="ledger lines in total")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same chain)")
    parser.add_argument(
        "--no-log",
        action="store_true",
        help="do not write the operation log (register + issue per member)",
    )
    parser.add_argument(
        "--skip-verify",
        action="store_true",
        help="skip the foreign-key, running-sum and reconciliation checks",
    )
    parser.add_argument(
        "--no-vacuum", action="store_true", help="ANALYZE only instead of VACUUM ANALYZE at the end"
    )
    parser.add_argument("--work-mem", default="256MB", help="work_mem for the big sorts")
    args = parser.parse_args(argv)
    if args.stores < 1 or args.members < 1 or args.lines < 0:
        parser.error("--stores and --members must be >= 1, --lines >= 0")
    if args.members > 99_999_999 or args.lines > 2_000_000_000:
        parser.error("too large: at most 99,999,999 members and 2e9 lines (32-bit ids)")
    if args.regions is None:
        args.regions = max(1, math.ceil(args.stores / 25))
    args.regions = max(1, min(args.regions, args.stores))
    return args


# ----------------------------------------------------------------------
# ORM phase: the chain's companies and the benchmark card type
# ----------------------------------------------------------------------


def create_chain(args):
    """Head office, regions and stores (reused when a previous run failed
    after creating them), the Bench Card type (no ceiling)."""
    with benchlib.odoo_env(args) as env:
        if env["ir.config_parameter"].get_param(BENCH_PARAM):
            raise benchlib.BenchError(
                f"{args.db} already holds a generated chain "
                f"({env['ir.config_parameter'].get_param(BENCH_PARAM)}): use a new database."
            )
        if (
            env["res.partner"]
            .with_context(active_test=False)
            .search_count([("member_number", "=like", "BM%")], limit=1)
        ):
            raise benchlib.BenchError(f"{args.db} already holds bench members: use a new database.")
        Company = env["res.company"]
        cny = env.ref("base.CNY")
        cny.active = True
        head = Company.search([("member_store_code", "=", "BHQ")], limit=1) or Company.create(
            {
                "name": "Bench Chain Head Office",
                "currency_id": cny.id,
                "member_store_code": "BHQ",
                "member_tz": "Asia/Shanghai",
            }
        )
        if not head.chart_template:
            # Chinese books, as the demo chain's: l10n_cn's large-enterprise chart (the
            # regions and stores, branches of the head office, share it); it sets the
            # country too (created with one, the company would get l10n_cn's first chart)
            env["account.chart.template"].try_loading("cn_large_bis", head)
        regions = Company.browse()
        for number in range(1, args.regions + 1):
            code = f"BR{number:02d}"
            regions |= Company.search(
                [("member_store_code", "=", code)], limit=1
            ) or Company.create(
                {
                    "name": f"Bench Region {number:02d}",
                    "parent_id": head.id,
                    "member_company_kind": "region",
                    "member_store_code": code,
                }
            )
        stores = Company.browse()
        for number in range(1, args.stores + 1):
            code = f"BS{number:03d}"
            stores |= Company.search([("member_store_code", "=", code)], limit=1) or Company.create(
                {
                    "name": f"Bench Store {number:03d}",
                    "parent_id": regions[(number - 1) % len(regions)].id,
                    "member_company_kind": "store",
                    "member_store_code": code,
                    "member_opening_hours": "09:00-21:00",
                }
            )
        card_type = env["member.card.type"].with_context(active_test=False).search(
            [("name", "=", CARD_TYPE_NAME)], limit=1
        ) or env["member.card.type"].create(
            {
                "name": CARD_TYPE_NAME,
                "sequence": 90,
                "medium": "magnetic",
                "kind": "personal",
                "level_id": env.ref("member_base.level_normal").id,
                "balance_ceiling": 0.0,
                "currency_id": cny.id,
            }
        )
        if card_type.balance_ceiling or card_type.pin_required:
            card_type.write({"balance_ceiling": 0.0, "pin_required": False})
        return {
            "head": head.id,
            "regions": regions.ids,
            "stores": stores.ids,
            "card_type": card_type.id,
            "currency": cny.id,
            "level": env.ref("member_base.level_normal").id,
            "operator": env.ref("base.user_admin").id,
        }


# ----------------------------------------------------------------------
# SQL phase
# ----------------------------------------------------------------------


def columns_of(cr, table):
    cr.execute(
        """SELECT column_name, is_nullable = 'NO' AND column_default IS NULL
             FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = %s""",
        [table],
    )
    return dict(cr.fetchall())


def audit_columns(created, written=None):
    """Odoo's create/write columns: by the operator (``%(uid)s``), at ``created``
    (and last written at ``written``, default the same)."""
    return {
        "create_uid": "%(uid)s",
        "create_date": created,
        "write_uid": "%(uid)s",
        "write_date": written or created,
    }


def insert_select(cr, table, values, source, params):
    """``INSERT INTO table (cols) SELECT exprs FROM source`` for the columns of
    ``values`` that exist; refuses when a NOT NULL column would stay empty."""
    columns = columns_of(cr, table)
    values = {column: expr for column, expr in values.items() if column in columns}
    missing = sorted(c for c, required in columns.items() if required and c not in values)
    if missing:
        raise benchlib.BenchError(
            f"{table}: NOT NULL columns not filled by the generator: {missing}"
        )
    names = ", ".join(values)
    exprs = ",\n       ".join(f"{expr} AS {column}" for column, expr in values.items())
    cr.execute(f"INSERT INTO {table} ({names})\nSELECT {exprs}\n  FROM {source}", params)
    return cr.rowcount


def reserve_ids(cr, table, count):
    """First id of ``count`` consecutive ids taken from ``table``'s own sequence."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute("SELECT nextval(%s)", [sequence])
    first = cr.fetchone()[0]
    if count > 1:
        cr.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def drop_secondary_indexes(cr, tables):
    """Drop the indexes that do not back a constraint; return their definitions."""
    cr.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [list(tables)],
    )
    definitions = cr.fetchall()
    for name, _definition in definitions:
        cr.execute(f"DROP INDEX {name}")
    return definitions


def check_foreign_keys(cr, tables):
    """Every single-column foreign key of ``tables`` points at an existing row."""
    cr.execute(
        """SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
              AND array_length(c.conkey, 1) = 1""",
        [list(tables)],
    )
    broken = []
    for table, column, target, target_column in cr.fetchall():
        cr.execute(
            f"""SELECT count(*) FROM {table} t
                 WHERE t.{column} IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"""
        )
        count = cr.fetchone()[0]
        if count:
            broken.append(f"{table}.{column} -> {target}: {count} rows")
    if broken:
        raise benchlib.BenchError("broken foreign keys: " + "; ".join(broken))


def build(args, chain, timer):
    conn = benchlib.pg_connect(args)
    counts = {}
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    params = {
        "m": args.members,
        "l": args.lines,
        "stores": chain["stores"],
        "nstores": len(chain["stores"]),
        "card_type": chain["card_type"],
        "currency": chain["currency"],
        "level": chain["level"],
        "uid": chain["operator"],
        "now": now,
        "surnames": SURNAMES,
        "given": GIVEN,
        "ns": len(SURNAMES),
        "ng": len(GIVEN),
        "type_name": json.dumps(CARD_TYPE_NAME),
    }
    try:
        with conn.cursor() as cr:
            cr.execute("SET session_replication_role = replica")
            cr.execute("SET max_parallel_workers_per_gather = 0")  # same seed, same rows
            cr.execute("SET temp_buffers = '256MB'")
            cr.execute("SET work_mem = %s", [args.work_mem])
            cr.execute("SET maintenance_work_mem = '512MB'")
            cr.execute("SELECT setseed(%s)", [((args.seed % 2_000_000) / 1_000_000.0) - 1.0])
            for table in FILLED_TABLES:
                cr.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

            with timer.phase("drop secondary indexes"):
                indexes = drop_secondary_indexes(cr, FILLED_TABLES)
                counts["indexes rebuilt"] = len(indexes)

            with timer.phase("members (plan)"):
                params["pbase"] = reserve_ids(cr, "res_partner", args.members)
                params["cbase"] = reserve_ids(cr, "member_card", args.members)
                params["wbase"] = reserve_ids(cr, "member_wallet", args.members)
                cr.execute(
                    """
                    CREATE TEMP TABLE bench_gen_member ON COMMIT DROP AS
                    SELECT g AS i,
                           %(pbase)s + g - 1 AS pid,
                           %(cbase)s + g - 1 AS cid,
                           %(wbase)s + g - 1 AS wid,
                           (%(stores)s::int[])[1 + (g - 1) %% %(nstores)s] AS store_id,
                           'BM' || lpad(g::text, 9, '0') AS member_number,
                           '66' || lpad(g::text, 10, '0') AS card_number,
                           '+8619' || lpad(g::text, 9, '0') AS mobile,
                           (%(surnames)s::text[])[1 + floor(random() * %(ns)s)::int]
                           || (%(given)s::text[])[1 + floor(random() * %(ng)s)::int]
                           || CASE WHEN random() < 0.6
                                   THEN (%(given)s::text[])[1 + floor(random() * %(ng)s)::int]
                                   ELSE '' END AS name,
                           %(now)s::timestamp - interval '1095 days' * random() AS registered,
                           random() AS r_cal, random() AS r_gender, random() AS r_sms,
                           date '1950-01-01' + floor(random() * 20000)::int AS birthday,
                           1 + floor(random() * 12)::int AS lunar_month,
                           1 + floor(random() * 28)::int AS lunar_day
                      FROM generate_series(1, %(m)s) g
                    """,
                    params,
                )
                cr.execute("ANALYZE bench_gen_member")

            with timer.phase("res_partner"):
                counts["res_partner"] = insert_select(
                    cr,
                    "res_partner",
                    {
                        "id": "m.pid",
                        "name": "m.name",
                        "complete_name": "m.name",
                        "commercial_partner_id": "m.pid",
                        "type": "'contact'",
                        "lang": "'en_US'",
                        "active": "TRUE",
                        "is_company": "FALSE",
                        "partner_share": "TRUE",
                        "color": "0",
                        "message_bounce": "0",
                        "customer_rank": "0",
                        "supplier_rank": "0",
                        "autopost_bills": "'ask'",
                        "is_member": "TRUE",
                        "member_number": "m.member_number",
                        "member_mobile": "m.mobile",
                        "member_gender": "CASE WHEN m.r_gender < 0.5 THEN 'female' ELSE 'male' END",
                        "birthday_calendar": "CASE WHEN m.r_cal < 0.1 THEN 'lunar' "
                        "ELSE 'solar' END",
                        "birthday": "CASE WHEN m.r_cal < 0.1 THEN NULL ELSE m.birthday END",
                        "birthday_lunar_month": "CASE WHEN m.r_cal < 0.1 THEN m.lunar_month END",
                        "birthday_lunar_day": "CASE WHEN m.r_cal < 0.1 THEN m.lunar_day END",
                        "birthday_lunar_leap": "CASE WHEN m.r_cal < 0.1 THEN FALSE END",
                        "member_register_company_id": "m.store_id",
                        "member_source": "'counter'",
                        "member_register_date": "m.registered::date",
                        "member_level_id": "%(level)s",
                        "sms_consent": "m.r_sms < 0.6",
                        "sms_consent_date": "CASE WHEN m.r_sms < 0.6 "
                        "THEN date_trunc('second', m.registered) END",
                        **audit_columns("m.registered"),
                    },
                    "bench_gen_member m ORDER BY m.i",
                    params,
                )

            with timer.phase("member_card"):
                counts["member_card"] = insert_select(
                    cr,
                    "member_card",
                    {
                        "id": "m.cid",
                        "name": "m.card_number",
                        "partner_id": "m.pid",
                        "type_id": "%(card_type)s",
                        "issue_company_id": "m.store_id",
                        "issue_date": "m.registered::date",
                        "state": "'active'",
                        **audit_columns("m.registered"),
                    },
                    "bench_gen_member m ORDER BY m.i",
                    params,
                )

            if not args.no_log:
                with timer.phase("member_operation_log"):
                    log_base = reserve_ids(cr, "member_operation_log", 2 * args.members)
                    params["log_base"] = log_base
                    counts["member_operation_log"] = insert_select(
                        cr,
                        "member_operation_log",
                        {
                            "id": "%(log_base)s + 2 * (m.i - 1) + k.k",
                            "date": "m.registered",
                            "user_id": "%(uid)s",
                            "company_id": "m.store_id",
                            "operation": "CASE k.k WHEN 0 THEN 'register' ELSE 'issue' END",
                            "card_id": "CASE k.k WHEN 0 THEN NULL ELSE m.cid END",
                            "partner_id": "m.pid",
                            "card_number": "CASE k.k WHEN 0 THEN NULL ELSE m.card_number END",
                            "member_number": "m.member_number",
                            "old_values": "CASE k.k WHEN 0 THEN NULL ELSE "
                            '\'{"expiry_date": null, "state": "draft", "type": \' '
                            "|| %(type_name)s || '}' END",
                            "new_values": 'CASE k.k WHEN 0 THEN \'{"member_number": "\' '
                            '|| m.member_number || \'", "source": "counter"}\' '
                            'ELSE \'{"expiry_date": null, "state": "active", "type": \' '
                            "|| %(type_name)s || '}' END",
                            **audit_columns("m.registered"),
                        },
                        "bench_gen_member m CROSS JOIN (VALUES (0), (1)) k(k) ORDER BY m.i, k.k",
                        params,
                    )

            with timer.phase("ledger plan (lines per wallet)"):
                cr.execute(
                    """
                    CREATE TEMP TABLE bench_gen_wallet ON COMMIT DROP AS
                    WITH w AS (
                        SELECT i, -ln(1.0 - random()) AS weight,
                               %(now)s::timestamp - interval '730 days' * (0.3 + 0.7 * random())
                                    AS start_ts
                          FROM generate_series(1, %(m)s) i
                    ), b AS (
                        SELECT i, start_ts,
                               floor(%(l)s * weight / sum(weight) OVER ())::bigint AS base
                          FROM w
                    ), d AS (
                        SELECT %(l)s - sum(base) AS deficit FROM b
                    )
                    SELECT b.i, b.start_ts,
                           (b.base + CASE WHEN b.i <= d.deficit THEN 1 ELSE 0 END)::int AS n
                      FROM b, d
                    """,
                    params,
                )
                cr.execute("SELECT coalesce(sum(n), 0), coalesce(max(n), 0) FROM bench_gen_wallet")
                planned, busiest = cr.fetchone()
                if planned != args.lines:
                    raise benchlib.BenchError(f"planned {planned} lines instead of {args.lines}")
                counts["lines on the busiest wallet"] = busiest

            with timer.phase("ledger plan (postings, running balances)"):
                # Per wallet, cycles of 10 lines = 9 postings: event 0 of a cycle is
                # a top-up (principal + bonus line), event 4 a points posting, the
                # others consumptions. Amounts in cents (points as they are).
                cr.execute(
                    """
                    CREATE TEMP TABLE bench_gen_event ON COMMIT DROP AS
                    WITH w AS (
                        SELECT i, n, start_ts,
                               (n / 10) * 9 + CASE WHEN n %% 10 = 0 THEN 0
                                                   WHEN n %% 10 = 1 THEN 1
                                                   ELSE n %% 10 - 1 END AS nev
                          FROM bench_gen_wallet
                    ), e AS (
                        SELECT w.i, e.ev,
                               CASE WHEN e.ev %% 9 = 0 THEN 'T' WHEN e.ev %% 9 = 4 THEN 'P'
                                    ELSE 'C' END AS t,
                               CASE WHEN e.ev %% 9 = 0 AND NOT (e.ev = w.nev - 1 AND w.n %% 10 = 1)
                                    THEN 2 ELSE 1 END AS nlines,
                               w.start_ts + (%(now)s::timestamp - w.start_ts)
                                            * ((e.ev + random()) / w.nev) AS date,
                               random() AS r_amount, random() AS r_store, random() AS r_other
                          FROM w CROSS JOIN LATERAL generate_series(0, w.nev - 1) e(ev)
                    ), typed AS (
                        SELECT e.i, e.ev, e.t, e.nlines, date_trunc('second', e.date) AS date,
                               CASE WHEN e.r_store < 0.8 THEN m.store_id
                                    ELSE (%(stores)s::int[])
                                          [1 + floor(e.r_other * %(nstores)s)::int]
                               END AS store_id,
                               CASE e.t WHEN 'T' THEN 50000 + floor(e.r_amount * 50001)::int
                                        WHEN 'C' THEN -(100 + floor(e.r_amount * 4901)::int)
                                        ELSE 0 END AS dp,
                               CASE WHEN e.t = 'P' THEN 1 + floor(e.r_amount * 200)::int
                                    ELSE 0 END AS dpts
                          FROM e JOIN bench_gen_member m ON m.i = e.i
                    )
                    SELECT typed.*,
                           CASE WHEN t = 'T' AND nlines = 2 THEN dp / 10 ELSE 0 END AS db,
                           row_number() OVER w AS seq,
                           sum(nlines) OVER w - nlines AS lstart,
                           sum(dp) OVER p AS run_p,
                           sum(CASE WHEN t = 'T' AND nlines = 2 THEN dp / 10 ELSE 0 END) OVER p
                               AS run_b,
                           sum(dpts) OVER p AS run_pts
                      FROM typed
                    WINDOW w AS (ORDER BY date, i, ev ROWS UNBOUNDED PRECEDING),
                           p AS (PARTITION BY i ORDER BY ev)
                     ORDER BY seq
                    """,
                    params,
                )
                cr.execute(
                    "SELECT count(*), coalesce(sum(nlines), 0), "
                    "coalesce(min(least(run_p, run_b, run_pts)), 0) FROM bench_gen_event"
                )
                events, lines, lowest = cr.fetchone()
                if lines != args.lines:
                    raise benchlib.BenchError(f"postings carry {lines} lines, not {args.lines}")
                if lowest < 0:
                    raise benchlib.BenchError("the plan would overdraw a wallet")
                cr.execute("ANALYZE bench_gen_event")
                params["mbase"] = reserve_ids(cr, "member_wallet_move", events)
                params["lbase"] = reserve_ids(cr, "member_wallet_line", args.lines)

            with timer.phase("member_wallet"):
                counts["member_wallet"] = insert_select(
                    cr,
                    "member_wallet",
                    {
                        "id": "m.wid",
                        "card_id": "m.cid",
                        "partner_id": "m.pid",
                        "currency_id": "%(currency)s",
                        "principal": "coalesce(a.p, 0) * 0.01",
                        "bonus": "coalesce(a.b, 0) * 0.01",
                        "balance": "coalesce(a.p + a.b, 0) * 0.01",
                        "points": "coalesce(a.pts, 0)",
                        "credit_limit": "0",
                        "last_move_id": "%(mbase)s + a.last_seq - 1",
                        **audit_columns("m.registered", "coalesce(a.last_date, m.registered)"),
                    },
                    """bench_gen_member m
                      LEFT JOIN (SELECT i, sum(dp) AS p, sum(db) AS b, sum(dpts) AS pts,
                                        max(seq) AS last_seq, max(date) AS last_date
                                   FROM bench_gen_event GROUP BY i) a ON a.i = m.i
                     ORDER BY m.i""",
                    params,
                )

            with timer.phase("member_wallet_move"):
                kind = (
                    "CASE e.t WHEN 'T' THEN 'topup' WHEN 'C' THEN 'consumption' "
                    "ELSE 'adjustment' END"
                )
                amount = "(e.dp + e.db) * 0.01"
                counts["member_wallet_move"] = insert_select(
                    cr,
                    "member_wallet_move",
                    {
                        "id": "%(mbase)s + e.seq - 1",
                        "date": "e.date",
                        "wallet_id": "m.wid",
                        "card_id": "m.cid",
                        "kind": kind,
                        "idempotency_key": "CASE WHEN e.t = 'P' THEN NULL "
                        "ELSE 'bench:' || (%(mbase)s + e.seq - 1) END",
                        "company_id": "e.store_id",
                        "user_id": "%(uid)s",
                        "amount": amount,
                        "points": "e.dpts",
                        "note": "CASE WHEN e.t = 'P' THEN 'Points (generated)' END",
                        "result": f"""jsonb_build_object(
                        'move_id', %(mbase)s + e.seq - 1,
                        'idempotency_key', CASE WHEN e.t = 'P' THEN ''
                                                ELSE 'bench:' || (%(mbase)s + e.seq - 1) END,
                        'kind', {kind}, 'card_number', m.card_number,
                        'amount', {amount}, 'points_delta', e.dpts,
                        'principal', e.run_p * 0.01, 'bonus', e.run_b * 0.01,
                        'balance', (e.run_p + e.run_b) * 0.01, 'points', e.run_pts)::text""",
                        **audit_columns("e.date"),
                    },
                    "bench_gen_event e JOIN bench_gen_member m ON m.i = e.i",
                    params,
                )

            with timer.phase("member_wallet_line"):
                bonus_line = "e.t = 'T' AND p.pos = 1"
                counts["member_wallet_line"] = insert_select(
                    cr,
                    "member_wallet_line",
                    {
                        "id": "%(lbase)s + e.lstart + p.pos",
                        "move_id": "%(mbase)s + e.seq - 1",
                        "wallet_id": "m.wid",
                        "company_id": "e.store_id",
                        "asset": f"CASE WHEN {bonus_line} THEN 'bonus' "
                        "WHEN e.t = 'P' THEN 'points' "
                        "ELSE 'principal' END",
                        "kind": f"CASE WHEN {bonus_line} THEN 'bonus' WHEN e.t = 'T' THEN 'topup' "
                        "WHEN e.t = 'P' THEN 'adjustment' ELSE 'consumption' END",
                        "amount": f"CASE WHEN {bonus_line} THEN e.db * 0.01 WHEN e.t = 'P' "
                        "THEN e.dpts ELSE e.dp * 0.01 END",
                        "balance_after": f"CASE WHEN {bonus_line} THEN e.run_b * 0.01 "
                        "WHEN e.t = 'P' THEN e.run_pts ELSE e.run_p * 0.01 END",
                        "date": "e.date",
                        **audit_columns("e.date"),
                    },
                    """bench_gen_event e
                      JOIN bench_gen_member m ON m.i = e.i
                      CROSS JOIN LATERAL generate_series(0, e.nlines - 1) p(pos)""",
                    params,
                )

            with timer.phase("member_points_lot"):
                # the current wallet keeps earned points in lots (FIFO, expiry):
                # one lot per points line, nothing spent from it, no expiry date
                counts["member_points_lot"] = insert_select(
                    cr,
                    "member_points_lot",
                    {
                        "wallet_id": "l.wallet_id",
                        "company_id": "l.company_id",
                        "points": "l.amount::int",
                        "points_remaining": "l.amount::int",
                        "points_expired": "0",
                        "move_id": "l.move_id",
                        "line_id": "l.id",
                        "date_earned": "l.date::date",
                        **audit_columns("l.date"),
                    },
                    """member_wallet_line l
                     WHERE l.asset = 'points' AND l.amount > 0
                       AND l.id BETWEEN %(lbase)s AND %(lbase)s + %(l)s
                     ORDER BY l.id""",
                    params,
                )

            with timer.phase(f"rebuild {len(indexes)} secondary indexes"):
                for _name, definition in indexes:
                    cr.execute(definition)

            if not args.skip_verify:
                with timer.phase("check foreign keys"):
                    check_foreign_keys(cr, FILLED_TABLES)
                with timer.phase("check running balances"):
                    cr.execute(
                        """SELECT count(*) FROM (
                               SELECT balance_after,
                                      sum(amount) OVER (PARTITION BY wallet_id, asset
                                                         ORDER BY id) AS run
                                 FROM member_wallet_line
                                WHERE wallet_id BETWEEN %(wbase)s AND %(wbase)s + %(m)s - 1
                           ) x
                          WHERE x.balance_after IS DISTINCT FROM x.run OR x.run < 0""",
                        params,
                    )
                    wrong = cr.fetchone()[0]
                    if wrong:
                        raise benchlib.BenchError(f"{wrong} lines with a wrong balance_after")
            cr.execute("SET session_replication_role = origin")
            cr.execute(
                """INSERT INTO ir_config_parameter (key, value, create_uid, create_date,
                                                    write_uid, write_date)
                   VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')""",
                [
                    BENCH_PARAM,
                    json.dumps(
                        {
                            "stores": args.stores,
                            "regions": args.regions,
                            "members": args.members,
                            "lines": args.lines,
                            "seed": args.seed,
                            "postings": events,
                            "first_wallet_id": params["wbase"],
                            "store_ids": chain["stores"],
                            "card_type_id": chain["card_type"],
                            "generated": now.isoformat(),
                        }
                    ),
                    chain["operator"],
                    chain["operator"],
                ],
            )
        with timer.phase("commit"):
            conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return counts


def reconcile(args, timer):
    with timer.phase("member.wallet._cron_reconcile()"):
        with benchlib.odoo_env(args) as env:
            differences = env["member.wallet.reconciliation"]._cron_reconcile()
            env.cr.rollback()
    if differences:
        raise benchlib.BenchError(f"reconciliation found {differences} differences (expected 0)")
    return differences


def vacuum(args, timer):
    conn = benchlib.pg_connect(args)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SET maintenance_work_mem = '512MB'")
            label = "ANALYZE" if args.no_vacuum else "VACUUM ANALYZE"
            with timer.phase(label):
                for table in (*FILLED_TABLES, "res_company"):
                    cr.execute(
                        f"ANALYZE {table}" if args.no_vacuum else f"VACUUM (ANALYZE) {table}"
                    )
            cr.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
                [list(FILLED_TABLES)],
            )
            return dict(cr.fetchall())
    finally:
        conn.close()


def main(argv=None):
    args = parse_args(argv)
    benchlib.check_loopback(args.db_host)
    if not benchlib.db_exists(args, args.db):
        create = benchlib.odoo_command(
            args, ["-i", "member_wallet,loyalty", "--stop-after-init", "--http-port", "8769"]
        )
        raise benchlib.BenchError(
            f"database {args.db} does not exist; create it with:\n  {shlex.join(create)}\n"
            "(loyalty only for the eWallet comparison of wallet_debit.py)"
        )
    if benchlib.module_state(args, "member_wallet") != "installed":
        raise benchlib.BenchError(f"member_wallet is not installed in {args.db}")
    print(
        f"Generating in {args.db}: {args.stores} stores in {args.regions} regions, "
        f"{args.members:,} members/cards/wallets, {args.lines:,} ledger lines, seed {args.seed}"
    )
    timer = benchlib.Timer()
    with timer.phase("companies and card type (ORM)"):
        chain = create_chain(args)
    counts = build(args, chain, timer)
    if not args.skip_verify:
        counts["reconciliation differences"] = reconcile(args, timer)
    sizes = vacuum(args, timer)
    timer.report()
    print("\nRows written")
    counts["res_company (stores)"] = len(chain["stores"])
    for name, count in counts.items():
        print(f"  {name:<30} {count:>12,}")
    print("\nTable sizes (with indexes)")
    for table in FILLED_TABLES:
        print(f"  {table:<30} {sizes.get(table, 0) / 2**20:>10,.0f} MB")
    print(
        f"\nDone in {timer.total():.0f} s; "
        f"chain stores {chain['stores'][0]}..{chain['stores'][-1]}."
    )
    return 0


if __name__ == "__main__":
    benchlib.run(main, interrupted="interrupted: nothing of the bulk phase was committed")
