"""Automatic tags in worked numbers: each kind of rule over the ledger, the
RFM scores (thresholds and quintiles), the pyramid by spend share,
inactivity, scope filters, idempotence and the history; segments; who may
edit the rules."""

import datetime
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import LevelCase, new_key


class TagCase(LevelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the database's own tag rules do not interfere
        cls.env["member.tag.rule"].search([]).write({"active": False})

    def make_tag_rule(self, kind, value_min=0, value_max=0, **vals):
        env = self.env_as(self.admin_user)
        return env["member.tag.rule"].create(
            {
                "name": f"MMT {kind} {value_min}-{value_max}",
                "kind": kind,
                "value_min": value_min,
                "value_max": value_max,
                "company_ids": [(6, 0, self.stores.ids)],
                **vals,
            }
        )

    def spender(self, *purchases, **member_vals):
        """A member who spent ``amount`` ``days`` ago for each ``(amount,
        days)`` of ``purchases`` (a top-up first, 400 days ago)."""
        card = self.member_card(**member_vals)
        total = sum(amount for amount, _days in purchases)
        self.topup_at(card, total or 1, self.months_ago(0, days=400))
        for amount, days in purchases:
            self.consume_at(card, amount, self.months_ago(0, days=days))
        return card.partner_id

    def recompute(self, *rules):
        return self.env["member.tag.engine"]._recompute(self.env["member.tag.rule"].union(*rules))

    def tagged_with(self, rule, partners):
        """Which of ``partners`` carry the rule's tag, read from the table."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT partner_id FROM res_partner_res_partner_category_rel"
            " WHERE category_id = %s AND partner_id = ANY(%s)",
            [rule.category_id.id, partners.ids],
        )
        return partners.browse(sorted(row[0] for row in self.env.cr.fetchall()))

    def tag_history(self, partner):
        return (
            self.env["member.tag.history"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="id")
            .mapped(lambda h: (h.category_id, h.action))
        )


@tagged("post_install", "-at_install")
class TestTagRules(TagCase):
    def test_spend_rule_window_and_history(self):
        """Spend of the last 12 months ≥ 500: 300 + 250 = 550 in; 450 (and
        600 of 13 months ago) out."""
        big = self.spender((300, 20), (250, 100))
        small = self.spender((450, 5), (600, 400))
        rule = self.make_tag_rule("spend", 500)
        members = big | small
        self.assertEqual(self.recompute(rule), {rule: (1, 0)})
        self.assertEqual(self.tagged_with(rule, members), big)
        self.assertIn(rule.category_id, big.category_id)
        self.assertTrue(rule.category_id.member_automatic)
        self.assertEqual(rule.category_id.name, rule.name, "the tag is created with the rule")
        self.assertEqual(self.tag_history(big), [(rule.category_id, "enter")])
        self.assertEqual(rule.member_count, 1)

        # twice: nothing changes, nothing more is written
        history = self.table_count("member_tag_history")
        self.assertEqual(self.recompute(rule), {rule: (0, 0)})
        self.assertEqual(self.table_count("member_tag_history"), history)

        # the lower bound rises above big's 550: they leave the tag
        rule.with_env(self.env_as(self.admin_user)).value_min = 551
        self.assertEqual(self.recompute(rule), {rule: (0, 1)})
        self.assertFalse(self.tagged_with(rule, members))
        self.assertEqual(
            self.tag_history(big), [(rule.category_id, "enter"), (rule.category_id, "leave")]
        )

    def test_spend_upper_bound_and_reversal(self):
        """Spend between 100 and 500: 500 in (bound included), 501 out; a
        reversed consumption counts for nothing."""
        at_bound = self.spender((500, 3))
        above = self.spender((501, 3))
        reversed_ = self.spender((200, 3))
        move = self.env["member.wallet.move"].search(
            [("partner_id", "=", reversed_.id), ("kind", "=", "consumption")]
        )
        move.with_env(self.env_as(self.manager_a))._reverse(reason="MMT test")
        rule = self.make_tag_rule("spend", 100, 500)
        self.recompute(rule)
        self.assertEqual(self.tagged_with(rule, at_bound | above | reversed_), at_bound)

    def test_frequency_recency_average_ticket(self):
        """Frequency counts local days with a purchase (two on one day: one);
        recency the days since the last one; the average ticket is the spend
        per such day."""
        regular = self.spender((100, 2), (100, 2), (100, 30), (100, 60))  # 3 days, 400
        once = self.spender((900, 45))  # 1 day, recency 45, ticket 900
        members = regular | once
        frequency = self.make_tag_rule("frequency", 3)
        recent = self.make_tag_rule("recency", 0, 30)
        lapsed = self.make_tag_rule("recency", 31, 90)
        ticket = self.make_tag_rule("average_ticket", 200)
        low_ticket = self.make_tag_rule("average_ticket", 133.33, 133.34)
        self.recompute(frequency, recent, lapsed, ticket, low_ticket)
        self.assertEqual(self.tagged_with(frequency, members), regular)
        self.assertEqual(self.tagged_with(recent, members), regular)
        self.assertEqual(self.tagged_with(lapsed, members), once)
        self.assertEqual(self.tagged_with(ticket, members), once)
        self.assertEqual(self.tagged_with(low_ticket, members), regular, "400 / 3 = 133.33")

    def test_rfm_thresholds(self):
        """Bands 30,90,180,365 days / 2,4,8,16 days / 500,1000,2000,5000:
        X bought on 3 days, last 10 days ago, 1,200 → R5 F2 M3; Y once,
        100 days ago, 600 → R3 F1 M2."""
        x = self.spender((400, 10), (400, 20), (400, 40))
        y = self.spender((600, 100))
        bands = {
            "rfm_method": "threshold",
            "rfm_recency_bands": "30,90,180,365",
            "rfm_frequency_bands": "2,4,8,16",
            "rfm_monetary_bands": "500,1000,2000,5000",
        }
        rule_x = self.make_tag_rule(
            "rfm", r_min=5, r_max=5, f_min=2, f_max=2, m_min=3, m_max=3, **bands
        )
        rule_y = self.make_tag_rule(
            "rfm", r_min=3, r_max=3, f_min=1, f_max=1, m_min=2, m_max=2, **bands
        )
        rule_m4 = self.make_tag_rule("rfm", m_min=4, **bands)
        self.recompute(rule_x, rule_y, rule_m4)
        self.assertEqual(self.tagged_with(rule_x, x | y), x)
        self.assertEqual(self.tagged_with(rule_y, x | y), y)
        self.assertFalse(self.tagged_with(rule_m4, x | y))

    def test_rfm_quintiles(self):
        """Five members spending 100…500, the biggest the most recent:
        quintile scores 1…5 for R and M; equal frequency shares one score."""
        members = self.env["res.partner"]
        for i in range(1, 6):
            members |= self.spender((i * 100, (6 - i) * 10))
        champions = self.make_tag_rule("rfm", r_min=4, m_min=4)
        bottom = self.make_tag_rule("rfm", r_max=1, m_max=1, f_min=1, f_max=1)
        top_f = self.make_tag_rule("rfm", f_min=2)
        self.recompute(champions, bottom, top_f)
        self.assertEqual(self.tagged_with(champions, members), members[3:])
        self.assertEqual(self.tagged_with(bottom, members), members[0])
        self.assertFalse(self.tagged_with(top_f, members), "ties: all score 1 on frequency")

    def test_pyramid_by_spend_share(self):
        """Spends 500, 300, 150, 50 (1,000): the share spent by the members
        before each is 0, 50, 80, 95 % → A [0, 50), B [50, 80), C [80, 95),
        D [95, 100]."""
        a = self.spender((500, 5))
        b = self.spender((300, 5))
        c = self.spender((150, 5))
        d = self.spender((50, 5))
        members = a | b | c | d
        classes = [
            self.make_tag_rule("pyramid", 0, 50),
            self.make_tag_rule("pyramid", 50, 80),
            self.make_tag_rule("pyramid", 80, 95),
            self.make_tag_rule("pyramid", 95, 100),
        ]
        self.recompute(*classes)
        self.assertEqual([self.tagged_with(rule, members) for rule in classes], [a, b, c, d])

    def test_pyramid_by_frequency_and_amount(self):
        """Seed 003's pyramid, frequent from 3 days with a purchase, big from
        a spend of 1,000 (both included), over the window: 3 × 400 (3 days,
        1,200) A; 300 + 300 + 400 (3 days, exactly 1,000) A; 4 × 100 (4
        days, 400) B; 1,500 once C; 2 × 500 (2 days, exactly 1,000) C; 2 ×
        100 D; 3 × 400 but 13 months ago: outside the window, no class. Run
        twice: nothing changes. The spend-share pyramid still ranks them."""
        a = self.spender((400, 5), (400, 6), (400, 7))
        a_edge = self.spender((300, 5), (300, 6), (400, 7))
        b = self.spender((100, 5), (100, 6), (100, 7), (100, 8))
        c = self.spender((1500, 5))
        c_edge = self.spender((500, 5), (500, 6))
        d = self.spender((100, 5), (100, 6))
        old = self.spender((400, 400), (400, 401), (400, 402))
        members = a | a_edge | b | c | c_edge | d | old
        classes = [
            self.make_tag_rule(
                "pyramid_fm",
                name=f"MMT pyramid {letter}",
                pyramid_class=letter,
                pyramid_min_days=3,
                pyramid_min_spend=1000,
            )
            for letter in "abcd"
        ]
        self.assertEqual(
            self.recompute(*classes),
            dict(zip(classes, [(2, 0), (1, 0), (2, 0), (1, 0)], strict=True)),
        )
        self.assertEqual(
            [self.tagged_with(rule, members) for rule in classes],
            [a | a_edge, b, c | c_edge, d],
        )
        self.assertEqual(self.recompute(*classes), dict.fromkeys(classes, (0, 0)))
        top_half = self.make_tag_rule("pyramid", 0, 50)
        self.recompute(top_half)
        # spends 1,500, 1,200, 1,000, 1,000, 400, 200 (5,300): the first two hold 51 %
        self.assertEqual(self.tagged_with(top_half, members), c | a)

    def test_last_run_summary(self):
        """The rule shows its last run: 2 members entered, then on the next
        run 1 left (its spend reversed) and none entered; a duration."""
        big = self.spender((600, 5))
        other = self.spender((700, 5))
        rule = self.make_tag_rule("spend", 500)
        self.assertFalse(rule.last_run)
        self.recompute(rule)
        self.assertRecordValues(rule, [{"last_added": 2, "last_removed": 0}])
        self.assertTrue(rule.last_run)
        self.assertGreaterEqual(rule.last_seconds, 0)
        move = self.env["member.wallet.move"].search(
            [("wallet_id.partner_id", "=", other.id), ("kind", "=", "consumption")]
        )
        move.with_env(self.env_as(self.manager_a))._reverse("wrong card")
        self.recompute(rule)
        self.assertRecordValues(rule, [{"last_added": 0, "last_removed": 1}])
        self.assertEqual(self.tagged_with(rule, big | other), big)

    def test_inactivity(self):
        """No posting for 90 days or more: the last posting 100 days ago, or
        never one and registered 200 days ago; not the one active 10 days
        ago, nor the one registered today without any posting."""
        old = self.spender((100, 100))
        active = self.spender((100, 10))
        never = self.make_member()
        new = self.make_member()
        self.env.cr.execute(
            "UPDATE res_partner SET member_register_date = %s WHERE id = %s",
            [self.today - datetime.timedelta(days=200), never.id],
        )
        self.env.invalidate_all()
        rule = self.make_tag_rule("inactivity", 90)
        self.recompute(rule)
        self.assertEqual(self.tagged_with(rule, old | active | never | new), old | never)

    def test_scope_level_gender(self):
        """The scope: members of the rule's levels, gender and stores only."""
        silver_woman = self.spender((600, 5), level=self.level_silver, member_gender="female")
        basic_woman = self.spender((600, 5), member_gender="female")
        silver_man = self.spender((600, 5), level=self.level_silver, member_gender="male")
        store_b = self.spender(
            (600, 5), level=self.level_silver, member_gender="female", store=self.store_b
        )
        members = silver_woman | basic_woman | silver_man | store_b
        rule = self.make_tag_rule(
            "spend",
            500,
            level_ids=[(6, 0, self.level_silver.ids)],
            gender="female",
            company_ids=[(6, 0, self.region.ids)],
        )
        self.recompute(rule)
        self.assertEqual(self.tagged_with(rule, members), silver_woman)

    def test_age_band(self):
        """Demographics only, age 30 to 39, on 28 February 2027 (a common
        year, noon in Shanghai): born 28 Feb 1997 (30 today) in, 1 Mar 1997
        (29 until tomorrow) out, 29 Feb 1996 (31: its birthday is today in a
        common year) in, 28 Feb 1988 (39) in, 28 Feb 1987 (40 today) out, 1
        Mar 1987 (39 until tomorrow) in, no birthday out. The day before,
        the one born 28 Feb 1997 is 29 (out); on 28 Feb 2028 (leap year) the
        one born 29 Feb 1996 is still 31, on 29 Feb 2028 32."""
        born = {
            day: self.make_member(birthday=day)
            for day in (
                datetime.date(1997, 2, 28),
                datetime.date(1997, 3, 1),
                datetime.date(1996, 2, 29),
                datetime.date(1988, 2, 28),
                datetime.date(1987, 2, 28),
                datetime.date(1987, 3, 1),
            )
        }
        nobody = self.make_member()
        members = nobody.union(*born.values())

        def born_on(*days):
            return members.browse([born[day].id for day in days])

        rule = self.make_tag_rule("demographic", age_min=30, age_max=39)
        with freeze_time("2027-02-28 04:00:00"):
            self.recompute(rule)
        self.assertEqual(
            self.tagged_with(rule, members),
            born_on(
                datetime.date(1997, 2, 28),
                datetime.date(1996, 2, 29),
                datetime.date(1988, 2, 28),
                datetime.date(1987, 3, 1),
            ),
        )
        with freeze_time("2027-02-27 04:00:00"):
            self.recompute(rule)
        self.assertEqual(
            self.tagged_with(rule, members),
            born_on(
                datetime.date(1996, 2, 29),
                datetime.date(1988, 2, 28),
                datetime.date(1987, 2, 28),
                datetime.date(1987, 3, 1),
            ),
        )
        thirty_one = self.make_tag_rule("demographic", age_min=31, age_max=31)
        with freeze_time("2028-02-28 04:00:00"):
            self.recompute(thirty_one)
        self.assertIn(born[datetime.date(1996, 2, 29)], self.tagged_with(thirty_one, members))
        with freeze_time("2028-02-29 04:00:00"):
            self.recompute(thirty_one)
        self.assertNotIn(born[datetime.date(1996, 2, 29)], self.tagged_with(thirty_one, members))
        self.assertEqual(self.tagged_with(thirty_one, members), born_on(datetime.date(1997, 2, 28)))

    def test_age_band_on_a_spend_rule(self):
        """The age band narrows a purchase rule too: spent 600, aged 25 and
        45; the band from 40 (no upper bound) keeps the elder."""
        day_before = self.today - datetime.timedelta(days=1)
        young = self.spender((600, 5), birthday=day_before - relativedelta(years=25))
        elder = self.spender((600, 5), birthday=day_before - relativedelta(years=45))
        rule = self.make_tag_rule("spend", 500, age_min=40)
        self.recompute(rule)
        self.assertEqual(self.tagged_with(rule, young | elder), elder)

    def package_product(self, name, categ, price):
        service = self.env["product.product"].create({"name": f"{name} service", "type": "service"})
        return self.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "categ_id": categ.id,
                "list_price": price,
                "member_package": True,
                "member_package_uses": 5,
                "member_package_validity": 3,
                "member_package_validity_unit": "months",
                "member_package_product_ids": [(6, 0, service.ids)],
            }
        )

    def sell(self, card, product, paid_by="other"):
        wallet = self.wallet_of(card).with_env(self.env_as(self.cashier_a))
        return wallet.env["member.package"]._sell(
            wallet, product, key=new_key("sell"), paid_by=paid_by
        )

    def test_category_preference(self):
        """Share of the packages bought in a product category (and its
        subcategories): 300 of 400 (75 %) in Care → preferred at 50 %, not at
        80 %; 100 of 400 (25 %) → not."""
        Category = self.env["product.category"]
        care = Category.create({"name": "MMT Care"})
        facial = Category.create({"name": "MMT Facial", "parent_id": care.id})
        other = Category.create({"name": "MMT Other"})
        facials = self.package_product("MMT Facial x5", facial, 300)
        others = self.package_product("MMT Other x5", other, 100)
        fan = self.member_card()
        self.sell(fan, facials)
        self.sell(fan, others)
        rare = self.member_card()
        self.sell(rare, self.package_product("MMT Facial x5 (small)", facial, 100))
        self.sell(rare, self.package_product("MMT Other x5 (big)", other, 300))
        members = fan.partner_id | rare.partner_id
        rule = self.make_tag_rule("category", 50, product_category_id=care.id)
        strong = self.make_tag_rule("category", 80, product_category_id=care.id)
        self.recompute(rule, strong)
        self.assertEqual(self.tagged_with(rule, members), fan.partner_id)
        self.assertFalse(self.tagged_with(strong, members))

    def test_manual_tags(self):
        """A manual tag is left alone by the recompute; an automatic tag
        given by hand to a member who does not meet its rule is taken away
        the next night."""
        member = self.spender((100, 5))
        manual = self.env["res.partner.category"].create({"name": "MMT VIP by hand"})
        rule = self.make_tag_rule("spend", 500)
        member.with_env(self.env_as(self.manager_a)).category_id = [
            (4, manual.id),
            (4, rule.category_id.id),
        ]
        self.assertFalse(manual.member_automatic)
        self.recompute(rule)
        self.assertEqual(member.category_id, manual)
        self.assertEqual(self.tag_history(member), [(rule.category_id, "leave")])

    def test_cron_runs_every_active_rule(self):
        member = self.spender((600, 5))
        rule = self.make_tag_rule("spend", 500)
        archived = self.make_tag_rule("spend", 100)
        archived.active = False
        progress = []

        def commit_progress(cron, processed=0, remaining=None, deactivate=False):
            progress.append((processed, remaining))
            return 60.0

        # committed after each rule in a cron run: stubbed here
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", commit_progress):
            self.env["member.tag.engine"]._cron_recompute()
        self.assertEqual(self.tagged_with(rule, member), member)
        self.assertFalse(self.tagged_with(archived, member), "an archived rule is frozen")
        active = self.env["member.tag.rule"].search_count([])
        self.assertEqual(progress, [(0, active)] + [(1, None)] * active)


