#!/usr/bin/env python3
"""Debits per second and latency of member_wallet against a running Odoo with
workers, beside Odoo's own eWallet flow, a trivial Odoo RPC call and the raw
PostgreSQL limit of one debit (pgbench), in one run.

    python3 tests/bench/generate_chain.py --db member_bench        # once
    python3 tests/bench/wallet_debit.py --db member_bench

Needs a database built by generate_chain.py (with the ``loyalty`` module
installed for the eWallet comparison). Unless an Odoo already answers on
``--url``, the script starts one itself (prefork: ``--workers 4
--max-cron-threads 0`` on 127.0.0.1:8769) and stops it at the end.

Scenarios, each for 1, 4 and 8 concurrent clients (threads, one ``requests``
session each, logged in as a cashier of the chain's stores):

  ours-cards     member.wallet api_consume(card, 1.00, key) on cards of the
                 client's own (no contention)
  ours-hot       the same on ONE hot card (serialization conflicts: Odoo retries
                 them server-side; successes, insufficient-balance refusals and
                 "try again" failures are counted apart)
  rpc-trivial    res.users context_get: Odoo's own per-request cost
  api-balance    member.wallet api_balance(card): our read-only call
  ewallet-cards  Odoo's eWallet (loyalty.card of an eWallet program) debited as
                 the POS does it: call 1 reads the balance and the client checks
                 it (validate_coupon_programs), call 2 decrements the points on
                 the server (confirm_coupon_programs: ``coupon.points += change``,
                 emulated with a server action) -- cards of the client's own
  ewallet-hot    the same on ONE hot eWallet card
  attack         N clients at the same moment each spend the whole balance
                 (100) of one card: ours, the eWallet as the POS does it, and
                 the eWallet with an absolute write (points = read - amount);
                 reports accepted debits and the final balance (overdraft)
  pgbench-cards  pgbench -c N -T 10, one transaction = UPDATE member_wallet
                 (principal, balance - 0.01) + INSERT into a scratch table, on
                 random wallets (every change is undone afterwards)
  pgbench-hot    the same on one wallet

The clients log in with a web session and call ``/web/dataset/call_kw`` as the
POS and the back office do (``--auth apikey``: ``/json/2`` with a bearer API key,
which Odoo checks with a deliberately slow hash on every request).
``--repeat N`` takes every measurement N times, in rounds, and reports medians.

Prints debits/s, p50/p95/p99 latency (ms, all requests) per scenario and
concurrency and the ratios ours / trivial RPC and ours / pgbench. The
database stays consistent: debits are real postings (the reconciliation still
finds 0 differences afterwards, checked at the end), pgbench's changes are undone.
"""

import collections
import datetime
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import benchlib

BENCH_LOGIN = "member_bench_cashier"
APIKEY_NAME = "member bench"
EWALLET_PROGRAM = "Bench eWallet"
EWALLET_ACTION = "Bench: eWallet debit as the POS order sync does it"
ALL_SCENARIOS = (
    "ours-cards",
    "ours-hot",
    "rpc-trivial",
    "api-balance",
    "ewallet-cards",
    "ewallet-hot",
    "attack",
    "pgbench-cards",
    "pgbench-hot",
)
PGBENCH_SCRIPT = """\
\\set n random(1, :count)
BEGIN;
UPDATE member_wallet SET principal = principal - 0.01, balance = balance - 0.01
 WHERE id = (SELECT wallet_id FROM bench_pgbench_wallet WHERE n = :n);
INSERT INTO bench_pgbench_debit (wallet_id, amount, at)
VALUES ((SELECT wallet_id FROM bench_pgbench_wallet WHERE n = :n), 0.01, now());
COMMIT;
"""
PGBENCH_HOT_SCRIPT = """\
BEGIN;
UPDATE member_wallet SET principal = principal - 0.01, balance = balance - 0.01 WHERE id = :hot;
INSERT INTO bench_pgbench_debit (wallet_id, amount, at) VALUES (:hot, 0.01, now());
COMMIT;
"""


