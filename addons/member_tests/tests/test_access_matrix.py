"""The access matrix of the suite (``access_matrix.csv`` beside this file):
every model, controller route and button action of our addons × every role,
swept over HTTP as each role's own user.

Each cell is what the role gets:

``allowed``
    the call succeeds;
``denied``
    refused for the caller's rights: an ``AccessError`` (access rights,
    record rules, a service's group check), or refused by the HTTP layer
    (no session, no API key, redirected to the login page, 401/403/404);
``refused``
    the rights let it through but the suite refused it for what was sent
    or for the record's state (``UserError``, ``ValidationError``: an
    append-only ledger, a guarded field, a missing value), with nothing
    written.

Model rows probe ``read`` (the probe record, or a search when the model has
none), ``create`` (empty values, sent as each client sends them: positionally
to ``call_kw``, by name to /json/2), ``write`` (empty values: the access check
and the model's guards), ``write:<field>`` (a protected field rewritten with
its own value: the guards look at which fields are written, never trust a
context) and ``unlink``; button rows call the button's method on the probe
record; route rows open the route.

Every call is made twice, through the two doors a client has: the web
client's ``/web/dataset/call_kw`` (the role's session, the role's plain
context) and Odoo 19's ``/json/2`` (the role's API key, a context carrying
every capability flag the suite ever had, ``FORGED_CONTEXT``): both must
give the matrix's answer, so a forged flag never opens anything. Each call
runs inside a savepoint that is rolled back after it, so an allowed write
leaves nothing behind for the next cell, and a call that is not allowed must
not have changed the model's rows, the operation log or the ledger before the
rollback.

To regenerate the table after a deliberate change of rights, run the class
with ``MEMBER_ACCESS_MATRIX_WRITE=<path>``: the observed table is written
there instead of compared; review the differences before committing it.
"""

import csv
import json
import logging
import os
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import psycopg2
from lxml import etree

from odoo import Command, fields, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.member_base.tests.common import FORGED_CONTEXT
from odoo.addons.member_wallet.tests.common import WalletHttpCase, new_key

_logger = logging.getLogger(__name__)

MATRIX_PATH = Path(__file__).with_name("access_matrix.csv")
ROLES = (
    "public",
    "portal",
    "cashier",
    "store_manager",
    "head_office",
    "auditor",
    "member_admin",
    "admin",
)
COLUMNS = ("kind", "name", "operation", *ROLES)
OUTCOMES = ("allowed", "denied", "refused", "error")
# The addons whose models, routes and buttons the matrix covers.
OUR_MODULES = frozenset(
    {
        "member_base",
        "member_wallet",
        "member_pos",
        "member_marketing",
        "member_reports",
        "member_online_topup",
        "member_pos_hr",
        "member_pos_online_topup",
        "member_sms_cn",
        "payment_alipay",
        "payment_wechatpay",
    }
)
MODEL_OPERATIONS = ("read", "create", "write", "unlink")
# Fields that only the suite's services write: a client writing one (even
# with its current value, even with forged flags) must be refused.
PROTECTED_FIELDS = {
    "member.card": ("state", "expiry_date", "partner_id"),
    "member.wallet": ("balance", "principal", "points", "credit_limit"),
    "member.package": ("uses_remaining", "expiry_date"),
    "member.timed.session": ("state", "amount"),
}
# The models only the services write: their rows are swept over both HTTP
# doors for every role (the other rows in process, see ``over_http``).
HTTP_MODELS = frozenset(
    {
        "member.operation.log",
        "member.wallet.line",
        "member.wallet.move",
    }
)
# What a route needs to do its work (else it answers "not found" to all).
ROUTE_QUERY = {"/member_reports/xlsx": "?model=member.report.member"}
# The parameters a JSON route is sent ("card" is the probe card's id); the
# top-up transaction gets a forged token, which must never be accepted.
ROUTE_PARAMS = {
    "/my/member/qr": {"card_id": "card"},
    "/my/member/topup/transaction/<int:card_id>": {"amount": "10", "access_token": "forged"},
}
# Roles that change nothing in the back office, whatever they may call.
READ_ONLY_ROLES = frozenset({"public", "portal", "auditor"})
# A record id that never exists (probe of a model without records).
MISSING_ID = 2_000_000_000
DENIED_ERRORS = {
    "odoo.exceptions.AccessError",
    "odoo.http.SessionExpiredException",
    "werkzeug.exceptions.Unauthorized",
    "werkzeug.exceptions.Forbidden",
    "werkzeug.exceptions.NotFound",
}
REFUSED_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
}


