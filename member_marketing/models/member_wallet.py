import contextvars
import datetime
from decimal import Decimal

from odoo import models

from odoo.addons.member_wallet.models.member_wallet import LOCKED_KEY

from .member_level_review import NO_LEVEL_KEY, Change, to_cents

# the paid-in value of the top-up being posted, from _post to _posting_done:
# the answer gives principal and bonus together, and a posting authorised
# apart is not visible in the caller's snapshot (never from a client: set by
# the server's own call only)
_TOPUP_PAID = contextvars.ContextVar("member_marketing_topup_paid", default=None)


REFERRAL_KINDS = {"topup": "first_topup", "consumption": "first_spend", "earn": "first_spend"}
# postings that tell the member by a service SMS: the posting's kind → member_base's
# toggle (``member_base.sms_<toggle>``, see res_partner.SERVICE_SMS_TEMPLATES)
SMS_KINDS = {
    "topup": "topup",
    "consumption": "consume",
    "withdrawal": "withdraw",
    "redemption": "points",
}


class MemberWallet(models.Model):
    """The immediate upgrade (即时升级): a top-up that reaches a single
    top-up rule, or that makes the member's paid-in top-ups of the period
    cross a total top-up rule, moves the member up at once, as the service,
    logged with the rule. Only top-ups are looked at (a debit pays nothing
    more), from cached rules, with at most one indexed aggregate query."""

    _inherit = "member.wallet"

    def _post(self, kind, deltas=None, **kwargs):
        if kind != "topup":
            return super()._post(kind, deltas, **kwargs)
        paid = sum(
            (
                Decimal(str(delta["amount"]))
                for delta in deltas or ()
                if delta["asset"] == "principal" and delta.get("kind", kind) == "topup"
            ),
            Decimal(0),
        )
        token = _TOPUP_PAID.set(paid)
        try:
            return super()._post(kind, deltas, **kwargs)
        finally:
            _TOPUP_PAID.reset(token)

    def _posting_done(self, move, answer, replay):
        super()._posting_done(move, answer, replay)
        paid = _TOPUP_PAID.get()
        if not replay and paid is not None and answer.get("kind") == "topup":
            rules = self.env["member.level.rule"]._immediate_rules()
            if rules:
                self._member_upgrade_after_topup(move, to_cents(paid), rules)
        self._member_referral_after_posting(answer)
        if not replay:
            self._member_sms_after_posting(move, answer)

    def _member_sms_after_posting(self, move, answer):
        """The service SMS of a top-up, a consumption, a withdrawal or a
        points redemption, when its toggle is on: queued after the posting
        (outside the wallet's locked section, never on a replay), in the
        caller's transaction: a posting rolled back sends nothing."""
        toggle = SMS_KINDS.get(answer.get("kind"))
        Partner = self.env["res.partner"]
        if not toggle or not move or not Partner._member_sms_service_on(toggle):
            return
        if move.sudo().exists():
            self._member_sms_queue_posting(toggle, move)
            return
        # committed apart after this transaction's snapshot (a debit authorised in
        # a transaction of its own while this one had read already): this
        # transaction cannot read it, so the SMS is queued from a cursor that can
        with self.env.registry.cursor() as cr:
            env = self.env(cr=cr)
            self.with_env(env)._member_sms_queue_posting(toggle, move.with_env(env))

    def _member_sms_queue_posting(self, toggle, move):
        self.env["res.partner"]._member_sms_service(
            toggle,
            move,
            partner_of=lambda m: m.wallet_id.partner_id,
            company_of=lambda m: m.company_id,
        )

    def _member_upgrade_after_topup(self, move, paid, rules):
        """``paid``: the top-up's paid-in value, in cents."""
        partner = self.sudo().partner_id
        if not partner or not partner.is_member or not partner.active:
            return
        Review = self.env["member.level.review"]
        keys = self.env["member.level"]._member_level_keys()
        current = keys.get(partner.member_level_id.id, NO_LEVEL_KEY)
        company_id = partner.member_register_company_id.id
        candidates = [
            rule
            for rule in rules
            if keys.get(rule[1], NO_LEVEL_KEY) > current
            and (rule[5] is None or company_id in rule[5])
        ]
        if not candidates:
            return
        best = None  # (key, rule, value)

        def consider(rule, value):
            nonlocal best
            key = keys.get(rule[1], NO_LEVEL_KEY)
            if value >= to_cents(rule[3]) and (best is None or key > best[0]):
                best = (key, rule, value)

        for rule in candidates:
            if rule[2] == "single_topup":
                consider(rule, paid)
        totals = [
            rule
            for rule in candidates
            if rule[2] == "topup" and (best is None or keys.get(rule[1]) > best[0])
        ]
        if totals:
            company = Review._review_company()
            tz = company._member_store_facts().tz
            today = company._member_local_today()
            slots = [("topup", Review._period_start(today, rule[4], tz)) for rule in totals]
            tomorrow = Review._period_start(today + datetime.timedelta(days=1), 0, tz)
            # this posting is counted from ``paid``: apart, it is not visible here
            self.env.cr.execute(
                Review._aggregate_sql(slots, tomorrow, [partner.id], exclude_move_id=move.id)
            )
            row = self.env.cr.fetchone()
            values = row[1] if row else [0] * len(slots)
            for rule, value in zip(totals, values, strict=True):
                consider(rule, value + paid)
        if best:
            _key, rule, value = best
            # logged in the store of the top-up
            change = Change(
                partner.id,
                self.env.company.id,
                partner.member_level_id.id,
                rule[1],
                "up",
                rule[0],
                value,
            )
            # a top-up authorised apart (its wallet not locked by this transaction) was
            # committed on its own: so is the gift, else it stays in this transaction
            apart = self.id not in self.env.cr.cache.get(LOCKED_KEY, ())
            Review._apply_changes([change], origin="immediate", apart=apart)

    # ------------------------------------------------------------------
    # A member's top-up or purchase may reward the member who referred them
    # (``member.referral.reward``). Replays are looked at too: a reward
    # whose posting was retried is then given (its own key makes it once).
    # ------------------------------------------------------------------
    def _member_referral_after_posting(self, answer):
        # the answer, not the posting: a posting authorised apart is not visible here yet
        event = REFERRAL_KINDS.get(answer.get("kind"))
        if not event or not self.env["member.referral.rule"]._active_rule_id():
            return
        partner = self.sudo().partner_id
        if partner and partner.member_referrer_id:
            self.env["member.referral.reward"]._member_referral_event(
                partner, event, company=self.env.company
            )