def parse_args(argv=None):
    parser = benchlib.argument_parser(
        "Wallet debit benchmark: member_wallet vs Odoo eWallet vs trivial RPC "
        "vs pgbench, at 1/4/8 concurrent clients.",
        "member_bench",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8769", help="Odoo base URL (loopback)")
    parser.add_argument(
        "--no-start",
        action="store_true",
        help="never start Odoo; fail when nothing answers on --url",
    )
    parser.add_argument("--workers", type=int, default=4, help="workers of the Odoo it starts")
    parser.add_argument(
        "--gevent-port",
        type=int,
        default=None,
        help="gevent port of the Odoo it starts (default: HTTP port + 1)",
    )
    parser.add_argument(
        "--server-log",
        default=None,
        help="Odoo log file (default: a file in the output folder when the "
        "script starts Odoo); used to count server-side retries",
    )
    parser.add_argument(
        "--auth",
        choices=("session", "apikey"),
        default="session",
        help="session: web session + /web/dataset/call_kw (as the POS does); "
        "apikey: bearer API key + /json/2 (an API key is checked with a slow "
        "hash on every request)",
    )
    parser.add_argument("--clients", default="1,4,8", help="concurrency levels")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up calls")
    parser.add_argument(
        "--scenarios",
        default=",".join(ALL_SCENARIOS),
        help="comma-separated subset of: " + ", ".join(ALL_SCENARIOS),
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of every measurement, taken in rounds; the table shows "
        "medians and the spread of the rates",
    )
    parser.add_argument("--amount", default="1.00", help="amount of one debit")
    parser.add_argument("--cards-per-client", type=int, default=20)
    parser.add_argument("--hot-topup", default="50000", help="top-up of the hot card first")
    parser.add_argument(
        "--attack-balance",
        type=int,
        default=100,
        help="balance of the attacked card, each attacker spends all of it",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=90.0,
        help="seconds before one HTTP call is given up (Odoo's retries with "
        "backoff can take ~30 s)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="upper bound of calls per client and measurement",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="folder for the results (JSON), pgbench logs and Odoo's log "
        "(default: a new temporary folder)",
    )
    args = parser.parse_args(argv)
    args.client_levels = sorted({int(c) for c in args.clients.split(",") if c.strip()})
    if not args.client_levels or min(args.client_levels) < 1 or max(args.client_levels) > 64:
        parser.error("--clients: numbers between 1 and 64")
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenario_list) - set(ALL_SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")
    if not 1 <= args.repeat <= 20:
        parser.error("--repeat: from 1 to 20")
    if not 0 < args.duration <= 600:
        parser.error("--duration: between 0 and 600 seconds")
    return args


# ----------------------------------------------------------------------
# Setup in the database (in-process Odoo environment)
# ----------------------------------------------------------------------


def setup(args):
    """Cashier user and API key, client cards, hot card, eWallet program,
    cards and server action. Returns what the clients need."""
    import odoo  # noqa: PLC0415

    needed = args.cards_per_client * max(args.client_levels)
    amount = float(args.amount)
    with benchlib.odoo_env(args) as env:
        marker = env["ir.config_parameter"].get_param("member_bench.chain")
        if not marker:
            raise benchlib.BenchError(f"{args.db} has no generated chain: run generate_chain.py")
        chain = json.loads(marker)
        stores = env["res.company"].browse(chain["store_ids"])
        cashier_group = env.ref("member_base.group_member_cashier")
        Users = env["res.users"].with_context(active_test=False, no_reset_password=True)
        user = Users.search([("login", "=", BENCH_LOGIN)], limit=1)
        if not user:
            user = Users.create(
                {
                    "name": "Bench Cashier",
                    "login": BENCH_LOGIN,
                    "company_id": stores[0].id,
                    "company_ids": [odoo.Command.set(stores.ids)],
                    "group_ids": [odoo.Command.set(cashier_group.ids)],
                }
            )
        password = secrets.token_urlsafe(16)
        user.password = password
        env.cr.execute(
            "DELETE FROM res_users_apikeys WHERE user_id = %s AND name = %s", [user.id, APIKEY_NAME]
        )
        api_key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, APIKEY_NAME, None)

        # Cards of the clients: the richest wallets of the chain, none hot.
        env.cr.execute(
            """SELECT c.name FROM member_wallet w JOIN member_card c ON c.id = w.card_id
                WHERE c.type_id = %s AND c.state = 'active' AND w.principal >= 200
                ORDER BY w.principal DESC, w.id LIMIT %s""",
            [chain["card_type_id"], needed + 1 + 2 * len(args.client_levels)],
        )
        numbers = [row[0] for row in env.cr.fetchall()]
        if len(numbers) < needed + 1 + len(args.client_levels):
            raise benchlib.BenchError("not enough funded cards in the chain for this run")
        client_cards = [
            numbers[k * args.cards_per_client : (k + 1) * args.cards_per_client]
            for k in range(max(args.client_levels))
        ]
        hot_number = numbers[needed]
        attack_numbers = numbers[needed + 1 : needed + 1 + len(args.client_levels)]
        Card = env["member.card"]
        hot_card = Card.search([("name", "=", hot_number)])
        hot_wallet = hot_card._get_wallet()
        run_id = uuid.uuid4().hex[:8]
        if hot_wallet.principal < float(args.hot_topup) / 2:
            hot_wallet.with_company(stores[0])._topup(
                args.hot_topup, key=f"bench-hot-topup-{run_id}", company=stores[0]
            )

        # eWallet side: program, cards, the POS-like server-side decrement.
        ewallet = (
            setup_ewallet(env, args, cashier_group, run_id, stores.ids)
            if ({"ewallet-cards", "ewallet-hot", "attack"} & set(args.scenario_list))
            else None
        )
        env.cr.commit()
    return {
        "chain": chain,
        "stores": stores.ids,
        "user_id": user.id,
        "api_key": api_key,
        "password": password,
        "client_cards": client_cards,
        "hot_card": hot_number,
        "hot_wallet_id": hot_wallet.id,
        "attack_cards": dict(zip(args.client_levels, attack_numbers, strict=True)),
        "ewallet": ewallet,
        "amount": amount,
        "run_id": run_id,
    }


