#!/usr/bin/env python3
"""Chaos drill: tills and back-office clients against Odoo in prefork mode while a second
process kills its workers, restarts PostgreSQL and kills the cron worker mid-job; then
the suite's invariants, checked on the database.

    python3 tests/chaos/drill.py --minutes 15 --tills 8 --source-db member_demo_copy

Everything runs in a PostgreSQL cluster of the drill's own (pgcluster.py: initdb in a
temporary folder, a free port), never in the machine's: the drill's database is a copy
(pg_dump / pg_restore) of ``--source-db`` (a database of the machine's PostgreSQL where
member_pos is installed; ``make test`` gives it the database its Odoo tests ran on), or,
without one, a new database where member_pos is installed first (minutes). A small
chain is made in it (head office with l10n_cn's chart, ``--stores`` stores, a till and
``--cards`` funded cards per till, one "hot" card every till spends), then Odoo starts
(``--workers 4``, one cron worker) and for ``--minutes``:

  tills (``--tills``)    the POS's calls (``/web/dataset/call_kw``, web session of the
                         store's cashier): a balance payment authorised by the server
                         then the order (``member_pos_authorize`` + ``sync_from_ui``,
                         points earned), a payment line cancelled (``member_pos_cancel``),
                         an order that never comes (abandoned authorisation), a top-up at
                         the till, a return of an earlier order back to the balance
  back office (``--api-clients``)  ``member.wallet.api_topup`` / ``api_consume`` with
                         idempotency keys
  chaos agent            a process of its own: SIGKILL of a random HTTP worker (at least
                         ``--kills``), one ``pg_ctl restart -m fast``, the cron worker
                         killed while it runs a job (reversal of abandoned payments,
                         booking, reconciliation), the crons being triggered all along

A request that fails in transit (worker killed, server restarting, connection reset) is
sent again, the same (same uuids, same idempotency key), as a till resyncs; a business
refusal (insufficient balance, …) is counted as refused. Afterwards the abandoned
authorisations are given to the cron's method (``_cron_reverse_abandoned``, delay 0)
and the books to the booking job, and the drill checks:

  1. every wallet's principal, bonus and points equal the sums of its ledger lines;
  2. no wallet below zero / below its credit limit;
  3. no posting twice: idempotency keys unique, one order per uuid, one POS debit per
     payment line attempt, acknowledged API keys posted once;
  4. every posting and order a client saw acknowledged exists, as acknowledged;
  5. no authorisation left without its order after the cron ran; cancelled ones reversed;
  6. per store, GL liability + not yet booked = ledger, and the chain's ledgers = the
     sum of the wallet balances (member_wallet's liability report);
  7. the reconciliation job finds no difference;
  8. restore drill (restore.py): member_base's backup service backs the database up, a
     top-up and an attachment change it, the backup is restored into a new database:
     every ledger line, posting, balance, log line and attachment as at the backup.

With ``--replica``, a streaming replica of the drill's cluster (``pg_basebackup -R``) is
the servers' ``--db_replica_host/--db_replica_port`` during the load, and afterwards:

  9. the replica holds the primary's wallets, and the servers had connections to it;
 10. reports read from the replica (replica_reports.py): a top-up over HTTP is written on
     the primary, then seen on the replica; member_reports' ledger report read over HTTP
     (list, pivot, Excel export) shows it, and the statement logs of both clusters show
     that the report's queries ran on the replica, none on the primary.
     ``--replica-unused`` makes the replica without telling the servers: those checks
     must then break.

It prints the counts (attempted, acknowledged, refused, retried, failed, faults, checks)
and exits 1 on any broken invariant, 77 when it cannot run here (no PostgreSQL server
programs, no user to run them as), 2 when the drill itself could not be set up.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "tests" / "bench")]

import benchlib  # noqa: E402
import pgcluster  # noqa: E402
import pos_orders  # noqa: E402
import replica_reports  # noqa: E402
import restore  # noqa: E402
import wallet_debit  # noqa: E402

SKIP = 77
DRILL_DB = "chaos_drill"
CRONS = (
    "member_pos.ir_cron_reverse_abandoned",
    "member_wallet.ir_cron_wallet_booking",
    "member_wallet.ir_cron_wallet_reconcile",
)
# what a request that did not get through looks like (sent again, unchanged)
TRANSIENT = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|RemoteDisconnected|Connection aborted|"
    r"JSONDecodeError|Expecting value|OperationalError|InterfaceError|server closed the "
    r"connection|terminating connection|connection already closed|could not connect|"
    r"the database system is|Session expired|SessionExpired|"
    r"serializ|concurrent update|try again|could not obtain lock|deadlock|"
    r"Internal Server Error|502|503|504",
    re.I,
)
CENT = Decimal("0.01")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    settings = benchlib.load_settings()
    parser.add_argument("--minutes", type=float, default=2.0, help="minutes of load")
    parser.add_argument("--tills", type=int, default=8, help="simulated tills (8-16)")
    parser.add_argument("--api-clients", type=int, default=2, help="back-office API clients")
    parser.add_argument("--stores", type=int, default=2)
    parser.add_argument("--cards", type=int, default=4, help="funded cards per till")
    parser.add_argument(
        "--kills",
        type=int,
        default=None,
        help="worker SIGKILLs (default: 3, or 1.5 a minute on longer runs)",
    )
    parser.add_argument("--workers", type=int, default=4, help="HTTP workers per Odoo server")
    parser.add_argument("--servers", type=int, default=1, help="Odoo servers on the database")
    parser.add_argument("--replica", action="store_true", help="a streaming read replica")
    parser.add_argument(
        "--replica-unused",
        action="store_true",
        help="make the replica but do not tell the servers (its checks must then break)",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--source-db",
        default=None,
        help="database of the machine's PostgreSQL (odoo.conf's) with member_pos installed, "
        "copied into the drill's cluster (default: install member_pos in a new database)",
    )
    parser.add_argument(
        "--source-data-dir",
        default=None,
        help="Odoo data dir of the source database (its filestore is copied; optional)",
    )
    parser.add_argument("--source-host", default=settings.db_host)
    parser.add_argument("--source-port", type=int, default=settings.db_port)
    parser.add_argument("--source-user", default=settings.db_user)
    parser.add_argument("--pg-port", type=int, default=5441, help="first port tried")
    parser.add_argument("--http-port", type=int, default=8316, help="first HTTP port tried")
    parser.add_argument("--odoo-path", default=None)
    parser.add_argument("--addons-path", default=None)
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--json", default=None, help="write the counts there (JSON)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster and logs")
    parser.add_argument(
        "--no-restore", action="store_true", help="without the backup/restore drill afterwards"
    )
    parser.add_argument("--log-dir", default=None, help="folder for the logs")
    args = parser.parse_args(argv)
    if not 1 <= args.tills <= 32:
        parser.error("--tills: 1 to 32")
    args.replica = args.replica or args.replica_unused
    if args.kills is None:
        args.kills = max(3, round(args.minutes * 1.5))
    args.source_password = settings.db_password  # never on a command line: PGPASSWORD
    args.seed = args.seed if args.seed is not None else random.randrange(10**6)
    return args


# ----------------------------------------------------------------------
# The drill's own PostgreSQL and database
# ----------------------------------------------------------------------


def db_args(args, cluster, http_port):
    """The benchlib view of the drill database (for its helpers)."""
    return argparse.Namespace(
        db=DRILL_DB,
        db_host="127.0.0.1",
        db_port=cluster.port,
        db_user=cluster.user,
        db_password="",
        odoo_path=args.odoo_path,
        addons_path=args.addons_path,
        http_port=http_port,
        url=f"http://127.0.0.1:{http_port}",
        auth="session",
        request_timeout=args.request_timeout,
    )


def copy_source(args, cluster, data_dir: Path, log_dir: Path) -> float:
    """The source database into the cluster (custom-format dump, 2 jobs restore), and its
    filestore into DATA_DIR; seconds."""
    started = time.monotonic()
    dump = log_dir / "source.dump"
    env = dict(
        os.environ,
        PGHOST=args.source_host,
        PGPORT=str(args.source_port),
        PGUSER=args.source_user,
    )
    if args.source_password:
        env["PGPASSWORD"] = args.source_password
    bindir = cluster.bindir
    done = subprocess.run(
        [pgcluster.find_client("pg_dump", bindir), "-Fc", "-Z1", "-f", str(dump), args.source_db],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise benchlib.BenchError(f"pg_dump {args.source_db}: {done.stderr.strip()[-500:]}")
    conn = cluster.connect()
    with conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{DRILL_DB}"')
    conn.close()
    done = subprocess.run(
        [
            pgcluster.find_client("pg_restore", bindir),
            "-j",
            "2",
            "--no-owner",
            "--no-acl",
            "-d",
            DRILL_DB,
            str(dump),
        ],
        env=cluster.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise benchlib.BenchError(f"pg_restore: {done.stderr.strip()[-500:]}")
    dump.unlink()
    source_store = Path(args.source_data_dir or "") / "filestore" / args.source_db
    if args.source_data_dir and source_store.is_dir():
        shutil.copytree(source_store, data_dir / "filestore" / DRILL_DB)
    return time.monotonic() - started


def install_fresh(dargs, log_dir: Path, replica=False) -> float:
    # with a replica, its reports are read there: member_reports (which needs member_pos)
    module = "member_reports" if replica else "member_pos"
    print(f"-- no --source-db: installing {module} in the drill database (minutes) …")
    return benchlib.install_modules(dargs, [module], log_dir / "install.log")


# ----------------------------------------------------------------------
# The chain of the drill (in-process, as superuser)
# ----------------------------------------------------------------------


def setup_chain(args, dargs):
    """Head office (l10n_cn chart), stores, a cashier of them all, a till per client with
    top-ups, funded cards; the parameters of the drill. What the clients need."""
    started = time.monotonic()
    benchlib.odoo_registry(dargs)  # (puts Odoo on the path, then imports it)
    print(f"   registry loaded in this process in {time.monotonic() - started:.1f}s", flush=True)
    import odoo  # noqa: PLC0415
    from odoo import Command  # noqa: PLC0415

    rnd = random.Random(args.seed)
    with benchlib.odoo_env(dargs) as env:
        Company = env["res.company"]
        cny = env.ref("base.CNY")
        main = env.ref("base.main_company")
        if main.chart_template and main.member_liability_account_id:
            # the stores are branches of the main company and share its books (quick:
            # no chart of accounts to load)
            head = main
        else:
            cny.active = True
            head = Company.create(
                {
                    "name": "Chaos Drill Head Office",
                    "currency_id": cny.id,
                    "member_store_code": "CHQ",
                    "member_tz": "Asia/Shanghai",
                }
            )
            env["account.chart.template"].try_loading("cn_large_bis", head)
        stores = Company.browse()
        for number in range(1, args.stores + 1):
            stores |= Company.create(
                {
                    "name": f"Chaos Store {number}",
                    "parent_id": head.id,
                    "member_company_kind": "store",
                    "member_store_code": f"CS{number:02d}",
                }
            )
        env.user.company_ids = [Command.link(c.id) for c in head | stores]
        password = uuid.uuid4().hex
        user = pos_orders.cashier(env, stores, password)
        card_type = env["member.card.type"].create(
            {
                "name": "Chaos Card",
                "medium": "magnetic",
                "kind": "personal",
                "level_id": env.ref("member_base.level_normal").id,
                "balance_ceiling": 0.0,
                "currency_id": head.currency_id.id,
            }
        )
        product = env["product.product"].create(
            {
                "name": "Chaos Coffee",
                "type": "consu",
                "available_in_pos": True,
                "list_price": 10.0,
                "taxes_id": [Command.clear()],
            }
        )
        topup_product, topup_journal = topup_setup(env, head, stores)
        # a point of sale per store, its session open on every till of the store (as
        # several devices of one shop share it)
        cards, tills = [], []
        for k in range(min(args.tills, len(stores))):
            store = stores[k % len(stores)]
            till = pos_orders.till(env, store, f"Chaos POS {k + 1}", user, product)
            env["pos.config"].browse(till["config_id"]).write(
                {
                    "member_topup_product_id": topup_product.id,
                    "member_topup_journal_id": topup_journal.id,
                }
            )
            config = env["pos.config"].browse(till["config_id"])
            till["cash_method_id"] = config.payment_method_ids.filtered(
                lambda m: not m.use_payment_terminal
            )[:1].id
            tills.append(till)
        Card = env["member.card"]._as_service()
        number = 0

        def new_card(store, amount):
            nonlocal number
            number += 1
            partner = env["res.partner"].create(
                {
                    "name": f"Chaos Member {number}",
                    "is_member": True,
                    "member_level_id": env.ref("member_base.level_normal").id,
                    "member_register_company_id": store.id,
                }
            )
            card = Card.create(
                {
                    "name": f"CD{args.seed % 1000:03d}{number:06d}",
                    "type_id": card_type.id,
                    "partner_id": partner.id,
                    "issue_company_id": store.id,
                    "state": "active",
                }
            ).with_env(env)
            if amount:
                card._get_wallet().with_company(store)._topup(
                    amount, key=f"chaos-setup-{card.name}", card=card, company=store, bonus=0
                )
            cards.append(card.name)
            return card.name, partner.id

        per_till = [
            [
                new_card(stores[k % len(stores)], rnd.choice((40, 150, 300)))
                for _ in range(args.cards)
            ]
            for k in range(args.tills)
        ]
        hot = new_card(stores[0], 100)
        Param = env["ir.config_parameter"]
        Param.set_param("member_pos.abandon_minutes", "1")
        cron_ids = [env.ref(xmlid).id for xmlid in CRONS]
        for cron in env["ir.cron"].browse(cron_ids):
            cron.active = True
        # the drill's crons are due at once, the others of the database not during the drill
        env.cr.execute(
            """UPDATE ir_cron SET nextcall = CASE WHEN id = ANY(%s)
                   THEN now() AT TIME ZONE 'UTC' ELSE now() AT TIME ZONE 'UTC' + interval '1 day'
               END""",
            [cron_ids],
        )
        print(f"   chain made in {time.monotonic() - started:.1f}s", flush=True)
        chain = {"head": head.id, "stores": stores.ids, "currency": head.currency_id.id}
        login = user.login
        env.cr.commit()
    odoo.sql_db.close_all()  # no connection of ours lives through the restart
    return {
        "login": login,
        "password": password,
        "product_id": product.id,
        "topup_product_id": topup_product.id,
        "tills": tills,
        "cards": per_till,
        "hot": hot,
        "chain": chain,
        "cron_ids": cron_ids,
    }


def topup_setup(env, head, stores):
    """A top-up clearing account, its journal and the top-up product (as member_pos's
    tests set them up)."""
    from odoo import Command  # noqa: PLC0415

    env = env(su=True)
    clearing = env["account.account"].create(
        {
            "name": "Chaos POS top-up clearing",
            "code": "CHAOSCLR",
            "account_type": "asset_current",
            "company_ids": [Command.set(head.ids)],
        }
    )
    journal = env["account.journal"].create(
        {
            "name": "Chaos POS top-ups",
            "code": "CHTUP",
            "type": "general",
            "company_id": head.id,
            "default_account_id": clearing.id,
        }
    )
    product = env["product.product"].create(
        {
            "name": "Chaos Top-up",
            "type": "service",
            "available_in_pos": True,
            "list_price": 0.0,
            "taxes_id": [Command.clear()],
        }
    )
    for company in head | stores:
        product.with_company(company).property_account_income_id = clearing
    return product, journal


# ----------------------------------------------------------------------
# Odoo servers
# ----------------------------------------------------------------------


class Server:
    """Odoo on the drill database, prefork, with one cron worker."""

    def __init__(self, dargs, args, port, data_dir, log, replica_port=None):
        self.dargs, self.args, self.port, self.log = dargs, args, port, log
        self.data_dir, self.replica_port = data_dir, replica_port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def launch(self):
        gevent = self.port + 1  # (the drill's ports: HTTP and gevent of each server)
        options = [
            "--db-filter",
            f"^{DRILL_DB}$",
            "--workers",
            str(self.args.workers),
            "--max-cron-threads",
            "1",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.port),
            "--gevent-port",
            str(gevent),
            "--data-dir",
            str(self.data_dir),
            "--limit-time-real",
            "300",
            "--limit-time-cpu",
            "200",
            "--db_maxconn",
            "16",
            "--log-level",
            "warn",
            "--log-handler",
            "odoo.service.server:INFO",
        ]
        if self.replica_port:
            options += [
                "--db_replica_host",
                "127.0.0.1",
                "--db_replica_port",
                str(self.replica_port),
            ]
        self.process = benchlib.start_odoo(self.dargs, options, self.log)

    def wait_up(self):
        import requests  # noqa: PLC0415

        session = requests.Session()
        deadline = time.monotonic() + 180
        while not wallet_debit.server_answers(session, self.url):
            if self.process.poll() is not None:
                raise benchlib.BenchError(
                    f"Odoo exited ({self.process.returncode}): see {self.log}\n"
                    f"{wallet_debit.tail(self.log)}"
                )
            if time.monotonic() > deadline:
                raise benchlib.BenchError(f"Odoo did not answer on {self.url} in 180 s")
            time.sleep(0.5)

    def children(self):
        """``{pid: is_gevent}`` of the master's children."""
        return children_of(self.process.pid)

    def stop(self):
        benchlib.stop_odoo(self.process)


