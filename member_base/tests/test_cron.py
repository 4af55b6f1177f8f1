import datetime
import json

import pytz

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MemberChainCase

ONE_DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install", "member_base")
class TestExpireCron(MemberChainCase):
    def local_today(self, tz):
        """Today in ``tz`` at the transaction's time, the time the cron's SQL
        uses (``now()``)."""
        return pytz.utc.localize(self.env.cr.now()).astimezone(pytz.timezone(tz)).date()

    def card_expiring(self, expiry_date, store, state="active"):
        return self.make_card(
            state=state,
            issue_company_id=store.id,
            issue_date=expiry_date - datetime.timedelta(days=400),
            expiry_date=expiry_date,
        )

    def test_cron_is_scheduled(self):
        cron = self.env.ref("member_base.ir_cron_expire_cards")
        self.assertTrue(cron.active)
        self.assertEqual(cron.model_id.model, "member.card")
        self.assertEqual(cron.code.strip(), "model._cron_expire_cards()")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))

    def test_expire_in_store_time_zone(self):
        shanghai_today = self.local_today("Asia/Shanghai")
        self.assertEqual(self.store_a.member_tz, "Asia/Shanghai")
        expired_yesterday = self.card_expiring(shanghai_today - ONE_DAY, self.store_a)
        expires_today = self.card_expiring(shanghai_today, self.store_a)
        lost_long_ago = self.card_expiring(shanghai_today - 30 * ONE_DAY, self.store_a, "lost")
        no_expiry = self.make_card(state="active")
        # A store whose date differs from Shanghai's right now (Pago Pago is
        # 19 hours behind, Kiritimati 6 hours ahead: one of them always does).
        for tz in ("Pacific/Pago_Pago", "Pacific/Kiritimati"):
            if self.local_today(tz) != shanghai_today:
                break
        self.store_b.member_tz = tz
        store_b_today = self.local_today(tz)
        b_yesterday = self.card_expiring(store_b_today - ONE_DAY, self.store_b)
        b_today = self.card_expiring(store_b_today, self.store_b)
        before = self.log_count()

        count = self.env["member.card"]._cron_expire_cards()

        self.env.invalidate_all()
        expired = expired_yesterday | b_yesterday
        kept = expires_today | b_today | no_expiry
        self.assertEqual(count, 2)
        self.assertEqual(set(expired.mapped("state")), {"expired"})
        self.assertEqual(set(kept.mapped("state")), {"active"})
        self.assertEqual(lost_long_ago.state, "lost", "only active cards expire")
        # the same date, two stores, two answers
        if store_b_today < shanghai_today:
            self.assertEqual(b_today.expiry_date, expired_yesterday.expiry_date)
        else:
            self.assertEqual(b_yesterday.expiry_date, expires_today.expiry_date)
        self.assertEqual(self.log_count(), before + 2)
        root = self.env.ref("base.user_root")
        for card in expired:
            line = self.log_lines(card_id=card.id)
            self.assertLogLine(
                line,
                "expire",
                root,
                card.issue_company_id,
                before={"state": "active"},
                after={"state": "expired"},
            )
            self.assertEqual(line.card_number, card.name)
            self.assertEqual(line.member_number, card.partner_id.member_number)
            self.assertEqual(json.loads(line.new_values), {"state": "expired"})
        for card in kept | lost_long_ago:
            self.assertEqual(self.log_count(card_id=card.id), 0)
        # an expired card is refused at the till; a second run changes nothing
        with self.assertRaisesRegex(UserError, "expired"):
            self.env["member.card"]._lookup(expired_yesterday.name, company=self.store_b)
        self.assertEqual(self.env["member.card"]._cron_expire_cards(), 0)
        self.assertEqual(self.log_count(), before + 2)