def setup_ewallet(env, args, cashier_group, run_id, stores_ids):
    if "loyalty.program" not in env:
        print(
            "   loyalty is not installed: the eWallet scenarios are skipped "
            "(install it with -i loyalty to compare)"
        )
        return None
    Access = env["ir.model.access"]
    card_model = env["ir.model"]._get("loyalty.card")
    # A POS user reads loyalty programs and cards; the order sync writes cards (sudo).
    for model, write in (("loyalty.card", True), ("loyalty.program", False)):
        model_id = env["ir.model"]._get(model).id
        if not Access.search([("model_id", "=", model_id), ("group_id", "=", cashier_group.id)]):
            Access.create(
                {
                    "name": f"bench: cashiers use {model}",
                    "model_id": model_id,
                    "group_id": cashier_group.id,
                    "perm_read": True,
                    "perm_write": write,
                    "perm_create": False,
                    "perm_unlink": False,
                }
            )
    # the chain's head office: its stores' cashiers see its cards (parent_of rule)
    head_office = env["res.company"].browse(stores_ids[0]).root_id
    Program = env["loyalty.program"].with_context(default_program_type="ewallet")
    program = Program.search([("name", "=", EWALLET_PROGRAM)], limit=1) or Program.create(
        {"name": EWALLET_PROGRAM, "program_type": "ewallet", "company_id": head_office.id}
    )
    if program.company_id != head_office:
        program.company_id = head_office
    action = env["ir.actions.server"].search([("name", "=", EWALLET_ACTION)], limit=1)
    if not action:
        action = env["ir.actions.server"].create(
            {
                "name": EWALLET_ACTION,
                "model_id": card_model.id,
                "state": "code",
                # pos_loyalty's confirm_coupon_programs: coupon.points += change (sudo)
                "code": "for card in records.sudo():\n"
                "    card.write({'points': card.points - env.context.get('bench_amount', 0.0)})\n",
            }
        )
    Card = env["loyalty.card"].with_context(action_no_send_mail=True, loyalty_no_mail=True)
    total = args.cards_per_client * max(args.client_levels)
    cards = Card.create(
        [
            {"program_id": program.id, "code": f"BEW-{run_id}-{k:04d}", "points": 1_000_000.0}
            for k in range(total + 1)
        ]
    )
    attack = {}
    for level in args.client_levels:
        attack[level] = {
            mode: Card.create(
                {
                    "program_id": program.id,
                    "code": f"BEW-{run_id}-att-{mode}-{level}",
                    "points": float(args.attack_balance),
                }
            ).id
            for mode in ("pos", "write")
        }
    return {
        "program_id": program.id,
        "action_id": action.id,
        "client_cards": [
            cards[k * args.cards_per_client : (k + 1) * args.cards_per_client].ids
            for k in range(max(args.client_levels))
        ],
        "hot_card": cards[-1].id,
        "attack_cards": attack,
    }


def prepare_attack_cards(args, ctx):
    """Bring each attacked card of ours to exactly ``attack_balance``."""
    target = float(args.attack_balance)
    with benchlib.odoo_env(args) as env:
        store = env["res.company"].browse(ctx["stores"][0])
        for level, number in ctx["attack_cards"].items():
            wallet = (
                env["member.card"].search([("name", "=", number)])._get_wallet().with_company(store)
            )
            balance = wallet.balance
            key = f"bench-attack-{ctx['run_id']}-{level}"
            if balance > target:
                wallet._consume(round(balance - target, 2), key=key, company=store)
            elif balance < target:
                wallet._topup(round(target - balance, 2), key=key, company=store, bonus=0)
            wallet.invalidate_recordset()
            if abs(wallet.balance - target) > 0.001:
                raise benchlib.BenchError(f"attack card {number}: balance {wallet.balance}")


def read_balances(args, ctx):
    with benchlib.odoo_env(args) as env:
        ours = {
            level: env["member.card"].search([("name", "=", number)])._get_wallet().balance
            for level, number in ctx["attack_cards"].items()
        }
        ewallet = {}
        if ctx["ewallet"]:
            for level, cards in ctx["ewallet"]["attack_cards"].items():
                ewallet[level] = {
                    mode: env["loyalty.card"].browse(card_id).points
                    for mode, card_id in cards.items()
                }
        return ours, ewallet


def final_checks(args):
    """Reconciliation after the run (rolled back): 0 differences expected."""
    with benchlib.odoo_env(args) as env:
        differences = env["member.wallet.reconciliation"]._cron_reconcile()
        env.cr.rollback()
    return differences


# ----------------------------------------------------------------------
# Odoo server
# ----------------------------------------------------------------------


def server_answers(session, url):
    try:
        return session.get(f"{url}/web/health", timeout=3).status_code == 200
    except Exception:  # noqa: BLE001  (any connection error: not up)
        return False


class OdooServer:
    """Odoo in prefork mode, started (and later stopped) by this script."""

    def __init__(self, args, log_path):
        self.args = args
        self.log_path = log_path
        self.process = None

    def start(self, session):
        args = self.args
        port = re.search(r":(\d+)", args.url.split("//", 1)[1])
        port = int(port.group(1)) if port else 80
        options = [
            "--db-filter",
            f"^{re.escape(args.db)}$",
            "--workers",
            str(args.workers),
            "--max-cron-threads",
            "0",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            "--gevent-port",
            str(args.gevent_port or port + 1),
            "--limit-time-real",
            "600",
            "--limit-time-cpu",
            "300",
            "--log-level",
            "warn",
            "--log-handler",
            "odoo.service.model:INFO",
            "--log-handler",
            "odoo.service.server:INFO",
        ]
        self.process = benchlib.start_odoo(args, options, self.log_path)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise benchlib.BenchError(
                    f"Odoo exited ({self.process.returncode}): "
                    f"see {self.log_path}\n{tail(self.log_path)}"
                )
            if server_answers(session, args.url):
                break
            time.sleep(1)
        else:
            raise benchlib.BenchError(f"Odoo did not answer on {args.url} within 180 s")
        time.sleep(3)
        self.check_log()
        print(f"   Odoo is up; gevent child pid(s): {sorted(self._gevent_seen) or 'none'}")

    def gevent_pids(self):
        """Pids of the gevent child (``odoo-bin gevent``) of the server we started."""
        pids = set()
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                ppid = re.search(r"^PPid:\s+(\d+)", status.read_text(), re.M)
                cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if ppid and int(ppid.group(1)) == self.process.pid and b"gevent" in cmdline:
                pids.add(int(status.parent.name))
        return pids

    def check_log(self):
        """Warn when the gevent child crash-loops (it did with an old setuptools
        on this kind of machine): it is respawned with new pids, or logs errors."""
        text = (
            Path(self.log_path).read_text(errors="replace") if Path(self.log_path).exists() else ""
        )
        errors = len(re.findall(r"(?im)^.*gevent.*(traceback|error|exited|dead).*$", text))
        pids = self.gevent_pids() if self.process and self.process.poll() is None else set()
        seen = getattr(self, "_gevent_seen", None)
        respawned = seen is not None and pids and not (pids & seen)
        self._gevent_seen = pids
        if errors > 3 or respawned or (seen is not None and not pids):
            print(
                f"   WARNING: the gevent child of Odoo looks unhealthy (pids {seen} -> {pids}, "
                f"{errors} error lines in the log); an old setuptools can make it crash-loop: "
                "pip install 'setuptools<81'"
            )
            return False
        return True

    def stop(self):
        benchlib.stop_odoo(self.process)