def children_of(ppid):
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = re.search(r"^PPid:\s+(\d+)", text, re.M)
        if parent and int(parent.group(1)) == ppid:
            found[int(status.parent.name)] = b"gevent" in cmdline
    return found


# ----------------------------------------------------------------------
# Clients
# ----------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.acks = []  # what the clients were told was done
        self.samples = collections.defaultdict(list)

    def add(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def ack(self, **record):
        with self.lock:
            self.acks.append(record)

    def sample(self, kind, message):
        with self.lock:
            if len(self.samples[kind]) < 4:
                self.samples[kind].append(message[:300])


class Till:
    """One till (or back-office client): a web session on one of the servers, its calls
    sent again while they fail in transit."""

    def __init__(self, k, args, ctx, urls, stats, stop):
        self.k, self.args, self.ctx, self.stats, self.stop = k, args, ctx, stats, stop
        self.urls = urls
        self.rnd = random.Random(args.seed * 100 + k)
        self.till = ctx["tills"][k % len(ctx["tills"])]
        self.cards = ctx["cards"][k % len(ctx["cards"])] + [ctx["hot"]]
        self.context = {"allowed_company_ids": [self.till["store_id"]]}
        self.paid = []  # orders this till may return: (order uuid, line id, amount, partner)
        self.client = None
        self.server = k % len(urls)

    def connect(self):
        deadline = time.monotonic() + 120
        while True:
            try:
                cargs = argparse.Namespace(
                    url=self.urls[self.server],
                    db=DRILL_DB,
                    auth="session",
                    request_timeout=self.args.request_timeout,
                )
                self.client = wallet_debit.Client(cargs, self.ctx)
                return
            except Exception as error:  # noqa: BLE001  (a server down, a worker killed)
                if time.monotonic() > deadline:
                    raise
                self.stats.sample("login", str(error))
                self.server = (self.server + 1) % len(self.urls)
                time.sleep(1)

    def call(self, model, method, ids=None, **kwargs):
        """``(ok, result or message)``; a failure in transit is sent again (counted as
        retried) for up to 90 s, then counted as failed (unknown outcome)."""
        deadline = time.monotonic() + 90
        attempt = 0
        while True:
            self.client.args.url = self.urls[self.server]
            outcome, result = self.client.call(
                model, method, ids=ids, context=self.context, **kwargs
            )
            if outcome == "ok":
                return True, result
            message = str(result)
            if outcome == "insufficient" or not TRANSIENT.search(message):
                return False, message
            attempt += 1
            self.stats.add("retried")
            self.stats.sample("retried", message)
            if "session" in message.lower():
                with contextlib.suppress(Exception):
                    self.connect()
            if time.monotonic() > deadline:
                self.stats.sample("failed", message)
                return None, message
            if len(self.urls) > 1 and attempt % 2 == 0:  # a load balancer's next server
                self.server = (self.server + 1) % len(self.urls)
            time.sleep(min(0.2 * attempt, 2.0))

    def count(self, op, ok, message=None):
        self.stats.add("attempted")
        self.stats.add(f"attempted:{op}")
        if ok:
            self.stats.add("acknowledged")
        elif ok is None:
            self.stats.add("failed")
        else:
            self.stats.add("refused")
            self.stats.sample(f"refused:{op}", message or "")

    # -- the till's operations -----------------------------------------------------------

    def amount(self):
        return float(Decimal(self.rnd.uniform(1, 45)).quantize(CENT))

    def authorize(self, card, amount, order_uuid, payment_uuid):
        ok, answer = self.call(
            "pos.session",
            "member_pos_authorize",
            ids=[self.till["session_id"]],
            card_ref=card,
            amount=amount,
            order_uuid=order_uuid,
            payment_uuid=payment_uuid,
        )
        if ok and not answer.get("ok"):
            return False, answer.get("message", "")
        return ok, answer

    def order(self, partner_id, lines, payments, total):
        order_uuid = str(uuid.uuid4())
        _u, data = pos_orders.order_payload(self.ctx, self.till, partner_id, lines, [], total)
        data["uuid"], data["name"] = order_uuid, f"Order {order_uuid}"
        data["payment_ids"] = [[0, 0, p] for p in payments]
        return order_uuid, data

    def payment(self, method_id, amount, payment_uuid=None):
        return {
            "amount": amount,
            "name": pos_orders.now_string(),
            "payment_method_id": method_id,
            "uuid": payment_uuid or str(uuid.uuid4()),
        }

    def op_pay(self, abandon=False, cancel=False):
        card, partner_id = self.rnd.choice(self.cards)
        amount = self.amount()
        payment = self.payment(self.till["balance_method_id"], amount)
        order_uuid, data = self.order(
            partner_id, [pos_orders.coffee_line(self.ctx, amount)], [payment], amount
        )
        ok, answer = self.authorize(card, amount, order_uuid, payment["uuid"])
        op = "abandon" if abandon else "cancel" if cancel else "pay"
        if not ok:
            self.count(op, ok, answer)
            return
        self.stats.ack(
            kind="debit",
            move_id=answer["move_id"],
            amount=amount,
            order_uuid=order_uuid,
            op=op,
        )
        if abandon:  # the tab is closed: the order never comes
            self.count(op, True)
            return
        if cancel:
            ok, answer = self.call(
                "pos.session",
                "member_pos_cancel",
                ids=[self.till["session_id"]],
                order_uuid=order_uuid,
                payment_uuid=payment["uuid"],
            )
            if ok and not answer.get("ok"):
                ok, answer = False, answer.get("message", "")
            if ok:
                self.stats.ack(kind="cancel", order_uuid=order_uuid)
            self.count(op, ok, answer)
            return
        ok, synced = self.call("pos.order", "sync_from_ui", orders=[data])
        if ok:
            self.stats.ack(kind="order", uuid=order_uuid, balance_paid=amount)
            line = next(iter(synced.get("pos.order.line") or []), None)
            if line and len(self.paid) < 50:
                self.paid.append((order_uuid, line["id"], amount, partner_id))
        self.count(op, ok, synced)

    def op_topup(self):
        card, partner_id = self.rnd.choice(self.cards)
        amount = float(self.rnd.choice((20, 50, 100)))
        line = {
            **pos_orders.coffee_line(self.ctx, amount),
            "product_id": self.ctx["topup_product_id"],
            "member_topup_card": card,
        }
        order_uuid, data = self.order(
            partner_id, [line], [self.payment(self.till["cash_method_id"], amount)], amount
        )
        ok, result = self.call("pos.order", "sync_from_ui", orders=[data])
        if ok:
            self.stats.ack(kind="order", uuid=order_uuid, topup=amount)
        self.count("topup", ok, result)

    def op_return(self):
        if not self.paid:
            return self.op_pay()
        order_uuid, line_id, amount, partner_id = self.paid.pop(self.rnd.randrange(len(self.paid)))
        line = {
            **pos_orders.coffee_line(self.ctx, amount),
            "qty": -1,
            "price_subtotal": -amount,
            "price_subtotal_incl": -amount,
            "refunded_orderline_id": line_id,
        }
        refund_uuid, data = self.order(
            partner_id,
            [line],
            [self.payment(self.till["balance_method_id"], -amount)],
            -amount,
        )
        ok, result = self.call("pos.order", "sync_from_ui", orders=[data])
        if ok:
            self.stats.ack(kind="order", uuid=refund_uuid, returned=amount, of=order_uuid)
        self.count("return", ok, result)

    def op_read(self):
        """What a back office reads (``search_read``, a read-only call: served by the
        read replica when there is one)."""
        card, _partner = self.rnd.choice(self.cards)
        ok, result = self.call(
            "member.card", "search_read", domain=[["name", "=", card]], fields=["name", "state"]
        )
        self.count("read", ok and bool(result), result)

    def op_api(self):
        card, _partner = self.rnd.choice(self.cards)
        key = f"chaos-api-{self.args.seed}-{self.k}-{uuid.uuid4().hex[:12]}"
        if self.rnd.random() < 0.4:
            method, amount = "api_topup", float(self.rnd.choice((30, 60)))
        else:
            method, amount = "api_consume", self.amount()
        ok, answer = self.call(
            "member.wallet", method, card_ref=card, amount=str(amount), idempotency_key=key
        )
        if ok:
            self.stats.ack(kind="api", key=key, move_id=answer.get("move_id"), method=method)
        self.count(method, ok, answer)

    def run_till(self):
        self.connect()
        # each till leaves one order unfinished first: abandoned debits old enough for the
        # cron (a minute) once the chaos agent goes after the cron worker
        self.op_pay(abandon=True)
        while not self.stop.is_set():
            roll = self.rnd.random()
            if roll < 0.50:
                self.op_pay()
            elif roll < 0.60:
                self.op_pay(abandon=True)
            elif roll < 0.70:
                self.op_pay(cancel=True)
            elif roll < 0.85:
                self.op_topup()
            else:
                self.op_return()

    def run_api(self):
        self.connect()
        while not self.stop.is_set():
            self.op_read() if self.rnd.random() < 0.3 else self.op_api()
            time.sleep(self.rnd.uniform(0, 0.3))


def run_client(client, method, stats):
    try:
        getattr(client, method)()
    except Exception as error:  # noqa: BLE001  (counted, the drill goes on)
        stats.add("client crashed")
        stats.sample("client crashed", f"{type(error).__name__}: {error}")


# ----------------------------------------------------------------------
# The chaos agent (a process of its own)
# ----------------------------------------------------------------------


def chaos_agent(plan, queue):
    """SIGKILL of HTTP workers, one fast restart of PostgreSQL, the cron worker killed
    mid-job; what was done goes back on QUEUE."""
    rnd = random.Random(plan["seed"])
    cluster = pgcluster.Cluster.__new__(pgcluster.Cluster)
    cluster.__dict__.update(plan["cluster"])
    started = time.monotonic()
    duration = plan["duration"]
    done = collections.Counter()
    events = []
    # the moments: worker kills spread over the run, the restart at a third, the cron
    # worker once authorisations are old enough to be abandoned (the delay is a minute)
    kills = sorted(
        duration * (0.1 + 0.8 * (n + rnd.random() * 0.6) / plan["kills"])
        for n in range(plan["kills"])
    )
    restart_at = duration * rnd.uniform(0.3, 0.4)
    cron_from = max(duration * 0.2, 65.0)
    cron_next = cron_from

    def elapsed():
        return time.monotonic() - started

    def note(kind, text):
        done[kind] += 1
        events.append(f"{elapsed():6.1f}s {text}")

    # the load goes on until the agent is done: past DURATION only while the cron worker
    # has not been caught yet (at most 45 s more)
    while elapsed() < duration or (cron_next is not None and elapsed() < duration + 45):
        now = elapsed()
        if kills and now >= kills[0]:
            kills.pop(0)
            master = plan["masters"][rnd.randrange(len(plan["masters"]))]
            cron_pids = cron_worker_pids(plan)
            workers = [
                pid
                for pid, gevent in children_of(master).items()
                if not gevent and pid not in cron_pids
            ]
            if workers:
                pid = rnd.choice(workers)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    note("worker_kills", f"SIGKILL HTTP worker {pid} of server {master}")
            else:
                kills.insert(0, now + 1)
        if restart_at is not None and now >= restart_at:
            try:
                secs = cluster.restart_fast()
                note("pg_restarts", f"PostgreSQL restarted (fast shutdown) in {secs:.1f}s")
            except Exception as error:  # noqa: BLE001
                events.append(f"{now:6.1f}s PostgreSQL restart FAILED: {error}")
                done["pg_restart_failures"] += 1
            restart_at = None
        if cron_next is not None and now >= cron_next and duration + 40 - now > 3:
            try:
                caught = kill_cron_mid_job(cluster, plan, min(25.0, duration + 40 - now))
            except Exception as error:  # noqa: BLE001  (PostgreSQL restarting, …)
                caught = None
                events.append(f"{now:6.1f}s cron kill attempt failed: {error}")
            if caught:
                note("cron_kills", caught)
                cron_next = None
            else:
                cron_next = elapsed() + 3
                diag = plan.get("diag") or []
                if diag and done["cron_diag"] < 12:
                    done["cron_diag"] += 1
                    events.append(f"{now:6.1f}s cron worker not caught: {diag[-1]}")
        time.sleep(0.2)
    queue.put({"counts": dict(done), "events": events})


def kill_cron_mid_job(cluster, plan, patience):
    """Kill a cron worker while it reverses abandoned POS debits: hold the lock of the
    wallet of the newest abandoned debit (the job, which goes oldest first, has reversed
    the others in its transaction when it reaches it), trigger the job, and SIGKILL the
    cron worker found waiting on that lock; then let the lock go. What was done, or None
    when no job was caught within PATIENCE seconds."""
    conn = cluster.connect(plan["db"], autocommit=False)
    try:
        with conn.cursor() as cr:
            cr.execute(
                """SELECT w.id, COUNT(*) OVER () FROM member_pos_payment p
                     JOIN member_wallet w ON w.card_id = p.card_id
                     JOIN member_card c ON c.id = p.card_id
                    WHERE p.state = 'authorised' AND p.order_id IS NULL
                      AND p.date < (now() AT TIME ZONE 'UTC') - interval '1 minute'
                    ORDER BY c.name = %s, p.id DESC LIMIT 1""",
                # not the hot card every till spends, if another will do: holding its
                # lock would stall every till behind it
                [plan["hot_card"]],
            )
            row = cr.fetchone()
            if not row:
                cr.execute(
                    """SELECT COUNT(*), MIN(date), now() AT TIME ZONE 'UTC'
                         FROM member_pos_payment
                        WHERE state = 'authorised' AND order_id IS NULL"""
                )
                plan.setdefault("diag", []).append(
                    f"no abandoned debit due yet (authorised, oldest, now: {cr.fetchone()})"
                )
                conn.rollback()
                return None
            wallet_id, due = row
            cr.execute("SET LOCAL lock_timeout = '5s'")
            cr.execute("SELECT 1 FROM member_wallet WHERE id = %s FOR NO KEY UPDATE", [wallet_id])
            cr.execute("SELECT pg_backend_pid()")
            me = cr.fetchone()[0]
        trigger_crons(cluster, plan["db"], plan["cron_ids"][:1])
        deadline = time.monotonic() + patience
        watcher = cluster.connect(plan["db"])
        seen = collections.Counter()
        try:
            while time.monotonic() < deadline:
                cron_pids = cron_worker_pids(plan)
                seen["cron workers"] = len(cron_pids)
                with watcher.cursor() as cr:
                    cr.execute(
                        "SELECT client_port FROM pg_stat_activity"
                        " WHERE %s = ANY(pg_blocking_pids(pid)) AND client_port > 0",
                        [me],
                    )
                    ports = [port for (port,) in cr.fetchall()]
                    cr.execute(
                        "SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                        [plan["cron_ids"][0]],
                    )
                    job_running = cr.fetchone() is None
                    watcher.rollback()
                seen["waiting on us"] += bool(ports)
                seen["job running"] += job_running
                # the processes at the other end of those connections
                waiting = [pid for pid in processes_of_ports(ports, cron_pids) if pid in cron_pids]
                if not waiting and job_running and len(cron_pids) == 1 and ports:
                    waiting = list(cron_pids)  # the one cron worker: the job is its own
                for pid in waiting:
                    os.kill(pid, signal.SIGKILL)
                    return (
                        f"SIGKILL cron worker {pid} mid-job: reversing abandoned POS "
                        f"debits ({due} due), blocked on wallet {wallet_id}"
                    )
                time.sleep(0.1)
        finally:
            watcher.close()
        plan.setdefault("diag", []).append(
            f"not caught: wallet {wallet_id}, {due} due, polls: {dict(seen)}"
        )
        return None
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()


def processes_of_ports(ports, pids):
    """Which of PIDS holds a TCP connection from one of the local PORTS (a backend's
    ``client_port``): Odoo's workers are forked from its master, so the application name
    of their connections (``odoo-{pid}``) names the master, not the worker."""
    inodes = set()
    wanted = {f"{port:04X}" for port in ports}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if fields[1].rsplit(":", 1)[1] in wanted:
                    inodes.add(f"socket:[{fields[9]}]")
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        found.append(pid)
                        break
    return found


def trigger_crons(cluster, db, cron_ids):
    """The crons due now, and the cron workers told (as ``ir.cron._trigger`` does)."""
    conn = cluster.connect(db)
    with conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)"
            " SELECT id, now() at time zone 'UTC', now() at time zone 'UTC',"
            "        now() at time zone 'UTC' FROM unnest(%s) AS id",
            [list(cron_ids)],
        )
    conn.close()
    # the cron workers LISTEN in the postgres database (NOTIFY is per database)
    conn = cluster.connect("postgres")
    with conn.cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [db])
    conn.close()


