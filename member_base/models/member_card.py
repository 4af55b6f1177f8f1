import time

from dateutil.relativedelta import relativedelta
from passlib.context import CryptContext

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import card_data

PIN_CONTEXT = CryptContext(["pbkdf2_sha512"])

# Fields that only the card operations change (through ``_as_service``): a
# client writing them, whatever its group and context, is refused.
SERVICE_FIELDS = frozenset({"state", "pin_hash", "replaced_by_id", "replaces_id", "expiry_date"})
# Fields of an issued card that only the operations change (upgrade,
# replacement, merge): its holder, type, number and chip, parent card (whose
# wallet it spends) and issuing store (whose books carry its stored value).
ISSUED_SERVICE_FIELDS = frozenset(
    {"type_id", "partner_id", "name", "chip_uid", "parent_id", "issue_company_id"}
)

CARD_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("lost", "Reported Lost"),
    ("frozen", "Frozen"),
    ("expired", "Expired"),
    ("replaced", "Replaced"),
    ("closed", "Closed"),
]

# operation: (states it may start from, state it leads to or None to keep,
#             group needed)
CARD_TRANSITIONS = {
    "activate": (("draft",), "active", "member_base.group_member_cashier"),
    "report_lost": (("active", "frozen"), "lost", "member_base.group_member_cashier"),
    "cancel_lost": (("lost",), "active", "member_base.group_member_manager"),
    "freeze": (("active",), "frozen", "member_base.group_member_cashier"),
    "unfreeze": (("frozen",), "active", "member_base.group_member_manager"),
    "extend": (("active", "expired"), "active", "member_base.group_member_manager"),
    "upgrade": (("active",), None, "member_base.group_member_manager"),
    "replace": (
        ("active", "lost", "frozen", "expired"),
        "replaced",
        "member_base.group_member_cashier",
    ),
    "close": (
        ("draft", "active", "lost", "frozen", "expired"),
        "closed",
        "member_base.group_member_manager",
    ),
    "reset_pin": (
        ("active", "frozen", "lost", "expired"),
        None,
        "member_base.group_member_manager",
    ),
}


