#!/usr/bin/env python3
"""POS orders paid from a member's stored value, through the RPC calls the
POS makes, beside Odoo's own eWallet flow, in one run; and the POS start-up
(the session's data loaded as the POS loads it) on a small and a large chain.

    python3 tests/bench/generate_chain.py --db member_bench     # once
    python3 tests/bench/pos_orders.py --db member_bench

The database needs member_pos and pos_loyalty (the script installs what is
missing, which takes a few minutes once). Unless an Odoo already answers on
``--url``, the script starts one itself (prefork, ``--workers 4``) and stops it
at the end. Each client is one till: a POS configuration of its own, in one
of the chain's stores, with an open session, logged in with a web session as
the POS is (``/web/dataset/call_kw``).

Flows, each at every level of ``--clients``:

  ours    the cashier sends the member-balance payment line
          (``pos.session.member_pos_authorize``: the server debits the card
          under its lock) and validates the order (``pos.order.sync_from_ui``:
          the order is matched with the authorised debit)
  native  Odoo 19's eWallet as pos_loyalty does it: the pre-check
          (``pos.order.validate_coupon_programs``), the order sync with the
          eWallet reward line (``sync_from_ui``) and the confirmation that
          moves the card's points (``confirm_coupon_programs``)

The latency of one order is what the cashier waits for: every call of its
flow. With ``--lookups``, at each level too: the member lookup the till makes
when a card is scanned or a phone typed (``pos.session.member_pos_lookup``:
the member panel's answer), by card number and by mobile phone (national
form, as typed), beside Odoo's trivial call (``res.users.context_get``).
Then ``--attack`` tills at the same moment each pay the whole balance
(100) of one card, in each flow: accepted payments and the card's balance
after (an overdraft shows as a negative balance).

Start-up (``--startup-dbs``): for each database, ``pos.session.load_data``
as the POS calls it at start (limited loading), in this process, as the
bench cashier of an open session: median of ``--startup-repeat`` calls, with
the number of members and POS orders in that database. Build the two
chains with generate_chain.py (``--members 50`` and ``--members 1000000``)
and give POS orders to their members with ``--history-orders``.
"""

import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import benchlib
import wallet_debit
from wallet_debit import OdooServer, client_pool, run_load, server_answers

