import re
from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

# China's single-purpose prepaid card rules (单用途商业预付卡管理办法): ceilings
# per card and the minimum validity of an anonymous card.
DEFAULT_REGISTERED_CEILING = 5000.0
DEFAULT_ANONYMOUS_CEILING = 1000.0
ANONYMOUS_MIN_VALIDITY_MONTHS = 36

# What the till's hot path needs of a card type (see MemberCardType._member_type_facts)
TypeFacts = namedtuple("TypeFacts", "draws_on_parent pin_required balance_ceiling company_ids")

UID_FORMATS = [
    ("hex_msb", "Hex, reader order"),
    ("hex_lsb", "Hex, reversed order"),
    ("dec_msb", "Decimal, reader order"),
    ("dec_lsb", "Decimal, reversed order"),
    ("em4100_dec10", "EM4100 10-digit decimal"),
]


class MemberCardType(models.Model):
    """What kind of card a chain issues: its medium, who holds it, the level it
    gives, how long it lasts and the prepaid-card limits it obeys."""

    _name = "member.card.type"
    _description = "Member Card Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    medium = fields.Selection(
        [("magnetic", "Magnetic Stripe"), ("rfid", "RFID / IC"), ("qr", "Electronic (QR)")],
        required=True,
        default="magnetic",
    )
    kind = fields.Selection(
        [
            ("personal", "Personal"),
            ("linked", "Linked"),
            ("group", "Group"),
            ("supplementary", "Supplementary"),
            ("anonymous", "Anonymous"),
        ],
        required=True,
        default="personal",
        help="Linked and supplementary cards draw on their parent card's wallet.",
    )
    level_id = fields.Many2one(
        "member.level",
        string="Default Level",
        help="Level given to the holder when a card of this type is issued (e.g. a gold card).",
    )
    validity_months = fields.Integer(
        string="Validity (months)",
        help="0 means the card does not expire. An expired card stops spending; its balance "
        "stays refundable or transferable to a new card.",
    )
    issue_fee = fields.Monetary(currency_field="currency_id")
    deposit = fields.Monetary(string="Card Deposit", currency_field="currency_id")
    balance_ceiling = fields.Monetary(
        currency_field="currency_id",
        help="Highest stored balance allowed on one card (0 = no ceiling).",
    )
    real_name_required = fields.Boolean(
        string="Real Name Required",
        compute="_compute_real_name_required",
        store=True,
        readonly=False,
    )
    pin_required = fields.Boolean(
        string="PIN for Balance Payments", help="Balance payments ask for the card PIN."
    )
    draws_on_parent = fields.Boolean(
        compute="_compute_draws_on_parent", store=True, help="Spends from the parent card's wallet."
    )
    number_prefix = fields.Char(help="Prefix of generated card numbers.")
    number_pattern = fields.Char(
        string="Number Format",
        default=r"^[0-9A-Z]{4,32}$",
        required=True,
        help="Regular expression every card number of this type must match "
        "(after removing spaces and dashes, uppercase).",
    )
    uid_format = fields.Selection(
        UID_FORMATS,
        string="Chip UID Form",
        default="hex_msb",
        help="Canonical form in which chip UIDs of this type are stored.",
    )
    sequence_id = fields.Many2one(
        "ir.sequence", string="Number Sequence", help="Generates numbers when none is typed."
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Valid In",
        help="Stores (or regions, covering their stores) where these cards work. "
        "Empty: every store of the chain.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    card_count = fields.Integer(compute="_compute_card_count", string="Cards")

    _name_unique = models.Constraint("UNIQUE(name)", "A card type with this name already exists.")
    _amounts_positive = models.Constraint(
        "CHECK(issue_fee >= 0 AND deposit >= 0 AND balance_ceiling >= 0 AND validity_months >= 0)",
        "Fees, deposit, ceiling and validity cannot be negative.",
    )

    @api.depends("kind")
    def _compute_real_name_required(self):
        for card_type in self:
            card_type.real_name_required = card_type.kind != "anonymous"

    @api.depends("kind")
    def _compute_draws_on_parent(self):
        for card_type in self:
            card_type.draws_on_parent = card_type.kind in ("linked", "supplementary")

    def _compute_card_count(self):
        groups = self.env["member.card"]._read_group(
            [("type_id", "in", self.ids)], ["type_id"], ["__count"]
        )
        counts = {card_type.id: count for card_type, count in groups}
        for card_type in self:
            card_type.card_count = counts.get(card_type.id, 0)

    @api.constrains("kind", "validity_months", "real_name_required")
    def _check_anonymous_rules(self):
        for card_type in self:
            if card_type.kind != "anonymous":
                continue
            if 0 < card_type.validity_months < ANONYMOUS_MIN_VALIDITY_MONTHS:
                raise ValidationError(
                    self.env._(
                        "An anonymous card must stay valid at least %(months)s months "
                        "(prepaid card rules).",
                        months=ANONYMOUS_MIN_VALIDITY_MONTHS,
                    )
                )
            if card_type.real_name_required:
                raise ValidationError(self.env._("An anonymous card cannot require a real name."))

    @api.constrains("number_pattern")
    def _check_number_pattern(self):
        for card_type in self:
            try:
                re.compile(card_type.number_pattern)
            except re.error as error:
                raise ValidationError(
                    self.env._("The number format is not a valid regular expression: %s", error)
                ) from error

    @api.onchange("kind")
    def _onchange_kind(self):
        ceiling_param = (
            "member_base.anonymous_ceiling"
            if self.kind == "anonymous"
            else "member_base.registered_ceiling"
        )
        default = (
            DEFAULT_ANONYMOUS_CEILING if self.kind == "anonymous" else DEFAULT_REGISTERED_CEILING
        )
        value = self.env["ir.config_parameter"].sudo().get_param(ceiling_param)
        self.balance_ceiling = float(value) if value else default
        if self.kind == "anonymous" and self.validity_months < ANONYMOUS_MIN_VALIDITY_MONTHS:
            self.validity_months = ANONYMOUS_MIN_VALIDITY_MONTHS

    @tools.ormcache("self.id")
    def _member_type_facts(self):
        """What every payment at the till checks of its card's type, cached
        for the registry (cleared when a card type is created, changed or
        deleted)."""
        self.ensure_one()
        card_type = self.sudo()
        return TypeFacts(
            draws_on_parent=card_type.draws_on_parent,
            pin_required=card_type.pin_required,
            balance_ceiling=card_type.balance_ceiling,
            company_ids=frozenset(card_type.company_ids.ids),
        )

    @api.model_create_multi
    def create(self, vals_list):
        card_types = super().create(vals_list)
        self.env.registry.clear_cache()  # _member_type_facts
        return card_types

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()  # _member_type_facts
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _member_type_facts
        return res

    def _is_valid_in(self, company):
        """Whether cards of this type work in ``company`` (a store). Store
        staff may not read their head office or region: ids are compared."""
        self.ensure_one()
        valid_in = self._member_type_facts().company_ids
        return not valid_in or bool(valid_in & set(company._member_store_facts().parent_ids))

    def _normalize_number(self, number):
        return re.sub(r"[\s\-]", "", number or "").upper()

    def _check_number_format(self, number):
        """Raise a clear error when ``number`` does not fit this type's format."""
        self.ensure_one()
        if not re.fullmatch(self.number_pattern, number or ""):
            raise ValidationError(
                self.env._(
                    "Card number %(number)s does not match the format of card type %(type)s.",
                    number=number or "",
                    type=self.display_name,
                )
            )

    def _next_number(self):
        self.ensure_one()
        sequence = self.sequence_id or self.env.ref("member_base.seq_member_card_number")
        return (self.number_prefix or "") + sequence.sudo().next_by_id()
