import datetime
import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.member_base.tools import lunar

from .member_reminder_rule import REMINDER_KINDS

_logger = logging.getLogger(__name__)

SMS_STATES = [
    ("none", "Not Sent"),
    ("queued", "Queued"),
    ("no_consent", "No Consent"),
    ("no_mobile", "No Mobile"),
]


class MemberReminder(models.Model):
    """One reminder for one member and one occasion (a birthday's date, a
    card's expiry, a balance that fell low after a posting…), made by the
    daily cron on each store's local date and never twice: the member, the
    kind and the occasion are unique (an index, and the cron's inserts skip
    what exists). Staff of the member's store work the list: they send the
    SMS, or mark the reminder done."""

    _name = "member.reminder"
    _description = "Member Reminder"
    _order = "occasion_date, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Member",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    rule_id = fields.Many2one(
        "member.reminder.rule", string="Rule", required=True, readonly=True, ondelete="cascade"
    )
    kind = fields.Selection(REMINDER_KINDS, required=True, readonly=True)
    occasion = fields.Char(required=True, readonly=True, help="What the reminder is about.")
    occasion_date = fields.Date(string="Date", readonly=True, index=True)
    amount = fields.Float(
        digits=(16, 2), readonly=True, help="Balance, points expiring or years of membership."
    )
    company_id = fields.Many2one("res.company", string="Store", readonly=True, index=True)
    member_mobile = fields.Char(related="partner_id.member_mobile")
    state = fields.Selection(
        [("open", "To Do"), ("done", "Done")], default="open", required=True, index=True
    )
    sms_state = fields.Selection(SMS_STATES, string="SMS", default="none", readonly=True)
    sms_uuid = fields.Char(string="SMS Reference", readonly=True, copy=False)
    done_user_id = fields.Many2one("res.users", string="Done By", readonly=True)
    done_date = fields.Datetime(readonly=True)
    note = fields.Text()

    _occasion_unique = models.UniqueIndex(
        "(partner_id, kind, occasion)", "This member was already reminded of this occasion."
    )

    def write(self, vals):
        if not self.env.su and set(vals) - {"state", "note"}:
            raise UserError(self.env._("Reminders are made by the daily run only."))
        if vals.get("state") == "done":
            vals = {**vals, "done_user_id": self.env.uid, "done_date": fields.Datetime.now()}
        return super().write(vals)

    def action_done(self):
        self.filtered(lambda r: r.state == "open").write({"state": "done"})
        return True

    def action_record_visit(self):
        """Record the follow-up visit (回访) of this reminder."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow-up of %s", self.partner_id.display_name),
            "res_model": "member.visit",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_reminder_id": self.id,
                "default_company_id": self.company_id.id or self.env.company.id,
            },
        }

    def action_send_sms(self):
        """Send (again) the SMS of these reminders, as their rule says: store
        managers, on the reminders of their stores (the record rules)."""
        if not self.env.su and not self.env.user.has_group("member_base.group_member_manager"):
            raise AccessError(self.env._("Only a store manager may send the SMS of reminders."))
        self.check_access("write")
        for rule, reminders in self.grouped("rule_id").items():
            if not rule.sms_template_id:
                raise UserError(self.env._("The reminder rule %s has no SMS template.", rule.name))
            reminders.sudo()._queue_sms(rule)
        return True

    # ------------------------------------------------------------------
    # The daily run
    # ------------------------------------------------------------------

    @api.model
    def _cron_generate(self):
        """The daily run (ir.cron): every active rule, on each store's local
        date, its new reminders inserted (those that exist are skipped) and
        their SMS queued; each rule committed with the cron's progress."""
        rules = self.env["member.reminder.rule"].search([])
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(rules))
        for rule in rules:
            created = self._generate(rule)
            _logger.info("Reminder rule %s: %s new reminder(s)", rule.name, len(created))
            if not cron._commit_progress(1):
                break

    @api.model
    def _generate(self, rule, today=None):
        """New reminders of ``rule`` for today (each store's local date, or
        ``today`` for every store: a catch-up run), and their SMS queued."""
        created = self.browse()
        for local_today, company_ids, with_none in self._store_days():
            created |= self._insert(rule, today or local_today, company_ids, with_none)
        if rule.send_sms and created:
            created._queue_sms(rule)
        if rule.kind == "birthday" and rule.birthday_gift and created:
            created._give_birthday_gifts()
        if rule.send_email and rule.mail_template_id and created:
            created._queue_email(rule)
        return created

    @api.model
    def _store_days(self):
        """``(local today, company ids, members without a store too)`` per
        time zone of the chain's companies (usually one)."""
        companies = self.env["res.company"].sudo().search([])
        by_tz = defaultdict(list)
        for company in companies:
            by_tz[company._member_store_facts().tz].append(company)
        head_tz = self.env.company.sudo().root_id._member_store_facts().tz
        return [
            (group[0]._member_local_today(), [c.id for c in group], tz == head_tz)
            for tz, group in by_tz.items()
        ]

    @api.model
    def _insert(self, rule, today, company_ids, with_none):
        self.env.flush_all()
        store = (
            SQL(
                "(p.member_register_company_id = ANY(%s) OR p.member_register_company_id IS NULL)",
                company_ids,
            )
            if with_none
            else SQL("p.member_register_company_id = ANY(%s)", company_ids)
        )
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO member_reminder
                       (partner_id, rule_id, kind, occasion, occasion_date, amount, company_id,
                        state, sms_state, create_uid, create_date, write_uid, write_date)
                SELECT c.partner_id, %(rule)s, %(kind)s, c.occasion, c.occasion_date, c.amount,
                       p.member_register_company_id, 'open', 'none',
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (%(candidates)s) c
                  JOIN res_partner p ON p.id = c.partner_id
                 WHERE p.is_member AND p.active AND p.member_merged_into_id IS NULL AND %(store)s
                ON CONFLICT (partner_id, kind, occasion) DO NOTHING
                RETURNING id
                """,
                rule=rule.id,
                kind=rule.kind,
                uid=self.env.uid,
                now=now,
                candidates=self._candidates_sql(rule, today),
                store=store,
            )
        )
        return self.browse(sorted(row[0] for row in self.env.cr.fetchall()))

    @api.model
    def _days(self, today, rule):
        return [today + datetime.timedelta(days=n) for n in range(rule.days_before + 1)]

    @api.model
    def _solar_days_sql(self, days):
        """``(d, m, dd)``: the solar month and day celebrated on each of
        ``days``; 29 February on 28 February in common years."""
        rows = [(day, day.month, day.day) for day in days]
        for day in days:
            if day.month == 2 and day.day == 28 and not _is_leap(day.year):
                rows.append((day, 2, 29))
        return SQL(
            "SELECT * FROM unnest(%s::date[], %s::int[], %s::int[]) AS s(d, m, dd)",
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
        )

    @api.model
    def _candidates_sql(self, rule, today):
        """Rows ``(partner_id, occasion, occasion_date, amount)`` of ``rule``
        on ``today``."""
        kind = rule.kind
        if kind == "holiday":
            return self._holiday_candidates_sql(rule, today)
        if kind == "plan_expiry":
            return self._plan_expiry_candidates_sql(rule, today)
        if kind == "birthday":
            days = self._days(today, rule)
            lunar_rows = [
                (day, month, lday, leap)
                for day in days
                for month, lday, leap in sorted(lunar.lunar_combos_in_range(day, day))
            ]
            return SQL(
                """
                SELECT p.id AS partner_id, s.d::text AS occasion, s.d AS occasion_date,
                       NULL::numeric AS amount
                  FROM res_partner p JOIN (%(solar)s) s
                    ON p.birthday_calendar = 'solar' AND p.birthday IS NOT NULL
                   AND EXTRACT(MONTH FROM p.birthday) = s.m AND EXTRACT(DAY FROM p.birthday) = s.dd
                UNION ALL
                SELECT p.id, l.d::text, l.d, NULL
                  FROM res_partner p
                  JOIN unnest(%(ld)s::date[], %(lm)s::int[], %(lday)s::int[], %(lleap)s::bool[])
                       AS l(d, m, dd, leap)
                    ON p.birthday_calendar = 'lunar' AND p.birthday_lunar_month = l.m
                   AND p.birthday_lunar_day = l.dd
                   AND COALESCE(p.birthday_lunar_leap, FALSE) = l.leap
                """,
                solar=self._solar_days_sql(days),
                ld=[r[0] for r in lunar_rows],
                lm=[r[1] for r in lunar_rows],
                lday=[r[2] for r in lunar_rows],
                lleap=[r[3] for r in lunar_rows],
            )
        if kind == "anniversary":
            return SQL(
                """
                SELECT p.id AS partner_id, s.d::text AS occasion, s.d AS occasion_date,
                       (EXTRACT(YEAR FROM s.d) - EXTRACT(YEAR FROM p.member_register_date))
                           AS amount
                  FROM res_partner p JOIN (%(solar)s) s
                    ON p.member_register_date IS NOT NULL
                   AND EXTRACT(MONTH FROM p.member_register_date) = s.m
                   AND EXTRACT(DAY FROM p.member_register_date) = s.dd
                   AND EXTRACT(YEAR FROM p.member_register_date) < EXTRACT(YEAR FROM s.d)
                """,
                solar=self._solar_days_sql(self._days(today, rule)),
            )
        if kind == "low_balance":
            # once per posting that left the balance low: a top-up and a new
            # fall below the threshold remind again
            return SQL(
                """
                SELECT w.partner_id, 'wallet:' || w.id || ':' || w.last_move_id AS occasion,
                       %(today)s::date AS occasion_date, w.balance AS amount
                  FROM member_wallet w
                  JOIN member_card c ON c.id = w.card_id AND c.state = 'active'
                 WHERE w.balance < %(threshold)s AND w.last_move_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM member_wallet_move m
                                WHERE m.wallet_id = w.id AND m.kind = 'topup')
                """,
                today=today,
                threshold=rule.threshold,
            )
        if kind == "inactivity":
            tz = self.env.company.sudo().root_id._member_store_facts().tz
            days = int(rule.threshold)
            return SQL(
                """
                SELECT a.partner_id, 'since:' || a.last_day AS occasion,
                       a.last_day + %(days)s AS occasion_date, %(days)s::numeric AS amount
                  FROM (SELECT p.id AS partner_id,
                               COALESCE(MAX((mv.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date),
                                        p.member_register_date) AS last_day
                          FROM res_partner p
                          LEFT JOIN member_wallet w ON w.partner_id = p.id
                          LEFT JOIN member_wallet_move mv ON mv.id = w.last_move_id
                         WHERE p.is_member
                         GROUP BY p.id) a
                 WHERE a.last_day <= %(today)s::date - %(days)s
                """,
                days=days,
                tz=tz,
                today=today,
            )
        last = today + datetime.timedelta(days=rule.days_before)
        if kind == "card_expiry":
            return SQL(
                """
                SELECT c.partner_id, 'card:' || c.id || ':' || c.expiry_date AS occasion,
                       c.expiry_date AS occasion_date, NULL::numeric AS amount
                  FROM member_card c
                 WHERE c.state = 'active' AND c.partner_id IS NOT NULL
                   AND c.expiry_date BETWEEN %s AND %s
                """,
                today,
                last,
            )
        if kind == "package_expiry":
            return SQL(
                """
                SELECT pk.partner_id, 'package:' || pk.id || ':' || pk.expiry_date AS occasion,
                       pk.expiry_date AS occasion_date, pk.uses_remaining::numeric AS amount
                  FROM member_package pk
                 WHERE pk.state = 'active' AND pk.uses_remaining > 0
                   AND pk.expiry_date BETWEEN %s AND %s
                """,
                today,
                last,
            )
        if kind == "points_expiry":
            return SQL(
                """
                SELECT w.partner_id, 'points:' || lot.date_expiry AS occasion,
                       lot.date_expiry AS occasion_date, SUM(lot.points_remaining) AS amount
                  FROM member_points_lot lot
                  JOIN member_wallet w ON w.id = lot.wallet_id
                 WHERE lot.points_remaining > 0 AND lot.date_expiry BETWEEN %s AND %s
                 GROUP BY w.partner_id, lot.date_expiry
                """,
                today,
                last,
            )
        raise NotImplementedError(kind)

    # ------------------------------------------------------------------
    # SMS
    # ------------------------------------------------------------------

    def _queue_sms(self, rule):
        """Queue the SMS of these reminders of ``rule``: the template
        rendered for all of them at once, consent checked per member."""
        if not self:
            return
        bodies = rule.sms_template_id._render_field("body", self.ids, compute_lang=True)
        results = self.env["res.partner"]._member_sms_queue(
            [(reminder.partner_id.id, bodies[reminder.id]) for reminder in self],
            marketing=rule.message_type == "marketing",
            purpose=f"reminder_{rule.kind}",
            values=[{"name": reminder.partner_id.name or ""} for reminder in self],
        )
        rows = [
            (reminder.id, "queued", result.uuid)
            if isinstance(result, models.BaseModel)
            else (reminder.id, result, None)
            for reminder, result in zip(self, results, strict=True)
        ]
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE member_reminder r SET sms_state = v.state, sms_uuid = v.uuid
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[]) AS v(id, state, uuid)
             WHERE r.id = v.id
            """,
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
        self.invalidate_recordset(["sms_state", "sms_uuid"])

    # ------------------------------------------------------------------
    # Greetings on the reminders' machinery: the holiday greeting's
    # candidates (every member, on the solar date of each holiday of the
    # rule, the occasion ``holiday:<id>:<date>`` so never twice), and the
    # birthday gift posted with the birthday greeting, once per member and
    # year (the wallet's idempotency key, and the coupon's unique year).
    # ------------------------------------------------------------------
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
    def _holiday_candidates_sql(self, rule, today):
        """The holiday greeting's rows: every member, on each holiday of the
        rule that falls on one of the days it looks at."""
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

    # ------------------------------------------------------------------
    # Paid membership expiry: one reminder per member and last day of their
    # paid membership (an early renewal moves the day, and reminds again
    # before the new one).
    # ------------------------------------------------------------------
    @api.model
    def _plan_expiry_candidates_sql(self, rule, today):
        """The paid memberships' last days within the rule's days ahead."""
        last = today + datetime.timedelta(days=rule.days_before)
        return SQL(
            """
            SELECT p.id AS partner_id, 'plan:' || p.member_plan_valid_until AS occasion,
                   p.member_plan_valid_until AS occasion_date, NULL::numeric AS amount
              FROM res_partner p
             WHERE p.member_plan_level_id IS NOT NULL
               AND p.member_plan_valid_until BETWEEN %s AND %s
            """,
            today,
            last,
        )


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