def cron_worker_pids(plan):
    """Pids of the live cron workers of our servers, from their logs (``Worker WorkerCron
    (pid) alive``: Odoo's processes have no title of their own without setproctitle)."""
    pids = set()
    for log in plan["logs"]:
        with contextlib.suppress(OSError):
            text = Path(log).read_text(errors="replace")
            pids |= {int(pid) for pid in re.findall(r"Worker WorkerCron \((\d+)\) alive", text)}
    alive = set()
    for master in plan["masters"]:
        alive |= set(children_of(master))
    return pids & alive


# ----------------------------------------------------------------------
# Afterwards: the invariants
# ----------------------------------------------------------------------


def finish_and_check(dargs, ctx, stats):
    """The cron's reversal of the abandoned authorisations and a booking run, then the
    invariants: ``[(name, ok, detail)]``."""
    import odoo  # noqa: PLC0415

    with benchlib.odoo_env(dargs) as env:
        env["ir.config_parameter"].set_param("member_pos.abandon_minutes", "0")
        env.cr.commit()
        reversed_ = env["member.pos.payment"]._cron_reverse_abandoned(limit=100000)
        env.cr.commit()
        run = env["member.wallet.booking"]._book(
            companies=env["res.company"].browse(ctx["chain"]["stores"] + [ctx["chain"]["head"]])
        )
        env.cr.commit()
        checks = invariants(env, ctx, stats)
        differences = env["member.wallet.reconciliation"]._cron_reconcile()
        checks.append(("reconciliation job finds no difference", differences == 0, differences))
        env.cr.rollback()
    odoo.sql_db.close_all()
    return checks, len(reversed_), run


