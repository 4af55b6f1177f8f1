"""The scenario every report test reads, on member_wallet's test chain.

Two stores (store A under the East region, store B under head office), two
members: *a* (store A, basic level, personal card) and *b* (store B, gold
level, gold card). Every posting goes through the wallet's services, as the
chain's own users:

==== ======================================================= ===========
step what                                                    books of
==== ======================================================= ===========
1    manager A tops up *a* 1000 + 100 bonus (store A)         A
2    manager B tops up *b* 500 + 50 bonus (store B)           B
3    cashier A: *a* consumes 300 (API, store A)               A
4    cashier B: *a* consumes 200 (API, store B)               B
5    cashier B: *b* consumes 100 (API, store B)               B
6    manager B reverses step 5 whole (store B)                B
7    head office, working in store B, gives back 120 of
     step 3 (partial reversal): booked to store A             A
8    cashier A sells *a* a package of 10 uses for 300,
     paid from the stored value (store A)                     A
9    cashier A: 2 uses of it (store A); cashier B: 1 (store B) A / B
10   manager A adds 500 points to *a* (adjustment), *a*
     earns 20 points on a sale of 200, redeems 150 points
     as a 1.50 cash deduction (store A)                       A
11   cashier B: *b* consumes 50 in the back office (its
     dialog), which earns *b* 5 points (store B)              B
12   cashier B: *b* plays 60 minutes on a pool table at 30
     an hour, paid 30 from the stored value (store B)         B
==== ======================================================= ===========
"""

import datetime

from odoo import Command

from odoo.addons.member_wallet.tests.common import WalletCase, new_key


