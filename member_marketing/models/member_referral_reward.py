import datetime
import logging

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from .member_referral_rule import REFERRAL_EVENTS

_logger = logging.getLogger(__name__)

KEY_PREFIX = "member-referral-"


class MemberReferralReward(models.Model):
    """The reward of one referral: the referred member (once, ever: a
    unique index, and the posting's idempotency key is the referred
    member), the referrer, the rule and event, and the posting on the
    referrer's card, or that the referrer's cap was reached. Written by the
    referral service only, never changed."""

    _name = "member.referral.reward"
    _inherit = ["member.append.only.mixin"]
    _description = "Referral Reward"
    _order = "id desc"
    _rec_name = "referred_id"

    referred_id = fields.Many2one(
        "res.partner", string="Referred Member", required=True, readonly=True, ondelete="cascade"
    )
    referrer_id = fields.Many2one(
        "res.partner",
        string="Referrer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    rule_id = fields.Many2one(
        "member.referral.rule", string="Rule", readonly=True, ondelete="restrict"
    )
    event = fields.Selection(REFERRAL_EVENTS, required=True, readonly=True)
    state = fields.Selection(
        [("rewarded", "Rewarded"), ("capped", "Cap Reached")], required=True, readonly=True
    )
    points = fields.Integer(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    bonus = fields.Monetary(string="Bonus Stored Value", readonly=True)
    move_id = fields.Many2one(
        "member.wallet.move", string="Posting", readonly=True, ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", string="Store", readonly=True, index=True)
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)

    _referred_unique = models.UniqueIndex(
        "(referred_id)", "A referred member rewards their referrer once."
    )

    @api.model
    def _member_referral_event(self, partner, event, company=None):
        """``partner`` registered, topped up or bought (``event``): reward
        their referrer if the active rule is for that event and nothing was
        given for ``partner`` yet. Through the wallet's one path, as the
        service, on the referrer's oldest active main card; the idempotency
        key is the referred member, so repeated or concurrent events post
        once. The cap is counted under the referrer's wallet lock."""
        rule_id = self.env["member.referral.rule"]._active_rule_id()
        if not rule_id:
            return None
        rule = self.env["member.referral.rule"].sudo().browse(rule_id)
        if rule.event != event:
            return None
        referred = partner.sudo()
        referrer = referred.member_referrer_id
        if not referred.is_member or not referrer or not referrer.is_member or not referrer.active:
            return None
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT 1 FROM member_referral_reward WHERE referred_id = %s", [referred.id]
        )
        if self.env.cr.fetchone():
            return None
        wallet = (
            self.env["member.wallet"]
            .sudo()
            .search(
                [("partner_id", "=", referrer.id), ("card_id.state", "=", "active")],
                order="id",
                limit=1,
            )
        )
        if not wallet:
            return None
        company = (company or referred.member_register_company_id or self.env.company).sudo()
        since = self._cap_period_start(rule, company)
        capped = []

        def prepare(locked, state):
            if rule.cap_count:
                locked.env.cr.execute(
                    """SELECT COUNT(*) FROM member_wallet_move
                        WHERE wallet_id = %s AND idempotency_key LIKE %s AND date >= %s""",
                    [locked.id, f"{KEY_PREFIX}%", since],
                )
                if locked.env.cr.fetchone()[0] >= rule.cap_count:
                    capped.append(True)
                    raise UserError(locked.env._("The referrer's reward cap is reached."))
            return []

        deltas = []
        if rule.reward_points > 0:
            deltas.append({"asset": "points", "amount": rule.reward_points})
        if rule.reward_bonus > 0:
            deltas.append(
                {"asset": "bonus", "amount": wallet._parse_amount(str(rule.reward_bonus))}
            )
        move = self.env["member.wallet.move"]
        try:
            with self.env.cr.savepoint():
                move, _answer = wallet.with_company(company)._post(
                    "adjustment",
                    deltas,
                    key=f"{KEY_PREFIX}{referred.id}",
                    company=company,
                    note=self.env._("Referral reward: %s", referred.display_name),
                    card_check=None,
                    prepare=prepare,
                )
        except UserError:
            if not capped:
                raise
        self.env.cr.execute(
            """INSERT INTO member_referral_reward
                   (referred_id, referrer_id, rule_id, event, state, points, currency_id, bonus,
                    move_id, company_id, date, create_uid, create_date, write_uid, write_date)
               VALUES (%(referred)s, %(referrer)s, %(rule)s, %(event)s, %(state)s, %(points)s,
                       %(currency)s, %(bonus)s, %(move)s, %(company)s, %(now)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s)
               ON CONFLICT (referred_id) DO NOTHING
               RETURNING id""",
            {
                "referred": referred.id,
                "referrer": referrer.id,
                "rule": rule.id,
                "event": event,
                "state": "capped" if capped else "rewarded",
                "points": 0 if capped else rule.reward_points,
                "currency": rule.currency_id.id,
                "bonus": 0 if capped else rule.reward_bonus,
                "move": move.id or None,
                "company": company.id,
                "now": fields.Datetime.now(),
                "uid": self.env.uid,
            },
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else None

    @api.model
    def _cap_period_start(self, rule, company):
        """The start of the cap's month or year, at local midnight, in UTC."""
        today = company._member_local_today()
        first = (
            today.replace(day=1) if rule.cap_period == "month" else today.replace(month=1, day=1)
        )
        tz = pytz.timezone(company._member_store_facts().tz)
        start = tz.localize(datetime.datetime.combine(first, datetime.time()))
        return start.astimezone(pytz.utc).replace(tzinfo=None)