def invariants(env, ctx, stats):
    cr = env.cr
    checks = []

    def check(name, query, params=None, expect_empty=True):
        cr.execute(query, params or {})
        rows = cr.fetchall()
        ok = not rows if expect_empty else bool(rows and rows[0][0])
        checks.append((name, ok, rows[:5] if expect_empty else rows[0]))

    env.flush_all()
    check(
        "every wallet's principal, bonus and points = the sums of its ledger lines",
        """SELECT w.id, w.principal, w.bonus, w.points, w.balance FROM member_wallet w
             LEFT JOIN (SELECT wallet_id,
                          COALESCE(SUM(amount) FILTER (WHERE asset = 'principal'), 0) p,
                          COALESCE(SUM(amount) FILTER (WHERE asset = 'bonus'), 0) b,
                          COALESCE(SUM(amount) FILTER (WHERE asset = 'points'), 0) pt
                          FROM member_wallet_line GROUP BY wallet_id) s ON s.wallet_id = w.id
            WHERE w.principal <> COALESCE(s.p, 0) OR w.bonus <> COALESCE(s.b, 0)
               OR w.points <> COALESCE(s.pt, 0) OR w.balance <> w.principal + w.bonus""",
    )
    check(
        "no wallet below zero or below its credit limit",
        """SELECT id, principal, bonus, points, credit_limit FROM member_wallet
            WHERE principal < -credit_limit OR bonus < 0 OR points < 0""",
    )
    check(
        "no idempotency key posted twice",
        """SELECT idempotency_key, COUNT(*) FROM member_wallet_move
            WHERE idempotency_key IS NOT NULL AND idempotency_key <> ''
            GROUP BY 1 HAVING COUNT(*) > 1""",
    )
    check(
        "one order per POS uuid",
        "SELECT uuid, COUNT(*) FROM pos_order GROUP BY 1 HAVING COUNT(*) > 1",
    )
    check(
        "one POS debit per payment line attempt and posting",
        """SELECT idempotency_key, COUNT(*) FROM member_pos_payment GROUP BY 1
           HAVING COUNT(*) > 1""",
    )
    acks = stats.acks
    debits = [a for a in acks if a["kind"] == "debit"]
    orders = [a for a in acks if a["kind"] == "order"]
    api = [a for a in acks if a["kind"] == "api"]
    cancels = {a["order_uuid"] for a in acks if a["kind"] == "cancel"}
    check(
        "every acknowledged POS debit exists with its amount",
        """SELECT a.id FROM unnest(%(ids)s::int[], %(amounts)s::numeric[]) a(id, amount)
             LEFT JOIN member_wallet_move m ON m.id = a.id
            WHERE m.id IS NULL OR m.amount <> -a.amount""",
        {"ids": [a["move_id"] for a in debits], "amounts": [a["amount"] for a in debits]},
    )
    check(
        "every acknowledged order exists (paid), and owns its authorised debit",
        """SELECT a.uuid FROM unnest(%(uuids)s::varchar[]) a(uuid)
             LEFT JOIN pos_order o ON o.uuid = a.uuid
            WHERE o.id IS NULL OR o.state NOT IN ('paid', 'done', 'invoiced')""",
        {"uuids": [a["uuid"] for a in orders]},
    )
    paid_orders = [a["uuid"] for a in orders if a.get("balance_paid")]
    check(
        "the debit of every acknowledged order is attached to it and not reversed as abandoned",
        """SELECT p.id, p.state, p.reversal_reason FROM member_pos_payment p
             JOIN pos_order o ON o.uuid = p.order_uuid
            WHERE p.order_uuid = ANY(%(uuids)s)
              AND (p.order_id IS DISTINCT FROM o.id
                   OR p.reversal_reason IN ('abandoned', 'cancelled'))""",
        {"uuids": paid_orders},
    )
    check(
        "every acknowledged top-up of a till posted its stored value once",
        """SELECT a.uuid FROM unnest(%(uuids)s::varchar[]) a(uuid)
            WHERE (SELECT COUNT(*) FROM member_wallet_move m
                    WHERE m.idempotency_key LIKE 'pos-topup:' || a.uuid || ':%%') <> 1""",
        {"uuids": [a["uuid"] for a in orders if a.get("topup")]},
    )
    check(
        "every acknowledged API posting exists once under its key",
        """SELECT a.key FROM unnest(%(keys)s::varchar[], %(ids)s::int[]) a(key, id)
            WHERE (SELECT array_agg(m.id) FROM member_wallet_move m
                    WHERE m.idempotency_key = a.key) IS DISTINCT FROM ARRAY[a.id]""",
        {"keys": [a["key"] for a in api], "ids": [a["move_id"] or 0 for a in api]},
    )
    check(
        "no authorisation left without its order after the cron ran",
        """SELECT id, order_uuid FROM member_pos_payment
            WHERE state = 'authorised' AND order_id IS NULL""",
    )
    check(
        "every cancelled payment line reversed",
        """SELECT order_uuid FROM member_pos_payment
            WHERE order_uuid = ANY(%(uuids)s) AND state <> 'reversed'""",
        {"uuids": sorted(cancels)},
    )
    check(
        "every reversed POS debit has its reversal posting",
        """SELECT p.id FROM member_pos_payment p
                  WHERE p.state = 'reversed' AND p.reversal_reason IN ('abandoned', 'cancelled')
                    AND NOT EXISTS (SELECT 1 FROM member_wallet_move r
                                     WHERE r.reversed_move_id = p.move_id)""",
    )
    # invariant 8, from member_wallet's liability report
    Report = env["member.wallet.liability.report"].sudo()
    Report.invalidate_model()
    stores = ctx["chain"]["stores"] + [ctx["chain"]["head"]]
    rows = Report.search([("company_id", "in", stores)])
    bad = [
        (r.company_id.name, r.gl_amount, r.unbooked_amount, r.ledger_amount)
        for r in rows
        if r.currency_id.compare_amounts(r.gl_amount + r.unbooked_amount, r.ledger_amount)
    ]
    checks.append(("per store, GL liability + not yet booked = ledger", not bad, bad))
    cr.execute(
        """SELECT COALESCE(SUM(w.balance), 0) FROM member_wallet w
             JOIN member_card c ON c.id = w.card_id
            WHERE c.name LIKE 'CD%%'""",
    )
    wallets = Decimal(str(cr.fetchone()[0])).quantize(CENT)
    ledgers = sum((Decimal(str(r.ledger_amount)) for r in rows), Decimal(0)).quantize(CENT)
    checks.append(
        (
            "the chain's ledgers add up to the wallet balances",
            ledgers == wallets,
            (ledgers, wallets),
        )
    )
    return checks


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------