def call_kw_args(ids, kwargs):
    """``(args, kwargs)`` of a call as the web client sends it to
    ``call_kw``: the ids first, and a create's values positionally (Odoo's
    ``call_kw`` reads them from ``args[0]`` to answer an id or a list of ids;
    /json/2 takes them by name, ``vals_list``)."""
    args = [ids] if ids is not None else []
    kwargs = dict(kwargs)
    if "vals_list" in kwargs:
        args.append(kwargs.pop("vals_list"))
    return args, kwargs


def read_matrix(path=MATRIX_PATH):
    """``{(kind, name, operation): {role: outcome}}`` of the table."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {
            (row["kind"], row["name"], row["operation"]): {role: row[role] for role in ROLES}
            for row in csv.DictReader(handle)
        }


def write_matrix(cells, path):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for key in sorted(cells):
            writer.writerow([*key, *(cells[key][role] for role in ROLES)])


def our_models(env):
    """Models whose ``_name`` an addon of ours introduced (not abstract:
    nothing to read or write there)."""
    return sorted(
        name
        for name, model in env.registry.items()
        if model._original_module in OUR_MODULES and not model._abstract
    )


def our_routes(env):
    """``{url: routing}`` of every route whose endpoint is defined or
    overridden by one of our addons."""
    routes = {}
    for rule in env["ir.http"].routing_map().iter_rules():
        endpoint = rule.endpoint
        method = getattr(endpoint, "__wrapped__", endpoint)
        controller = getattr(method, "__self__", None)
        name = getattr(method, "__name__", None)
        if controller is None or not name:
            continue
        modules = {
            cls.__module__.split(".")[2]
            for cls in type(controller).mro()
            if name in cls.__dict__ and cls.__module__.startswith("odoo.addons.")
        }
        if modules & OUR_MODULES:
            routes[rule.rule] = endpoint.routing
    return routes


def our_buttons(env):
    """``{(model, method)}`` of every ``type="object"`` button in the views
    of our addons (their own arch, not the combined one); a button inside
    a relational field's embedded view belongs to the field's model."""
    data = (
        env["ir.model.data"]
        .sudo()
        .search([("model", "=", "ir.ui.view"), ("module", "in", sorted(OUR_MODULES))])
    )
    buttons = set()

    def walk(node, model):
        for child in node.iterchildren(tag=etree.Element):
            inner = model
            # a field with children is an embedded view, unless it is an
            # inheritance locator (``position``)
            if child.tag == "field" and len(child) and not child.get("position"):
                field = env[model]._fields.get(child.get("name"))
                inner = field.comodel_name if field is not None and field.relational else model
                inner = inner if inner in env else model
            if child.tag == "button" and child.get("type") == "object" and child.get("name"):
                buttons.add((model, child.get("name")))
            walk(child, inner)

    for view in env["ir.ui.view"].sudo().browse(data.mapped("res_id")).exists():
        if view.arch_db and view.model:
            walk(etree.fromstring(view.arch_db.encode()), view.model)
    return buttons


def expected_rows(env):
    """The rows the table must have: every model operation, protected field,
    route and button of our addons."""
    rows = set()
    for model in our_models(env):
        rows.update(("model", model, operation) for operation in MODEL_OPERATIONS)
    for model, names in PROTECTED_FIELDS.items():
        rows.update(("model", model, f"write:{name}") for name in names)
    rows.update(("route", url, "call") for url in our_routes(env))
    rows.update(("action", f"{model}.{method}", "call") for model, method in our_buttons(env))
    return rows


@tagged("post_install", "-at_install")
class TestAccessMatrixCoverage(TransactionCase):
    """The table lists every model, route and button of our addons, and
    nothing else: a new model, route or button without a row fails here."""

    def test_matrix_lists_everything(self):
        rows = set(read_matrix())
        expected = expected_rows(self.env)
        self.assertEqual(
            sorted(expected - rows), [], f"rows missing from {MATRIX_PATH.name} (add them)"
        )
        self.assertEqual(
            sorted(rows - expected), [], f"rows of {MATRIX_PATH.name} that no longer exist"
        )

    def test_matrix_cells_are_outcomes(self):
        for key, cells in read_matrix().items():
            for role, outcome in cells.items():
                self.assertIn(outcome, OUTCOMES, f"{key} / {role}")

    def test_inventory_is_not_empty(self):
        # the introspection itself works: known models, routes and buttons
        self.assertIn("member.wallet.line", our_models(self.env))
        self.assertNotIn("member.service.mixin", our_models(self.env))
        self.assertIn("/my/member/history/page/<int:page>", our_routes(self.env))
        self.assertNotIn("/web/login", our_routes(self.env))
        self.assertIn(("member.card", "action_freeze"), our_buttons(self.env))


@tagged("post_install", "-at_install")
class TestAccessMatrix(WalletHttpCase):
    """Sweep the table over HTTP as each role's own user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the records made from here on are the probes (deterministic,
        # whatever else the database holds)
        cls.env.flush_all()
        cls.watermarks = {}
        for model in our_models(cls.env):
            Model = cls.env[model]
            if Model._auto or Model._table_query is None:
                cls.env.cr.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{Model._table}"')  # noqa: S608
                cls.watermarks[model] = cls.env.cr.fetchone()[0]
        cls.member_admin = new_test_user(
            cls.env,
            context={"no_reset_password": True},
            login="mbt_member_admin",
            groups="member_base.group_member_admin",
            company_id=cls.head_office.id,
            company_ids=[Command.set(cls.chain.ids)],
        )
        member = cls.make_member(name="Matrix Member")
        cls.portal_user = new_test_user(
            cls.env,
            login="mbt_matrix_portal",
            groups="base.group_portal",
            context={"no_reset_password": True},
            partner_id=member.id,
        )
        cls.card = cls.make_card(partner=member)
        cls.topup(cls.card, 500)
        env = cls.env_as(cls.cashier_a, cls.store_a)
        env["member.wallet"].api_consume(cls.card.name, "30", new_key())
        env["member.wallet"].api_earn_points(cls.card.name, "100", new_key())
        # a fixed member price (member_pos): the probe of its rows
        product = cls.env["product.template"].create(
            {"name": "Matrix Coffee", "list_price": 30, "available_in_pos": True}
        )
        cls.env["member.level.price"].create(
            {"product_tmpl_id": product.id, "level_id": cls.level_gold.id, "price": 25}
        )
        cls.env.flush_all()
        cls.roles = {
            "portal": cls.portal_user,
            "cashier": cls.cashier_a,
            "store_manager": cls.manager_a,
            "head_office": cls.head_office_user,
            "auditor": cls.auditor,
            "member_admin": cls.member_admin,
            "admin": cls.admin_user,
        }
        tomorrow = datetime.now() + timedelta(days=1)
        Keys = cls.env["res.users.apikeys"]
        cls.role_keys = {
            role: Keys.with_user(user)._generate(None, f"matrix {role}", tomorrow)
            for role, user in cls.roles.items()
        }

    # ------------------------------------------------------------------
    # Probes
    # ------------------------------------------------------------------

    def probe_id(self, model):
        """The newest record of ``model`` made by this class, else an id
        that does not exist."""
        if model not in self.probes:
            self.probes[model] = self._probe_id(model)
        return self.probes[model]

    def _probe_id(self, model):
        Model = self.env[model].sudo().with_context(active_test=False)
        if model not in self.watermarks:
            record = Model.search([], order="id desc", limit=1)
            return record.id or MISSING_ID
        record = Model.search([("id", ">", self.watermarks[model])], order="id desc", limit=1)
        return record.id or MISSING_ID

    def rpc_value(self, record, name):
        """The field's current value as a client would send it back."""
        field = record._fields[name]
        value = record[name]
        if field.type == "many2one":
            return value.id
        if field.type in ("one2many", "many2many"):
            return [Command.set(value.ids)]
        if field.type in ("date", "datetime"):
            return fields.Datetime.to_string(value) if value else False
        return value

    def model_call(self, model, operation):
        """``(method, ids, kwargs)`` of the probe of a model row."""
        probe = self.probe_id(model)
        if operation == "read":
            if probe == MISSING_ID:
                return "search_read", None, {"domain": [], "fields": ["display_name"], "limit": 1}
            return "read", [probe], {"fields": ["display_name"]}
        if operation == "create":
            return "create", None, {"vals_list": [{}]}
        if operation == "write":
            return "write", [probe], {"vals": {}}
        if operation == "unlink":
            return "unlink", [probe], {}
        name = operation.split(":", 1)[1]
        record = self.env[model].sudo().browse(probe)
        value = self.rpc_value(record, name) if record.exists() else False
        return "write", [probe], {"vals": {name: value}}

    # ------------------------------------------------------------------
    # The two doors
    # ------------------------------------------------------------------

    def call_kw(self, role, model, method, ids, kwargs):
        """Over /web/dataset/call_kw in the role's session (already open),
        with the role's own context."""
        user = self.roles.get(role)
        context = {"allowed_company_ids": user.company_ids.ids} if user else {}
        args, kwargs = call_kw_args(ids, kwargs)
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {**kwargs, "context": context},
            },
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertLess(response.status_code, 500, response.text)
        body = response.json()
        if "error" in body:
            return self.outcome_of_error(body["error"]["data"].get("name"), body)
        return "allowed", None

    def json2(self, role, model, method, ids, kwargs):
        """Over /json/2 with the role's API key (none for the public) and
        every capability flag the suite ever had in the context."""
        user = self.roles.get(role)
        context = {**FORGED_CONTEXT, "allowed_company_ids": user.company_ids.ids if user else []}
        body = {**kwargs, "context": context}
        if ids is not None:
            body["ids"] = ids
        headers = {"Content-Type": "application/json"}
        if role in self.role_keys:
            headers["Authorization"] = f"bearer {self.role_keys[role]}"
        # the key's user is the session's (Odoo refuses a key of another user)
        response = self.url_open(
            f"/json/2/{model}/{method}", data=json.dumps(body), headers=headers
        )
        self.assertLess(response.status_code, 500, response.text)
        if response.status_code == 200:
            return "allowed", None
        if response.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self.assertIn(response.status_code, (401, 403, 404), response.text)
            return "denied", response.status_code
        answer = response.json()
        return self.outcome_of_error(answer.get("name"), answer)

    def outcome_of_error(self, name, body):
        if name in DENIED_ERRORS:
            return "denied", name
        if name in REFUSED_ERRORS:
            return "refused", name
        return "error", name

    def open_route(self, role, url, routing):
        """Open ``url`` (placeholders filled with the probe records) as the
        role (its session is already open)."""
        template, query = url, ROUTE_QUERY.get(url, "")
        url = (
            url.replace("<int:page>", "1")
            .replace("<int:card_id>", str(self.card.id))
            .replace("<int:gateway_id>", str(MISSING_ID))
        ) + query
        if routing.get("type") == "jsonrpc":
            params = {
                name: self.card.id if value == "card" else value
                for name, value in ROUTE_PARAMS.get(template, {}).items()
            }
            response = self.url_open(
                url,
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
                headers={"Content-Type": "application/json"},
            )
            self.assertLess(response.status_code, 500, response.text)
            body = response.json()
            if "error" in body:
                return self.outcome_of_error(body["error"]["data"].get("name"), body)
            return "allowed", None
        methods = routing.get("methods") or ["GET"]
        if "GET" in methods:
            response = self.url_open(url, allow_redirects=False)
        else:
            data = {}
            if routing.get("csrf", True):
                holder = SimpleNamespace(env=self.env, session=self.session)
                data["csrf_token"] = http.Request.csrf_token(holder)
            response = self.url_open(url, data=data, allow_redirects=False)
        self.assertLess(response.status_code, 500, f"{url}: {response.text[:2000]}")
        location = response.headers.get("Location", "")
        if response.status_code in (401, 403, 404) or "/web/login" in location:
            return "denied", response.status_code
        if response.status_code == 400:
            return "refused", response.status_code
        return "allowed", response.status_code

    # ------------------------------------------------------------------
    # What a call must not change
    # ------------------------------------------------------------------

    def snapshot(self, model, ids):
        """One statement: the rows and the last id of the model's table, of
        the operation log and the ledger, and every wallet's balances."""
        self.env.flush_all()
        Model = self.env[model]
        tables = ["member_operation_log", "member_wallet_line", "member_wallet_move"]
        if Model._auto:
            tables.append(Model._table)
        parts = [f'(SELECT ARRAY[COUNT(*), MAX(id)] FROM "{table}")' for table in tables]
        parts.append("(SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM member_wallet w)")
        params = []
        if Model._auto and ids:
            parts.append(
                f"(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM \"{Model._table}\" t"
                " WHERE id IN %s)"
            )
            params.append(tuple(ids))
        self.env.cr.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608 - test helper
        return self.env.cr.fetchone()

    def run_isolated(self, call, *args, model=None, ids=None):
        """``call(*args)`` in a savepoint rolled back afterwards; a call that
        is not allowed must have changed nothing (a read changes nothing by
        construction)."""
        method = args[2] if model else None
        check = model and method not in ("read", "search_read")
        before = None
        if check:
            # every call is rolled back: the state before is the same for
            # every role and door
            cache_key = (model, tuple(ids or ()))
            if cache_key not in self.snapshots:
                self.snapshots[cache_key] = self.snapshot(model, ids)
            before = self.snapshots[cache_key]
        savepoint = self.env.cr.savepoint(flush=False)
        self.env.registry.cache_invalidated.clear()
        outcome = None
        try:
            outcome, detail = call(*args)
            # what a read-only role is allowed to call must not write either
            if check and (outcome != "allowed" or args[0] in READ_ONLY_ROLES):
                self.assertEqual(
                    self.snapshot(model, ids), before, f"a {outcome} call wrote something"
                )
        finally:
            savepoint.close(rollback=True)
            # what the call left in the cache (even unflushed, after an
            # error) goes with the savepoint
            self.env.clear()
            if outcome == "allowed" and method not in ("read", "search_read"):
                # what the call cached of what it wrote goes with it: the
                # caches it invalidated (in process, this thread's flags),
                # or every model cache (the server's thread)
                if call == self.in_process:
                    self.env.registry.reset_changes()
                else:
                    self.env.registry.clear_cache()
        return outcome, detail

    # ------------------------------------------------------------------
    # The sweep
    # ------------------------------------------------------------------

    def in_process(self, role, model, method, ids, kwargs, forged):
        """Through Odoo's own RPC dispatcher (``odoo.service.model.call_kw``,
        what both doors call once the caller is authenticated) as the role's
        user, with its plain context or with every capability flag."""
        user = self.roles[role]
        context = {"allowed_company_ids": user.company_ids.ids}
        if forged:
            context.update(FORGED_CONTEXT)
        env = self.env(user=user, su=False, context={})
        try:
            # its own savepoint: a statement the database refused must not
            # abort the transaction the test still reads from
            with self.env.cr.savepoint(flush=False):
                args, kwargs = call_kw_args(ids, kwargs)
                call_kw(env[model], method, args, {**kwargs, "context": context})
                env.flush_all()
        except AccessError as error:
            return "denied", type(error).__name__
        except (UserError, ValidationError, psycopg2.IntegrityError) as error:
            return "refused", type(error).__name__
        except Exception as error:  # noqa: BLE001 - what a client sees as a server error
            return "error", type(error).__name__
        return "allowed", None

    def row_call(self, key):
        """``(model, method, ids, kwargs)`` of a model or button row."""
        kind, name, operation = key
        if kind == "model":
            return (name, *self.model_call(name, operation))
        model, method = name.rsplit(".", 1)
        return model, method, [self.probe_id(model)], {}

    def sweep_row(self, role, key, routes, over_http):
        """The answers to ``key`` as ``role``: over both doors when
        ``over_http``, else in process with the plain and the forged context."""
        kind, name, _operation = key
        if kind == "route":
            return [self.run_isolated(self.open_route, role, name, routes[name])]
        model, method, ids, kwargs = self.row_call(key)
        if over_http:
            doors = [(self.call_kw, ()), (self.json2, ())]
        else:
            # with every capability flag: what the plain context gives is
            # the HTTP rows' call_kw answer, and both must be the table's
            doors = [(self.in_process, (True,))]
        return [
            self.run_isolated(door, role, model, method, ids, kwargs, *extra, model=model, ids=ids)
            for door, extra in doors
        ]

    def over_http(self, role, key):
        """Whether the row is swept over HTTP for this role (else in
        process): routes, and the rows of the data only the services write
        (the ledger, the log, the protected fields); everything over HTTP
        with ``MEMBER_ACCESS_MATRIX_HTTP=1`` (slow: a run by hand). The
        public has no user to run in process as: its other rows must be
        ``denied``, which the doors do before any model code."""
        kind, name, operation = key
        if kind == "route" or os.environ.get("MEMBER_ACCESS_MATRIX_HTTP"):
            return True
        return kind == "model" and (name in HTTP_MODELS or operation.startswith("write:"))

    def test_sweep(self):
        target = os.environ.get("MEMBER_ACCESS_MATRIX_WRITE")
        if target:
            # the rows of the code, with what the table says where it has them
            old = read_matrix() if MATRIX_PATH.exists() else {}
            rows = expected_rows(self.env)
            matrix = {key: old.get(key, dict.fromkeys(ROLES, "?")) for key in rows}
        else:
            matrix = read_matrix()
        routes = our_routes(self.env)
        self.snapshots, self.probes = {}, {}
        observed = defaultdict(dict)
        differences = []
        counts = defaultdict(int)
        with mute_logger("odoo.http", "odoo.sql_db", "odoo.addons.base.models.ir_rule"):
            self.sweep(matrix, routes, observed, differences, counts)
        _logger.info("access matrix: %s calls", dict(counts))
        if target:
            write_matrix(observed, target)
            return
        self.assertGreater(counts["http"], 250)
        self.assertGreater(counts["in process"], 2000)
        self.assertEqual(differences, [], "\n".join(differences))

    def sweep(self, matrix, routes, observed, differences, counts):
        for role in ROLES:
            started = time.monotonic()
            user = self.roles.get(role)
            # one session per role (the public has none)
            self.authenticate(user.login if user else None, user.login if user else None)
            for key in sorted(matrix):
                if role == "public" and not self.over_http(role, key):
                    # the doors refuse the public before any model code: the
                    # rows of the service-only models prove it on both
                    observed[key][role] = "denied"
                    if matrix[key][role] != "denied":
                        differences.append(f"{' '.join(key)} as public must be denied")
                    continue
                over_http = self.over_http(role, key)
                tick = time.monotonic()
                answers = self.sweep_row(role, key, routes, over_http)
                door = "http" if over_http else "in process"
                counts[door] += len(answers)
                counts[f"{door} s"] += time.monotonic() - tick
                counts[f"{key[0]} s"] += time.monotonic() - tick
                outcomes = {outcome for outcome, _detail in answers}
                observed[key][role] = answers[0][0] if len(outcomes) == 1 else "/".join(outcomes)
                if outcomes != {matrix[key][role]}:
                    differences.append(
                        f"{' '.join(key)} as {role}: {answers} != {matrix[key][role]}"
                    )
            _logger.info("access matrix: %s in %.1f s", role, time.monotonic() - started)