@tagged("post_install", "-at_install")
class TestTagRuleAccess(TagCase):
    def test_admin_edits_staff_read(self):
        rule = self.make_tag_rule("spend", 500)
        self.assertEqual(rule.create_uid, self.admin_user)
        for user in (self.cashier_a, self.manager_a, self.head_office_user, self.auditor):
            env = self.env_as(user)
            self.assertEqual(env["member.tag.rule"].browse(rule.id).name, rule.name)
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                env["member.tag.rule"].browse(rule.id).value_min = 1
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                env["member.tag.rule"].create({"name": "MMT x", "kind": "spend"})
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                env["member.tag.rule"].browse(rule.id).action_recompute()

    def test_history_is_append_only(self):
        member = self.spender((600, 5))
        rule = self.make_tag_rule("spend", 500)
        self.recompute(rule)
        line = self.env["member.tag.history"].search([("partner_id", "=", member.id)])
        self.assertEqual(
            self.env_as(self.cashier_a)["member.tag.history"].browse(line.id).action, "enter"
        )
        with self.assertRaises(UserError):
            line.write({"action": "leave"})
        with self.assertRaises(UserError):
            line.unlink()

    def test_bad_settings_refused(self):
        snapshot = self.table_count("member_tag_rule")
        bad = [
            {"kind": "rfm", "rfm_method": "threshold", "rfm_recency_bands": "90,30,180,365"},
            {"kind": "rfm", "rfm_method": "threshold", "rfm_monetary_bands": "a,b"},
            {"kind": "rfm", "r_min": 0},
            {"kind": "rfm", "f_min": 4, "f_max": 3},
            {"kind": "spend", "value_min": 500, "value_max": 100},
            {"kind": "spend", "value_min": -1},
            {"kind": "pyramid", "value_max": 120},
            {"kind": "category"},
            {"kind": "spend", "window_months": 0},
            {"kind": "spend", "age_min": 40, "age_max": 30},
            {"kind": "spend", "age_min": -1},
            {"kind": "spend", "age_max": 151},
            {"kind": "demographic"},
            {"kind": "pyramid_fm"},
            {"kind": "pyramid_fm", "pyramid_class": "a", "pyramid_min_days": 0},
            {"kind": "pyramid_fm", "pyramid_class": "a", "pyramid_min_spend": 0},
        ]
        for vals in bad:
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.make_tag_rule(**{"value_min": 0, **vals})
        self.assertEqual(self.table_count("member_tag_rule"), snapshot)

    def test_one_rule_per_tag(self):
        rule = self.make_tag_rule("spend", 500)
        with self.assertRaises(ValidationError):
            self.make_tag_rule("spend", 100, category_id=rule.category_id.id)


