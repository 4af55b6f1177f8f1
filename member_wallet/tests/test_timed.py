"""Timed consumption (计时): tariffs, resources and sessions with worked
numbers (billing unit, minimum, cap, free minutes by level, night band in the
store's time zone, pauses), payment from the stored value, one running
session per resource, store rules."""

import datetime
import unittest

import psycopg2.errors

from odoo import Command
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WalletCase

DAY = datetime.date(2025, 3, 1)


def local(hour, minute=0, day=0):
    """Naive UTC datetime of <hour>:<minute> in Shanghai (UTC+8) on DAY + day."""
    moment = datetime.datetime.combine(
        DAY + datetime.timedelta(days=day), datetime.time(hour, minute)
    )
    return moment - datetime.timedelta(hours=8)


@tagged("post_install", "-at_install")
class TestTimed(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store_a.member_tz = "Asia/Shanghai"
        cls.level_gold.free_timed_minutes = 30
        cls.tariff = cls.env["member.timed.tariff"].create(
            {
                "name": "MWT Pool table",
                "rate": 30,
                "rate_unit": "hour",
                "billing_unit": 15,
                "rounding": "up",
                "minimum_charge": 20,
                "cap": 250,
                "band_ids": [
                    Command.create(
                        {"name": "Night", "start_time": 22.0, "end_time": 6.0, "rate": 60}
                    )
                ],
            }
        )
        Resource = cls.env["member.timed.resource"]
        cls.table = Resource.create(
            {"name": "MWT Table 1", "tariff_id": cls.tariff.id, "company_id": cls.store_a.id}
        )
        cls.table_b = Resource.create(
            {"name": "MWT Table B1", "tariff_id": cls.tariff.id, "company_id": cls.store_b.id}
        )
        cls.card = cls.make_card()
        cls.topup(cls.card, 500)
        cls.wallet = cls.wallet_of(cls.card)
        cls.gold_card = cls.make_card(
            card_type=cls.type_gold, partner=cls.make_member(cls.level_gold)
        )
        cls.topup(cls.gold_card, 500)

    def session_env(self, user=None, company=None):
        return self.env_as(user or self.cashier_a, company or self.store_a)

    def start(self, at, card=None, resource=None, user=None, company=None):
        env = self.session_env(user, company)
        resource = (resource or self.table).with_env(env)
        return resource._start_session(card=card, at=at)

    def run_session(self, start, stop, card=None, pauses=()):
        session = self.start(start, card=card)
        for begin, end in pauses:
            session._pause(at=begin)
            session._resume(at=end)
        session._stop(at=stop)
        return session

    # ------------------------------------------------------------------
    # Worked numbers
    # ------------------------------------------------------------------

    def test_session_with_a_pause_paid_from_the_stored_value(self):
        # 10:00 → 11:40 with a pause 10:30 → 11:00: 70 minutes → 75 billed → 37.50
        session = self.start(local(10), card=self.card)
        self.assertEqual(session.state, "running")
        self.assertEqual(session.start, local(10))
        self.assertEqual(session.tariff_id, self.tariff)
        self.assertEqual(session.company_id, self.store_a)
        self.assertEqual(self.table.timed_state, "running")
        session._pause(at=local(10, 30))
        self.assertEqual(session.state, "paused")
        self.assertEqual(self.table.timed_state, "paused")
        session._resume(at=local(11))
        session._stop(at=local(11, 40))
        self.assertEqual(session.state, "stopped")
        self.assertEqual(session.amount, 37.5)
        self.assertEqual(session.billed_minutes, 75)
        self.assertAlmostEqual(session.elapsed_hours, 70 / 60)
        self.assertIn("billed 75 min", session.charge_details)
        self.assertEqual(self.table.timed_state, "free")

        move = session._pay("balance")
        self.assertEqual(session.state, "paid")
        self.assertEqual(session.paid_by, "balance")
        self.assertEqual(session.move_id, move)
        self.assertEqual(move.kind, "timed")
        self.assertEqual((move.res_model, move.res_id), ("member.timed.session", session.id))
        self.assertEqual(move.company_id, self.store_a)
        self.assertEqual(move.line_ids.mapped("kind"), ["consumption"])
        self.assertEqual(move.line_ids.amount, -37.5)
        self.assertBalances(self.wallet, principal=462.5)
        # a double click pays once
        self.assertEqual(session._pay("balance"), move)
        self.assertBalances(self.wallet, principal=462.5)
        with self.assertRaises(UserError):
            session._pay("other")

    def test_gold_level_free_minutes(self):
        # 70 minutes, 30 free for gold → 40 → 45 billed → 22.50
        session = self.run_session(local(10), local(11, 10), card=self.gold_card)
        self.assertEqual(session.free_minutes, 30)
        self.assertEqual(session.amount, 22.5)
        # without a card: no free minutes → 75 billed → 37.50
        session = self.run_session(local(12), local(13, 10))
        self.assertEqual(session.free_minutes, 0)
        self.assertEqual(session.amount, 37.5)

    def test_session_within_free_minutes_is_done_without_payment(self):
        session = self.run_session(local(10), local(10, 25), card=self.gold_card)
        self.assertEqual(session.amount, 0)
        self.assertEqual(session.state, "paid")
        self.assertFalse(session.move_id)

    def test_minimum_charge(self):
        # 10 minutes → one unit → 7.50 → minimum 20.00
        session = self.run_session(local(10), local(10, 10))
        self.assertEqual(session.amount, 20)
        self.assertIn("Minimum charge applied", session.charge_details)

    def test_night_band_crossing_midnight(self):
        # 21:00 → 01:00 local: 1 h at 30 + 3 h at 60 = 210.00
        session = self.run_session(local(21), local(1, day=1))
        self.assertEqual(session.amount, 210)

    def test_cap_per_session(self):
        # 20:00 → 04:00: 2 h at 30 + 6 h at 60 = 420 → cap 250
        session = self.run_session(local(20), local(4, day=1))
        self.assertEqual(session.amount, 250)
        self.assertIn("Cap per session applied", session.charge_details)

    def test_bands_follow_the_store_time_zone(self):
        # 14:00 → 15:00 UTC is 22:00 → 23:00 in Shanghai: night rate 60
        start = datetime.datetime(2025, 3, 1, 14)
        session = self.run_session(start, start + datetime.timedelta(hours=1))
        self.assertEqual(session.amount, 60)
        self.store_a.member_tz = "UTC"
        session = self.run_session(
            start + datetime.timedelta(hours=2), start + datetime.timedelta(hours=3)
        )
        self.assertEqual(session.amount, 30)

    def test_pause_during_the_night_saves_the_night_rate(self):
        # 20:00 → 23:00, paused 22:00 → 22:30: 2 h day (60) + 30 min night (30) = 90
        session = self.run_session(local(20), local(23), pauses=[(local(22), local(22, 30))])
        self.assertEqual(session.amount, 90)

    def test_stopping_while_paused_closes_the_pause(self):
        session = self.start(local(10))
        session._pause(at=local(10, 45))
        session._stop(at=local(12))
        self.assertEqual(session.pause_ids.stop, local(12))
        self.assertEqual(session.amount, 22.5)

    # ------------------------------------------------------------------
    # Payment
    # ------------------------------------------------------------------

    def test_paid_by_other_means(self):
        session = self.run_session(local(10), local(11), card=self.card)
        session._pay("other")
        self.assertEqual((session.state, session.paid_by), ("paid", "other"))
        self.assertFalse(session.move_id)
        self.assertBalances(self.wallet, principal=500)

    def test_payment_from_balance_refused_writes_nothing(self):
        poor = self.make_card()
        self.topup(poor, 10)
        session = self.run_session(local(10), local(11), card=poor)
        with self.assertNothingWritten(UserError, "Insufficient balance"):
            session._pay("balance")
        self.assertEqual(session.state, "stopped")
        no_card = self.run_session(local(12), local(13))
        with self.assertNothingWritten(UserError, "Scan the member's card"):
            no_card._pay("balance")
        frozen = self.make_card(state="frozen")
        session = self.run_session(local(14), local(15), card=frozen)
        with self.assertNothingWritten(UserError, "frozen"):
            session._pay("balance")

    def test_card_given_at_payment_time(self):
        session = self.run_session(local(10), local(11))
        session.with_env(self.session_env()).card_id = self.card
        session._pay("balance")
        self.assertBalances(self.wallet, principal=470)

    # ------------------------------------------------------------------
    # One session per resource, transitions
    # ------------------------------------------------------------------

    def test_one_running_session_per_resource(self):
        self.start(local(10))
        with self.assertRaisesRegex(UserError, "already in use"):
            self.start(local(10, 5))
        # the partial unique index holds even without the check
        session = self.env["member.timed.session"].create({"resource_id": self.table.id})
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE member_timed_session SET state = 'running', start = %s WHERE id = %s",
                [local(10, 5), session.id],
            )
        # another resource is free
        self.start(local(10, 5), resource=self.table.copy({"name": "MWT Table 2"}))

    def test_a_stopped_session_frees_the_resource(self):
        first = self.run_session(local(10), local(11))
        second = self.start(local(11))
        self.assertEqual(self.table.running_session_id, second)
        self.assertNotEqual(first, second)

    def test_transitions_out_of_order_are_refused(self):
        session = self.start(local(10))
        with self.assertRaisesRegex(UserError, "is Running"):
            session._resume(at=local(10, 5))
        with self.assertRaisesRegex(UserError, "before the session's last change"):
            session._stop(at=local(9))
        session._stop(at=local(11))
        with self.assertRaisesRegex(UserError, "To Pay"):
            session._pause(at=local(11, 5))
        with self.assertRaisesRegex(UserError, "To Pay"):
            session._start(at=local(12))

    def timed_state(self):
        """The ledger (``db_state``), the sessions and pauses of the
        database and the operation log, straight from the tables."""
        state = self.db_state()
        cr = self.env.cr
        cr.execute(
            """SELECT id, resource_id, card_id, state, start, stop, amount, paid_by, move_id
                 FROM member_timed_session ORDER BY id"""
        )
        state["sessions"] = cr.fetchall()
        cr.execute("SELECT id, session_id, start, stop FROM member_timed_session_pause ORDER BY id")
        state["pauses"] = cr.fetchall()
        cr.execute("SELECT COUNT(*) FROM member_operation_log")
        state["log"] = cr.fetchone()
        return state

    def test_buttons_of_a_session_that_no_longer_exists(self):
        # cashier A opened a session form; the member administrator deleted
        # the session (not started yet) meanwhile: every button of the stale
        # form is refused as missing (not a server error), and writes nothing
        cashier = self.session_env()
        session = cashier["member.timed.session"].create(
            {"resource_id": self.table.id, "card_id": self.card.id}
        )
        session.with_env(self.session_env(self.admin_user, self.store_a)).unlink()
        never = cashier["member.timed.session"].browse(2_000_000_000)
        manager = self.session_env(self.manager_a)
        buttons = [
            (cashier, "action_start"),
            (cashier, "action_pause"),
            (cashier, "action_resume"),
            (cashier, "action_stop"),
            (cashier, "action_pay_balance"),
            (cashier, "action_pay_other"),
            (manager, "action_cancel"),
        ]
        for record in (session, never):
            for env, button in buttons:
                with (
                    self.subTest(session=record.id, button=button),
                    self.assertWritesNothing(
                        self.timed_state,
                        exception=MissingError,
                        message="This timed session no longer exists.",
                    ),
                ):
                    getattr(record.with_env(env), button)()
        self.assertEqual(self.table.timed_state, "free")

    def test_current_session_of_a_free_resource(self):
        # the resource's Current Session when its session was stopped at
        # another till since the screen was drawn: said so, nothing written
        for user in (self.cashier_a, self.auditor):
            table = self.table.with_env(self.session_env(user, self.store_a))
            with (
                self.subTest(user=user.login),
                self.assertWritesNothing(
                    self.timed_state,
                    exception=UserError,
                    message="No session is running on MWT Table 1.",
                ),
            ):
                table.action_open_session()
        session = self.start(local(10))
        action = self.table.with_env(self.session_env()).action_open_session()
        self.assertEqual((action["res_model"], action["res_id"]), (session._name, session.id))

    def test_times_and_states_change_only_through_the_buttons(self):
        session = self.start(local(10))
        env = self.session_env()
        for vals in ({"state": "paid"}, {"amount": 1}, {"start": local(9)}, {"move_id": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                session.with_env(env).write(vals)
        with self.assertRaises(UserError):
            session.with_env(env).resource_id = self.table.copy({"name": "MWT Table 3"})
        with self.assertRaises(UserError):
            env["member.timed.session"].create({"resource_id": self.table.id, "state": "running"})
        with self.assertRaises(UserError):
            session.unlink()

    def test_cancel_is_for_managers(self):
        session = self.start(local(10))
        with self.assertRaises(AccessError):
            session.with_env(self.session_env())._cancel(at=local(10, 30))
        session.with_env(self.session_env(self.manager_a))._cancel(at=local(10, 30))
        self.assertEqual(session.state, "cancelled")
        self.assertEqual(session.stop, local(10, 30))
        self.assertEqual(self.table.timed_state, "free")

    def test_running_sessions_show_their_elapsed_time(self):
        now = datetime.datetime.now().replace(microsecond=0)
        session = self.start(now - datetime.timedelta(minutes=90))
        session.invalidate_recordset(["elapsed_hours", "estimated_amount"])
        self.assertAlmostEqual(session.elapsed_hours, 1.5, delta=0.05)
        self.assertGreater(session.estimated_amount, 0)
        running = (
            self.env["member.timed.session"]
            .with_env(self.session_env())
            .search([("state", "in", ("running", "paused"))])
        )
        self.assertIn(session, running)
        self.assertAlmostEqual(self.table.elapsed_hours, 1.5, delta=0.05)

    def test_back_office_buttons(self):
        env = self.session_env()
        action = self.table.with_env(env).action_start()
        session = env["member.timed.session"].browse(action["res_id"])
        self.assertEqual(session.state, "running")
        session.action_pause()
        session.action_resume()
        session.card_id = self.card
        session.action_stop()
        self.assertIn(session.state, ("stopped", "paid"))
        if session.state == "stopped":
            session.action_pay_other()
        self.assertEqual(session.state, "paid")

    # ------------------------------------------------------------------
    # Stores and rights
    # ------------------------------------------------------------------

    def test_store_rules_on_resources_and_sessions(self):
        session = self.start(local(10))
        env_b = self.session_env(self.cashier_b, self.store_b)
        self.assertFalse(env_b["member.timed.resource"].search([("id", "=", self.table.id)]))
        self.assertFalse(env_b["member.timed.session"].search([("id", "=", session.id)]))
        with self.assertRaises(AccessError):
            session.with_env(env_b)._stop(at=local(11))
        with self.assertRaises(AccessError):
            self.table.with_env(env_b)._start_session(at=local(10))
        # store B's cashier runs store B's tables
        session_b = self.start(
            local(10), resource=self.table_b, user=self.cashier_b, company=self.store_b
        )
        self.assertEqual(session_b.company_id, self.store_b)
        # head office sees both
        env_ho = self.session_env(self.head_office_user, self.head_office)
        self.assertEqual(
            env_ho["member.timed.session"].search([("id", "in", (session | session_b).ids)]),
            session | session_b,
        )

    def test_configuration_is_for_admins(self):
        env = self.session_env(self.manager_a)
        with self.assertRaises(AccessError):
            env["member.timed.tariff"].create({"name": "x", "rate": 1})
        with self.assertRaises(AccessError):
            env["member.timed.resource"].create({"name": "x", "tariff_id": self.tariff.id})
        auditor = self.session_env(self.auditor, self.store_a)
        self.assertTrue(auditor["member.timed.tariff"].search([("id", "=", self.tariff.id)]))
        with self.assertRaises(AccessError):
            self.table.with_env(auditor).action_start()

    def test_tariff_validation(self):
        Tariff = self.env["member.timed.tariff"]
        for name, vals in {
            "negative rate": {"rate": -1},
            "zero unit": {"billing_unit": 0},
            "cap below minimum": {"minimum_charge": 50, "cap": 40},
            "empty band": {
                "band_ids": [Command.create({"start_time": 8, "end_time": 8, "rate": 1})]
            },
            "overlapping bands": {
                "band_ids": [
                    Command.create({"start_time": 22, "end_time": 6, "rate": 1}),
                    Command.create({"start_time": 5, "end_time": 7, "rate": 2}),
                ]
            },
            "band past midnight": {
                "band_ids": [Command.create({"start_time": 24.5, "end_time": 6, "rate": 1})]
            },
        }.items():
            with (
                self.subTest(name),
                mute_logger("odoo.sql_db"),
                unittest.TestCase.assertRaises(self, (ValidationError, psycopg2.IntegrityError)),
                self.env.cr.savepoint(),
            ):
                Tariff.create({"name": "MWT Bad", "rate": 10, **vals})
                self.env.flush_all()