LOGIN = "member_bench_pos_cashier"
EWALLET_PROGRAM = "Bench POS eWallet"
PRODUCT = "Bench POS Coffee"
MODULES = ("member_pos", "pos_loyalty")


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "POS order benchmark: member-balance payments authorised by the server "
        "vs Odoo's eWallet in the POS, and the POS start-up with many members.",
        "member_bench",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8789", help="Odoo base URL (loopback)")
    parser.add_argument("--workers", type=int, default=4, help="workers of the Odoo it starts")
    parser.add_argument("--gevent-port", type=int, default=None)
    parser.add_argument("--clients", default="1,4", help="concurrency levels (one till each)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measurement")
    parser.add_argument(
        "--warmup",
        type=float,
        default=15.0,
        help="seconds of warm-up orders per flow and level (each Odoo worker loads its "
        "registry on its first request)",
    )
    parser.add_argument("--amount", default="1.00", help="amount of one order")
    parser.add_argument("--attack", type=int, default=8, help="tills of the overdraft attack")
    parser.add_argument("--attack-balance", type=int, default=100)
    parser.add_argument(
        "--startup-dbs",
        default="",
        help="comma-separated databases (member_pos installed, a generated chain) whose "
        "POS start-up is timed, e.g. member_bench_50,member_bench_1m",
    )
    parser.add_argument("--startup-repeat", type=int, default=5)
    parser.add_argument(
        "--history-orders",
        type=float,
        default=0,
        help="before timing a start-up database, give it this many paid POS orders per "
        "member (bulk SQL, in closed sessions of the timed till, 200 a day), once",
    )
    parser.add_argument("--skip-flows", action="store_true", help="only the start-up timing")
    parser.add_argument(
        "--lookups",
        action="store_true",
        help="also time the member lookup by card and by phone beside a trivial call",
    )
    parser.add_argument("--request-timeout", type=float, default=90.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--output", default=None, help="file for the results (JSON)")
    args = parser.parse_args(argv)
    args.client_levels = sorted({int(c) for c in args.clients.split(",") if c.strip()})
    if not args.client_levels or min(args.client_levels) < 1 or max(args.client_levels) > 32:
        parser.error("--clients: numbers between 1 and 32")
    if not 2 <= args.attack <= 32:
        parser.error("--attack: between 2 and 32 tills")
    args.auth = "session"
    return args


# ----------------------------------------------------------------------
# Setup (in-process Odoo environment)
# ----------------------------------------------------------------------


def ensure_modules(args):
    missing = [m for m in MODULES if benchlib.module_state(args, m) != "installed"]
    if missing:
        print(f"-- installing {', '.join(missing)} in {args.db} (once) …", flush=True)
        log = Path(args.output or "/tmp").parent / f"{args.db}-pos-install.log"
        benchlib.install_modules(args, missing, log)


def cashier(env, stores, password=None):
    import odoo  # noqa: PLC0415

    Users = env["res.users"].with_context(active_test=False, no_reset_password=True)
    user = Users.search([("login", "=", LOGIN)], limit=1)
    groups = env.ref("member_base.group_member_cashier") | env.ref("point_of_sale.group_pos_user")
    if not user:
        user = Users.create(
            {
                "name": "Bench POS Cashier",
                "login": LOGIN,
                "company_id": stores[0].id,
                "company_ids": [odoo.Command.set(stores.ids)],
                "group_ids": [odoo.Command.set(groups.ids)],
            }
        )
    if password:
        user.password = password
    return user


def till(env, store, name, user, product):
    """A POS configuration in ``store`` with cash and member-balance payment
    methods and an open session of ``user``."""
    import odoo  # noqa: PLC0415

    env = env(context={"allowed_company_ids": [store.id]})
    Config = env["pos.config"]
    config = Config.search([("name", "=", name), ("company_id", "=", store.id)], limit=1)
    if not config:
        code = f"B{abs(hash(name)) % 10**4:04d}"
        journal = env["account.journal"].create(
            {"name": f"{name} cash", "type": "cash", "code": code, "company_id": store.id}
        )
        Method = env["pos.payment.method"]
        cash = Method.create(
            {"name": f"{name} cash", "journal_id": journal.id, "company_id": store.id}
        )
        balance = Method.create(
            {
                "name": f"{name} member balance",
                "use_payment_terminal": "member_balance",
                "company_id": store.id,
            }
        )
        config = Config.create(
            {
                "name": name,
                "company_id": store.id,
                "payment_method_ids": [odoo.Command.set((cash | balance).ids)],
            }
        )
    session = config.current_session_id
    if not session:
        session = env["pos.session"].create({"config_id": config.id, "user_id": user.id})
        session.set_opening_control(0, None)
    elif session.user_id != user:
        session.user_id = user
    product.with_company(store).sudo().write({"available_in_pos": True})
    balance = config.payment_method_ids.filtered(
        lambda m: m.use_payment_terminal == "member_balance"
    )
    return {
        "config_id": config.id,
        "session_id": session.id,
        "store_id": store.id,
        "balance_method_id": balance.id,
        "pricelist_id": config.pricelist_id.id,
    }


def setup(args):
    import odoo  # noqa: PLC0415

    amount = float(args.amount)
    tills_needed = max(max(args.client_levels), args.attack)
    password = uuid.uuid4().hex
    run_id = uuid.uuid4().hex[:8]
    with benchlib.odoo_env(args) as env:
        marker = env["ir.config_parameter"].get_param("member_bench.chain")
        if not marker:
            raise benchlib.BenchError(f"{args.db} has no generated chain: run generate_chain.py")
        chain = json.loads(marker)
        stores = env["res.company"].browse(chain["store_ids"])
        user = cashier(env, stores, password)
        Product = env["product.product"]
        product = Product.search([("name", "=", PRODUCT)], limit=1) or Product.create(
            {
                "name": PRODUCT,
                "type": "consu",
                "available_in_pos": True,
                "list_price": amount,
                "taxes_id": [odoo.Command.clear()],
            }
        )
        tills = [
            till(env, stores[k % len(stores)], f"Bench Till {k + 1}", user, product)
            for k in range(tills_needed)
        ]
        # our cards: the richest wallets of the chain, a set per till
        per_till = 20
        env.cr.execute(
            """SELECT c.name, c.partner_id FROM member_wallet w
                 JOIN member_card c ON c.id = w.card_id
                WHERE c.type_id = %s AND c.state = 'active' AND w.principal >= 200
                ORDER BY w.principal DESC, w.id LIMIT %s""",
            [chain["card_type_id"], per_till * tills_needed + args.attack],
        )
        rows = env.cr.fetchall()
        if len(rows) < per_till * tills_needed + args.attack:
            raise benchlib.BenchError("not enough funded cards in the chain for this run")
        ours = [rows[k * per_till : (k + 1) * per_till] for k in range(tills_needed)]
        # the same members' mobile phones, typed as a cashier does (national form)
        env.cr.execute(
            "SELECT id, member_mobile FROM res_partner WHERE id = ANY(%s)",
            [[partner_id for _number, partner_id in rows]],
        )
        mobiles = {pid: mobile.removeprefix("+86") for pid, mobile in env.cr.fetchall() if mobile}
        phones = [[mobiles[pid] for _n, pid in cards if pid in mobiles] for cards in ours]
        attack_ours = rows[per_till * tills_needed][0]
        # the attacked card holds exactly the attack balance
        store = stores[0]
        wallet = (
            env["member.card"]
            .search([("name", "=", attack_ours)])
            ._get_wallet()
            .with_company(store)
        )
        target = float(args.attack_balance)
        if wallet.balance > target:
            wallet._consume(round(wallet.balance - target, 2), key=f"bench-pos-{run_id}")
        elif wallet.balance < target:
            wallet._topup(round(target - wallet.balance, 2), key=f"bench-pos-{run_id}", bonus=0)
        # the eWallet: a program of the head office, one card per member of ours
        head_office = stores[0].root_id
        Program = env["loyalty.program"].with_context(default_program_type="ewallet")
        program = Program.search([("name", "=", EWALLET_PROGRAM)], limit=1)
        if not program:
            program = Program.create(
                {
                    "name": EWALLET_PROGRAM,
                    "program_type": "ewallet",
                    "company_id": head_office.id,
                    "trigger_product_ids": [odoo.Command.set(product.ids)],
                }
            )
        reward = program.reward_ids[:1]
        if not reward:  # what the program form adds to a new eWallet program
            reward = env["loyalty.reward"].create(
                {
                    "program_id": program.id,
                    "reward_type": "discount",
                    "discount_mode": "per_point",
                    "discount": 1,
                    "discount_applicability": "order",
                    "required_points": 1,
                }
            )
        Card = env["loyalty.card"].with_context(action_no_send_mail=True, loyalty_no_mail=True)
        native = [
            [
                (
                    Card.create(
                        {
                            "program_id": program.id,
                            "partner_id": partner_id,
                            "code": f"BPW-{run_id}-{k}-{n}",
                            "points": 1_000_000.0,
                        }
                    ).id,
                    partner_id,
                )
                for n, (_number, partner_id) in enumerate(ours[k])
            ]
            for k in range(tills_needed)
        ]
        attack_native = Card.create(
            {"program_id": program.id, "code": f"BPW-{run_id}-attack", "points": target}
        ).id
        env.cr.commit()
        return {
            "login": LOGIN,
            "password": password,
            "run_id": run_id,
            "amount": amount,
            "product_id": product.id,
            "tills": tills,
            "ours": ours,
            "phones": phones,
            "native": native,
            "attack_ours": attack_ours,
            "attack_native": attack_native,
            "program_id": program.id,
            "reward_id": reward.id,
            "reward_product_id": reward.discount_line_product_id.id,
            "stores": chain["store_ids"],
        }


# ----------------------------------------------------------------------
# The till's calls
# ----------------------------------------------------------------------


def now_string():
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def order_payload(ctx, till_, partner_id, lines, payments, total):
    order_uuid = str(uuid.uuid4())
    return order_uuid, {
        "uuid": order_uuid,
        "name": f"Order {order_uuid}",
        "session_id": till_["session_id"],
        "pricelist_id": till_["pricelist_id"],
        "partner_id": partner_id,
        "user_id": False,
        "fiscal_position_id": False,
        "to_invoice": False,
        "state": "paid",
        "date_order": now_string(),
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "last_order_preparation_change": "{}",
        "lines": [[0, 0, line] for line in lines],
        "payment_ids": [[0, 0, payment] for payment in payments],
    }


def coffee_line(ctx, price):
    return {
        "id": random.randint(1, 10**9),
        "product_id": ctx["product_id"],
        "qty": 1,
        "price_unit": price,
        "price_subtotal": price,
        "price_subtotal_incl": price,
        "discount": 0,
        "tax_ids": [[6, 0, []]],
        "pack_lot_ids": [],
    }


def timed(client, step, *args, **kwargs):
    """``client.call`` with the time of each step of a flow summed on the client."""
    start = time.perf_counter()
    try:
        return client.call(*args, **kwargs)
    finally:
        steps = client.__dict__.setdefault("steps", {})
        total, count = steps.get(step, (0.0, 0))
        steps[step] = (total + time.perf_counter() - start, count + 1)


def ours_order(client, ctx, till_, card_number, partner_id, amount):
    """Pay ``amount`` from the card's balance, then validate: the outcome."""
    session_id = till_["session_id"]
    payment_uuid = str(uuid.uuid4())
    order_uuid, data = order_payload(
        ctx,
        till_,
        partner_id,
        [coffee_line(ctx, amount)],
        [
            {
                "amount": amount,
                "name": now_string(),
                "payment_method_id": till_["balance_method_id"],
                "uuid": payment_uuid,
            }
        ],
        amount,
    )
    context = {"allowed_company_ids": [till_["store_id"]]}
    outcome, answer = timed(
        client,
        "ours: member_pos_authorize",
        "pos.session",
        "member_pos_authorize",
        ids=[session_id],
        card_ref=card_number,
        amount=amount,
        order_uuid=order_uuid,
        payment_uuid=payment_uuid,
        context=context,
    )
    if outcome != "ok":
        return outcome
    if not answer.get("ok"):
        client.last_error = answer.get("message", "")
        return wallet_debit.classify(client.last_error)
    return timed(
        client, "ours: sync_from_ui", "pos.order", "sync_from_ui", orders=[data], context=context
    )[0]


def native_order(client, ctx, till_, card_id, partner_id, amount):
    """Odoo's eWallet in the POS: pre-check, sync, confirm."""
    context = {"allowed_company_ids": [till_["store_id"]]}
    outcome, check = timed(
        client,
        "native: validate_coupon_programs",
        "pos.order",
        "validate_coupon_programs",
        ids=[],
        point_changes={str(card_id): -amount},
        new_codes=[],
        context=context,
    )
    if outcome != "ok":
        return outcome
    if not check.get("successful"):
        client.last_error = check.get("payload", {}).get("message", "")
        return "insufficient"
    code = uuid.uuid4().hex[:10]
    reward_line = {
        **coffee_line(ctx, -amount),
        "product_id": ctx["reward_product_id"],
        "is_reward_line": True,
        "reward_id": ctx["reward_id"],
        "coupon_id": card_id,
        "reward_identifier_code": code,
        "points_cost": amount,
    }
    _order_uuid, data = order_payload(
        ctx, till_, partner_id, [coffee_line(ctx, amount), reward_line], [], 0
    )
    outcome, synced = timed(
        client, "native: sync_from_ui", "pos.order", "sync_from_ui", orders=[data], context=context
    )
    if outcome != "ok":
        return outcome
    order_id = synced["pos.order"][0]["id"]
    return timed(
        client,
        "native: confirm_coupon_programs",
        "pos.order",
        "confirm_coupon_programs",
        ids=[order_id],
        coupon_data={
            str(card_id): {
                "points": -amount,
                "program_id": ctx["program_id"],
                "coupon_id": card_id,
                "line_codes": [code],
            }
        },
        context=context,
    )[0]


def lookup(client, till_, raw):
    """The till's member lookup of ``raw`` (card number or phone): the outcome."""
    context = {"allowed_company_ids": [till_["store_id"]]}
    outcome, answer = timed(
        client,
        "lookup: member_pos_lookup",
        "pos.session",
        "member_pos_lookup",
        ids=[till_["session_id"]],
        raw=raw,
        context=context,
    )
    if outcome == "ok" and not answer.get("ok"):
        client.last_error = answer.get("message", "")
        return "error"
    return outcome


LOOKUP_FLOWS = ("lookup-card", "lookup-phone", "trivial")


def flow(ctx, name):
    amount = ctx["amount"]

    def factory(client, k):
        till_ = ctx["tills"][k]
        if name == "lookup-card":
            numbers = [number for number, _pid in ctx["ours"][k]]

            def op(n):
                return lookup(client, till_, numbers[n % len(numbers)])
        elif name == "lookup-phone":
            phones = ctx["phones"][k]
            if not phones:
                raise benchlib.BenchError("the chain's members have no mobile phone")

            def op(n):
                return lookup(client, till_, phones[n % len(phones)])
        elif name == "trivial":

            def op(n):
                return client.call("res.users", "context_get")[0]
        elif name == "ours":
            cards = ctx["ours"][k]

            def op(n):
                number, partner_id = cards[n % len(cards)]
                return ours_order(client, ctx, till_, number, partner_id, amount)
        else:
            cards = ctx["native"][k]

            def op(n):
                card_id, partner_id = cards[n % len(cards)]
                return native_order(client, ctx, till_, card_id, partner_id, amount)

        return op

    return factory


def attack(args, ctx):
    """``args.attack`` tills pay the whole balance of one card at once."""
    amount = float(args.attack_balance)
    rows = {}
    pool = client_pool(args, ctx, args.attack)
    for name in ("ours", "native"):
        barrier = threading.Barrier(args.attack)
        outcomes = []
        lock = threading.Lock()

        def worker(k, name=name, barrier=barrier, outcomes=outcomes, lock=lock):
            till_ = ctx["tills"][k]
            barrier.wait()
            if name == "ours":
                outcome = ours_order(pool[k], ctx, till_, ctx["attack_ours"], False, amount)
            else:
                outcome = native_order(pool[k], ctx, till_, ctx["attack_native"], False, amount)
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.attack)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3 * args.request_timeout)
        rows[name] = {"accepted": outcomes.count("ok"), "outcomes": sorted(outcomes)}
    with benchlib.odoo_env(args) as env:
        wallet = env["member.card"].search([("name", "=", ctx["attack_ours"])])._get_wallet()
        rows["ours"]["balance_after"] = wallet.balance
        rows["native"]["balance_after"] = env["loyalty.card"].browse(ctx["attack_native"]).points
    for row in rows.values():
        row["overdraft"] = max(0.0, -row["balance_after"])
    return rows


