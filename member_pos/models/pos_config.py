from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# the sessions whose customers a till preloads
RECENT_SESSIONS = 5


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