def tail(path, lines=20):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def count_retries(log_path, offset):
    """Server-side retries (``… tries left``) and give-ups logged since ``offset``."""
    if not log_path or not Path(log_path).exists():
        return None, None, offset
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
        end = handle.tell()
    return (
        len(re.findall(r"tries left, try again", text)),
        len(re.findall(r"maximum number of tries reached", text)),
        end,
    )


# ----------------------------------------------------------------------
# HTTP clients
# ----------------------------------------------------------------------


class Client:
    """One simulated till: its own HTTP session, logged in with the web session
    (``/web/dataset/call_kw``, as the POS and the back office do) or with a
    bearer API key (``/json/2``)."""

    def __init__(self, args, ctx):
        import requests  # noqa: PLC0415

        self.args = args
        self.auth = args.auth
        self.session = requests.Session()
        self.session.headers.update({"Content-Type": "application/json", "Connection": "close"})
        self.last_error = None
        self.login = ctx.get("login", BENCH_LOGIN)
        if self.auth == "apikey":
            self.session.headers["Authorization"] = f"bearer {ctx['api_key']}"
            self.session.headers["X-Odoo-Database"] = args.db  # (ignores the web session)
            return
        response = self.session.post(
            f"{args.url}/web/session/authenticate",
            timeout=args.request_timeout,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"db": args.db, "login": self.login, "password": ctx["password"]},
                }
            ),
        )
        body = response.json()
        if (
            response.status_code != 200
            or body.get("error")
            or not body.get("result", {}).get("uid")
        ):
            raise benchlib.BenchError(f"login of {self.login} failed: {body.get('error')}")

    def call(self, model, method, ids=None, context=None, **kwargs):
        """``(outcome, result_or_message)``: ok, insufficient, try_again or error."""
        if self.auth == "apikey":
            url = f"{self.args.url}/json/2/{model}/{method}"
            payload = dict(kwargs)
            if ids is not None:
                payload["ids"] = ids
            if context:
                payload["context"] = context
        else:
            url = f"{self.args.url}/web/dataset/call_kw/{model}.{method}"
            payload = {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": [ids] if ids is not None else [],
                    "kwargs": {**kwargs, **({"context": context} if context else {})},
                },
            }
        try:
            response = self.session.post(
                url, data=json.dumps(payload), timeout=self.args.request_timeout
            )
            body = response.json()
        except Exception as error:  # noqa: BLE001  (timeouts, refused connections, bad JSON)
            return self._failed(f"{type(error).__name__}: {error}")
        if self.auth == "apikey":
            if response.status_code == 200:
                return "ok", body
            return self._failed(f"{body.get('name', '')}: {body.get('message', '')}")
        if "error" in body:
            data = body["error"].get("data") or {}
            return self._failed(f"{data.get('name', '')}: {data.get('message') or body['error']}")
        return "ok", body.get("result")

    def _failed(self, message):
        self.last_error = message
        return classify(message), message


def classify(message):
    lowered = message.lower()
    if "insufficient balance" in lowered or "not enough points" in lowered:
        return "insufficient"
    if any(
        word in lowered
        for word in (
            "serializ",
            "concurrent update",
            "try again",
            "could not obtain lock",
            "deadlock",
        )
    ):
        return "try_again"
    return "error"


def op_ours(ctx, args, cards_for, scenario):
    amount = ctx["amount"]

    def factory(client, k):
        cards = cards_for(k)
        stores = ctx["stores"]
        context = {"allowed_company_ids": [stores[k % len(stores)]]}

        def op(n):
            key = f"bench-{ctx['run_id']}-{scenario}-{len(cards)}-{k}-{n}-{time.monotonic_ns()}"
            return client.call(
                "member.wallet",
                "api_consume",
                card_ref=cards[n % len(cards)],
                amount=amount,
                idempotency_key=key,
                context=context,
            )[0]

        return op

    return factory


def op_balance(ctx):
    def factory(client, k):
        cards = ctx["client_cards"][k]
        context = {"allowed_company_ids": [ctx["stores"][k % len(ctx["stores"])]]}

        def op(n):
            return client.call(
                "member.wallet", "api_balance", card_ref=cards[n % len(cards)], context=context
            )[0]

        return op

    return factory


def op_trivial():
    def factory(client, _k):
        def op(_n):
            return client.call("res.users", "context_get")[0]

        return op

    return factory