# ----------------------------------------------------------------------
# Start-up
# ----------------------------------------------------------------------


def history_orders(env, till_, count):
    """``count`` paid POS orders of random members in closed sessions of the
    till's configuration, in bulk SQL (once per database)."""
    cr = env.cr
    cr.execute(
        "SELECT COUNT(*) FROM pos_order o JOIN pos_session s ON s.id = o.session_id"
        " WHERE s.config_id = %s AND o.name LIKE 'Bench history %%'",
        [till_["config_id"]],
    )
    if cr.fetchone()[0] >= count:
        return
    # closed sessions of 200 orders each, one a day, as a till's days are
    # (the till preloads the customers of its last few sessions)
    days = max(5, count // 200)
    cr.execute(
        """INSERT INTO pos_session (name, config_id, user_id, state, start_at, stop_at,
                                    create_uid, write_uid, create_date, write_date)
           SELECT 'Bench history ' || g, %s, %s, 'closed',
                  now() - interval '1 day' * (%s - g + 2), now() - interval '1 day' * (%s - g + 1),
                  1, 1, now(), now()
             FROM generate_series(1, %s) g
           RETURNING id""",
        [till_["config_id"], env.uid, days, days, days],
    )
    sessions = sorted(row[0] for row in cr.fetchall())
    cr.execute(
        """INSERT INTO pos_order (name, session_id, config_id, company_id, partner_id,
                                  pricelist_id, user_id, state, date_order, amount_tax,
                                  amount_total, amount_paid, amount_return, sequence_number,
                                  uuid, create_uid, write_uid, create_date, write_date)
           SELECT 'Bench history ' || g,
                  (%(sessions)s::int[])[1 + (g::bigint - 1) * %(n_sessions)s / %(count)s],
                  %(config)s,
                  %(company)s, p.id, %(pricelist)s::int, %(uid)s, 'done',
                  now() - interval '30 days', 0, 10, 10, 0, g, gen_random_uuid()::text,
                  1, 1, now(), now()
             FROM generate_series(1, %(count)s) g
             JOIN LATERAL (SELECT id FROM res_partner
                            WHERE is_member AND id > (g::bigint * 7919) %% %(span)s
                            ORDER BY id LIMIT 1) p ON true""",
        {
            "sessions": sessions,
            "n_sessions": len(sessions),
            "config": till_["config_id"],
            "company": till_["store_id"],
            "pricelist": till_["pricelist_id"] or None,
            "uid": env.uid,
            "count": count,
            "span": max_partner_id(cr),
        },
    )
    cr.execute("ANALYZE pos_order")


def max_partner_id(cr):
    cr.execute("SELECT COALESCE(MAX(id), 1) FROM res_partner WHERE is_member")
    return cr.fetchone()[0]


def startup(args, db):
    """Median seconds of ``pos.session.load_data`` as the POS calls it at start."""
    import odoo  # noqa: PLC0415

    args_db = type(args)(**{**vars(args), "db": db})
    with benchlib.odoo_env(args_db) as env:
        chain = json.loads(env["ir.config_parameter"].get_param("member_bench.chain") or "{}")
        if not chain:
            raise benchlib.BenchError(f"{db} has no generated chain: run generate_chain.py")
        stores = env["res.company"].browse(chain["store_ids"])
        user = cashier(env, stores)
        product = env["product.product"].search([("name", "=", PRODUCT)], limit=1)
        if not product:
            product = env["product.product"].create(
                {"name": PRODUCT, "type": "consu", "available_in_pos": True, "list_price": 1}
            )
        till_ = till(env, stores[0], "Bench Start-up Till", user, product)
        env.cr.execute("SELECT COUNT(*) FROM res_partner WHERE is_member")
        members = env.cr.fetchone()[0]
        if args.history_orders:
            history_orders(env, till_, int(args.history_orders * members))
        env.cr.execute("SELECT COUNT(*) FROM pos_order")
        orders = env.cr.fetchone()[0]
        env.cr.commit()
    registry = benchlib.odoo_registry(args_db)
    timings = []
    for _n in range(args.startup_repeat + 1):
        with registry.cursor() as cr:
            env = odoo.api.Environment(
                cr,
                user.id,
                {"allowed_company_ids": [till_["store_id"]], "pos_limited_loading": True},
            )
            session = env["pos.session"].browse(till_["session_id"])
            start = time.perf_counter()
            session.load_data_params()
            data = session.load_data([])
            timings.append(time.perf_counter() - start)
            partners = len(data.get("res.partner", []))
            cr.rollback()
    timings = timings[1:]  # the first call warms the registry's caches
    # Odoo's own choice of the partners to preload, which member_pos replaces
    from odoo.addons.point_of_sale.models.pos_config import PosConfig  # noqa: PLC0415

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, user.id, {"allowed_company_ids": [till_["store_id"]]})
        config = env["pos.config"].browse(till_["config_id"])
        start = time.perf_counter()
        PosConfig.get_limited_partners_loading(config)
        native = time.perf_counter() - start
        start = time.perf_counter()
        config.get_limited_partners_loading()
        ours = time.perf_counter() - start
        cr.rollback()
    return {
        "partners_query_native_s": round(native, 3),
        "partners_query_ours_s": round(ours, 3),
        "db": db,
        "members": members,
        "pos_orders": orders,
        "partners_loaded": partners,
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
    }


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------