def server_log_counts(logs):
    text = "".join(Path(p).read_text(errors="replace") for p in logs if Path(p).exists())
    return {
        "server retries (serialization)": len(re.findall(r"tries left, try again", text)),
        "workers respawned or lost": len(re.findall(r"Worker \(\d+\) (?:unregistered|exit)", text)),
        "tracebacks in the log": text.count("Traceback (most recent call last)"),
        # the gevent child crash-loops with setuptools >= 81 (see tests/bench/wallet_debit.py)
        "gevent child error lines": len(
            re.findall(r"(?im)^.*gevent.*(traceback|error|exited|dead).*$", text)
        ),
    }


def drill(args):
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="chaos_drill_logs_"))
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        cluster = pgcluster.Cluster(pgcluster.free_port(args.pg_port), label="chaos")
    except pgcluster.ClusterUnavailable as error:
        print(f"chaos drill SKIPPED: {error}")
        return SKIP
    replica = None
    servers = []
    started = time.monotonic()
    timings = {}
    try:
        cluster.init()
        cluster.start()
        ports = []
        for _n in range(args.servers):
            port = pgcluster.free_port((ports[-1] + 2) if ports else args.http_port)
            while not pgcluster.port_free(port + 1):
                port = pgcluster.free_port(port + 2)
            ports.append(port)
        dargs = db_args(args, cluster, ports[0])
        data_dir = cluster.root.parent / f"{cluster.root.name}_data"
        data_dir.mkdir()
        print(f"-- drill cluster on port {cluster.port} ({cluster.root}); logs in {log_dir}")
        if args.source_db:
            timings["copy of the source database"] = copy_source(args, cluster, data_dir, log_dir)
        else:
            timings["install"] = install_fresh(dargs, log_dir, replica=args.replica)
        if args.replica:
            replica = make_replica(cluster, timings)
        # the servers start (and their workers load the registry) while the chain is made
        t = time.monotonic()
        for n, port in enumerate(ports):
            servers.append(
                Server(
                    db_args(args, cluster, port),
                    args,
                    port,
                    data_dir,
                    log_dir / f"odoo-{n + 1}.log",
                    replica_port=replica.port if replica and not args.replica_unused else None,
                )
            )
        for server in servers:
            server.launch()
        ctx = setup_chain(args, dargs)
        timings["chain"] = time.monotonic() - t
        for server in servers:
            server.wait_up()
        timings["chain and servers up"] = time.monotonic() - t
        urls = [s.url for s in servers]
        result = load(args, ctx, urls, cluster, servers)
        replica_checks = replica_after_load(args, ctx, urls[0], cluster, replica, timings)
        t = time.monotonic()
        for server in servers:
            server.stop()
        checks, reversed_count, _booking = finish_and_check(dargs, ctx, result["stats"])
        timings["checks"] = time.monotonic() - t
        if not args.no_restore:
            t = time.monotonic()
            checks += restore.restore_drill(
                lambda: benchlib.odoo_env(dargs),
                cluster.connect,
                data_dir,
                ctx["hot"][0],
                ctx["chain"]["stores"][0],
            )
            timings["backup and restore drill"] = time.monotonic() - t
        if replica:
            checks += [replica_check(cluster, replica), *replica_checks]
        logs = [s.log for s in servers]
        return report(args, result, checks, reversed_count, timings, started, logs, log_dir)
    except pgcluster.ClusterUnavailable as error:
        print(f"chaos drill SKIPPED: {error}")
        return SKIP
    finally:
        for server in servers:
            server.stop()
        if replica:
            replica.remove() if not args.keep else replica.stop()
        if args.keep:
            cluster.stop()
            print(f"-- kept {cluster.root} (stopped) and {log_dir}")
        else:
            cluster.remove()
            shutil.rmtree(cluster.root.parent / f"{cluster.root.name}_data", ignore_errors=True)


