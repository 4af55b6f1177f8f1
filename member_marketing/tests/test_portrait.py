"""The member portrait and the product suggestions, from the nightly
set-based run, in worked numbers: visits and spend over 30/90/365 days,
average ticket, last visit, favourite store and categories on one member's
year; re-purchase cycles and co-purchases within a level on a small
purchase matrix checked by hand (and by the plain-Python reference); the
segment filter "likely to buy"; who may read and who may not write."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from ..tools.suggestion import copurchase_scores, repurchase_due
from .common import NOON, LevelCase, new_key


class PortraitCase(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.hair = Category.create({"name": "MMT Hair"})
        cls.spa = Category.create({"name": "MMT Spa"})
        cls.nails = Category.create({"name": "MMT Nails"})
        cls.service = cls.env["product.product"].create(
            {"name": "MMT Wash", "type": "service", "list_price": 10}
        )

        def package(name, categ):
            return cls.env["product.product"].create(
                {
                    "name": name,
                    "type": "service",
                    "list_price": 100,
                    "categ_id": categ.id,
                    "member_package": True,
                    "member_package_uses": 5,
                    "member_package_validity": 12,
                    "member_package_validity_unit": "months",
                    "member_package_product_ids": [Command.set(cls.service.ids)],
                }
            )

        cls.p1 = package("MMT P1 Haircut x5", cls.hair)
        cls.p2 = package("MMT P2 Massage x5", cls.spa)
        cls.p3 = package("MMT P3 Manicure x5", cls.nails)
        cls.p4 = package("MMT P4 Colour x5", cls.hair)
        cls.Engine = cls.env["member.portrait.engine"]

    def day(self, days_ago):
        return datetime.datetime.combine(self.today - datetime.timedelta(days=days_ago), NOON)

    def sell_at(self, card, product, days_ago, user=None, store=None):
        """A package sold (paid by other means: no stored value spent) ``days_ago``."""
        env = self.env_as(user or self.cashier_a, store or self.store_a)
        wallet = self.wallet_of(card).with_env(env)
        move, _answer = env["member.package"]._sell(
            wallet, product, key=new_key("pkg"), paid_by="other"
        )
        return self.at(move, self.day(days_ago))

    def spend_at(self, card, amount, days_ago, user=None, store=None):
        answer = self.consume(card, amount, user=user, company=store)
        move = self.env["member.wallet.move"].browse(answer["move_id"])
        return self.at(move, self.day(days_ago))


@tagged("post_install", "-at_install")
class TestPortraitSuggestions(PortraitCase):
    def test_portrait_figures(self):
        card = self.member_card(level=self.level_silver)
        partner = card.partner_id
        self.topup(card, 2000)
        self.spend_at(card, 100, 5)
        self.spend_at(card, 50, 5)  # a second ticket the same day: one visit
        reversed_move = self.spend_at(card, 70, 10)
        reversed_move.with_env(self.env_as(self.manager_a))._reverse("wrong card", key=new_key())
        self.spend_at(card, 200, 40, user=self.cashier_b, store=self.store_b)
        self.spend_at(card, 300, 200)
        self.spend_at(card, 400, 400)  # out of the 365 days
        # categories: hair on two days, spa on one, nails on one (older, then by id)
        self.sell_at(card, self.p1, 20)
        self.sell_at(card, self.p4, 60)
        self.sell_at(card, self.p2, 30)
        self.sell_at(card, self.p3, 90)
        other = self.member_card()  # no purchase: no portrait
        self.Engine._refresh()
        self.assertRecordValues(
            partner.member_portrait_id,
            [
                {
                    "visits_30": 1,
                    "spend_30": 150.0,
                    "visits_90": 2,
                    "spend_90": 350.0,
                    "visits_365": 3,
                    "spend_365": 650.0,
                    "tickets_365": 4,
                    "average_ticket": 162.5,
                    "last_visit": self.today - datetime.timedelta(days=5),
                    "favourite_company_id": self.store_a.id,
                    "computed_date": self.today,
                }
            ],
        )
        self.assertEqual(
            partner.member_portrait_id.favourite_categ_ids, self.hair | self.spa | self.nails
        )
        self.assertFalse(other.partner_id.member_portrait_id)
        # what the cashier sees on the member form
        seen = partner.with_env(self.env_as(self.cashier_a))
        self.assertRecordValues(
            seen,
            [
                {
                    "member_visits_90": 2,
                    "member_spend_365": 650.0,
                    "member_average_ticket": 162.5,
                    "member_favourite_company_id": self.store_a.id,
                    "member_balance": 2000 - 100 - 50 - 200 - 300 - 400,
                    "member_package_count": 4,
                    "member_package_uses": 20,
                    "member_level_id": self.level_silver.id,
                }
            ],
        )
        # what the till's member panel shows of it, as the cashier
        facts = dict(seen._member_panel_facts(self.store_a))
        self.assertEqual(facts["Visits (30 / 90 / 365 days)"], "1 / 2 / 3")
        self.assertEqual(facts["Spend (365 days)"], "650.00")
        self.assertEqual(facts["Average Ticket"], "162.50")
        self.assertEqual(facts["Last Visit"], str(self.today - datetime.timedelta(days=5)))
        self.assertEqual(facts["Favourite Store"], self.store_a.name)
        self.assertEqual(
            set(facts["Favourite Categories"].split(", ")), {"MMT Hair", "MMT Spa", "MMT Nails"}
        )
        self.assertNotIn("Next Level", facts, "no level rule: no next level")
        self.assertEqual(other.partner_id._member_panel_facts(self.store_a), [], "no portrait")
        # a second run gives the same figures
        self.Engine._refresh()
        self.assertEqual(partner.member_portrait_id.spend_365, 650.0)

    def test_next_level_and_progress(self):
        """Silver, gold from 5,000 spent in 12 months: 1,250 spent is 25 %."""
        self.make_rule(self.level_gold, "spend", 5000, months=12)
        card = self.member_card(level=self.level_silver)
        with self.rules_paused():
            self.topup(card, 2000)
        self.spend_at(card, 1000, 100)
        self.spend_at(card, 250, 3)
        self.spend_at(card, 600, 400)  # before the rule's period
        self.Engine._refresh()
        partner = card.partner_id.with_env(self.env_as(self.cashier_a))
        self.assertEqual(partner.member_next_level_id, self.level_gold)
        self.assertIn("5,000.00 in 12 month(s)", partner.member_next_level_rule)
        self.assertRecordValues(
            partner.member_portrait_id,
            [
                {
                    "next_level_id": self.level_gold.id,
                    "next_level_value": 1250.0,
                    "next_level_threshold": 5000.0,
                    "level_progress": 25.0,
                }
            ],
        )
        self.assertEqual(partner.member_level_progress, 25.0)

    def test_member_form_by_role(self):
        """The member form with its portrait tab opens with each role's rights."""
        card = self.member_card(level=self.level_silver)
        self.topup(card, 100)
        self.spend_at(card, 10, 1)
        self.sell_at(card, self.p1, 3)
        self.sell_at(card, self.p1, 1)
        self.Engine._refresh()
        for user in (self.cashier_a, self.manager_b, self.head_office_user, self.auditor):
            with self.subTest(user=user.login):
                partner = card.partner_id.with_env(self.env_as(user))
                form = Form(partner, view="member_base.res_partner_view_form_member_desk")
                self.assertEqual(form.member_visits_30, 1)
                self.assertEqual(form.member_spend_30, 10.0)
                self.assertEqual(len(form.member_suggestion_ids), 1)

    def test_access(self):
        card = self.member_card()
        self.topup(card, 100)
        self.spend_at(card, 10, 1)
        self.sell_at(card, self.p1, 3)
        self.sell_at(card, self.p1, 1)
        self.Engine._refresh()
        portrait = card.partner_id.member_portrait_id
        suggestion = card.partner_id.member_suggestion_ids
        self.assertTrue(portrait and suggestion)
        for user in (self.cashier_a, self.cashier_b, self.head_office_user, self.auditor):
            env = self.env_as(user)
            with self.subTest(user=user.login):
                self.assertEqual(
                    env["member.portrait"].search([("id", "=", portrait.id)]), portrait
                )
                self.assertEqual(
                    len(env["member.suggestion"].search([("id", "in", suggestion.ids)])), 1
                )
                with self.assertRaises(AccessError):
                    portrait.with_env(env).write({"spend_365": 1})
                with self.assertRaises(AccessError):
                    env["member.suggestion"].create(
                        {
                            "partner_id": card.partner_id.id,
                            "product_id": self.p2.id,
                            "reason": "copurchase",
                        }
                    )
                with self.assertRaises(AccessError):
                    suggestion.with_env(env).unlink()

    """Silver: M1 bought P1 (60 and 30 days ago) and P2; M2 P1, P2, P3; M3 P1,
    P3; M4 P2. Gold: M5 and M6 P1, P4; M7 P1. Pairs of two members or more:
    silver (P1, P2) by M1 and M2, (P1, P3) by M2 and M3; gold (P1, P4) by
    M5 and M6. So: M1 gets P1 again (every 30 days, due today) then P3
    (score 2); M2 nothing; M3 P2 (2); M4 P1 (2); M7 P4 (2), not P2 or P3
    (bought together in silver, not in gold)."""

    def test_matrix(self):
        silver, gold = self.level_silver, self.level_gold
        m = {i: self.member_card(level=silver if i <= 4 else gold) for i in range(1, 8)}
        matrix = {
            1: [(self.p1, 60), (self.p1, 30), (self.p2, 45)],
            2: [(self.p1, 10), (self.p2, 10), (self.p3, 11)],
            3: [(self.p1, 5), (self.p3, 6)],
            4: [(self.p2, 7)],
            5: [(self.p1, 8), (self.p4, 9)],
            6: [(self.p1, 8), (self.p4, 8)],
            7: [(self.p1, 3)],
        }
        for i, sales in matrix.items():
            for product, days_ago in sales:
                self.sell_at(m[i], product, days_ago)
        self.Engine._refresh()

        def got(i):
            return [
                (s.product_id, s.reason, s.score, s.cycle_days, s.due_date)
                for s in m[i].partner_id.member_suggestion_ids.sorted("sequence")
            ]

        self.assertEqual(
            got(1),
            [(self.p1, "repurchase", 2.0, 30, self.today), (self.p3, "copurchase", 2.0, 0, False)],
        )
        self.assertEqual(got(2), [])
        self.assertEqual(got(3), [(self.p2, "copurchase", 2.0, 0, False)])
        self.assertEqual(got(4), [(self.p1, "copurchase", 2.0, 0, False)])
        self.assertEqual(got(5), [])
        self.assertEqual(got(6), [])
        self.assertEqual(got(7), [(self.p4, "copurchase", 2.0, 0, False)])

        # the plain-Python reference agrees
        baskets = {i: {p.id for p, _d in sales} for i, sales in matrix.items()}
        segments = {i: (silver if i <= 4 else gold).id for i in matrix}
        scores = copurchase_scores(baskets, segments)
        for i in matrix:
            expected = {pid: float(score) for pid, score in scores[i].items()}
            found = {
                s.product_id.id: s.score
                for s in m[i].partner_id.member_suggestion_ids
                if s.reason == "copurchase"
            }
            self.assertEqual(found, expected, f"member {i}")
        p1_days = [self.today - datetime.timedelta(days=d) for d in (60, 30)]
        self.assertEqual(repurchase_due(p1_days), (30, self.today))

        # a segment of the members likely to buy P3 or P4 (a campaign's filter)
        segment = self.env_as(self.head_office_user)["member.segment"].create(
            {
                "name": "MMT likely to buy P3/P4",
                "suggested_product_ids": [Command.set((self.p3 | self.p4).ids)],
            }
        )
        members = self.env["res.partner"].search(segment._partner_domain())
        self.assertEqual(members, m[1].partner_id | m[7].partner_id)
        self.assertEqual(segment.member_count, 2)