def measure(args, ctx):
    results = {}
    names = ("ours", "native", *(LOOKUP_FLOWS if args.lookups else ()))
    for level in args.client_levels:
        for name in names:
            run_load(args, ctx, level, args.warmup, flow(ctx, name))
            results[(name, level)] = run_load(args, ctx, level, args.duration, flow(ctx, name))
            row = results[(name, level)]
            print(
                f"   {name:<7} {level} till(s): {row['per_s']:7.1f} orders/s  "
                f"p50 {row['p50']} p95 {row['p95']} p99 {row['p99']} ms  "
                f"(ok {row['ok']}, refused {row['insufficient']}, errors {row['error']})",
                flush=True,
            )
            for message in row["messages"][:2]:
                print(f"      e.g. {message}")
    return results


def step_means(ctx):
    """Mean ms of each call of the flows, over every client and measurement."""
    sums = {}
    for client in ctx.get("clients", []):
        for step, (total, count) in getattr(client, "steps", {}).items():
            old = sums.get(step, (0.0, 0))
            sums[step] = (old[0] + total, old[1] + count)
    return {step: round(total / count * 1000, 1) for step, (total, count) in sums.items() if count}


def print_report(args, results, attacks, startups, steps=None):
    print("\nPOS orders paid from the member's balance (orders/s; ms the cashier waits)")
    print(
        f"{'tills':>5}  {'ours/s':>8} {'p50':>7} {'p99':>7}  {'native/s':>8} {'p50':>7} "
        f"{'p99':>7}  {'ours/native':>11}"
    )
    for level in args.client_levels:
        ours, native = results.get(("ours", level)), results.get(("native", level))
        if not ours or not native:
            continue
        ratio = ours["per_s"] / native["per_s"] if native["per_s"] else float("nan")
        print(
            f"{level:>5}  {ours['per_s']:>8.1f} {ours['p50']:>7} {ours['p99']:>7}  "
            f"{native['per_s']:>8.1f} {native['p50']:>7} {native['p99']:>7}  {ratio:>11.2f}"
        )
    if args.lookups:
        print("\nMember lookup at the till (lookups/s; ms the cashier waits)")
        print(f"{'tills':>5}  {'flow':<13} {'per s':>8} {'p50':>7} {'p99':>7}  {'/trivial':>8}")
        for level in args.client_levels:
            trivial = results.get(("trivial", level))
            for name in LOOKUP_FLOWS:
                row = results.get((name, level))
                if not row:
                    continue
                ratio = row["per_s"] / trivial["per_s"] if trivial and trivial["per_s"] else 0
                print(
                    f"{level:>5}  {name:<13} {row['per_s']:>8.1f} {row['p50']:>7} "
                    f"{row['p99']:>7}  {ratio:>8.2f}"
                )
    if steps:
        print("\nMean ms per call (all measurements)")
        for step, ms in sorted(steps.items()):
            print(f"  {step:<36} {ms:>8}")
    if attacks:
        print(
            f"\n{args.attack} tills pay the whole balance ({args.attack_balance}) "
            "of one card at once"
        )
        for name, row in attacks.items():
            print(
                f"  {name:<7} accepted {row['accepted']}  balance after {row['balance_after']:.2f}"
                f"  overdraft {row['overdraft']:.2f}"
            )
    if startups:
        print("\nPOS start-up (pos.session.load_data, limited loading, in-process)")
        for row in startups:
            print(
                f"  {row['db']:<20} {row['members']:>9} members {row['pos_orders']:>9} POS orders"
                f"  {row['partners_loaded']:>5} partners loaded  median {row['median_s']:.3f} s"
                f" (max {row['max_s']:.3f} s); choosing the partners: ours "
                f"{row['partners_query_ours_s']:.3f} s, Odoo's own query "
                f"{row['partners_query_native_s']:.3f} s"
            )
        if len(startups) >= 2 and startups[0]["median_s"]:
            print(
                f"  ratio largest/smallest: "
                f"{startups[-1]['median_s'] / startups[0]['median_s']:.2f}"
            )