def ewallet_debit(client, ctx, card_id, amount, mode):
    """The POS way: read the balance and check it on the client, then debit
    in a second request. ``mode`` pos: server-side ``points -= amount`` (the
    order sync); write: ``points = balance read - amount``."""
    outcome, result = client.call("loyalty.card", "read", ids=[card_id], fields=["points"])
    if outcome != "ok":
        return outcome
    balance = result[0]["points"]
    if balance < amount:
        return "insufficient"
    if mode == "write":
        # (without the points-milestone mails, which a cashier may not read)
        return client.call(
            "loyalty.card",
            "write",
            ids=[card_id],
            vals={"points": balance - amount},
            context={"loyalty_no_mail": True},
        )[0]
    context = {
        "active_model": "loyalty.card",
        "active_id": card_id,
        "active_ids": [card_id],
        "bench_amount": amount,
    }
    return client.call(
        "ir.actions.server", "run", ids=[ctx["ewallet"]["action_id"]], context=context
    )[0]


def op_ewallet(ctx, hot):
    amount = ctx["amount"]

    def factory(client, k):
        cards = [ctx["ewallet"]["hot_card"]] if hot else ctx["ewallet"]["client_cards"][k]

        def op(n):
            return ewallet_debit(client, ctx, cards[n % len(cards)], amount, "pos")

        return op

    return factory


def client_pool(args, ctx, size):
    """One logged-in client per simulated till, reused by every measurement
    (a login hashes the password: too slow to repeat per measurement)."""
    pool = ctx.setdefault("clients", [])
    while len(pool) < size:
        pool.append(Client(args, ctx))
    return pool[:size]


def run_load(args, ctx, clients, duration, factory, max_requests=None):
    """``clients`` threads calling their op in a loop for ``duration`` seconds."""
    max_requests = max_requests or args.max_requests
    pool = client_pool(args, ctx, clients)
    barrier = threading.Barrier(clients + 1)
    results = [None] * clients
    samples = set()

    def worker(k):
        client = pool[k]
        client.last_error = None
        op = factory(client, k)
        latencies, outcomes = [], collections.Counter()
        barrier.wait()
        deadline = time.monotonic() + duration
        n = 0
        while n < max_requests and time.monotonic() < deadline:
            start = time.perf_counter()
            outcome = op(n)
            latencies.append(time.perf_counter() - start)
            outcomes[outcome] += 1
            if outcome != "ok" and client.last_error and len(samples) < 5:
                samples.add(client.last_error[:300])
            n += 1
        results[k] = (latencies, outcomes, time.monotonic())

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=duration + 3 * args.request_timeout + 30)
    if any(thread.is_alive() for thread in threads) or None in results:
        raise benchlib.BenchError("a client did not finish in time")
    elapsed = max(end for _l, _o, end in results) - started
    latencies = sorted(lat for lats, _o, _e in results for lat in lats)
    outcomes = sum((o for _l, o, _e in results), collections.Counter())
    return {
        **summarize(outcomes, latencies, elapsed),
        "messages": sorted(samples),
        "load": round(os.getloadavg()[0], 1),
    }


def summarize(outcomes, latencies, elapsed):
    def ms(fraction):
        value = benchlib.percentile(latencies, fraction)
        return None if value is None else round(value * 1000, 1)

    return {
        "ok": outcomes.get("ok", 0),
        "insufficient": outcomes.get("insufficient", 0),
        "try_again": outcomes.get("try_again", 0),
        "error": outcomes.get("error", 0),
        "requests": len(latencies),
        "elapsed": round(elapsed, 2),
        "per_s": round(outcomes.get("ok", 0) / elapsed, 1) if elapsed else 0.0,
        "p50": ms(0.50),
        "p95": ms(0.95),
        "p99": ms(0.99),
    }


def attack(args, ctx, level):
    """``level`` clients spend the whole balance of one card at the same moment."""
    amount = float(args.attack_balance)
    rows = {}
    plans = [
        (
            "ours",
            lambda client, k: client.call(
                "member.wallet",
                "api_consume",
                card_ref=ctx["attack_cards"][level],
                amount=amount,
                idempotency_key=f"bench-attack-{ctx['run_id']}-{level}-{k}",
                context={"allowed_company_ids": [ctx["stores"][k % len(ctx["stores"])]]},
            )[0],
        )
    ]
    if ctx["ewallet"]:
        for mode in ("pos", "write"):
            card_id = ctx["ewallet"]["attack_cards"][level][mode]
            plans.append(
                (
                    f"ewallet-{mode}",
                    lambda client, _k, card_id=card_id, mode=mode: ewallet_debit(
                        client, ctx, card_id, amount, mode
                    ),
                )
            )
    for name, call in plans:
        barrier = threading.Barrier(level)
        outcomes = collections.Counter()
        latencies = []
        lock = threading.Lock()

        pool = client_pool(args, ctx, level)

        def worker(
            k,
            call=call,
            barrier=barrier,
            outcomes=outcomes,
            latencies=latencies,
            lock=lock,
            pool=pool,
        ):
            client = pool[k]
            barrier.wait()
            start = time.perf_counter()
            outcome = call(client, k)
            with lock:
                latencies.append(time.perf_counter() - start)
                outcomes[outcome] += 1

        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(level)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3 * args.request_timeout + 30)
        rows[name] = summarize(outcomes, sorted(latencies), time.monotonic() - started)
    return rows


# ----------------------------------------------------------------------
# pgbench
# ----------------------------------------------------------------------


