from decimal import Decimal

from odoo import Command, fields, models

ROW_STATUSES = [
    ("ok", "Ready"),
    ("error", "Error"),
    ("already", "Already Imported"),
    ("posted", "Imported"),
]


class MemberOpeningImportLine(models.TransientModel):
    """One row of an opening-balance file, as read and checked."""

    _name = "member.opening.import.line"
    _description = "Opening Balance Import Row"
    _order = "row_number, id"

    wizard_id = fields.Many2one(
        "member.opening.import", required=True, ondelete="cascade", index=True
    )
    row_number = fields.Integer(string="Row", readonly=True)
    card_number = fields.Char(string="Card Number", readonly=True)
    card_id = fields.Many2one("member.card", string="Card", readonly=True)
    store_id = fields.Many2one("res.company", string="Store", readonly=True)
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    principal = fields.Monetary(string="Paid-in Value", readonly=True)
    bonus = fields.Monetary(string="Bonus Value", readonly=True)
    points = fields.Integer(readonly=True)
    points_date = fields.Date(string="Points Earned On", readonly=True)
    package_product_id = fields.Many2one("product.product", string="Package", readonly=True)
    package_uses = fields.Integer(string="Package Uses", readonly=True)
    package_expiry = fields.Date(string="Package Valid Until", readonly=True)
    row_key = fields.Char(string="Row Key", readonly=True)
    idempotency_key = fields.Char(readonly=True)
    status = fields.Selection(ROW_STATUSES, readonly=True, default="ok")
    message = fields.Char(readonly=True)
    move_id = fields.Many2one("member.wallet.move", string="Posting", readonly=True)

    def _post_opening(self, wizard):
        """Post this row as one 'opening' posting with its idempotency key."""
        self.ensure_one()
        card = self.card_id
        wallet = card._get_wallet()
        store = self.store_id
        Line = self.env["member.wallet.line"]
        quantum = Decimal(1).scaleb(-wallet.currency_id.decimal_places)
        deltas = []
        for asset in ("principal", "bonus"):
            amount = Decimal(str(self[asset])).quantize(quantum)
            if amount:
                deltas.append({"asset": asset, "amount": amount, "kind": "opening"})
        if self.points:
            delta = {"asset": "points", "amount": self.points, "kind": "opening"}
            if self.points_date and "points_earned_date" in Line._fields:
                delta["points_earned_date"] = self.points_date
            deltas.append(delta)
        package = self.env["member.package"] if "member.package" in self.env else None
        if self.package_product_id and self.package_uses and package is not None:
            template = self.package_product_id.product_tmpl_id
            day = store._member_local_today()
            expiry = self.package_expiry or template._member_package_expiry(day)
            package = package._as_service().create(
                {
                    "wallet_id": wallet.id,
                    "card_id": card.id,
                    "product_id": self.package_product_id.id,
                    "service_product_ids": [Command.set(template.member_package_product_ids.ids)],
                    "company_id": store.id,
                    "price": 0.0,
                    "paid_by": "other",
                    "sale_date": day,
                    "note": self.env._("Opening balance"),
                }
            )
            delta = {
                "asset": "package",
                "amount": self.package_uses,
                "kind": "package_sale",
                "package_id": package.id,
                "package_price": 0.0,
                "package_expiry_date": expiry,
            }
            deltas.append(
                {
                    k: v
                    for k, v in delta.items()
                    if k in ("asset", "amount", "kind") or k in Line._fields
                }
            )
        move, _answer = wallet._post(
            "opening",
            deltas,
            key=self.idempotency_key,
            card=card,
            company=store,
            note=self.env._(
                "Opening balance imported from %s", wizard.file_name or wizard.file_hash
            ),
            source=package if package else None,
            request={
                "principal": self.principal,
                "bonus": self.bonus,
                "points": self.points,
                "package": self.package_product_id.id,
                "uses": self.package_uses,
            },
            card_check=None,
        )
        if package:
            package._as_service().write({"sale_move_id": move.id})
        return move
