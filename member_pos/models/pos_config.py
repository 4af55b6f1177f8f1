import json
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .pos_session import mask_number

# the sessions whose customers a till preloads
RECENT_SESSIONS = 5
# the shortest shared secret of an IoT box accepted (README: 32 random bytes)
MEMBER_IOT_SECRET_MIN = 16


class PosConfig(models.Model):
    _inherit = "pos.config"

    member_quick_product_id = fields.Many2one(
        "product.product",
        string="Quick Consumption Product",
        domain=[("available_in_pos", "=", True)],
        help="Quick consumption (快速消费): the member panel adds this product at the amount "
        "the cashier types, for service businesses that sell by amount only.",
    )

    member_topup_product_id = fields.Many2one(
        "product.product",
        string="Top-up Product",
        domain=[("available_in_pos", "=", True)],
        help="Top-up at the till (充值): the member panel adds this product at the amount "
        "topped up; the order is paid as any sale and the card is topped up (with the bonus "
        "of the rules) when the order reaches the server. Its income account must be the "
        "default account of the top-up journal.",
    )
    member_topup_journal_id = fields.Many2one(
        "account.journal",
        string="Top-up Clearing Journal",
        domain=[("type", "=", "general")],
        help="The wallet books the till's top-ups (stored-value liability, bonus) against "
        "this journal's default account, which the session closing credits with the sale "
        "of the top-up product: the clearing account nets to zero.",
    )

    @api.constrains("member_topup_product_id", "member_topup_journal_id")
    def _check_member_topup(self):
        for config in self.filtered("member_topup_product_id"):
            product = config.member_topup_product_id.with_company(config.company_id)
            income = product.product_tmpl_id._get_product_accounts()["income"]
            clearing = config.member_topup_journal_id.default_account_id
            if not clearing or income != clearing:
                raise ValidationError(
                    self.env._(
                        "The top-up product of %s needs a top-up clearing journal whose default "
                        "account is the product's income account.",
                        config.name,
                    )
                )

    # -- the IoT box (iot_drivers/): card reads and member slips ------------

    member_iot_card_reader = fields.Boolean(
        string="Read Member Cards from the IoT Box",
        help="The till waits for the card reads of the store's IoT box (swipe, RFID, QR "
        "scanner plugged into the box) and looks the member up as if the card were typed.",
    )
    member_iot_print_slips = fields.Boolean(
        string="Print Member Slips",
        help="After a top-up or a payment from the stored value, a member slip (store, masked "
        "card, amount, bonus, stored value after, time, cashier) is printed: on the IoT "
        "box's printer when one is set, else on the POS printer (the browser's print "
        "without one).",
    )
    member_iot_url = fields.Char(
        string="IoT Box URL",
        help="The box's address as the tills reach it, e.g. http://192.168.1.20:8069 or "
        "https://box1.xuhui.shop.example.cn (HTTPS when the POS is served over HTTPS).",
    )
    member_iot_secret = fields.Char(
        string="IoT Box Shared Secret",
        groups="point_of_sale.group_pos_manager",
        copy=False,
        help="The [member_iot] secret of the box's odoo.conf; the box refuses every member "
        "route without it. Only POS managers read it; a till receives it with its own "
        "configuration when it opens.",
    )
    member_iot_printer = fields.Char(
        string="IoT Box Slip Printer",
        help="The name of a printer on the box ([member_iot.printer.<name>] of its odoo.conf). "
        "Empty: member slips are printed on the POS printer, or through the browser.",
    )

    @api.constrains(
        "member_iot_card_reader", "member_iot_print_slips", "member_iot_url", "member_iot_printer"
    )
    def _check_member_iot(self):
        for config in self:
            url = (config.member_iot_url or "").strip()
            if url:
                parts = urlsplit(url)
                try:
                    parts.port  # noqa: B018  (raises on a port that is not one)
                    valid = (
                        parts.scheme in ("http", "https")
                        and parts.hostname
                        and not parts.username
                        and not parts.query
                        and not parts.fragment
                        and " " not in url
                    )
                except ValueError:
                    valid = False
                if not valid:
                    raise ValidationError(
                        self.env._(
                            "The IoT box URL of %(config)s is not an address the tills can "
                            "call: %(url)s. Use http:// or https://, the box's name or address "
                            "and its port, e.g. http://192.168.1.20:8069.",
                            config=config.name,
                            url=url,
                        )
                    )
            uses_box = config.member_iot_card_reader or (
                config.member_iot_print_slips and config.member_iot_printer
            )
            if uses_box and not url:
                raise ValidationError(self.env._("Set the IoT box URL of %s first.", config.name))

    @api.constrains(
        "member_iot_card_reader",
        "member_iot_print_slips",
        "member_iot_printer",
        "member_iot_url",
        "member_iot_secret",
    )
    def _check_member_iot_secret(self):
        for config in self.sudo():
            secret = config.member_iot_secret or ""
            uses_box = config.member_iot_card_reader or (
                config.member_iot_print_slips and config.member_iot_printer
            )
            if (uses_box or secret) and len(secret.strip()) < MEMBER_IOT_SECRET_MIN:
                raise ValidationError(
                    self.env._(
                        "The IoT box shared secret of %(config)s must have at least %(count)s "
                        "characters (the [member_iot] secret of the box's odoo.conf).",
                        config=config.name,
                        count=MEMBER_IOT_SECRET_MIN,
                    )
                )

    @api.model
    def _load_pos_data_read(self, records, config):
        """The till receives its box's secret with its own configuration
        (the field itself is for POS managers)."""
        read_records = super()._load_pos_data_read(records, config)
        for record in read_records:
            if record["id"] == config.id and config._member_iot_box_used():
                record["_member_iot_secret"] = config.sudo().member_iot_secret or ""
        return read_records

    def _member_iot_box_used(self):
        self.ensure_one()
        return bool(
            self.member_iot_url
            and (
                self.member_iot_card_reader
                or (self.member_iot_print_slips and self.member_iot_printer)
            )
        )

    def member_iot_slips(self, order_ids):
        """The member slips of orders of this point of sale, in the payload
        of the box's ``/member_iot/print_slip`` (iot_drivers/README.md): a
        top-up slip per top-up line, a consumption slip when the order was
        paid from the stored value. Amounts are strings in the company
        currency, the card masked; the till sends them to the box or prints
        them itself.

        :return: ``[{"order_id", "slip": {...}}]``
        """
        self.ensure_one()
        self.check_access("read")
        orders = self.env["pos.order"].browse(order_ids).exists()
        orders.check_access("read")
        if orders.filtered(lambda order: order.config_id != self):
            raise AccessError(self.env._("These orders are not of this point of sale."))
        slips = []
        for order in orders.sudo():
            slips += [
                {"order_id": order.id, "slip": slip} for slip in self._member_iot_order_slips(order)
            ]
        return slips

    def _member_iot_order_slips(self, order):
        """The slips of one synced ``order`` (as superuser): its top-ups
        (the wallet's postings of the order), then its payment from the
        stored value (the order's member fields written when it synced)."""
        currency = order.currency_id

        def money(value):
            return f"{currency.round(value or 0.0):.{currency.decimal_places}f}"

        _user, cashier = order._member_cashier()
        tz_order = order.with_context(tz=order.user_id.tz or self.env.user.tz or "UTC")
        common = {
            "store": order.company_id.name,
            "member": order.partner_id.name or "",
            "date": fields.Datetime.context_timestamp(tz_order, order.date_order).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "operator": cashier or "",
            "reference": order.pos_reference or order.name,
            "currency": currency.symbol,
        }
        slips = []
        topups = self.env["member.wallet.move"].search(
            [("res_model", "=", "pos.order"), ("res_id", "=", order.id), ("kind", "=", "topup")],
            order="id",
        )
        for move in topups:
            answer = json.loads(move.result) if move.result else {}
            after = answer.get("balance", move.wallet_id.balance)
            slips.append(
                {
                    **common,
                    "type": "topup",
                    "card": mask_number(move.card_id.name),
                    "amount": money(move.amount_principal),
                    "bonus": money(move.amount_bonus),
                    "balance_before": money(after - move.amount_principal - move.amount_bonus),
                    "balance_after": money(after),
                }
            )
        paid = sum(p.amount for p in order.payment_ids if p.payment_method_id._is_member_balance())
        if order.member_card_masked and currency.compare_amounts(paid, 0) > 0:
            slip = {
                **common,
                "type": "consumption",
                "card": order.member_card_masked,
                "amount": money(paid),
                "balance_before": money(order.member_balance_before),
                "balance_after": money(order.member_balance_after),
                "points_balance": str(order.member_points_total),
            }
            if order.member_points_earned:
                slip["points"] = f"{order.member_points_earned:+d}"
            slips.append(slip)
        return slips

    def get_limited_partners_loading(self, offset=0):
        """The partners a till preloads: the customers of its last few
        sessions (most recent first), then partners who are not members.
        Odoo's own query counts every POS order and sorts every partner of
        the company at each session start; here each part reads a bounded
        slice through an index, so a chain with a million members opens its
        tills as fast as one with fifty. Members are looked up on demand
        (``pos.session.member_pos_lookup``)."""
        self.ensure_one()
        limit = self._get_limited_partner_count()
        return self.env.execute_query(
            SQL(
                """
                WITH recent AS (
                    SELECT o.partner_id AS id, MAX(o.id) AS last_order
                      FROM pos_order o
                     WHERE o.session_id IN (SELECT s.id FROM pos_session s
                                             WHERE s.config_id = %(config)s
                                          ORDER BY s.id DESC LIMIT %(sessions)s)
                       AND o.partner_id IS NOT NULL
                  GROUP BY o.partner_id
                ), others AS (
                    SELECT p.id, NULL::integer AS last_order
                      FROM res_partner p
                     WHERE p.is_member IS NOT TRUE AND p.active
                       AND (p.company_id = %(company)s OR p.company_id IS NULL)
                  ORDER BY p.id DESC
                     LIMIT %(window)s
                )
                SELECT id FROM (SELECT * FROM recent UNION ALL SELECT * FROM others) partners
              GROUP BY id
              ORDER BY MAX(last_order) DESC NULLS LAST, id DESC
                 LIMIT %(limit)s OFFSET %(offset)s
                """,
                config=self.id,
                sessions=RECENT_SESSIONS,
                company=self.company_id.id,
                window=limit + offset,
                limit=limit,
                offset=offset,
            )
        )

    @api.model
    def _member_pos_demo_store_till(self, store, name):
        """Demo data: a till of ``store`` (id) with cash and the member balance."""
        store = self.env["res.company"].browse(store)
        env = self.env(context=dict(self.env.context, allowed_company_ids=[store.id]))
        journal = env["account.journal"].create(
            {"name": f"{name} 现金", "type": "cash", "code": "POSC", "company_id": store.id}
        )
        Method = env["pos.payment.method"]
        methods = Method.create(
            {"name": f"{name} 现金", "journal_id": journal.id, "company_id": store.id}
        ) | Method.create(
            {
                "name": "会员余额",
                "use_payment_terminal": "member_balance",
                "company_id": store.id,
            }
        )
        return env["pos.config"].create(
            {
                "name": name,
                "company_id": store.id,
                "payment_method_ids": [fields.Command.set(methods.ids)],
            }
        )