def pgbench_prepare(args, ctx):
    conn = benchlib.pg_connect(args)
    try:
        with conn.cursor() as cr:
            undo_pgbench(cr)
            cr.execute("""CREATE TABLE IF NOT EXISTS bench_pgbench_debit (
                              id bigserial PRIMARY KEY, wallet_id integer NOT NULL,
                              amount numeric NOT NULL, at timestamp NOT NULL)""")
            cr.execute("DROP TABLE IF EXISTS bench_pgbench_wallet")
            cr.execute(
                """CREATE TABLE bench_pgbench_wallet AS
                          SELECT row_number() OVER (ORDER BY id)::int AS n, id AS wallet_id
                            FROM member_wallet WHERE principal >= 1 AND id <> %s""",
                [ctx["hot_wallet_id"]],
            )
            cr.execute("ALTER TABLE bench_pgbench_wallet ADD PRIMARY KEY (n)")
            cr.execute("ANALYZE bench_pgbench_wallet")
            cr.execute("SELECT count(*) FROM bench_pgbench_wallet")
            count = cr.fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    return count


def undo_pgbench(cr):
    """Give back what pgbench debited (recorded in the scratch table)."""
    cr.execute("SELECT to_regclass('bench_pgbench_debit')")
    if not cr.fetchone()[0]:
        return 0
    cr.execute("""WITH d AS (DELETE FROM bench_pgbench_debit RETURNING wallet_id, amount),
                       s AS (SELECT wallet_id, sum(amount) AS total FROM d GROUP BY wallet_id)
                  UPDATE member_wallet w
                     SET principal = w.principal + s.total, balance = w.balance + s.total
                    FROM s WHERE w.id = s.wallet_id""")
    return cr.rowcount


def pgbench_undo(args):
    conn = benchlib.pg_connect(args)
    try:
        with conn.cursor() as cr:
            undone = undo_pgbench(cr)
            cr.execute("DROP TABLE IF EXISTS bench_pgbench_debit")
            cr.execute("DROP TABLE IF EXISTS bench_pgbench_wallet")
        conn.commit()
        return undone
    finally:
        conn.close()


