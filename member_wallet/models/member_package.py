from odoo import api, fields, models
from odoo.exceptions import UserError

PACKAGE_STATES = [
    ("draft", "Being Sold"),
    ("active", "Active"),
    ("used_up", "Used Up"),
    ("expired", "Expired"),
    ("refunded", "Refunded"),
    ("cancelled", "Cancelled"),
]

# Fields only the wallet service changes, under the wallet lock.
SERVICE_FIELDS = {
    "wallet_id",
    "card_id",
    "product_id",
    "service_product_ids",
    "uses_remaining",
    "uses_total",
    "price_total",
    "expiry_date",
    "state",
    "company_id",
    "price",
    "paid_by",
    "sale_move_id",
}


class MemberPackage(models.Model):
    """A counted package (计次) on a wallet: N uses of some services, valid
    until a date. Uses change only through ledger lines of the package asset
    (sale, use, renewal, refund, expiry, reversal), applied by the wallet
    service under the wallet's row lock; ``uses_remaining`` always equals
    the sum of the package's ledger lines."""

    _name = "member.package"
    _description = "Member Package"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    wallet_id = fields.Many2one(
        "member.wallet", required=True, readonly=True, index=True, ondelete="restrict"
    )
    card_id = fields.Many2one(
        "member.card", string="Sold On Card", required=True, readonly=True, ondelete="restrict"
    )
    wallet_card_id = fields.Many2one(related="wallet_id.card_id", string="Card")
    partner_id = fields.Many2one(
        related="wallet_id.partner_id", store=True, string="Member", index=True
    )
    product_id = fields.Many2one(
        "product.product", string="Package", required=True, readonly=True, ondelete="restrict"
    )
    service_product_ids = fields.Many2many(
        "product.product",
        "member_package_service_product_rel",
        "package_id",
        "product_id",
        string="Covered Services",
        readonly=True,
        help="The services covered, as they were when the package was sold.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Sold In",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    currency_id = fields.Many2one(related="wallet_id.currency_id")
    price = fields.Monetary(string="Sale Price", readonly=True)
    price_total = fields.Monetary(
        string="Total Paid", readonly=True, help="Sale price plus renewals: the base of refunds."
    )
    paid_by = fields.Selection(
        [("balance", "Stored Value"), ("other", "Other Means")], readonly=True
    )
    sale_date = fields.Date(readonly=True)
    expiry_date = fields.Date(string="Valid Until", readonly=True, index=True)
    uses_total = fields.Integer(string="Uses Bought", readonly=True, default=0)
    uses_remaining = fields.Integer(string="Uses Left", readonly=True, default=0)
    uses_used = fields.Integer(string="Uses Used", compute="_compute_uses_used")
    state = fields.Selection(
        PACKAGE_STATES, default="draft", required=True, readonly=True, index=True
    )
    sale_move_id = fields.Many2one("member.wallet.move", string="Sale Posting", readonly=True)
    line_ids = fields.One2many("member.wallet.line", "package_id", string="Ledger", readonly=True)
    note = fields.Text()

    _uses_remaining_not_negative = models.Constraint(
        "CHECK(uses_remaining >= 0)", "A package cannot have fewer than zero uses left."
    )
    _uses_total_not_negative = models.Constraint(
        "CHECK(uses_total >= 0)", "A package cannot have fewer than zero uses bought."
    )
    _price_not_negative = models.Constraint(
        "CHECK(price >= 0 AND price_total >= 0)", "A package's price cannot be negative."
    )

    @api.depends("product_id", "wallet_id.card_id")
    def _compute_name(self):
        for package in self:
            package.name = (
                f"{package.product_id.name or ''} · {package.wallet_id.card_id.name or ''}"
            )

    def _compute_uses_used(self):
        used = dict.fromkeys(self.ids, 0)
        lines = self.env["member.wallet.line"].sudo().search([("package_id", "in", self.ids)])
        for line in lines:
            kind = line.reversed_line_id.kind if line.kind == "reversal" else line.kind
            if kind == "package_use":
                used[line.package_id.id] -= int(line.amount)
        for package in self:
            package.uses_used = used.get(package.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su or not self.env.context.get("member_wallet_service"):
            raise UserError(self.env._("Packages are sold through the wallet service only."))
        return super().create(vals_list)

    def write(self, vals):
        if SERVICE_FIELDS & set(vals) and not self.env.context.get("member_wallet_service"):
            raise UserError(self.env._("Package uses and validity change only through postings."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Packages are never deleted: refund or reverse them."))

    # ------------------------------------------------------------------
    # Checks (called by the wallet service under the wallet lock)
    # ------------------------------------------------------------------

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_usable(self, company, product=None, uses=1):
        """Refuse a use of this package, with the reason."""
        self.ensure_one()
        if self.state == "used_up" or (self.state == "active" and self.uses_remaining <= 0):
            raise UserError(self.env._("The package %s is used up.", self.product_id.display_name))
        if self.state in ("draft", "refunded", "cancelled", "expired"):
            raise UserError(
                self.env._(
                    "The package %(package)s cannot be used: it is %(state)s.",
                    package=self.product_id.display_name,
                    state=self._state_label(),
                )
            )
        today = company._member_local_today()
        if self.expiry_date and self.expiry_date < today:
            raise UserError(
                self.env._(
                    "The package %(package)s expired on %(date)s.",
                    package=self.product_id.display_name,
                    date=self.expiry_date,
                )
            )
        if self.uses_remaining < uses:
            raise UserError(
                self.env._(
                    "The package %(package)s has only %(left)s uses left.",
                    package=self.product_id.display_name,
                    left=self.uses_remaining,
                )
            )
        if product and product not in self.service_product_ids:
            raise UserError(
                self.env._(
                    "The package %(package)s does not cover %(product)s.",
                    package=self.product_id.display_name,
                    product=product.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Back-office actions
    # ------------------------------------------------------------------

    def _open_operation(self, operation):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Package"),
            "res_model": "member.package.operation",
            "view_mode": "form",
            "target": "new",
            "context": {"default_package_id": self.id, "default_operation": operation},
        }

    def action_use(self):
        return self._open_operation("use")

    def action_renew(self):
        return self._open_operation("renew")

    def action_refund(self):
        return self._open_operation("refund")

    def action_view_ledger(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "member_wallet.action_member_wallet_line"
        )
        action["domain"] = [("package_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def _cron_expire(self):
        """Daily: expire the uses left on packages past their date."""
        return self.env["member.wallet"]._cron_expire_packages()