def main(argv=None):
    args = parse_args(argv)
    benchlib.check_loopback(args.url.split("//", 1)[1].split(":")[0])
    results, attacks, startups, steps = {}, None, [], {}
    if not args.skip_flows:
        benchlib.check_bench_db_name(args.db)
        ensure_modules(args)
        print(f"-- setup of {args.db} …", flush=True)
        ctx = setup(args)
        import requests  # noqa: PLC0415

        server = None
        log_path = Path(args.output or f"/tmp/{args.db}-pos-bench.json").with_suffix(".log")
        if not server_answers(requests.Session(), args.url):
            server = OdooServer(args, str(log_path))
            server.start(requests.Session())
        try:
            print(f"-- flows, {args.duration:.0f} s each …", flush=True)
            results = measure(args, ctx)
            print("-- overdraft attack …", flush=True)
            steps = step_means(ctx)
            attacks = attack(args, ctx)
        finally:
            if server:
                server.stop()
    for db in [d.strip() for d in args.startup_dbs.split(",") if d.strip()]:
        benchlib.check_bench_db_name(db)
        print(f"-- start-up of {db} …", flush=True)
        startups.append(startup(args, db))
    print_report(args, results, attacks, startups, steps)
    if args.output:
        Path(args.output).write_text(
            json.dumps(
                {
                    "flows": {f"{k[0]}-{k[1]}": v for k, v in results.items()},
                    "attack": attacks,
                    "startup": startups,
                    "steps_ms": steps,
                    "load": os.getloadavg(),
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(benchlib.run(main))
