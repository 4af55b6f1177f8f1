import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class MemberReminder(models.Model):
    """Greetings on the reminders' machinery: the holiday greeting's
    candidates (every member, on the solar date of each holiday of the rule,
    the occasion ``holiday:<id>:<date>`` so never twice), and the birthday
    gift posted with the birthday greeting, once per member and year (the
    wallet's idempotency key, and the coupon's unique year)."""

    _inherit = "member.reminder"

    greeting_name = fields.Char(
        compute="_compute_greeting_name", string="Holiday", help="The holiday greeted on."
    )

    def _compute_greeting_name(self):
        ids = {
            reminder.id: int(reminder.occasion.split(":")[1])
            for reminder in self
            if reminder.kind == "holiday" and (reminder.occasion or "").startswith("holiday:")
        }
        holidays = self.env["member.holiday"].sudo().with_context(active_test=False)
        names = {h.id: h.name for h in holidays.browse(set(ids.values())).exists()}
        for reminder in self:
            reminder.greeting_name = names.get(ids.get(reminder.id), False)

    @api.model
    def _generate(self, rule, today=None):
        created = super()._generate(rule, today=today)
        if rule.kind == "birthday" and rule.birthday_gift and created:
            created._give_birthday_gifts()
        if rule.send_email and rule.mail_template_id and created:
            created._queue_email(rule)
        return created

    def _queue_email(self, rule):
        """E-mail these reminders of ``rule`` through Odoo's mail queue, the
        template rendered in batches: to the members with an e-mail address;
        a marketing e-mail not to an address on Odoo's blacklist. Returns
        the reminders e-mailed."""
        reminders = self.sudo().filtered(lambda r: r.partner_id.email_normalized)
        if rule.message_type == "marketing" and reminders:
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT email FROM mail_blacklist WHERE active AND email = ANY(%s)",
                [reminders.partner_id.mapped("email_normalized")],
            )
            blocked = {row[0] for row in self.env.cr.fetchall()}
            reminders = reminders.filtered(lambda r: r.partner_id.email_normalized not in blocked)
        if reminders:
            rule.mail_template_id.sudo().send_mail_batch(reminders.ids)
        return reminders

    @api.model
    def _candidates_sql(self, rule, today):
        if rule.kind != "holiday":
            return super()._candidates_sql(rule, today)
        rows = [
            (holiday.id, day)
            for day in self._days(today, rule)
            for holiday in rule.holiday_ids
            if day in holiday._dates(day.year)
        ]
        return SQL(
            """
            SELECT p.id AS partner_id, 'holiday:' || h.id || ':' || h.d AS occasion,
                   h.d AS occasion_date, NULL::numeric AS amount
              FROM res_partner p
             CROSS JOIN unnest(%s::int[], %s::date[]) AS h(id, d)
             WHERE p.is_member
            """,
            [r[0] for r in rows],
            [r[1] for r in rows],
        )

    # ------------------------------------------------------------------
    # The birthday gift
    # ------------------------------------------------------------------

    def _give_birthday_gifts(self):
        """The birthday gift of each member's level for the year of their
        birthday reminder: the level's birthday points in one posting on the
        member's oldest active main card, through the wallet's one path as
        the service (key: member and year, so a second run, a second rule or
        a lunar birthday twice in a year posts nothing more), and its
        coupon, marked with the year."""
        self.env.flush_all()
        gifts = []
        for reminder in self.sudo():
            level = reminder.partner_id.member_level_id
            if level.birthday_bonus_points > 0 or level.birthday_gift_program_id:
                gifts.append((reminder, level, reminder.occasion_date.year))
        if not gifts:
            return
        keys = {self._birthday_gift_key(r.partner_id.id, year): r for r, _l, year in gifts}
        self.env.cr.execute(
            "SELECT idempotency_key FROM member_wallet_move WHERE idempotency_key = ANY(%s)",
            [list(keys)],
        )
        posted = {row[0] for row in self.env.cr.fetchall()}
        wallets = {}
        Wallet = self.env["member.wallet"].sudo()
        for wallet in Wallet.search(
            [
                ("partner_id", "in", [r.partner_id.id for r, _l, _y in gifts]),
                ("card_id.state", "=", "active"),
            ],
            order="id desc",
        ):
            wallets[wallet.partner_id.id] = wallet  # the oldest wins (last written)
        for reminder, level, year in gifts:
            partner = reminder.partner_id
            key = self._birthday_gift_key(partner.id, year)
            wallet = wallets.get(partner.id)
            if level.birthday_bonus_points > 0 and key not in posted and wallet:
                wallet._post(
                    "adjustment",
                    [{"asset": "points", "amount": level.birthday_bonus_points}],
                    key=key,
                    company=reminder.company_id or self.env.company,
                    note=self.env._(
                        "Birthday gift %(year)s of level %(level)s", year=year, level=level.name
                    ),
                    card_check=None,
                )
                posted.add(key)
            if level.birthday_gift_program_id:
                self._give_birthday_coupon(partner, level.birthday_gift_program_id, year)

    @api.model
    def _birthday_gift_key(self, partner_id, year):
        return f"member-birthday-gift-{partner_id}-{year}"

    @api.model
    def _give_birthday_coupon(self, partner, program, year):
        Card = self.env["loyalty.card"].sudo().with_context(active_test=False)
        if Card.search_count(
            [("partner_id", "=", partner.id), ("member_birthday_year", "=", year)], limit=1
        ):
            return
        reward = program.reward_ids[:1]
        Card.with_context(tracking_disable=True).create(
            {
                "program_id": program.id,
                "partner_id": partner.id,
                "points": reward.required_points or 1,
                "member_birthday_year": year,
            }
        )
