"""Paying from the member balance at the till, through the calls the POS
makes: the server authorises and posts the debit when the cashier sends the
payment; the order's sync only attaches it, never posts."""

from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MemberPosCase, money, new_uuid


@tagged("post_install", "-at_install")
class TestBalancePayment(MemberPosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.make_card()
        cls.member = cls.card.partner_id
        # one earning rule: a point per yuan not paid from the stored value
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.env["member.points.rule"].create(
            {
                "name": "MBT a point per yuan",
                "amount_step": 1.0,
                "points_per_step": 1,
                "apply_level_multiplier": False,
                "exclude_stored_value": True,
            }
        )

    def setUp(self):
        super().setUp()
        self.topup(self.card, 100)

    def consumptions(self, card):
        self.env.flush_all()
        return (
            self.env["member.wallet.move"]
            .sudo()
            .search([("card_id", "=", card.id), ("kind", "=", "consumption")])
        )

    def ledger_state(self):
        """Postings, POS payments and orders, for 'nothing was written'."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT COUNT(*) FROM member_wallet_move),
                      (SELECT COUNT(*) FROM member_wallet_line),
                      (SELECT COUNT(*) FROM member_pos_payment),
                      (SELECT COUNT(*) FROM pos_order),
                      (SELECT COUNT(*) FROM pos_payment),
                      (SELECT array_agg(balance ORDER BY id) FROM member_wallet)"""
        )
        return self.env.cr.fetchone()

    def refused_sync(self):
        """The sync is refused and, its transaction rolled back, nothing of
        it is left (the order is written before its payments are checked)."""
        return self.assertWritesNothing(
            self.ledger_state, exception=UserError, message="did not authorise", strict=False
        )

    def assertRefusedAnswer(self, call, message):
        before = self.ledger_state()
        answer = call()
        self.assertFalse(answer["ok"], answer)
        self.assertIn(message, answer["message"])
        self.assertEqual(self.ledger_state(), before, "a refused payment wrote something")
        return answer

    # ------------------------------------------------------------------
    # Authorise, then sync
    # ------------------------------------------------------------------

    def test_authorise_then_sync_posts_once(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        answer = self.authorize(self.card, 60, order_uuid, line_uuid)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(
            (money(answer["amount"]), money(answer["balance"]), money(answer["balance_before"])),
            (money(60), money(40), money(100)),
        )
        self.assertEqual(self.balance(self.card), money(40))
        move = self.consumptions(self.card)
        self.assertEqual(len(move), 1)
        self.assertEqual(move.company_id, self.store_a)
        self.assertEqual((move.res_model, move.res_id), ("pos.session", self.session_a.id))
        self.assertEqual(move.user_id, self.cashier_a)
        # the same payment line sent again (double click, retry): same answer
        again = self.authorize(self.card, 60, order_uuid, line_uuid)
        self.assertEqual(again["move_id"], answer["move_id"])
        self.assertEqual(self.balance(self.card), money(40))
        # balance + cash, synced three times (resync, retry, second tab)
        data = self.order_data(
            order_uuid,
            [(self.balance_pm_a, 60, line_uuid), (self.cash_pm_a, 10, new_uuid())],
            partner=self.member,
        )
        for _attempt in range(3):
            order = self.sync(data)
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(len(self.consumptions(self.card)), 1, "one posting")
        self.assertEqual(self.balance(self.card), money(40))
        payment = self.pos_payments(self.card)
        self.assertEqual((payment.state, payment.order_id), ("done", order))
        self.assertEqual(payment.move_id, move)
        # once the order is in, the debit is the order's: no cancelling it
        answer = self.cancel(order_uuid, line_uuid)
        self.assertFalse(answer["ok"])
        self.assertIn("validated order", answer["message"])
        self.assertEqual(self.balance(self.card), money(40))

    def test_points_earned_once_and_receipt_figures(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 60, order_uuid, line_uuid)["ok"])
        data = self.order_data(
            order_uuid,
            [(self.balance_pm_a, 60, line_uuid), (self.cash_pm_a, 10, new_uuid())],
            partner=self.member,
        )
        data["member_points_earned"] = 9999  # what the server writes, never the till
        for _attempt in range(3):
            order = self.sync(data)
        earned = (
            self.env["member.wallet.move"]
            .sudo()
            .search([("card_id", "=", self.card.id), ("kind", "=", "earn")])
        )
        self.assertEqual(len(earned), 1, "points posted once")
        self.assertEqual((earned.points, earned.company_id), (10, self.store_a))
        self.assertEqual((earned.res_model, earned.res_id), ("pos.order", order.id))
        self.assertEqual(
            (
                order.member_points_earned,
                order.member_points_total,
                money(order.member_balance_before),
                money(order.member_balance_after),
                order.member_level,
            ),
            (10, 10, money(100), money(40), self.level_basic.name),
        )
        self.assertTrue(order.member_card_masked.endswith(self.card.name[-4:]))
        self.assertTrue(order.member_card_masked.startswith("****"))

    def test_member_paying_cash_earns_points(self):
        order = self.sync(
            self.order_data(new_uuid(), [(self.cash_pm_a, 25, new_uuid())], partner=self.member)
        )
        self.assertEqual(order.member_points_earned, 25)
        self.assertEqual(self.card.sudo()._get_wallet().points, 25)
        # not a member: nothing
        other = self.env["res.partner"].create({"name": "MBT Not a member"})
        order = self.sync(
            self.order_data(new_uuid(), [(self.cash_pm_a, 25, new_uuid())], partner=other)
        )
        self.assertEqual(order.member_points_earned, 0)

    def test_whole_balance_then_cash(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 100, order_uuid, line_uuid)["ok"])
        self.assertRefusedAnswer(lambda: self.authorize(self.card, "0.01"), "Insufficient balance")
        order = self.sync(
            self.order_data(
                order_uuid,
                [(self.balance_pm_a, 100, line_uuid), (self.cash_pm_a, 20, new_uuid())],
                partner=self.member,
            )
        )
        self.assertEqual(order.amount_paid, 120)
        self.assertEqual(self.balance(self.card), money(0))

    def test_order_without_authorisation_refused(self):
        data = self.order_data(new_uuid(), [(self.balance_pm_a, 30, new_uuid())])
        with self.refused_sync():
            self.sync(data)
        self.assertEqual(self.balance(self.card), money(100))

    def test_order_above_authorised_amount_refused(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 50, order_uuid, line_uuid)["ok"])
        with self.refused_sync():
            self.sync(self.order_data(order_uuid, [(self.balance_pm_a, 60, line_uuid)]))
        # another order cannot use this order's authorisation either
        with self.refused_sync():
            self.sync(self.order_data(new_uuid(), [(self.balance_pm_a, 50, line_uuid)]))
        self.assertEqual(self.pos_payments(self.card).state, "authorised")

    def test_draft_order_waits_for_validation(self):
        order_uuid = new_uuid()
        order = self.sync(
            self.order_data(order_uuid, [(self.balance_pm_a, 30, new_uuid())], state="draft")
        )
        self.assertEqual(order.state, "draft")
        self.assertEqual(len(self.consumptions(self.card)), 0)

    # ------------------------------------------------------------------
    # Refusals: nothing written
    # ------------------------------------------------------------------

    def test_short_balance_refused_with_balance(self):
        answer = self.assertRefusedAnswer(
            lambda: self.authorize(self.card, 120), "Insufficient balance"
        )
        self.assertIn("100.00", answer["message"])

    def test_unusable_card_refused(self):
        frozen = self.make_card(state="frozen")
        self.assertRefusedAnswer(lambda: self.authorize(frozen, 10), "is frozen")
        self.assertRefusedAnswer(lambda: self.authorize("MW000000001", 10), "No member card")

    def test_bad_amounts_refused(self):
        for amount in (0, -5, "abc", "1.234"):
            with self.subTest(amount=amount):
                answer = self.ledger_state()
                refused = self.authorize(self.card, amount)
                self.assertFalse(refused["ok"], refused)
                self.assertEqual(self.ledger_state(), answer)

    def test_wrong_pin_refused(self):
        pin_type = self.type_personal.copy({"name": "MBT PIN Card", "pin_required": True})
        card = self.make_card(card_type=pin_type)
        card.sudo()._set_pin("2468")
        self.topup(card, 50)
        self.assertRefusedAnswer(lambda: self.authorize(card, 20, pin="1111"), "Wrong PIN")
        self.assertRefusedAnswer(lambda: self.authorize(card, 20), "Wrong PIN")
        self.assertTrue(self.authorize(card, 20, pin="2468")["ok"])
        self.assertEqual(self.balance(card), money(30))

    def test_other_store_session_refused(self):
        # cashier A cannot take a payment on store B's till, nor open it
        self.assertRefusedAnswer(
            lambda: self.session_b.with_env(self.env_as(self.cashier_a)).member_pos_authorize(
                self.card.name, 10, new_uuid(), new_uuid()
            ),
            "",
        )
        with self.assertRaises(Exception):  # noqa: B017 - AccessError of the record rules
            self.pos_b.with_env(self.env_as(self.cashier_a)).open_ui()
        # store B's cashier on store B's till: the card works in every store
        answer = self.authorize(self.card, 10, session=self.session_b, user=self.cashier_b)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(self.consumptions(self.card).company_id, self.store_b)

    def test_staff_without_member_rights_refused(self):
        outsider = self.env["res.users"].create(
            {
                "name": "MBT POS only",
                "login": "mbt_pos_only",
                "company_id": self.store_a.id,
                "company_ids": [Command.set(self.store_a.ids)],
                "group_ids": [Command.set(self.env.ref("point_of_sale.group_pos_user").ids)],
            }
        )
        self.assertRefusedAnswer(
            lambda: self.authorize(self.card, 10, user=outsider), "Only store staff"
        )

    def test_closed_session_refused(self):
        session = self.session_a
        with self.patch_session_state(session, "closing_control"):
            self.assertRefusedAnswer(lambda: self.authorize(self.card, 10), "is not open")

    def patch_session_state(self, session, state):
        test = self

        class Patch:
            def __enter__(self):
                self.old = session.state
                session.sudo().state = state
                test.env.flush_all()

            def __exit__(self, *exc):
                session.sudo().state = self.old
                test.env.flush_all()

        return Patch()

    # ------------------------------------------------------------------
    # Cancelling and abandoned debits
    # ------------------------------------------------------------------

    def test_cancel_reverses_at_once(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 40, order_uuid, line_uuid)["ok"])
        answer = self.cancel(order_uuid, line_uuid)
        self.assertTrue(answer["ok"], answer)
        self.assertEqual(answer["reversed"], 1)
        self.assertEqual(money(answer["balance"]), money(100))
        self.assertEqual(self.balance(self.card), money(100))
        payment = self.pos_payments(self.card)
        self.assertEqual((payment.state, payment.reversal_reason), ("reversed", "cancelled"))
        self.assertEqual(payment.reversal_move_id.reversed_move_id, payment.move_id)
        # cancelling again reverses nothing more
        self.assertEqual(self.cancel(order_uuid, line_uuid)["reversed"], 0)
        # the same line sent again with another amount: a new debit
        again = self.authorize(self.card, 30, order_uuid, line_uuid)
        self.assertTrue(again["ok"], again)
        self.assertEqual(self.balance(self.card), money(70))
        order = self.sync(self.order_data(order_uuid, [(self.balance_pm_a, 30, line_uuid)]))
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.balance(self.card), money(70))

    def test_line_left_off_the_order_is_reversed(self):
        order_uuid, kept, dropped = new_uuid(), new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 20, order_uuid, kept)["ok"])
        self.assertTrue(self.authorize(self.card, 30, order_uuid, dropped)["ok"])
        self.sync(self.order_data(order_uuid, [(self.balance_pm_a, 20, kept)]))
        self.assertEqual(self.balance(self.card), money(80))
        states = {
            p.payment_uuid: (p.state, p.reversal_reason) for p in self.pos_payments(self.card)
        }
        self.assertEqual(states, {kept: ("done", False), dropped: ("reversed", "not_on_order")})

    def age(self, payment, minutes):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE member_wallet_move SET date = date - %s WHERE id = %s",
            [timedelta(minutes=minutes), payment.move_id.id],
        )
        self.env.cr.execute(
            "UPDATE member_pos_payment SET date = date - %s WHERE id = %s",
            [timedelta(minutes=minutes), payment.id],
        )
        self.env.invalidate_all()

    def test_cron_reverses_abandoned_debits(self):
        self.env["ir.config_parameter"].sudo().set_param("member_pos.abandon_minutes", 30)
        abandoned_uuid, paid_uuid, recent_uuid = new_uuid(), new_uuid(), new_uuid()
        line = new_uuid()
        self.assertTrue(self.authorize(self.card, 10, abandoned_uuid)["ok"])
        self.assertTrue(self.authorize(self.card, 20, paid_uuid, line)["ok"])
        self.assertTrue(self.authorize(self.card, 30, recent_uuid)["ok"])
        self.sync(self.order_data(paid_uuid, [(self.balance_pm_a, 20, line)]))
        payments = {p.order_uuid: p for p in self.pos_payments(self.card)}
        self.age(payments[abandoned_uuid], 45)
        self.age(payments[paid_uuid], 45)
        self.age(payments[recent_uuid], 10)
        self.assertEqual(self.balance(self.card), money(40))
        reversed_payments = self.env["member.pos.payment"]._cron_reverse_abandoned()
        self.assertEqual(reversed_payments, payments[abandoned_uuid])
        self.assertEqual(payments[abandoned_uuid].reversal_reason, "abandoned")
        self.assertEqual(self.balance(self.card), money(50))
        self.assertEqual(payments[paid_uuid].state, "done")
        self.assertEqual(payments[recent_uuid].state, "authorised")
        # a second run finds nothing more
        self.assertFalse(self.env["member.pos.payment"]._cron_reverse_abandoned())
        # the manager's list of what was reversed
        listed = (
            self.env["member.pos.payment"]
            .with_env(self.env_as(self.manager_a))
            .search([("reversal_reason", "=", "abandoned")])
        )
        self.assertEqual(listed, payments[abandoned_uuid])

    # ------------------------------------------------------------------
    # Returns
    # ------------------------------------------------------------------

    def sale(self, balance, cash=0):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, balance, order_uuid, line_uuid)["ok"])
        payments = [(self.balance_pm_a, balance, line_uuid)]
        if cash:
            payments.append((self.cash_pm_a, cash, new_uuid()))
        return self.sync(self.order_data(order_uuid, payments, partner=self.member))

    def test_whole_return_gives_balance_and_points_back(self):
        sale = self.sale(60, cash=10)
        self.assertEqual(self.card.sudo()._get_wallet().points, 10)
        check = self.session_as(self.session_a, self.cashier_a).member_pos_check_return
        self.assertTrue(check(sale.ids, 60)["ok"])
        refused = check(sale.ids, 30)
        self.assertFalse(refused["ok"])
        self.assertIn("60.00 back to the member balance", refused["message"])
        data = self.order_data(
            new_uuid(),
            [(self.balance_pm_a, -60, new_uuid()), (self.cash_pm_a, -10, new_uuid())],
            partner=self.member,
            refund_of=sale,
        )
        for _attempt in range(2):
            refund = self.sync(data)
        self.assertEqual(self.balance(self.card), money(100))
        wallet = self.card.sudo()._get_wallet()
        wallet.invalidate_recordset()
        self.assertEqual(wallet.points, 0, "the points it earned are taken back")
        payment = self.pos_payments(self.card)
        self.assertEqual(
            (payment.state, payment.reversal_reason, payment.order_id, payment.return_order_id),
            ("reversed", "returned", sale, refund),
        )
        self.assertEqual(
            (
                refund.member_points_earned,
                money(refund.member_balance_before),
                money(refund.member_balance_after),
            ),
            (-10, money(40), money(100)),
        )
        # nothing more to give back
        self.assertFalse(check(sale.ids, 60)["ok"])

    def test_return_to_balance_other_than_its_share_refused(self):
        """Every unit returned: the whole 60 goes back to the balance, not 30
        (partial returns: test_partial_returns)."""
        sale = self.sale(60)
        data = self.order_data(
            new_uuid(),
            [(self.balance_pm_a, -30, new_uuid())],
            partner=self.member,
            refund_of=sale,
        )
        with self.assertWritesNothing(
            self.ledger_state,
            exception=UserError,
            message="60.00 back to the member balance",
            strict=False,
        ):
            self.sync(data)
        self.assertEqual(self.balance(self.card), money(40))

    def test_books_agree_after_sales_returns_and_closing(self):
        sale = self.sale(60, cash=10)
        self.sale(25)
        self.sync(
            self.order_data(
                new_uuid(),
                [(self.balance_pm_a, -60, new_uuid()), (self.cash_pm_a, -10, new_uuid())],
                partner=self.member,
                refund_of=sale,
            )
        )
        self.assertTrue(self.authorize(self.card, 5)["ok"])  # abandoned, not reversed yet
        self.book()
        self.session_a.action_pos_session_closing_control()
        self.assertEqual(self.session_a.state, "closed")
        row = self.report_rows()[self.store_a]
        balance = self.balance(self.card)
        self.assertEqual(balance, money(70))
        self.assertEqual(money(row.ledger_amount), balance)
        # the session booked the 25 kept; the sale and its return cancel out
        self.assertEqual(money(row.gl_amount), money(75))
        self.assertEqual(money(row.unbooked_amount), money(-5))
        self.assertEqual(money(row.difference), money(0))

    # ------------------------------------------------------------------
    # Daily limit
    # ------------------------------------------------------------------

    def test_daily_limit_per_card(self):
        self.head_office.member_pos_daily_limit = 100
        self.topup(self.card, 200)
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 60, order_uuid, line_uuid)["ok"])
        answer = self.assertRefusedAnswer(
            lambda: self.authorize(self.card, 50, session=self.session_b, user=self.cashier_b),
            "daily limit",
        )
        self.assertIn("40.00", answer["message"])
        # a cancelled payment does not count
        self.cancel(order_uuid, line_uuid)
        self.assertTrue(
            self.authorize(self.card, 100, session=self.session_b, user=self.cashier_b)["ok"]
        )
        # a store's own limit wins over its parent's
        self.store_a.member_pos_daily_limit = 500
        self.assertTrue(self.authorize(self.card, 50)["ok"])
        self.assertEqual(self.balance(self.card), money(150))

    # ------------------------------------------------------------------
    # The books
    # ------------------------------------------------------------------

    def test_wallet_books_nothing_for_pos_debits(self):
        order_uuid, line_uuid = new_uuid(), new_uuid()
        self.assertTrue(self.authorize(self.card, 60, order_uuid, line_uuid)["ok"])
        self.assertTrue(self.authorize(self.card, 15)["ok"])  # left to the cron
        self.sync(
            self.order_data(order_uuid, [(self.balance_pm_a, 60, line_uuid)], partner=self.member)
        )
        self.book()
        debit = self.pos_payments(self.card).filtered(lambda p: p.order_uuid == order_uuid).move_id
        self.assertTrue(debit.booking_id, "taken by the run, for the settlement")
        self.assertEqual(money(debit.booking_id.excluded_amount), money(-75))
        self.assertFalse(
            debit.booking_id.account_move_id.line_ids.filtered(
                lambda line: line.account_id == self.liability and line.debit
            ),
            "the wallet booked no consumption",
        )
        self.assertEqual(-self.account_balance(self.liability), money(100), "the top-up only")
        # the open session has not booked the sale yet: not yet booked elsewhere
        row = self.report_rows()[self.store_a]
        self.assertEqual(money(row.unbooked_amount), money(-75))
        self.assertEqual(money(row.difference), money(0))
        # the session closing books it against the member-balance method
        self.session_a.action_pos_session_closing_control()
        self.assertEqual(self.session_a.state, "closed")
        self.assertEqual(-self.account_balance(self.liability), money(40))
        row = self.report_rows()[self.store_a]
        self.assertEqual(money(row.gl_amount), money(40))
        self.assertEqual(money(row.unbooked_amount), money(-15), "the debit with no order")
        self.assertEqual(money(row.difference), money(0))
        self.assertEqual(money(row.ledger_amount), self.balance(self.card))

    def test_payment_method_account_is_the_liability(self):
        self.assertEqual(self.balance_pm_a.receivable_account_id, self.liability)
        self.assertFalse(self.balance_pm_a.journal_id)
        self.assertEqual(self.balance_pm_a.type, "pay_later")
        self.assertEqual(self.balance_pm_a.payment_method_type, "terminal")

    def test_payments_hidden_from_other_stores(self):
        self.assertTrue(self.authorize(self.card, 10)["ok"])
        Payment = self.env["member.pos.payment"]
        self.assertEqual(len(Payment.with_env(self.env_as(self.cashier_a)).search([])), 1)
        self.assertFalse(Payment.with_env(self.env_as(self.cashier_b)).search([]))
        with self.assertRaises(Exception):  # noqa: B017 - no write right for anyone
            Payment.with_env(self.env_as(self.manager_a)).search([]).write({"amount": 1})
