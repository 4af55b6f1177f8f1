from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .member_level_review import NO_LEVEL_KEY

MANAGER = "member_base.group_member_manager"
# set, with the superuser, by this addon's services that write the history
# of a level change themselves (never a capability on its own)
LEVEL_SERVICE_KEY = "member_level_service"
# replies to an SMS that withdraw the consent to marketing SMS
OPTOUT_WORDS = {"T", "TD", "N", "STOP", "UNSUBSCRIBE", "退订", "退"}
# the service SMS (服务短信) of an operation: member_base's toggle
# ``member_base.sms_<operation>`` switches it on, this template says it
SERVICE_SMS_TEMPLATES = {
    "topup": "member_marketing.sms_template_service_topup",
    "consume": "member_marketing.sms_template_service_consume",
    "withdraw": "member_marketing.sms_template_service_withdraw",
    "points": "member_marketing.sms_template_service_points",
    "upgrade": "member_marketing.sms_template_service_upgrade",
    "report_lost": "member_marketing.sms_template_service_report_lost",
    "replace": "member_marketing.sms_template_service_replace",
    "issue": "member_marketing.sms_template_service_issue",
    "freeze": "member_marketing.sms_template_service_freeze",
    "unfreeze": "member_marketing.sms_template_service_unfreeze",
    "extend": "member_marketing.sms_template_service_extend",
    "close": "member_marketing.sms_template_service_close",
}
# operations whose SMS another operation's toggle switches on
SERVICE_SMS_TOGGLES = {"unfreeze": "freeze"}

# The named values of each service SMS (``sms.sms.member_sms_values``, the
# parameters a provider's approved template may take), rendered on the
# template's record like its text; one name per ``SMS_PURPOSE_VALUES`` entry.
_POSTING = {
    "name": "{{ object.wallet_id.partner_id.name }}",
    "store": "{{ object.company_id.name }}",
    "amount": "{{ object.member_sms_amount }}",
    "balance": "{{ object.member_sms_balance }}",
}
_CARD = {
    "name": "{{ object.partner_id.name }}",
    "store": "{{ object.company_id.name }}",
    "card": "{{ object.card_number }}",
}
SERVICE_SMS_VALUES = {
    "topup": _POSTING,
    "consume": _POSTING,
    "withdraw": _POSTING,
    "points": {
        "name": "{{ object.wallet_id.partner_id.name }}",
        "store": "{{ object.company_id.name }}",
        "points": "{{ object.member_sms_points }}",
        "points_balance": "{{ object.member_sms_points_balance }}",
    },
    "upgrade": {
        "name": "{{ object.partner_id.name }}",
        "store": "{{ object.company_id.name }}",
        "level": "{{ object.level_to_id.name }}",
    },
    "report_lost": _CARD,
    "replace": {**_CARD, "new_card": "{{ object.card_id.replaced_by_id.name }}"},
    "issue": _CARD,
    "freeze": _CARD,
    "unfreeze": _CARD,
    "extend": {**_CARD, "expiry": "{{ object.card_id.expiry_date or '' }}"},
    "close": _CARD,
}


PLAN_FIELDS = frozenset(
    {"member_plan_level_id", "member_earned_level_id", "member_plan_valid_until"}
)