class MemberCard(models.Model):
    """A member card of the chain: its number, holder, type and lifecycle.

    Cards belong to the chain, not to a store: a card issued in one store is
    found and works in every store ("全国通用"); the store where it was issued
    is kept for reports. Every transition goes through ``_do_operation``,
    which checks state, role and store, writes the card as a service
    (``member.service.mixin``) and writes the operation log; nothing else can
    change a card's state, PIN, validity or (once issued) holder and type.
    """

    _name = "member.card"
    _description = "Member Card"
    _inherit = ["mail.thread", "member.service.mixin"]
    _order = "id desc"

    name = fields.Char(string="Card Number", required=True, copy=False, index=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Holder",
        index=True,
        tracking=True,
        ondelete="restrict",
        domain=[("is_member", "=", True)],
    )
    type_id = fields.Many2one(
        "member.card.type", string="Card Type", required=True, tracking=True, ondelete="restrict"
    )
    kind = fields.Selection(related="type_id.kind")
    medium = fields.Selection(related="type_id.medium")
    parent_id = fields.Many2one(
        "member.card",
        string="Parent Card",
        index=True,
        ondelete="restrict",
        help="Linked and supplementary cards draw on the parent card's wallet.",
    )
    child_ids = fields.One2many("member.card", "parent_id", string="Linked Cards")
    issue_company_id = fields.Many2one(
        "res.company",
        string="Issued In",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        ondelete="restrict",
    )
    issue_date = fields.Date(default=fields.Date.context_today, required=True, readonly=True)
    expiry_date = fields.Date(tracking=True, readonly=True)
    state = fields.Selection(
        CARD_STATES, default="draft", required=True, readonly=True, tracking=True, index=True
    )
    chip_uid = fields.Char(
        string="Chip UID",
        copy=False,
        index=True,
        help="UID of an RFID/IC card, stored in its card type's canonical form.",
    )
    pin_hash = fields.Char(copy=False, groups="base.group_system")
    has_pin = fields.Boolean(compute="_compute_has_pin")
    replaced_by_id = fields.Many2one("member.card", string="Replaced By", readonly=True, copy=False)
    replaces_id = fields.Many2one(
        "member.card", string="Replaces", readonly=True, copy=False, index="btree_not_null"
    )
    member_number = fields.Char(related="partner_id.member_number", string="Member Number")
    member_mobile = fields.Char(related="partner_id.member_mobile", string="Mobile")
    level_id = fields.Many2one(related="partner_id.member_level_id", string="Level")
    note = fields.Text()
    operation_log_ids = fields.One2many("member.operation.log", "card_id", string="Operations")
    operation_log_count = fields.Integer(compute="_compute_operation_log_count")

    _name_unique = models.Constraint(
        "UNIQUE(name)", "This card number is already used by another card of the chain."
    )
    _chip_uid_unique = models.UniqueIndex(
        "(chip_uid) WHERE chip_uid IS NOT NULL",
        "This chip UID is already registered on another card.",
    )
    _expiry_after_issue = models.Constraint(
        "CHECK(expiry_date IS NULL OR expiry_date >= issue_date)",
        "A card cannot expire before it is issued.",
    )

    def _compute_has_pin(self):
        for card in self:
            card.has_pin = bool(card.sudo().pin_hash)

    def _compute_operation_log_count(self):
        groups = self.env["member.operation.log"]._read_group(
            [("card_id", "in", self.ids)], ["card_id"], ["__count"]
        )
        counts = {card.id: count for card, count in groups}
        for card in self:
            card.operation_log_count = counts.get(card.id, 0)

    @api.constrains("name", "type_id")
    def _check_number(self):
        for card in self:
            card.type_id._check_number_format(card.name)

    @api.constrains("partner_id", "type_id", "state")
    def _check_holder(self):
        for card in self:
            if card.state != "draft" and card.type_id.real_name_required and not card.partner_id:
                raise ValidationError(
                    self.env._(
                        "Card %(number)s: cards of type %(type)s need a registered holder.",
                        number=card.name,
                        type=card.type_id.display_name,
                    )
                )
            if card.partner_id and not card.partner_id.is_member:
                raise ValidationError(
                    self.env._(
                        "%s is not a member: register the contact as a member first.",
                        card.partner_id.display_name,
                    )
                )

    @api.constrains("parent_id", "type_id")
    def _check_parent(self):
        for card in self:
            if card.type_id.draws_on_parent and not card.parent_id:
                raise ValidationError(
                    self.env._("Cards of type %s need a parent card.", card.type_id.display_name)
                )
            if card.parent_id and (card.parent_id == card or card.parent_id.parent_id):
                raise ValidationError(
                    self.env._("A parent card must be a main card, not a linked card.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            card_type = self.env["member.card.type"].browse(vals.get("type_id"))
            if vals.get("name"):
                vals["name"] = card_type._normalize_number(vals["name"])
            elif card_type:
                vals["name"] = card_type._next_number()
            if vals.get("chip_uid") and card_type:
                vals["chip_uid"] = self._canonical_uid(vals["chip_uid"], card_type)
            self._check_number_unused(vals.get("name"), vals.get("chip_uid"))
            if not self._is_service() and (
                vals.get("state", "draft") != "draft" or SERVICE_FIELDS & set(vals)
            ):
                # a card is created in draft and issued by the issue operation (logged)
                raise UserError(self._protected_message())
        cards = super().create(vals_list)
        if self.env.context.get("import_file"):
            # Cards imported with their members (a chain switching to us) are
            # in use: the import issues them, checked as the issue operation.
            cards.filtered(lambda c: c.state == "draft")._activate_imported()
        return cards

    def write(self, vals):
        protected = SERVICE_FIELDS & set(vals)
        if any(card.state != "draft" for card in self):
            protected |= ISSUED_SERVICE_FIELDS & set(vals)
        if protected and not self._is_service():
            raise UserError(self._protected_message())
        if vals.get("name"):
            for card in self:
                card_type = self.env["member.card.type"].browse(vals.get("type_id")) or card.type_id
                vals["name"] = card_type._normalize_number(vals["name"])
        if vals.get("chip_uid"):
            card_type = self.env["member.card.type"].browse(vals.get("type_id")) or self.type_id[:1]
            vals["chip_uid"] = self._canonical_uid(vals["chip_uid"], card_type)
        return super().write(vals)

    @api.model
    def _check_number_unused(self, number, chip_uid=None):
        """A clear message before the unique constraints would refuse a
        duplicate (the database still guards concurrent inserts)."""
        Card = self.sudo().with_context(active_test=False)
        if number and Card.search_count([("name", "=", number)], limit=1):
            raise ValidationError(
                self.env._("Card number %s is already used by another card of the chain.", number)
            )
        if chip_uid and Card.search_count([("chip_uid", "=", chip_uid)], limit=1):
            raise ValidationError(
                self.env._("Chip UID %s is already registered on another card.", chip_uid)
            )

    def _protected_message(self):
        return self.env._("Card state changes go through the card operations (issue, freeze, …).")

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(card.state != "draft" for card in self):
            raise UserError(
                self.env._("Only draft cards can be deleted; close an issued card instead.")
            )

    # ------------------------------------------------------------------
    # Buttons: each opens the operation wizard (reason, new number, …)
    # ------------------------------------------------------------------

    def _action_open_operation(self, operation):
        self.ensure_one()
        self._check_operation(operation)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%(operation)s: card %(number)s",
                operation=self._operation_label(operation),
                number=self.name,
            ),
            "res_model": "member.card.operation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_card_id": self.id, "default_operation": operation},
        }

    def action_activate(self):
        for card in self:
            card._do_operation("activate")
        return True

    def action_report_lost(self):
        return self._action_open_operation("report_lost")

    def action_cancel_lost(self):
        return self._action_open_operation("cancel_lost")

    def action_freeze(self):
        return self._action_open_operation("freeze")

    def action_unfreeze(self):
        return self._action_open_operation("unfreeze")

    def action_extend(self):
        return self._action_open_operation("extend")

    def action_upgrade(self):
        return self._action_open_operation("upgrade")

    def action_replace(self):
        return self._action_open_operation("replace")

    def action_close(self):
        return self._action_open_operation("close")

    def action_reset_pin(self):
        return self._action_open_operation("reset_pin")

    def action_view_operation_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_base.action_member_operation_log"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Lifecycle service
    # ------------------------------------------------------------------

    def _check_operation(self, operation):
        """Refuse, with a translated reason, an operation not allowed on this
        card now: unknown operation, wrong state, wrong role or wrong store."""
        self.ensure_one()
        if operation not in CARD_TRANSITIONS:
            raise UserError(self.env._("Unknown card operation: %s", operation))
        from_states, _to_state, group = CARD_TRANSITIONS[operation]
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "You are not allowed to do “%(operation)s” on card %(number)s: ask a store "
                    "manager.",
                    operation=self._operation_label(operation),
                    number=self.name,
                )
            )
        if self.state not in from_states:
            raise UserError(
                self.env._(
                    "“%(operation)s” is not possible on card %(number)s in state “%(state)s”.",
                    number=self.name,
                    state=self._state_label(self.state),
                    operation=self._operation_label(operation),
                )
            )
        self._check_store(self.env.company)

    def _check_store(self, company):
        if not self.type_id._is_valid_in(company):
            raise UserError(
                self.env._(
                    "Card %(number)s (%(type)s) cannot be used in %(store)s.",
                    number=self.name,
                    type=self.type_id.display_name,
                    store=company.name,
                )
            )

    def _operation_label(self, operation):
        labels = dict(
            self.env["member.operation.log"]._fields["operation"]._description_selection(self.env)
        )
        labels["activate"] = self.env._("Activate")
        return labels.get(operation, operation)

    def _state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(state, state)

    def _do_operation(self, operation, reason=None, **params):
        """Run one lifecycle operation: checks, state change, side effects,
        operation log. Returns the card the member now holds."""
        self.ensure_one()
        self._check_operation(operation)
        if operation not in ("activate",) and not (reason or "").strip():
            raise UserError(self.env._("Please give a reason for this operation."))
        to_state = CARD_TRANSITIONS[operation][1]
        before = {"state": self.state, "expiry_date": self.expiry_date, "type": self.type_id.name}
        card = self._as_service()  # checked above: the operation writes the card
        result = card
        log_op = operation
        if operation == "activate":
            log_op = "issue"
        elif operation == "extend":
            card._apply_extend(params.get("expiry_date"), params.get("months"))
        elif operation == "upgrade":
            card._apply_upgrade(params.get("type_id"))
        elif operation == "replace":
            result = card._apply_replace(params.get("new_number"), params.get("chip_uid"), reason)
        elif operation == "reset_pin":
            card._set_pin(params.get("pin"))
        if to_state:
            card.write({"state": to_state})
        after = {"state": card.state, "expiry_date": card.expiry_date, "type": card.type_id.name}
        if operation == "replace":
            after["replaced_by"] = result.name
        self.env["member.operation.log"]._record(
            log_op, card=self, before=before, after=after, reason=reason
        )
        return result.with_env(self.env)

    @api.model
    def _issue(self, card_type, partner=None, number=False, chip_uid=False, parent=None,
               expiry_date=None, note=False, pin=None):  # fmt: skip
        """办卡, the card issue service: a new card of ``card_type`` for
        ``partner`` in the current company, activated by the issue operation
        (its checks: role, store; its log line), at the type's level. The
        issue wizard and the portal's self-registration call it."""
        _ = self.env._
        if card_type.real_name_required and not partner:
            raise UserError(_("Cards of type %s need a registered member.", card_type.display_name))
        if card_type.pin_required and not pin:
            raise UserError(_("Cards of type %s need a PIN.", card_type.display_name))
        company = self.env.company
        if expiry_date is None:
            months = card_type.validity_months
            today = company._member_local_today()
            expiry_date = fields.Date.add(today, months=months) if months else False
        # checked here and by the issue operation below; sets the validity
        card = (
            self._as_service()
            .create(
                {
                    "name": number or False,
                    "chip_uid": chip_uid or False,
                    "partner_id": partner.id if partner else False,
                    "type_id": card_type.id,
                    "parent_id": parent.id if parent else False,
                    "issue_company_id": company.id,
                    "issue_date": company._member_local_today(),
                    "expiry_date": expiry_date,
                    "note": note,
                }
            )
            .with_env(self.env)
        )
        if pin:
            card._set_pin(pin)
        card._do_operation("activate")
        card._apply_type_level(card.type_id)
        return card

    def _activate_imported(self):
        """Issue the draft cards of an import of members: checked as the
        issue operation (role, store), logged as an import."""
        for card in self:
            card._check_operation("activate")
            service = card._as_service()
            if not card.expiry_date:
                service.expiry_date = card._default_expiry()
            service.state = "active"
            self.env["member.operation.log"]._record(
                "import", card=card, after={"state": "active"}, reason="Import"
            )

    def _apply_extend(self, expiry_date=None, months=None):
        if not expiry_date:
            if not months or months <= 0:
                raise UserError(
                    self.env._("Give a new expiry date or a positive number of months.")
                )
            base = max(self.expiry_date or fields.Date.today(), self._local_today())
            expiry_date = base + relativedelta(months=months)
        expiry_date = fields.Date.to_date(expiry_date)
        if expiry_date <= self._local_today() or (
            self.expiry_date and expiry_date <= self.expiry_date
        ):
            raise UserError(
                self.env._("The new expiry date must be later than today and than the current one.")
            )
        self.write({"expiry_date": expiry_date})

    def _apply_upgrade(self, type_id):
        new_type = self.env["member.card.type"].browse(type_id).exists()
        if not new_type or new_type == self.type_id:
            raise UserError(self.env._("Choose a card type different from the current one."))
        if new_type.kind != self.type_id.kind and "anonymous" in (new_type.kind, self.type_id.kind):
            raise UserError(
                self.env._(
                    "An anonymous card cannot be upgraded to a registered one: issue a new card."
                )
            )
        new_type._check_number_format(self.name)
        self.write({"type_id": new_type.id})
        self._apply_type_level(new_type)

    def _apply_type_level(self, card_type):
        """Give the holder the type's level when it is higher than theirs."""
        partner = self.partner_id
        level = card_type.level_id
        if (
            partner
            and level
            and (not partner.member_level_id or partner.member_level_id.sequence < level.sequence)
        ):
            partner.sudo().member_level_id = level

    def _apply_replace(self, new_number=None, chip_uid=None, reason=None):
        new_card = self.create(
            {
                "name": new_number or False,
                "chip_uid": chip_uid or False,
                "partner_id": self.partner_id.id,
                "type_id": self.type_id.id,
                "parent_id": self.parent_id.id,
                "expiry_date": self.expiry_date if self.state != "expired" else False,
                "issue_company_id": self.env.company.id,
                "replaces_id": self.id,
                "note": self.note,
            }
        )
        if new_card.type_id.validity_months and not new_card.expiry_date:
            new_card.expiry_date = new_card._default_expiry()
        new_card.write({"state": "active"})
        self.child_ids.write({"parent_id": new_card.id})
        self.write({"replaced_by_id": new_card.id})
        self._move_to_replacement(new_card)
        self.env["member.operation.log"]._record(
            "issue", card=new_card, after={"replaces": self.name, "state": "active"}, reason=reason
        )
        return new_card

    def _move_to_replacement(self, new_card):
        """Hook: move what hangs on the card (wallet, packages…) to ``new_card``.
        Overridden by member_wallet."""
        if "pin_hash" in self._fields:
            pin_hash = self.sudo().pin_hash
            if pin_hash:
                new_card._as_service().pin_hash = pin_hash

    def _default_expiry(self):
        self.ensure_one()
        months = self.type_id.validity_months
        return self.issue_date + relativedelta(months=months) if months else False

    def _local_today(self):
        return self.env.company._member_local_today()

    # ------------------------------------------------------------------
    # PIN
    # ------------------------------------------------------------------

    def _set_pin(self, pin):
        if not pin or not pin.isdigit() or not 4 <= len(pin) <= 8:
            raise UserError(self.env._("A PIN is 4 to 8 digits."))
        self._as_service().write({"pin_hash": PIN_CONTEXT.hash(pin)})

    def _check_pin(self, pin):
        """True when ``pin`` is the card's PIN (or the card has none)."""
        self.ensure_one()
        pin_hash = self.sudo().pin_hash
        if not pin_hash:
            return True
        return bool(pin) and PIN_CONTEXT.verify(str(pin), pin_hash)

    # ------------------------------------------------------------------
    # Card data and lookup: what a cashier scans or types
    # ------------------------------------------------------------------

    @api.model
    def _canonical_uid(self, raw, card_type):
        try:
            return card_data.canonical_uid(raw, card_type.uid_format or "hex_msb")
        except card_data.CardDataError as error:
            raise ValidationError(self._card_data_message(error)) from error

    @api.model
    def _qr_secret(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    def _make_qr_token(self, ttl=None):
        """A short-lived signed e-card payload: a screenshot stops working
        once it expires."""
        self.ensure_one()
        if self.state != "active":
            raise UserError(self.env._("Only an active card has an e-card code."))
        ttl = ttl or int(self.env["ir.config_parameter"].sudo().get_param("member_base.qr_ttl", 60))
        return card_data.make_qr_token(self.id, self._qr_secret(), time.time(), ttl=ttl)

    @api.model
    def _card_data_message(self, error):
        code = getattr(error, "code", "")
        messages = {
            "empty": self.env._("Nothing was read: swipe, scan or type the card again."),
            "garbage": self.env._("This is not a card number, card code or phone number."),
            "bad_lrc": self.env._("The card was misread (check character): swipe it again."),
            "truncated": self.env._("The card was read only in part: swipe it again."),
            "bad_signature": self.env._("This e-card code is not valid."),
            "expired_token": self.env._(
                "This e-card code has expired: ask the member to refresh it (screenshots do "
                "not work)."
            ),
            "bad_uid": self.env._("This chip UID is not valid."),
            "bad_track": self.env._("The card stripe holds no valid card number."),
            "track_mismatch": self.env._(
                "The two tracks of the card disagree: the card may be forged or damaged."
            ),
            "no_secret": self.env._("E-card codes are not set up: contact your administrator."),
        }
        return messages.get(code) or self.env._("The card data could not be read.")

    @api.model
    def _lookup(self, raw, company=None, usable=True):
        """Find the card behind what was scanned or typed.

        :param raw: magnetic track data, chip UID, e-card QR payload, card
            number or member phone, as the device or cashier sent it
        :param company: the store asking (default: current company)
        :param usable: refuse cards that cannot be used now
        :return: the ``member.card``
        """
        company = company or self.env.company
        read = self._read_card_data(raw)
        # the search runs as superuser (cards belong to the chain); what is
        # returned is the caller's record, with the caller's rights
        card = self._find_card(read).with_env(self.env)
        if not card:
            raise UserError(self.env._("No member card matches %s.", read.value))
        if usable:
            card._check_usable(company)
        return card

    @api.model
    def _read_card_data(self, raw):
        """What was scanned or typed, normalised (``card_data.CardRead``), or
        a translated error."""
        try:
            return card_data.normalize(
                raw,
                qr_secret=self._qr_secret(),
                now=time.time(),
                default_country_code=self.env["res.partner"]._member_country_code(),
            )
        except card_data.CardDataError as error:
            raise UserError(self._card_data_message(error)) from error

    @api.model
    def _find_card(self, read):
        """Try each reading of the scanned data in order (best first) in the
        field it belongs to; the first card found wins."""
        Card = self.sudo().with_context(active_test=False)
        # what the checks of a card (usable here, now) and of its wallet read, in the
        # same query as the search
        fetch = ["name", "state", "expiry_date", "type_id", "parent_id", "replaced_by_id"]
        readings = read.readings or ((read.kind, read.value),)
        for kind, value in readings:
            if kind == "qr":
                card = Card.browse(int(value)).exists()
            elif kind == "phone":
                card = Card.search_fetch([("name", "=", value)], fetch, limit=1)
                if not card:
                    partner = (
                        self.env["res.partner"]
                        .sudo()
                        .search([("member_mobile", "=", value), ("is_member", "=", True)], limit=1)
                    )
                    card = partner.member_card_ids.sorted(lambda c: (c.state != "active", -c.id))[
                        :1
                    ]
            elif kind == "uid":
                card = Card.search_fetch([("chip_uid", "=", value)], fetch, limit=1)
            else:
                card = Card.search_fetch([("name", "=", value)], fetch, limit=1)
            if card:
                return card
        return Card.browse()

    def _check_usable(self, company=None):
        """Refuse a card that cannot be used now, with the reason."""
        self.ensure_one()
        company = company or self.env.company
        messages = {
            "draft": self.env._("Card %s has not been issued yet."),
            "lost": self.env._("Card %s has been reported lost."),
            "frozen": self.env._("Card %s is frozen."),
            "expired": self.env._(
                "Card %s has expired: its balance can still be refunded or moved to a new card."
            ),
            "replaced": self.env._("Card %s has been replaced by a new card."),
            "closed": self.env._("Card %s is closed."),
        }
        if self.state in messages:
            raise UserError(messages[self.state] % self.name)
        if self.expiry_date and self.expiry_date < company._member_local_today():
            raise UserError(messages["expired"] % self.name)
        self._check_store(company)

    @api.model
    def lookup_card(self, raw):
        """Front-end API (POS, IoT, JSON-RPC): card and holder behind ``raw``."""
        if not self.env.user.has_group("member_base.group_member_cashier"):
            raise AccessError(self.env._("Only store staff can look up member cards."))
        card = self._lookup(raw)
        partner = card.partner_id
        return {
            "card_id": card.id,
            "card_number": card.name,
            "card_type": card.type_id.name,
            "state": card.state,
            "expiry_date": card.expiry_date and fields.Date.to_string(card.expiry_date),
            "partner_id": partner.id,
            "member_name": partner.name or "",
            "member_number": partner.member_number or "",
            "level": partner.member_level_id.name or "",
            "discount": partner.member_level_id.discount or 0.0,
        }

    # ------------------------------------------------------------------
    # Demo data helpers (called from demo/member_demo.xml)
    # ------------------------------------------------------------------

    def _demo_activate(self):
        for card in self:
            card.with_company(card.issue_company_id)._do_operation("activate")
            card._apply_type_level(card.type_id)

    def _demo_operation(self, operation, reason, **params):
        for card in self:
            card.with_company(card.issue_company_id)._do_operation(operation, reason, **params)

    def _demo_expire(self):
        self._as_service().write(
            {
                "issue_date": fields.Date.subtract(fields.Date.today(), years=2),
                "expiry_date": fields.Date.subtract(fields.Date.today(), days=3),
            }
        )
        self._cron_expire_cards()

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_cards(self):
        """Expire active cards whose date has passed in their issuing store's
        local time, in one statement, with one log line per card."""
        self.env.flush_all()
        root_user = self.env.ref("base.user_root").id
        # cards whose expiry date is before today in the issuing store's time zone
        self.env.cr.execute(
            """
            WITH expired AS (
                UPDATE member_card c
                   SET state = 'expired', write_date = now() AT TIME ZONE 'UTC',
                       write_uid = %(uid)s
                  FROM res_company co
                 WHERE co.id = c.issue_company_id
                   AND c.state = 'active'
                   AND c.expiry_date
                       < (statement_timestamp()
                          AT TIME ZONE COALESCE(co.member_tz, 'Asia/Shanghai'))::date
             RETURNING c.id, c.name, c.partner_id, c.issue_company_id
            )
            INSERT INTO member_operation_log
                   (date, user_id, company_id, operation, card_id, partner_id, card_number,
                    member_number, old_values, new_values, reason,
                    create_uid, create_date, write_uid, write_date)
            SELECT now() AT TIME ZONE 'UTC', %(uid)s, e.issue_company_id, 'expire', e.id,
                   e.partner_id, e.name, p.member_number, '{"state": "active"}',
                   '{"state": "expired"}', 'Validity ended',
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM expired e
              LEFT JOIN res_partner p ON p.id = e.partner_id
            """,
            {"uid": root_user},
        )
        count = self.env.cr.rowcount
        self.env.invalidate_all()
        return count

    # ------------------------------------------------------------------
    # How the back office finds a card: the lookup service behind the search
    # ------------------------------------------------------------------

    member_lookup = fields.Char(
        string="Card, Mobile or Member",
        compute="_compute_member_lookup",
        search="_search_member_lookup",
        help="Card number, magnetic track, chip UID, e-card code, holder's mobile, member "
        "number or name.",
    )

    def _compute_member_lookup(self):
        self.member_lookup = False

    @api.model
    def _search_member_lookup(self, operator, value):
        if operator not in ("ilike", "=", "=ilike", "like") or not isinstance(value, str):
            return NotImplemented
        matches = self.env["member.home"]._match_ids(value)
        if matches["card_ids"]:
            # the card itself was read (number, track, chip, e-card code)
            return [("id", "in", list(matches["card_ids"]))]
        if matches["partner_ids"]:
            # a mobile or member number: every card of that member
            return [("partner_id", "in", list(matches["partner_ids"]))]
        text = value.strip()
        return [
            "|",
            ("name", "ilike", text.replace(" ", "")),
            ("partner_id.name", "ilike", text),
        ]

    def action_open_desk(self):
        return self._member_desk_action()

    def _member_desk_action(self):
        """This card's form, as the desk and the lists open it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "member.card",
            "res_id": self.id,
            "views": [(self.env.ref("member_base.member_card_view_form").id, "form")],
            "target": "current",
        }