def make_replica(cluster, timings):
    """A streaming replica of CLUSTER, else None (said so: the drill goes on without it,
    and the harness notes the line)."""
    t = time.monotonic()
    try:
        return cluster.replica(pgcluster.free_port(cluster.port + 10))
    except pgcluster.ClusterUnavailable as error:
        print(f"chaos drill: replica SKIPPED: {error}", flush=True)
        return None
    finally:
        timings["replica (pg_basebackup -R)"] = time.monotonic() - t


def replica_connections(replica):
    """Odoo's connections to the replica's copy of the drill's database (its read-only
    requests go there)."""
    conn = replica.connect()
    with conn.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name LIKE 'odoo-%%'",
            [DRILL_DB],
        )
        count = int(cr.fetchone()[0])
    conn.close()
    return count


def replica_after_load(args, ctx, url, cluster, replica, timings):
    """The checks of the replica while the servers still run: their connections to it,
    and the reports read from it (replica_reports.py)."""
    if not replica:
        return []
    served = replica_connections(replica)
    print(f"-- Odoo's connections to the read replica at the end of the load: {served}")
    t = time.monotonic()
    reads = read_reports_from_replica(args, ctx, url, cluster, replica)
    timings["reports read from the replica"] = time.monotonic() - t
    return [
        ("the servers read from the replica (their connections to it)", served > 0, served),
        *reads,
    ]