class ResPartner(models.Model):
    """The member's level history and the date they reached their level
    (the keep-level check waits a whole review period from it). Every
    change of level leaves a history line: the level services write theirs
    with the rule or the reason; any other change (by hand on the form, a
    card type's level, a merge) gets one here."""

    _inherit = "res.partner"

    member_level_date = fields.Date(
        string="Level Since", readonly=True, copy=False, help="When the member reached their level."
    )
    member_level_history_ids = fields.One2many(
        "member.level.history", "partner_id", string="Level History", readonly=True
    )
    member_terms_date = fields.Datetime(
        string="Terms Accepted On",
        readonly=True,
        copy=False,
        help="When the member accepted the membership terms (self-registration on the portal).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su:
                vals.pop("member_level_date", None)
            if vals.get("member_level_id"):
                vals["member_level_date"] = fields.Date.context_today(self)
        partners = super().create(vals_list)
        # a member registered with a referrer may reward them at once
        partners._member_referral_registered()
        return partners

    def write(self, vals):
        if PLAN_FIELDS & set(vals) and not self.env.su:
            raise AccessError(self.env._("The paid membership is set by the plan services only."))
        # a contact who becomes a member may reward their referrer (a referrer
        # set on an existing member later rewards nothing for registering)
        newly = self.filtered(lambda p: not p.is_member) if vals.get("is_member") else self.browse()
        if "sms_consent" in vals:
            res = self._member_write_consent_logged(vals, self._member_write_levels)
        else:
            res = self._member_write_levels(vals)
        if newly:
            newly._member_referral_registered()
        return res

    def _member_write_levels(self, vals):
        if "member_level_date" in vals and not self.env.su:
            raise AccessError(self.env._("The level date is set by the level services only."))
        if "member_level_id" not in vals or self._member_level_service():
            return super().write(vals)
        before = {partner.id: partner.member_level_id for partner in self}
        res = super().write(vals)
        changed = self.filtered(lambda p: p.is_member and before[p.id] != p.member_level_id)
        if changed:
            today = fields.Date.context_today(self)
            changed.sudo().with_context(**{LEVEL_SERVICE_KEY: True}).write(
                {"member_level_date": today}
            )
            origin = "system" if self.env.su else "manual"
            self.env["member.level.history"]._as_service().create(
                [
                    partner._member_level_history_vals(before[partner.id], origin)
                    for partner in changed
                ]
            )
        return res

    def action_member_change_level(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Level of %s", self.display_name),
            "res_model": "member.level.change",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def _member_level_service(self):
        return bool(self.env.su and self.env.context.get(LEVEL_SERVICE_KEY))

    def _member_write_level(self, level_id, day):
        """Set the level of these members as the service (no check here: the
        caller checked), without the chatter (the history says it). A plan
        holder's earned level moves; they keep the plan's level while it is
        the higher one."""
        holders = self.filtered(lambda p: p.sudo().member_plan_level_id)
        (self - holders)._member_set_level(level_id, day)
        if not holders:
            return
        keys = self.env["member.level"]._member_level_keys()
        holders.sudo().write({"member_earned_level_id": level_id or False})
        for partner in holders.sudo():
            plan_level = partner.member_plan_level_id.id
            target = max(
                [level_id, plan_level],
                key=lambda lvl: keys.get(lvl, NO_LEVEL_KEY) if lvl else NO_LEVEL_KEY,
            )
            if target != partner.member_level_id.id:
                partner._member_set_level(target, day)

    def _member_set_level(self, level_id, day):
        if self:
            self.sudo().with_context(**{LEVEL_SERVICE_KEY: True, "tracking_disable": True}).write(
                {"member_level_id": level_id, "member_level_date": day}
            )

    def _member_level_history_vals(self, before, origin, rule=None, reason=None):
        self.ensure_one()
        keys = self.env["member.level"]._member_level_keys()
        after = self.member_level_id
        up = keys.get(after.id, NO_LEVEL_KEY) > keys.get(before.id, NO_LEVEL_KEY)
        return {
            "partner_id": self.id,
            "level_from_id": before.id or False,
            "level_to_id": after.id or False,
            "direction": "up" if up else "down",
            "origin": origin,
            "rule_id": rule.id if rule else False,
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "reason": reason or False,
        }

    def _member_change_level(self, level, reason):
        """Change this member's level by hand (store managers), with a
        reason: member_base's level check, then the service's write, one
        operation-log line with the reason and a history line."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only a store manager may change a member's level."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please give a reason for the change of level."))
        if not self.is_member or not self.active:
            raise UserError(self.env._("%s is not an active member.", self.display_name))
        if not level:
            raise UserError(self.env._("Choose the new level."))
        if level == self.member_level_id:
            raise UserError(
                self.env._(
                    "%(member)s is already at level %(level)s.",
                    member=self.display_name,
                    level=level.name,
                )
            )
        self.check_access("write")
        self._check_level_right(level.id, had_level=True)
        before = self.member_level_id
        self._member_write_level(level.id, fields.Date.context_today(self))
        self.env["member.operation.log"]._record(
            "level",
            partner=self,
            before={"level": before.name or ""},
            after={"level": level.name},
            reason=reason,
        )
        self.env["member.level.history"]._as_service().create(
            self._member_level_history_vals(before, "manual", reason=reason)
        )
        return True

    # ------------------------------------------------------------------
    # SMS with consent
    # ------------------------------------------------------------------

    def _member_write_consent_logged(self, vals, write):
        """A change of the marketing SMS consent is logged (member_base
        dates it)."""
        changed = (
            self.filtered(lambda p: p.is_member and p.sms_consent != bool(vals["sms_consent"]))
            if "sms_consent" in vals
            else self.browse()
        )
        res = write(vals)
        for partner in changed:
            self.env["member.operation.log"]._record(
                "sms_consent" if partner.sms_consent else "sms_optout",
                partner=partner,
                before={"sms_consent": not partner.sms_consent},
                after={"sms_consent": partner.sms_consent},
                reason=self.env.context.get("member_sms_optout_reason"),
            )
        return res

    def action_member_sms_optout(self):
        """The member asked for no more marketing SMS (at the counter)."""
        self.filtered("sms_consent").write({"sms_consent": False})
        return True

    @api.model
    def _member_sms_inbound(self, number, text):
        """A member's reply to an SMS (the gateway's callback): an opt-out
        word (T, TD, N, 退订, STOP) withdraws the consent of the active
        members with that mobile; returns them."""
        word = (text or "").strip().upper()
        if word not in OPTOUT_WORDS:
            return self.browse()
        number = self._normalize_member_mobile(number)
        members = self.sudo().search(
            [("member_mobile", "=", number), ("is_member", "=", True), ("sms_consent", "=", True)]
        )
        members.with_context(
            member_sms_optout_reason=self.env._("Replied “%s” to an SMS", text.strip())
        ).write({"sms_consent": False})
        return members

    @api.model
    def _member_sms_optout_text(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_marketing.sms_optout_text", self.env._("回T退订"))
        )

    @api.model
    def _member_sms_queue(self, items, marketing, company=None, purpose=None, values=None):
        """Queue one SMS per ``(partner_id, text)`` of ``items`` in Odoo's SMS
        queue, as ``company`` (default: the member's registering store),
        through its gateway. A marketing SMS goes only to members who
        consented, and carries the opt-out instruction; a service SMS
        (balance, expiry) needs no consent. A service SMS may name its own
        number, ``(partner_id, text, number)``, with or without a partner: a
        code that proves someone holds a new mobile. Returns one result per
        item, in order: the ``sms.sms`` queued, or why not (``no_consent``,
        ``no_mobile``). ``purpose`` (a key of ``SMS_PURPOSES``) says what the
        SMS are for, ``values`` (one dict per item) their named values: a
        gateway sending approved templates only fills its template with
        them."""
        optout = self._member_sms_optout_text() if marketing else ""
        partners = {p.id: p for p in self.sudo().browse({item[0] for item in items if item[0]})}
        results, vals_list, positions = [], [], []
        for index, (partner_id, text, *to) in enumerate(items):
            partner = partners.get(partner_id) or self.sudo().browse()
            number = (to[0] if to else None) or partner.member_mobile
            if not number:
                results.append("no_mobile")
                continue
            if marketing and (not partner.sms_consent or number != partner.member_mobile):
                results.append("no_consent")
                continue
            body = text if not optout or optout in text else f"{text} {optout}"
            positions.append(len(results))
            results.append(None)
            vals_list.append(
                {
                    "partner_id": partner.id or False,
                    "number": number,
                    "body": body,
                    "state": "outgoing",
                    "member_company_id": (
                        company or partner.member_register_company_id or self.env.company
                    ).id,
                    "member_sms_purpose": purpose or False,
                    "member_sms_values": values[index] if values else False,
                }
            )
        sms = self.env["sms.sms"].sudo().create(vals_list)
        for position, record in zip(positions, sms, strict=True):
            results[position] = record
        return results

    @api.model
    def _member_sms_service_on(self, operation):
        """Whether member_base's toggle of ``operation`` (Settings, “SMS on
        …”) is on. The toggles are system parameters: one choice for the
        whole chain."""
        toggle = SERVICE_SMS_TOGGLES.get(operation, operation)
        value = self.env["ir.config_parameter"].sudo().get_param(f"member_base.sms_{toggle}")
        return bool(value) and value.strip().lower() not in ("0", "false", "")

    @api.model
    def _member_sms_service(self, operation, records, partner_of, company_of):
        """Queue the service SMS of ``operation`` (a key of
        ``SERVICE_SMS_TEMPLATES``) about each of ``records`` (the template's
        model), when its toggle is on: to the member ``partner_of(record)``
        who has a mobile, sent as the store ``company_of(record)``. No consent
        needed (a service message); only queued (Odoo's SMS queue sends it
        from its cron): nothing waits for a gateway here. Returns the
        ``sms.sms`` queued."""
        SmsSms = self.env["sms.sms"].sudo()
        if not records or not self._member_sms_service_on(operation):
            return SmsSms
        template = self.env.ref(SERVICE_SMS_TEMPLATES[operation], raise_if_not_found=False)
        if not template:
            return SmsSms
        todo = [(record, partner_of(record)) for record in records.sudo()]
        todo = [(record, partner) for record, partner in todo if partner and partner.member_mobile]
        if not todo:
            return SmsSms
        ids = [record.id for record, _partner in todo]
        bodies = template.sudo()._render_field("body", ids, compute_lang=True)
        rendered = {
            name: self.env["mail.render.mixin"]
            .sudo()
            ._render_template(value, template.model, ids, engine="inline_template")
            for name, value in SERVICE_SMS_VALUES.get(operation, {}).items()
        }
        by_company = {}
        for record, partner in todo:
            by_company.setdefault(company_of(record), []).append(
                (
                    (partner.id, bodies[record.id]),
                    {name: str(values[record.id] or "") for name, values in rendered.items()},
                )
            )
        for company, todo_items in by_company.items():
            results = self._member_sms_queue(
                [item for item, _values in todo_items],
                marketing=False,
                company=company or None,
                purpose=operation,
                values=[values for _item, values in todo_items],
            )
            for result in results:
                if isinstance(result, models.BaseModel):
                    SmsSms |= result
        return SmsSms

    # ------------------------------------------------------------------
    # Change of mobile from the portal, proved by an SMS code
    # ------------------------------------------------------------------

    def _member_check_new_mobile(self, mobile):
        """``mobile`` normalised, if this member may take it: a valid number,
        not theirs already, nobody else's."""
        self.ensure_one()
        if not (mobile or "").strip():
            raise UserError(self.env._("Please type your new mobile number."))
        mobile = self._normalize_member_mobile(mobile)
        if mobile == self.member_mobile:
            raise UserError(self.env._("This is already your mobile number."))
        try:
            self._check_mobile_unused(mobile, exclude=self)
        except ValidationError:
            # on the portal, never say whose number it is
            raise UserError(
                self.env._("This mobile number cannot be used here: please ask a store.")
            ) from None
        return mobile

    def _member_change_mobile(self, mobile):
        """Give this member the new ``mobile`` once its code was verified
        (the caller did): written as the service, and logged."""
        self.ensure_one()
        mobile = self._member_check_new_mobile(mobile)
        before = self.member_mobile
        self.sudo().write({"member_mobile": mobile})
        self.env["member.operation.log"]._record(
            "update",
            partner=self,
            before={"member_mobile": before or ""},
            after={"member_mobile": mobile},
            reason=self.env._("Mobile changed on the portal, confirmed by an SMS code"),
        )
        return True

    # ------------------------------------------------------------------
    # Erasure of personal data (PIPL)
    # ------------------------------------------------------------------

    def _member_erase(self):
        """What this addon keeps of a member loses their personal data too:
        the text of their messages and of those messages' to-dos and
        chatter (the reply keeps its words, without their name or numbers), the notes
        of follow-up visits and of their bookings, their SMS (number and
        text) and their SMS codes. Counts, dates, stores and links stay."""
        from odoo.addons.member_base.models.member_erasure_request import (  # noqa: PLC0415
            ERASED,
            scrub_text,
        )

        self.ensure_one()
        partner = self.sudo()
        secrets = partner._member_erasure_secrets()
        mobiles = {partner.member_mobile} - {False}
        res = super()._member_erase()
        cr = self.env.cr
        self.env.flush_all()
        messages = self.env["member.message"].sudo().search([("partner_id", "=", partner.id)])
        for message in messages:
            cr.execute(
                "UPDATE member_message SET body = %s, reply = %s WHERE id = %s",
                [ERASED, scrub_text(message.reply, secrets), message.id],
            )
        if messages:
            # their chatter repeats the member's text (the to-do's note)
            cr.execute(
                """UPDATE mail_message SET body = %s
                    WHERE model = 'member.message' AND res_id = ANY(%s) AND body IS NOT NULL""",
                [ERASED, messages.ids],
            )
            cr.execute(
                """UPDATE mail_activity SET note = NULL, summary = %s
                    WHERE res_model = 'member.message' AND res_id = ANY(%s)""",
                [ERASED, messages.ids],
            )
        cr.execute("SELECT id, note FROM member_visit WHERE partner_id = %s", [partner.id])
        for visit_id, note in cr.fetchall():
            cr.execute(
                "UPDATE member_visit SET note = %s WHERE id = %s",
                [scrub_text(note, secrets), visit_id],
            )
        cr.execute(
            "UPDATE member_booking SET note = %s WHERE partner_id = %s AND note IS NOT NULL",
            [ERASED, partner.id],
        )
        cr.execute(
            "UPDATE sms_sms SET number = NULL, body = %s, member_sms_values = NULL"
            " WHERE partner_id = %s OR number = ANY(%s)",
            [ERASED, partner.id, list(mobiles)],
        )
        cr.execute(
            "DELETE FROM member_sms_code WHERE partner_id = %s OR mobile = ANY(%s)",
            [partner.id, list(mobiles)],
        )
        for model in (
            "member.message",
            "member.visit",
            "member.booking",
            "sms.sms",
            "mail.activity",
            "mail.message",
        ):
            self.env[model].invalidate_model()
        return res

    # ------------------------------------------------------------------
    # Self-registration on the portal
    # ------------------------------------------------------------------

    @api.model
    def _member_signup_enabled(self):
        return bool(
            self.env["ir.config_parameter"].sudo().get_param("member_marketing.portal_signup")
        )

    @api.model
    def _member_signup_card_type(self):
        type_id = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("member_marketing.portal_signup_card_type_id")
        )
        return self.env["member.card.type"].sudo().browse(int(type_id or 0)).exists()

    @api.model
    def _member_signup_check(self, name, mobile, store, terms):
        """What a visitor signs up with, checked: their name, a mobile no
        member holds (never saying whose), one of the chain's stores, the
        terms accepted. Returns the mobile normalised."""
        _ = self.env._
        if not self._member_signup_enabled():
            raise UserError(_("Registration on the portal is closed: please ask a store."))
        if not (name or "").strip():
            raise UserError(_("Please give your name."))
        if not (mobile or "").strip():
            raise UserError(_("Please type your mobile number."))
        mobile = self._normalize_member_mobile(mobile)
        if not store or store not in self.sudo().new({})._member_portal_stores():
            raise UserError(_("Please choose one of our stores."))
        if not terms:
            raise UserError(_("Please accept the membership terms."))
        taken = self.sudo().search_count(
            [("member_mobile", "=", mobile), ("is_member", "=", True)], limit=1
        ) or self.env["res.users"].sudo().with_context(active_test=False).search_count(
            [("login", "=", self._member_signup_login(mobile))], limit=1
        )
        if taken:
            raise UserError(_("This mobile number is already registered: log in, or ask a store."))
        return mobile

    @api.model
    def _member_signup_login(self, mobile):
        """The login of a member who signed up: their mobile as they type
        it (national form for a mainland number)."""
        return mobile.removeprefix("+86")

    @api.model
    def _member_signup(self, name, mobile, store, sms_consent, password):
        """Make the visitor a member of ``store`` once their code was
        verified (the caller did): a portal user whose login is their
        mobile, the member's profile written as that user (the register
        line of the log is theirs), the terms' date, the marketing consent
        they gave or not, and an e-card of the configured type through the
        card issue service. Returns the new user."""
        _ = self.env._
        name = name.strip()[:128]
        mobile = self._member_signup_check(name, mobile, store, True)
        if len(password or "") < 8:
            raise UserError(_("Please choose a password of at least 8 characters."))
        user = (
            self.env["res.users"]
            .sudo()
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": name,
                    "login": self._member_signup_login(mobile),
                    "password": password,
                    "company_id": store.id,
                    "company_ids": [(6, 0, store.ids)],
                    "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
                }
            )
        )
        partner = user.partner_id.with_user(user).sudo().with_company(store)
        partner.write(
            {
                "is_member": True,
                "member_mobile": mobile,
                "member_register_company_id": store.id,
                "member_source": "portal",
                "member_terms_date": fields.Datetime.now(),
                "sms_consent": bool(sms_consent),
            }
        )
        card_type = self._member_signup_card_type()
        if card_type:
            partner.env["member.card"]._issue(card_type.with_env(partner.env), partner=partner)
        return user

    # ------------------------------------------------------------------
    # The member's paid membership (付费会员): while a term is in force the
    # member holds the higher of the plan's level and the level they earned
    # (kept in ``member_earned_level_id``); when the last term ends they
    # fall back to the earned level. Level rules that move a plan holder
    # move the earned level; the level shown is the higher one.
    # ------------------------------------------------------------------
    member_plan_level_id = fields.Many2one(
        "member.level",
        string="Paid Membership Level",
        readonly=True,
        copy=False,
        help="The level of the paid membership in force today.",
    )

    member_earned_level_id = fields.Many2one(
        "member.level",
        string="Earned Level",
        readonly=True,
        copy=False,
        help="While a paid membership is in force: the level the member earned, to which they "
        "fall back when it ends.",
    )

    member_plan_valid_until = fields.Date(string="Paid Membership Until", readonly=True, copy=False)

    member_plan_subscription_ids = fields.One2many(
        "member.plan.subscription", "partner_id", string="Paid Memberships", readonly=True
    )

    def action_member_sell_plan(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sell Paid Membership to %s", self.display_name),
            "res_model": "member.plan.sell",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    @api.model
    def _member_order_paid(self, partner, lines, company, reference=None):
        """A paid order's lines that sell a plan's product start (or renew)
        the plan for the order's member, one term per unit, each keyed by
        its line and unit: a resync starts nothing twice."""
        super()._member_order_paid(partner, lines, company, reference=reference)
        products = self.env["product.product"].union(*(line["product"] for line in lines))
        plans = self.env["member.plan"]._member_plan_of_products(products)
        if not plans:
            return
        Subscription = self.env["member.plan.subscription"].with_company(company)
        for line in lines:
            plan = plans.get(line["product"].id)
            if not plan:
                continue
            quantity = line["quantity"]
            if quantity < 0:
                raise UserError(
                    self.env._(
                        "A paid membership is not returned at the till: a store manager "
                        "refunds it in the back office (%s).",
                        plan.name,
                    )
                )
            if quantity != int(quantity):
                raise UserError(self.env._("%s is sold in whole terms.", plan.name))
            if not partner or not partner.is_member:
                raise UserError(
                    self.env._(
                        "%s is a paid membership: make the member the order's customer first.",
                        plan.name,
                    )
                )
            units = int(quantity)
            currency = company.sudo().currency_id
            for index in range(units):
                Subscription._sell(
                    partner,
                    plan,
                    paid_by="pos",
                    key=f"{line['key']}:{index}",
                    company=company,
                    price=currency.round(line["amount"] / units),
                    reference=reference,
                )

    @api.model
    def _member_plan_sync_sql(self, today, partner_ids):
        """Per member: their level, earned level, plan level, and the levels
        of the terms in force on ``today`` with the last day of the terms
        that run on from today."""
        return SQL(
            """
            SELECT p.id, p.member_level_id, p.member_earned_level_id, p.member_plan_level_id,
                   p.member_plan_valid_until, p.member_register_company_id,
                   cur.levels, cur.until
              FROM res_partner p
              LEFT JOIN LATERAL (
                    SELECT ARRAY_AGG(s.level_id) FILTER (WHERE s.date_start <= %(today)s) AS levels,
                           MAX(s.date_end) AS until
                      FROM member_plan_subscription s
                     WHERE s.partner_id = p.id AND s.state = 'active' AND s.date_end >= %(today)s
                   ) cur ON TRUE
             WHERE p.id = ANY(%(ids)s)
            """,
            today=today,
            ids=list(partner_ids),
        )

    def _member_plan_sync(self, today):
        """Bring these members' levels in line with their terms in force on
        ``today`` (local date): one query for all of them, the plan fields
        in one statement, the levels written per target level with a history
        line and an operation-log line each. Returns how many changed level."""
        if not self:
            return 0
        # the keys first: reading them (cache cold) runs a query of its own
        keys = self.env["member.level"]._member_level_keys()
        self.env.flush_all()
        self.env.cr.execute(self._member_plan_sync_sql(today, self.ids))
        rows = self.env.cr.fetchall()

        def key(level_id):
            return keys.get(level_id, NO_LEVEL_KEY) if level_id else NO_LEVEL_KEY

        plan_rows, changes = [], []
        for pid, level, earned, plan, until, company, levels, valid_until in rows:
            in_force = [lvl for lvl in levels or () if lvl]
            if in_force:
                new_plan = max(in_force, key=key)
                new_earned = earned if plan else level
                target = max([new_earned, new_plan], key=key)
                new_until = valid_until
            elif plan:
                new_plan, new_earned, target, new_until = None, None, earned, None
            else:
                continue
            if (new_plan, new_earned, new_until) != (plan, earned, until):
                plan_rows.append((pid, new_plan, new_earned, new_until))
            if target != level:
                changes.append((pid, company, level, target, new_plan, new_until))
        if plan_rows:
            self.env.cr.execute(
                """UPDATE res_partner p
                      SET member_plan_level_id = v.plan, member_earned_level_id = v.earned,
                          member_plan_valid_until = v.until
                     FROM unnest(%s::int[], %s::int[], %s::int[], %s::date[])
                          AS v(id, plan, earned, until)
                    WHERE p.id = v.id""",
                [
                    [r[0] for r in plan_rows],
                    [r[1] for r in plan_rows],
                    [r[2] for r in plan_rows],
                    [r[3] for r in plan_rows],
                ],
            )
            self.invalidate_model(list(PLAN_FIELDS))
        if changes:
            self._member_plan_apply_levels(changes, today, key)
        return len(changes)

    def _member_plan_apply_levels(self, changes, today, key):
        """Write the level changes ``(partner, store, from, to, plan level,
        until)`` of the paid memberships, as the level service."""
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(**{LEVEL_SERVICE_KEY: True, "tracking_disable": True})
        )
        by_target = {}
        for change in changes:
            by_target.setdefault(change[3], []).append(change[0])
        for target, partner_ids in by_target.items():
            Partner.browse(partner_ids).write(
                {"member_level_id": target or False, "member_level_date": today}
            )
        levels = {
            level.id: level
            for level in self.env["member.level"]
            .sudo()
            .with_context(active_test=False)
            .browse({c[2] for c in changes if c[2]} | {c[3] for c in changes if c[3]})
        }
        partners = {p.id: p for p in Partner.browse([c[0] for c in changes])}
        Log = self.env["member.operation.log"]
        history, log = [], []
        for pid, company, before, after, plan_level, until in changes:
            if plan_level and after == plan_level:
                reason = self.env._(
                    "Paid membership: level %(level)s until %(until)s",
                    level=levels[after].name,
                    until=until,
                )
            elif plan_level:
                reason = self.env._("Paid membership: the member's own level is higher")
            else:
                reason = self.env._("Paid membership ended: back to the earned level")
            company_id = company or self.env.company.id
            history.append(
                {
                    "partner_id": pid,
                    "level_from_id": before or False,
                    "level_to_id": after or False,
                    "direction": "up" if key(after) > key(before) else "down",
                    "date": fields.Datetime.now(),
                    "origin": "system",
                    "user_id": self.env.uid,
                    "company_id": company_id,
                    "reason": reason,
                }
            )
            log.append(
                {
                    "operation": "level",
                    "user_id": self.env.uid,
                    "company_id": company_id,
                    "partner_id": pid,
                    "member_number": partners[pid].member_number,
                    "old_values": Log._dump({"level": levels[before].name if before else ""}),
                    "new_values": Log._dump({"level": levels[after].name if after else ""}),
                    "reason": reason,
                }
            )
        self.env["member.level.history"]._as_service().create(history)
        Log._as_service().create(log)

    # ------------------------------------------------------------------
    # A member registered with a referrer may reward them at once (rule on
    # registration); so may a contact who becomes a member.
    # ------------------------------------------------------------------
    def _member_referral_registered(self):
        if not self.env["member.referral.rule"]._active_rule_id():
            return
        Reward = self.env["member.referral.reward"]
        for partner in self.sudo().filtered(lambda p: p.is_member and p.member_referrer_id):
            Reward._member_referral_event(partner, "registration")

    # ------------------------------------------------------------------
    # A member day's extra discount adds to the level's on the member price
    # (at most 100%); the member days of the day are named on the receipt.
    # ------------------------------------------------------------------
    def _member_price_discount(self, company):
        discount = super()._member_price_discount(company)
        if not self.is_member:
            return discount
        _multiplier, extra = self.env["member.day"]._member_day_benefits(self, company)
        return min(discount + extra, 100.0)

    def _member_benefit_notes(self, company):
        notes = super()._member_benefit_notes(company)
        if not self.is_member:
            return notes
        days = self.env["member.day"]._member_days_of(self, company)
        return [*notes, *(day._benefit_note() for day in days)]

    # ------------------------------------------------------------------
    # The member portrait (会员画像) on the member form: the level and the next
    # one, the assets (stored value, points, packages), the RFM and pyramid
    # tags, and the consumption behaviour read from the nightly
    # ``member.portrait`` row; the product suggestions of the nightly run.
    # ------------------------------------------------------------------
    member_portrait_ids = fields.One2many("member.portrait", "partner_id", readonly=True)

    member_portrait_id = fields.Many2one(
        "member.portrait",
        compute="_compute_member_portrait",
        search="_search_member_portrait",
        string="Portrait",
    )

    member_visits_30 = fields.Integer(related="member_portrait_id.visits_30")

    member_visits_90 = fields.Integer(related="member_portrait_id.visits_90")

    member_visits_365 = fields.Integer(related="member_portrait_id.visits_365")

    member_spend_30 = fields.Float(related="member_portrait_id.spend_30")

    member_spend_90 = fields.Float(related="member_portrait_id.spend_90")

    member_spend_365 = fields.Float(related="member_portrait_id.spend_365")

    member_average_ticket = fields.Float(related="member_portrait_id.average_ticket")

    member_last_visit = fields.Date(related="member_portrait_id.last_visit")

    member_favourite_company_id = fields.Many2one(related="member_portrait_id.favourite_company_id")

    member_favourite_categ_ids = fields.Many2many(related="member_portrait_id.favourite_categ_ids")

    member_portrait_date = fields.Date(related="member_portrait_id.computed_date")

    member_level_progress = fields.Float(related="member_portrait_id.level_progress")

    member_next_level_value = fields.Float(related="member_portrait_id.next_level_value")

    member_next_level_id = fields.Many2one(
        "member.level", compute="_compute_member_next_level", string="Next Level"
    )

    member_next_level_rule = fields.Char(compute="_compute_member_next_level", string="To Reach It")

    member_package_count = fields.Integer(
        compute="_compute_member_packages", string="Active Packages"
    )

    member_package_uses = fields.Integer(compute="_compute_member_packages", string="Uses Left")

    member_rfm_tag_ids = fields.Many2many(
        "res.partner.category", compute="_compute_member_segment_tags", string="RFM Segment"
    )

    member_pyramid_tag_ids = fields.Many2many(
        "res.partner.category", compute="_compute_member_segment_tags", string="Pyramid Class"
    )

    member_suggestion_ids = fields.One2many(
        "member.suggestion", "partner_id", string="Suggested Products", readonly=True
    )

    def _member_panel_facts(self, company):
        """The portrait at the till (the member panel): the segment and the
        pyramid class, visits and spend, the average ticket, the last visit,
        the favourite store and categories, the next level and the first
        suggestions, from the nightly row (nothing before its first run)."""
        facts = super()._member_panel_facts(company)
        partner = self.sudo()
        portrait = partner.member_portrait_id
        if not (partner.is_member and portrait):
            return facts
        _ = self.env._
        money = company.currency_id

        def amount(value):
            return f"{value:,.{money.decimal_places}f}"

        segment = partner.member_rfm_tag_ids | partner.member_pyramid_tag_ids
        rows = [
            (_("Segment"), ", ".join(segment.mapped("name"))),
            (
                _("Visits (30 / 90 / 365 days)"),
                f"{portrait.visits_30} / {portrait.visits_90} / {portrait.visits_365}",
            ),
            (_("Spend (365 days)"), amount(portrait.spend_365)),
            (_("Average Ticket"), amount(portrait.average_ticket)),
            (_("Last Visit"), fields.Date.to_string(portrait.last_visit) or ""),
            (_("Favourite Store"), portrait.favourite_company_id.name or ""),
            (_("Favourite Categories"), ", ".join(portrait.favourite_categ_ids.mapped("name"))),
            (
                _("Next Level"),
                f"{portrait.next_level_id.name} ({portrait.level_progress:.0f}%)"
                if portrait.next_level_id
                else "",
            ),
            (
                _("Suggested"),
                ", ".join(
                    partner.member_suggestion_ids.sorted("sequence")[:3].product_id.mapped(
                        "display_name"
                    )
                ),
            ),
        ]
        return [*facts, *((label, text) for label, text in rows if text)]

    def _compute_member_portrait(self):
        portraits = self.env["member.portrait"].sudo().search([("partner_id", "in", self.ids)])
        by_partner = {p.partner_id.id: p.id for p in portraits}
        for partner in self:
            partner.member_portrait_id = by_partner.get(partner.id, False)

    def _search_member_portrait(self, operator, value):
        return [("member_portrait_ids", operator, value)]

    @api.depends("member_level_id")
    def _compute_member_next_level(self):
        """The lowest level above the member's that an active level rule
        reaches, and what that rule asks."""
        keys = self.env["member.level"]._member_level_keys()
        rules = self.env["member.level.rule"].sudo().search([("state", "=", "active")])
        measures = dict(rules._fields["measure"]._description_selection(self.env))
        for partner in self:
            current = keys.get(partner.member_level_id.id, NO_LEVEL_KEY)
            above = [r for r in rules if keys.get(r.level_id.id, NO_LEVEL_KEY) > current]
            above.sort(key=lambda r: (keys.get(r.level_id.id), r.threshold))
            rule = above[0] if above else None
            partner.member_next_level_id = rule.level_id if rule else False
            partner.member_next_level_rule = (
                self.env._(
                    "%(measure)s %(threshold)s in %(months)s month(s)",
                    measure=measures.get(rule.measure, rule.measure),
                    threshold=f"{rule.threshold:,.2f}",
                    months=rule.period_months,
                )
                if rule
                else False
            )

    def _compute_member_packages(self):
        groups = (
            self.env["member.package"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "active")],
                ["partner_id"],
                ["__count", "uses_remaining:sum"],
            )
        )
        totals = {partner.id: (count, uses) for partner, count, uses in groups}
        for partner in self:
            partner.member_package_count, partner.member_package_uses = totals.get(
                partner.id, (0, 0)
            )

    def _compute_member_segment_tags(self):
        rules = self.env["member.tag.rule"].sudo().search([("kind", "in", ("rfm", "pyramid"))])
        rfm = rules.filtered(lambda r: r.kind == "rfm").category_id
        pyramid = rules.filtered(lambda r: r.kind == "pyramid").category_id
        for partner in self:
            partner.member_rfm_tag_ids = partner.category_id & rfm
            partner.member_pyramid_tag_ids = partner.category_id & pyramid

    @api.model
    def _member_likely_to_buy_domain(self, products):
        """Members the nightly run suggests one of ``products`` to."""
        return Domain("member_suggestion_ids.product_id", "in", products.ids)