class ReportCase(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["member.points.rule"].search([]).write({"active": False})
        cls.set_param("points_expiry_policy", "never")
        cls.set_param("points_cash_points", "100")
        cls.set_param("points_cash_amount", "1.0")
        env["member.points.rule"].create(
            {
                "name": "MRT rule",
                "amount_step": 10,
                "points_per_step": 1,
                "apply_level_multiplier": False,
            }
        )
        Product = env["product.product"]
        cls.massage = Product.create({"name": "MRT Massage", "type": "service", "list_price": 40})
        cls.package_product = Product.create(
            {
                "name": "MRT Massage x10",
                "type": "service",
                "list_price": 300,
                "member_package": True,
                "member_package_uses": 10,
                "member_package_validity": 3,
                "member_package_validity_unit": "months",
                "member_package_product_ids": [Command.set(cls.massage.ids)],
            }
        )
        cls.member_a = cls.make_member(name="MRT Member A")
        cls.member_b = cls.make_member(
            name="MRT Member B",
            level=cls.level_gold,
            member_register_company_id=cls.store_b.id,
        )
        cls.card_a = cls.make_card(partner=cls.member_a)
        cls.card_b = cls.make_card(cls.type_gold, partner=cls.member_b, store=cls.store_b)
        cls.wallet_a = cls.wallet_of(cls.card_a)
        cls.wallet_b = cls.wallet_of(cls.card_b)
        cls.members = cls.member_a | cls.member_b

        # 1, 2: top-ups with bonus
        cls.topup_a, _answer = cls.topup(cls.card_a, 1000, bonus=100)
        cls.topup_b, _answer = cls.topup(
            cls.card_b, 500, user=cls.manager_b, company=cls.store_b, bonus=50
        )
        # 3, 4, 5: consumptions through the API
        cls.consume_a = cls._consume_move(cls.card_a, 300, cls.cashier_a, cls.store_a)
        cls.consume_a_in_b = cls._consume_move(cls.card_a, 200, cls.cashier_b, cls.store_b)
        cls.consume_b = cls._consume_move(cls.card_b, 100, cls.cashier_b, cls.store_b)
        # 6: a whole reversal; 7: a partial one, done in store B for store A's books
        cls.reversal_b, _answer = cls.consume_b.with_env(
            cls.env_as(cls.manager_b, cls.store_b)
        )._reverse("returned goods")
        cls.reversal_a, _answer = cls.consume_a.with_env(
            cls.env_as(cls.head_office_user, cls.store_b)
        )._reverse("part returned", amount=120)
        # 8, 9: a package sold and used in both stores
        cashier_env = cls.env_as(cls.cashier_a, cls.store_a)
        cls.package_move, _answer = cashier_env["member.package"]._sell(
            cls.wallet_a.with_env(cashier_env), cls.package_product, key=new_key()
        )
        cls.package = (
            cashier_env["member.package"].sudo().search([("wallet_id", "=", cls.wallet_a.id)])
        )
        cls.package.with_env(cashier_env)._use(2, key=new_key(), product=cls.massage)
        cashier_b_env = cls.env_as(cls.cashier_b, cls.store_b)
        cls.package.with_env(cashier_b_env)._use(1, key=new_key(), product=cls.massage)
        # 10: points adjusted, earned, redeemed
        manager_env = cls.env_as(cls.manager_a, cls.store_a)
        cls.wallet_a.with_env(manager_env)._adjust("points", "+500", "welcome", key=new_key())
        Lot = cashier_env["member.points.lot"]
        Lot._earn(cls.wallet_a.with_env(cashier_env), 200, key=new_key())
        Lot._redeem(cls.wallet_a.with_env(cashier_env), 150, key=new_key(), cash=True)
        # 11: the back office's dialog
        wizard = cashier_b_env["member.wallet.operation"].create(
            {"card_id": cls.card_b.id, "operation": "consume", "amount": "50"}
        )
        wizard.action_confirm()
        cls.consume_b_backoffice = cashier_b_env["member.wallet.move"].search(
            [("idempotency_key", "=", wizard.idempotency_key)]
        )
        # 12: a timed session paid from the stored value
        cls.level_gold.free_timed_minutes = 0
        tariff = env["member.timed.tariff"].create(
            {
                "name": "MRT Pool table",
                "rate": 30,
                "rate_unit": "hour",
                "billing_unit": 15,
                "rounding": "up",
            }
        )
        cls.table_b = env["member.timed.resource"].create(
            {"name": "MRT Table B1", "tariff_id": tariff.id, "company_id": cls.store_b.id}
        )
        start = datetime.datetime(2025, 3, 1, 2, 0)  # 10:00 in Shanghai
        cls.session = cls.table_b.with_env(cashier_b_env)._start_session(card=cls.card_b, at=start)
        cls.session._stop(at=start + datetime.timedelta(hours=1))
        cls.timed_move = cls.session._pay("balance")
        env.flush_all()

    @classmethod
    def _consume_move(cls, card, amount, user, company):
        answer = cls.consume(cls, card, amount, user=user, company=company)
        return cls.env["member.wallet.move"].browse(answer["move_id"])

    def report(self, model, user=None, company=None):
        """The report ``model`` as ``user`` (default: head office, every
        store allowed) in ``company``, in the user's language (as the web
        client's requests are)."""
        user = user or self.head_office_user
        env = self.env_as(user, company)
        return env[model].with_context(lang=user.lang)

    def refresh_reports(self, **kwargs):
        """Run the refresh of the tables Member Activity, the liability
        ageing and the summary's days read (the cron's work, in the test's
        transaction): without it those reports show nothing new."""
        return self.env["member.report.refresh"]._refresh(**kwargs)

    def scenario_domain(self):
        return [("partner_id", "in", self.members.ids)]

    def ledger_sums(self, companies=None, assets=("principal", "bonus")):
        """The sums of the scenario's ledger lines per store whose books they
        go to, straight from member_wallet_line."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT CASE WHEN m.kind = 'reversal' THEN r.company_id ELSE m.company_id END,
                      SUM(l.amount)
                 FROM member_wallet_line l
                 JOIN member_wallet_move m ON m.id = l.move_id
                 LEFT JOIN member_wallet_move r ON r.id = m.reversed_move_id
                WHERE l.wallet_id = ANY(%s) AND l.asset = ANY(%s)
             GROUP BY 1""",
            [(self.wallet_a | self.wallet_b).ids, list(assets)],
        )
        return {company_id: round(total, 2) for company_id, total in self.env.cr.fetchall()}