def read_reports_from_replica(args, ctx, url, cluster, replica):
    """The checks of replica_reports.py: a top-up written on the primary, then the ledger
    report read over HTTP from the replica, as the cashier of the first store."""
    store = ctx["chain"]["stores"][0]
    cargs = argparse.Namespace(
        url=url, db=DRILL_DB, auth="session", request_timeout=args.request_timeout
    )
    client = wallet_debit.Client(cargs, ctx)
    client.session.cookies.set("cids", str(store))  # the store of the Excel route
    card, _partner = ctx["cards"][0][0]  # a card of the first till, in the first store
    return replica_reports.report_read_checks(
        client, {"allowed_company_ids": [store]}, card, cluster, replica, DRILL_DB
    )


def replica_check(cluster, replica):
    """The replica streamed everything: the same wallets and ledger as the primary."""
    query = "SELECT COUNT(*), COALESCE(SUM(balance), 0) FROM member_wallet"
    conn = cluster.connect(DRILL_DB)
    with conn.cursor() as cr:
        cr.execute("SELECT pg_current_wal_lsn()")
        lsn = cr.fetchone()[0]
        cr.execute(query)
        primary = cr.fetchone()
    conn.close()
    deadline = time.monotonic() + 60
    conn = replica.connect(DRILL_DB)
    with conn.cursor() as cr:
        while True:
            cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cr.fetchone()[0] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        cr.execute(query)
        standby = cr.fetchone()
    conn.close()
    return ("the read replica holds the same wallets as the primary", standby == primary, standby)