def run_pgbench(args, ctx, out_dir, clients, hot, count):
    pgbench = shutil.which("pgbench")
    if not pgbench:
        raise benchlib.BenchError("pgbench not found (apt-get install postgresql-client)")
    name = "hot" if hot else "cards"
    script = out_dir / f"pgbench_{name}.sql"
    script.write_text(PGBENCH_HOT_SCRIPT if hot else PGBENCH_SCRIPT)
    prefix = out_dir / f"pgbench_{name}_c{clients}"
    command = [
        pgbench,
        "-n",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(clients, 2)),
        "-T",
        str(max(1, round(args.duration))),
        "-l",
        f"--log-prefix={prefix}",
        "-D",
        f"count={count}",
        "-D",
        f"hot={ctx['hot_wallet_id']}",
        args.db,
    ]
    for attempt in range(1, 6):
        for old in out_dir.glob(f"{prefix.name}*"):
            old.unlink()
        result = subprocess.run(
            command,
            env=benchlib.pg_env(args),
            capture_output=True,
            text=True,
            timeout=args.duration + 120,
            check=False,
        )
        # PostgreSQL's max_connections is shared with whoever else uses the server
        if result.returncode and "too many clients" in result.stderr and attempt < 5:
            print(f"   PostgreSQL has no free connection (attempt {attempt}): waiting 15 s")
            time.sleep(15)
            continue
        break
    if result.returncode:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        print(f"   pgbench failed: {result.stderr[-1000:]}")
        return {
            **summarize(collections.Counter(error=1), [], args.duration),
            "messages": [f"pgbench: {message}"],
            "load": round(os.getloadavg()[0], 1),
        }
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    latencies = []
    for log in out_dir.glob(f"{prefix.name}*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                latencies.append(int(parts[2]) / 1e6)
    latencies.sort()
    ok = len(latencies)
    stats = summarize(collections.Counter(ok=ok), latencies, args.duration)
    stats["per_s"] = float(tps.group(1)) if tps else stats["per_s"]
    stats["error"] = int(failed.group(1)) if failed else 0
    stats["load"] = round(os.getloadavg()[0], 1)
    return stats


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------

LABELS = {
    "ours-cards": "ours, own cards",
    "ours-hot": "ours, one hot card",
    "rpc-trivial": "trivial RPC (context_get)",
    "api-balance": "ours, api_balance (read)",
    "ewallet-cards": "Odoo eWallet, own cards",
    "ewallet-hot": "Odoo eWallet, one hot card",
    "pgbench-cards": "pgbench UPDATE+INSERT, random",
    "pgbench-hot": "pgbench UPDATE+INSERT, one row",
}


def spread(row):
    rates = row.get("runs") or []
    return f"{min(rates):,.0f}-{max(rates):,.0f}" if len(rates) > 1 else ""


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def print_report(args, results, attacks, info):
    print("\n" + "=" * 118)
    print(f"Wallet debit benchmark -- {info['scale']}")
    print(
        f"Odoo {info['workers']} workers at {args.url}; {os.cpu_count()} CPU cores; "
        f"{args.duration:g} s per measurement"
        f"{f', median of {args.repeat} runs (ok/s range at the end)' if args.repeat > 1 else ''}"
        f"; debit {args.amount}; latency over all requests"
    )
    print("=" * 118)
    header = (
        f"{'scenario':<32}{'clients':>7}{'ok/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'ok':>8}{'refused':>8}{'retry':>7}{'err':>6}{'srv-retry':>10}"
        f"{'÷trivial':>9}{'÷pgbench':>9}{'load':>6}"
    )
    print(header)
    print("-" * len(header))
    for scenario in ALL_SCENARIOS:
        if scenario == "attack":
            continue
        for level in args.client_levels:
            row = results.get((scenario, level))
            if not row:
                continue
            trivial = results.get(("rpc-trivial", level), {}).get("per_s")
            pg_key = "pgbench-hot" if scenario.endswith("hot") else "pgbench-cards"
            pg = results.get((pg_key, level), {}).get("per_s")
            ratio_t = row["per_s"] / trivial if trivial and not scenario.startswith("pg") else None
            ratio_p = row["per_s"] / pg if pg and not scenario.startswith("pg") else None
            print(
                f"{LABELS[scenario]:<32}{level:>7}{fmt(row['per_s']):>9}{fmt(row['p50']):>9}"
                f"{fmt(row['p95']):>9}{fmt(row['p99']):>9}{row['ok']:>8}{row['insufficient']:>8}"
                f"{row['try_again']:>7}{row['error']:>6}"
                f"{fmt(row.get('server_retries'), 0):>10}"
                f"{fmt(ratio_t, 3):>9}{fmt(ratio_p, 3):>9}{fmt(row.get('load')):>6}"
                f"  {spread(row)}".rstrip()
            )
        if any((scenario, level) in results for level in args.client_levels):
            print()
    if attacks:
        print(
            f"Overdraft attack: N clients at the same moment each spend the whole balance "
            f"({args.attack_balance}) of one card"
        )
        print(
            f"{'flow':<44}{'clients':>7}{'accepted':>9}{'refused':>8}{'retry':>7}{'err':>6}"
            f"{'final balance':>15}{'spent beyond balance':>22}"
        )
        for level, rows in attacks.items():
            for name, row in rows.items():
                label = {
                    "ours": "ours (api_consume, locked posting)",
                    "ewallet-pos": "Odoo eWallet, POS (read, then points -= x)",
                    "ewallet-write": "Odoo eWallet (read, then points = read - x)",
                }[name]
                print(
                    f"{label:<44}{level:>7}{row['ok']:>9}{row['insufficient']:>8}"
                    f"{row['try_again']:>7}{row['error']:>6}{fmt(row.get('final'), 2):>15}"
                    f"{fmt(row.get('overspent'), 2):>22}"
                )
        print()


def combine(rows):
    """Several runs of one measurement: medians of the rates and percentiles,
    sums of the counts, the spread of the rates."""
    if len(rows) == 1:
        return {**rows[0], "runs": [rows[0]["per_s"]]}
    combined = {
        key: statistics.median(row[key] for row in rows)
        for key in ("per_s", "p50", "p95", "p99")
        if all(row[key] is not None for row in rows)
    }
    for key in (
        "ok",
        "insufficient",
        "try_again",
        "error",
        "requests",
        "server_retries",
        "server_give_ups",
    ):
        values = [row.get(key) for row in rows]
        combined[key] = None if None in values else sum(values)
    combined["load"] = round(statistics.mean(row["load"] for row in rows), 1)
    combined["runs"] = [row["per_s"] for row in rows]
    combined["messages"] = sorted({m for row in rows for m in row.get("messages", [])})[:5]
    return combined


def measure(args, ctx, out_dir, log_path):
    """Every scenario, level by level (so that the figures compared with each
    other are taken minutes apart at most), then the attacks."""
    run_load(args, ctx, max(args.client_levels), args.warmup, op_trivial())  # every worker
    run_load(
        args,
        ctx,
        max(args.client_levels),
        args.warmup,
        op_ours(ctx, args, lambda k: ctx["client_cards"][k], "warmup"),
    )
    log_offset = Path(log_path).stat().st_size if log_path and Path(log_path).exists() else 0
    factories = {
        "ours-cards": op_ours(ctx, args, lambda k: ctx["client_cards"][k], "cards"),
        "ours-hot": op_ours(ctx, args, lambda _k: [ctx["hot_card"]], "hot"),
        "rpc-trivial": op_trivial(),
        "api-balance": op_balance(ctx),
    }
    if ctx["ewallet"]:
        factories["ewallet-cards"] = op_ewallet(ctx, hot=False)
        factories["ewallet-hot"] = op_ewallet(ctx, hot=True)
    runs, attacks = collections.defaultdict(list), {}
    for repeat in range(1, args.repeat + 1):
        for level in args.client_levels:
            for scenario in args.scenario_list:
                if scenario == "attack":
                    continue
                print(f"-- {scenario}, {level} clients, run {repeat}/{args.repeat}", flush=True)
                if scenario.startswith("pgbench"):
                    row = run_pgbench(
                        args, ctx, out_dir, level, scenario == "pgbench-hot", ctx["pg_count"]
                    )
                elif scenario in factories:
                    row = run_load(args, ctx, level, args.duration, factories[scenario])
                    retries, give_ups, log_offset = count_retries(log_path, log_offset)
                    row["server_retries"], row["server_give_ups"] = retries, give_ups
                else:
                    print("   skipped (not available)")
                    continue
                runs[(scenario, level)].append(row)
                counts = {k: row[k] for k in ("ok", "insufficient", "try_again", "error")}
                print(
                    f"   {row['per_s']} ok/s, p50 {row['p50']} ms, p99 {row['p99']} ms, {counts}, "
                    f"server retries {row.get('server_retries', '-')}, load {row['load']}",
                    flush=True,
                )
                for message in row.get("messages", []):
                    print(f"     e.g. {message[:200]!r}")
    results = {key: combine(rows) for key, rows in runs.items()}
    if "attack" in args.scenario_list:
        for level in args.client_levels:
            print(f"-- attack, {level} clients", flush=True)
            attacks[level] = attack(args, ctx, level)
    return results, attacks


def main(argv=None):
    args = parse_args(argv)
    host = re.sub(r"^https?://(\[[^\]]+\]|[^:/]+).*$", r"\1", args.url).strip("[]")
    benchlib.check_loopback(host)
    benchlib.check_loopback(args.db_host)
    if not benchlib.db_exists(args, args.db):
        raise benchlib.BenchError(f"database {args.db} does not exist: see generate_chain.py")
    out_dir = Path(args.output or tempfile.mkdtemp(prefix="member_bench_debit_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    import requests  # noqa: PLC0415

    ewallet_wanted = {"ewallet-cards", "ewallet-hot", "attack"} & set(args.scenario_list)
    if ewallet_wanted and benchlib.module_state(args, "loyalty") != "installed":
        if server_answers(requests.Session(), args.url):
            print("   loyalty is not installed and Odoo is running: no eWallet comparison")
        else:
            print(f"-- installing loyalty in {args.db} (Odoo's eWallet, for the comparison)")
            benchlib.install_modules(args, ["loyalty"], out_dir / "install_loyalty.log")
    print(f"-- setup in {args.db} (results in {out_dir})")
    ctx = setup(args)
    if "attack" in args.scenario_list:
        prepare_attack_cards(args, ctx)
    chain = ctx["chain"]
    scale = (
        f"chain of {chain['stores']} stores, {chain['members']:,} members, "
        f"{chain['lines']:,} ledger lines"
    )
    server = None
    log_path = args.server_log
    probe = requests.Session()
    ctx["pg_count"] = None
    try:
        if any(s.startswith("pgbench") for s in args.scenario_list):
            ctx["pg_count"] = pgbench_prepare(args, ctx)
        if not server_answers(probe, args.url):
            if args.no_start:
                raise benchlib.BenchError(f"nothing answers on {args.url}")
            log_path = log_path or str(out_dir / "odoo.log")
            server = OdooServer(args, log_path)
            server.start(probe)
        else:
            print(f"   using the Odoo already running on {args.url}")
        results, attacks = measure(args, ctx, out_dir, log_path)
    finally:
        if ctx["pg_count"] is not None:
            print(f"-- pgbench debits given back on {pgbench_undo(args)} wallets")
        if server:
            server.check_log()
            server.stop()
    return report(args, ctx, results, attacks, scale, out_dir, server, log_path)


def sql_per_call(args, ctx):
    """SQL statements one call runs, counted in this process on every cursor
    (the caller's and the debit's own transaction): ``api_consume`` on a
    client card and, for scale, the trivial ``res.users.context_get``; each
    called once to warm the caches, then measured. The HTTP layer's own
    statements (session, user) come on top of both alike."""
    from odoo import api  # noqa: PLC0415
    from odoo.sql_db import Cursor  # noqa: PLC0415

    registry = benchlib.odoo_registry(args)
    counted = {"n": 0}
    execute = Cursor.execute

    def counting(self, query, params=None, log_exceptions=True):
        counted["n"] += 1
        return execute(self, query, params, log_exceptions)

    card = ctx["client_cards"][0][0]
    figures = {}
    calls = {
        "api_consume": lambda env, k: env["member.wallet"].api_consume(
            card, args.amount, f"bench-sql-{ctx['run_id']}-{k}"
        ),
        "context_get (trivial)": lambda env, k: env["res.users"].context_get(),
    }
    Cursor.execute = counting
    try:
        for name, call in calls.items():
            for attempt in ("warm", "measured"):
                with registry.cursor() as cr:
                    user_env = api.Environment(cr, ctx["user_id"], {})
                    company = user_env.user.company_id
                    env = user_env(context={"allowed_company_ids": [company.id]})
                    counted["n"] = 0
                    call(env, attempt)
                    env.flush_all()
                    figures[name] = counted["n"]
    finally:
        Cursor.execute = execute
    return figures


def report(args, ctx, results, attacks, scale, out_dir, server, log_path):
    if attacks:
        ours, ewallet = read_balances(args, ctx)
        for level, rows in attacks.items():
            rows["ours"]["final"] = ours[level]
            for mode in ("pos", "write"):
                if f"ewallet-{mode}" in rows:
                    rows[f"ewallet-{mode}"]["final"] = ewallet[level][mode]
            for row in rows.values():
                # what the card paid for beyond what it held (overdraft or lost update)
                row["overspent"] = max(0.0, row["ok"] * args.attack_balance - args.attack_balance)
    differences = final_checks(args)
    info = {"scale": scale, "workers": args.workers if server else "(external)"}
    print_report(args, results, attacks, info)
    statements = sql_per_call(args, ctx)
    print(
        "SQL statements per call (in-process, every cursor): "
        + ", ".join(f"{name} {count}" for name, count in statements.items())
    )
    print(f"Reconciliation after the run: {differences} differences")
    (out_dir / "results.json").write_text(
        json.dumps(
            {
                "date": datetime.datetime.now().isoformat(timespec="seconds"),
                "scale": scale,
                "args": {k: v for k, v in vars(args).items() if k != "db_password"},
                "results": {f"{s}@{c}": row for (s, c), row in results.items()},
                "attacks": {str(level): rows for level, rows in attacks.items()},
                "reconciliation_differences": differences,
                "sql_statements": statements,
            },
            indent=2,
            default=str,
        )
    )
    print(f"Results: {out_dir / 'results.json'}")
    failed = [k for k, row in results.items() if row["error"]]
    if differences or any(rows["ours"]["ok"] > 1 for rows in attacks.values()):
        print("FAILED: the wallet was overdrawn or does not reconcile", file=sys.stderr)
        return 1
    if failed:
        print(f"FAILED: errors in {failed} (see {log_path or 'the Odoo log'})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    benchlib.run(main)