@tagged("post_install", "-at_install")
class TestSegments(TagCase):
    def test_segment_domain(self):
        """Tags any/all, levels, stores and a free condition, with AND."""
        Tag = self.env["res.partner.category"]
        vip, lapsed = Tag.create({"name": "MMT VIP"}), Tag.create({"name": "MMT Lapsed"})
        both = self.make_member(level=self.level_silver, category_id=[(6, 0, (vip | lapsed).ids)])
        vip_only = self.make_member(category_id=[(6, 0, vip.ids)])
        in_b = self.make_member(
            category_id=[(6, 0, vip.ids)], member_register_company_id=self.store_b.id
        )
        none = self.make_member()
        members = both | vip_only | in_b | none
        env = self.env_as(self.head_office_user)
        Segment = env["member.segment"]
        any_ = Segment.create({"name": "MMT any", "tag_ids": [(6, 0, (vip | lapsed).ids)]})
        all_ = Segment.create(
            {"name": "MMT all", "tag_ids": [(6, 0, (vip | lapsed).ids)], "tag_match": "all"}
        )
        east = Segment.create(
            {
                "name": "MMT east",
                "tag_ids": [(6, 0, vip.ids)],
                "company_ids": [(6, 0, self.region.ids)],
            }
        )
        silver = Segment.create(
            {
                "name": "MMT silver",
                "level_ids": [(6, 0, self.level_silver.ids)],
                "domain": f"[('id', 'in', {members.ids})]",
            }
        )

        def found(segment):
            return self.env["res.partner"].search(
                [("id", "in", members.ids), *segment._partner_domain()]
            )

        self.assertEqual(found(any_), both | vip_only | in_b)
        self.assertEqual(found(all_), both)
        self.assertEqual(found(east), both | vip_only)
        self.assertEqual(found(silver), both)
        self.assertEqual(silver.member_count, 1)

    def test_bad_domain_and_access(self):
        env = self.env_as(self.head_office_user)
        with self.assertRaises(ValidationError):
            env["member.segment"].create({"name": "MMT bad", "domain": "[('nope', '=', 1)]"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.env_as(self.manager_a)["member.segment"].create({"name": "MMT x"})