def load(args, ctx, urls, cluster, servers):
    stats = Stats()
    stop = threading.Event()
    duration = args.minutes * 60
    clients = [Till(k, args, ctx, urls, stats, stop) for k in range(args.tills)]
    api = [Till(args.tills + k, args, ctx, urls, stats, stop) for k in range(args.api_clients)]
    spawn = multiprocessing.get_context("spawn")
    queue = spawn.Queue()
    plan = {
        "seed": args.seed,
        "duration": duration,
        "kills": args.kills,
        "db": DRILL_DB,
        "masters": [s.process.pid for s in servers],
        "logs": [str(s.log) for s in servers],
        "cron_ids": ctx["cron_ids"],
        "hot_card": ctx["hot"][0],
        "cluster": {
            key: value
            for key, value in vars(cluster).items()
            if key in ("bindir", "port", "user", "run_as", "root", "data", "socket_dir", "log")
        }
        | {"started": True},
    }
    agent = spawn.Process(target=chaos_agent, args=(plan, queue), daemon=True)
    threads = [
        threading.Thread(target=run_client, args=(c, "run_till", stats), daemon=True)
        for c in clients
    ] + [threading.Thread(target=run_client, args=(c, "run_api", stats), daemon=True) for c in api]
    print(
        f"-- load: {args.tills} tills + {args.api_clients} back-office clients on "
        f"{len(urls)} server(s) for {duration:.0f} s, seed {args.seed} …",
        flush=True,
    )
    for thread in threads:
        thread.start()
    agent.start()
    chaos = {"counts": {}, "events": ["the chaos agent reported nothing"]}
    try:
        chaos = queue.get(timeout=duration + 120)
    except Exception:  # noqa: BLE001
        pass
    stop.set()
    for thread in threads:
        thread.join(timeout=150)
    agent.join(timeout=10)
    if agent.is_alive():
        agent.kill()
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        stats.add("clients still waiting at the end", stuck)
    return {"stats": stats, "chaos": chaos}


def report(args, result, checks, reversed_count, timings, started, logs, log_dir):
    stats, chaos = result["stats"], result["chaos"]
    counts = stats.counts
    faults = chaos["counts"]
    fault_checks = [
        (f"at least {args.kills} worker SIGKILLs", faults.get("worker_kills", 0) >= args.kills),
        ("PostgreSQL restarted once (fast shutdown)", faults.get("pg_restarts", 0) == 1),
        ("the cron worker killed mid-job", faults.get("cron_kills", 0) >= 1),
        (
            "no client gave up (crashed or still waiting)",
            not counts.get("client crashed") and not counts.get("clients still waiting at the end"),
        ),
    ]
    print("\nChaos events")
    for event in chaos["events"]:
        print(f"  {event}")
    print("\nOperations")
    for name in ("attempted", "acknowledged", "refused", "retried", "failed"):
        print(f"  {name:<14} {counts.get(name, 0):>7}")
    per_op = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("attempted:")}
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(per_op.items())))
    print(f"  abandoned authorisations reversed by the cron afterwards: {reversed_count}")
    for kind, messages in sorted(stats.samples.items()):
        for message in messages[:2]:
            print(f"  e.g. {kind}: {message}")
    log_counts = server_log_counts(logs)
    print("\nServer log: " + ", ".join(f"{k} {v}" for k, v in log_counts.items()))
    print("\nInvariants")
    broken = 0
    for name, ok, *detail in [*fault_checks, *checks]:
        broken += not ok
        extra = f"  {detail[0]}" if detail and not ok else ""
        print(f"  {'ok ' if ok else 'BROKEN'} {name}{extra}")
    total = time.monotonic() - started
    print(
        "\nTimings: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
        + f"; total {total:.0f}s"
    )
    summary = {
        "attempted": counts.get("attempted", 0),
        "acknowledged": counts.get("acknowledged", 0),
        "refused": counts.get("refused", 0),
        "retried": counts.get("retried", 0),
        "failed": counts.get("failed", 0),
        "invariants_checked": len(checks) + len(fault_checks),
        "invariants_broken": broken,
        "faults": faults,
        "by_kind": per_op,
        "reversed_by_cron": reversed_count,
        "server_log": log_counts,
        "seconds": round(total, 1),
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "seed": args.seed,
        "tills": args.tills,
        "minutes": args.minutes,
        "servers": args.servers,
        "replica": args.replica,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, default=str))
    print(
        f"\nchaos drill: {summary['attempted']} attempted, {summary['acknowledged']} "
        f"acknowledged, {summary['refused']} refused, {summary['retried']} retried, "
        f"{summary['failed']} failed; {summary['invariants_checked']} invariants checked, "
        f"{broken} broken"
    )
    return 1 if broken else 0


def main(argv=None):
    args = parse_args(argv)
    try:
        return drill(args)
    except benchlib.BenchError as error:
        print(f"chaos drill ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
