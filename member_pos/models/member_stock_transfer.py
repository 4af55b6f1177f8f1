from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

# Fields that only the transfer's steps write (as superuser, after their own
# checks of the user's role and stores): a manager may edit a draft transfer's
# stores and lines, never jump a step by writing these over JSON-RPC.
SERVICE_FIELDS = {
    "name",
    "pushed",
    "state",
    "picking_ids",
    "requested_by_id",
    "approved_by_id",
    "shipped_by_id",
    "received_by_id",
    "date_shipped",
    "date_received",
}
DEFAULTS = {"name": "/", "state": "draft"}


def _set_value(field, value):
    """Whether a client's ``value`` for a step's field sets something (an
    empty value or the field's default, as a form sends them, does not)."""
    if not value or value == DEFAULTS.get(field):
        return False
    if isinstance(value, (list, tuple)):  # x2many commands: only an empty set
        return any(command[0] != Command.SET or command[2] for command in value)
    return True


class MemberStockTransfer(models.Model):
    """A transfer of goods between two stores of the chain (调拨): the
    receiving store requests (or head office pushes), the shipping store
    approves and ships out of its warehouse into the inter-company transit
    location, the receiving store receives what arrived (possibly less, the
    difference reported), head office closes what never arrives. Every
    quantity moves by Odoo pickings; this record owns the steps and who may
    take them."""

    _name = "member.stock.transfer"
    _description = "Stock Transfer between Stores"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    source_company_id = fields.Many2one(
        "res.company",
        string="Shipping Store",
        required=True,
        index=True,
        tracking=True,
        domain=[("member_company_kind", "=", "store")],
    )
    dest_company_id = fields.Many2one(
        "res.company",
        string="Receiving Store",
        required=True,
        index=True,
        tracking=True,
        domain=[("member_company_kind", "=", "store")],
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("in_transit", "In Transit"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    pushed = fields.Boolean(
        string="Pushed by Head Office",
        readonly=True,
        copy=False,
        help="Head office sent it: approved when requested.",
    )
    line_ids = fields.One2many("member.stock.transfer.line", "transfer_id", string="Products")
    picking_ids = fields.Many2many("stock.picking", string="Pickings", readonly=True, copy=False)
    requested_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    shipped_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    received_by_id = fields.Many2one(
        "res.users", string="Last Received By", readonly=True, copy=False
    )
    date_shipped = fields.Datetime(readonly=True, copy=False)
    date_received = fields.Datetime(string="Last Received On", readonly=True, copy=False)
    has_difference = fields.Boolean(compute="_compute_has_difference", store=True)
    note = fields.Text()

    _stores_differ = models.Constraint(
        "CHECK (source_company_id != dest_company_id)",
        "A transfer goes from one store to another store.",
    )

    @api.depends("line_ids.qty_difference", "state")
    def _compute_has_difference(self):
        for transfer in self:
            transfer.has_difference = transfer.state == "done" and any(
                line.qty_difference for line in transfer.line_ids
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if any(_set_value(field, vals[field]) for field in SERVICE_FIELDS & set(vals)):
                    raise AccessError(self.env._("A transfer's steps are taken with its buttons."))
                for field in SERVICE_FIELDS & set(vals):  # a client's defaults: dropped
                    del vals[field]
                # before the record rules, for the clearer message
                self.new(vals)._check_step_allowed("request")
        transfers = super().create(vals_list)
        for transfer in transfers:
            if not self.env.su:
                transfer._check_step_allowed("request")
            if transfer.name == "/":
                transfer.sudo().name = (
                    self.env["ir.sequence"].sudo().next_by_code("member.stock.transfer") or "/"
                )
        return transfers

    def write(self, vals):
        if not self.env.su:
            if SERVICE_FIELDS & set(vals):
                raise AccessError(self.env._("A transfer's steps are taken with its buttons."))
            for transfer in self:
                # the lines check their own changes (only To Receive, in transit)
                if transfer.state != "draft" and set(vals) - {"note", "line_ids"}:
                    raise UserError(self.env._("Transfer %s is no longer a draft.", transfer.name))
        result = super().write(vals)
        if not self.env.su and {"source_company_id", "dest_company_id"} & set(vals):
            for transfer in self:
                transfer._check_step_allowed("request")
        return result

    def unlink(self):
        if not self.env.su:
            if any(t.state not in ("draft", "cancel") for t in self):
                raise UserError(self.env._("Only a draft or cancelled transfer can be deleted."))
            for transfer in self:
                transfer._check_step_allowed("request")
        return super().unlink()

    # ------------------------------------------------------------------
    # Steps (buttons)
    # ------------------------------------------------------------------

    def action_request(self):
        """Send the request to the shipping store (head office: pushed,
        approved at once)."""
        for transfer in self:
            transfer._check_state("draft")
            transfer._check_step_allowed("request")
            if not transfer.line_ids:
                raise UserError(self.env._("Add the products to transfer first."))
            head_office = transfer._is_head_office()
            values = {"state": "requested", "requested_by_id": self.env.uid}
            if head_office:
                values.update(state="approved", pushed=True, approved_by_id=self.env.uid)
            transfer.sudo().write(values)
        return True

    def action_approve(self):
        for transfer in self:
            transfer._check_state("requested")
            transfer._check_step_allowed("approve")
            transfer.sudo().write({"state": "approved", "approved_by_id": self.env.uid})
        return True

    def action_ship(self):
        """Ship out of the shipping store's warehouse into transit: one
        delivery of that store, refused when its stock is short."""
        for transfer in self:
            transfer._check_state("approved")
            transfer._check_step_allowed("ship")
            quantities = {line: line.qty_requested for line in transfer.line_ids}
            source = transfer._warehouse(transfer.source_company_id)
            picking = transfer._move(
                source.out_type_id,
                source.lot_stock_id,
                self._transit_location(),
                quantities,
                check_available=True,
            )
            service = transfer.sudo()
            for line, qty in quantities.items():
                line.sudo().write({"qty_shipped": qty, "qty_to_receive": qty})
            service.write(
                {
                    "state": "in_transit",
                    "shipped_by_id": self.env.uid,
                    "date_shipped": fields.Datetime.now(),
                    "picking_ids": [Command.link(picking.id)],
                }
            )
        return True

    def action_receive(self):
        """Receive what arrived (each line's *To Receive*, by default all that
        is in transit) into the receiving store's warehouse. What is still in
        transit after it is reported; the transfer is done when nothing is."""
        for transfer in self:
            transfer._check_state("in_transit")
            transfer._check_step_allowed("receive")
            quantities = {}
            for line in transfer.line_ids:
                qty = line.qty_to_receive
                if line.product_uom_id.compare(qty, 0) < 0:
                    raise UserError(self.env._("A received quantity cannot be negative."))
                if line.product_uom_id.compare(qty, line.qty_in_transit) > 0:
                    raise UserError(
                        self.env._(
                            "%(product)s: %(qty)s received, but only %(transit)s are in transit.",
                            product=line.product_id.display_name,
                            qty=qty,
                            transit=line.qty_in_transit,
                        )
                    )
                if qty:
                    quantities[line] = qty
            if not quantities:
                raise UserError(self.env._("Enter the quantities that arrived."))
            dest = transfer._warehouse(transfer.dest_company_id)
            picking = transfer._move(
                dest.in_type_id, self._transit_location(), dest.lot_stock_id, quantities
            )
            for line, qty in quantities.items():
                line.sudo().qty_received = line.qty_received + qty
            for line in transfer.line_ids:
                line.sudo().qty_to_receive = line.qty_in_transit  # the rest, next time
            transfer.sudo().write(
                {
                    "received_by_id": self.env.uid,
                    "date_received": fields.Datetime.now(),
                    "picking_ids": [Command.link(picking.id)],
                }
            )
            missing = transfer.line_ids.filtered("qty_in_transit")
            if missing:
                transfer.message_post(body=transfer._difference_message(missing))
            else:
                transfer.sudo().state = "done"
        return True

    def action_close_difference(self):
        """Head office closes a transfer whose rest never arrives: the rest
        leaves transit for the receiving store's inventory loss location."""
        for transfer in self:
            transfer._check_state("in_transit")
            if not transfer._is_head_office():
                raise AccessError(
                    self.env._("Only head office closes a transfer with a difference.")
                )
            missing = transfer.line_ids.filtered("qty_in_transit")
            if missing:
                loss = (
                    self.env["stock.location"]
                    .sudo()
                    .search(
                        [
                            ("usage", "=", "inventory"),
                            ("company_id", "=", transfer.dest_company_id.id),
                        ],
                        limit=1,
                    )
                )
                quantities = {line: line.qty_in_transit for line in missing}
                dest = transfer._warehouse(transfer.dest_company_id)
                picking = transfer._move(
                    dest.in_type_id, self._transit_location(), loss, quantities
                )
                for line, qty in quantities.items():
                    line.sudo().qty_lost = line.qty_lost + qty
                transfer.sudo().picking_ids = [Command.link(picking.id)]
                transfer.message_post(body=transfer._difference_message(missing, closed=True))
            transfer.sudo().state = "done"
        return True

    def action_cancel(self):
        for transfer in self:
            if transfer.state not in ("draft", "requested", "approved"):
                raise UserError(
                    self.env._(
                        "Transfer %s has shipped: it can no longer be cancelled.", transfer.name
                    )
                )
            if not (
                transfer._allowed_at(transfer.source_company_id)
                or transfer._allowed_at(transfer.dest_company_id)
            ):
                raise AccessError(
                    self.env._("Only the stores of the transfer or head office cancel it.")
                )
            transfer.sudo().state = "cancel"
        return True

    # ------------------------------------------------------------------
    # Private
    # ------------------------------------------------------------------

    def _check_state(self, state):
        if self.state != state:
            raise UserError(
                self.env._(
                    "Transfer %(name)s is %(state)s: this step is not possible now.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[self.state],
                )
            )

    def _check_draft_edit(self):
        """Lines change while the transfer is a draft, by who may request it."""
        for transfer in self:
            transfer._check_state("draft")
            transfer._check_step_allowed("request")

    def _is_head_office(self):
        return self.env.su or self.env.user.has_group("member_base.group_member_head_office")

    def _allowed_at(self, company):
        """A store manager of ``company`` (the user works there), or head
        office."""
        if self._is_head_office():
            return True
        return (
            self.env.user.has_group("member_base.group_member_manager")
            and company in self.env.user.company_ids
        )

    def _check_step_allowed(self, step):
        """Requesting and receiving belong to the receiving store, approving
        and shipping to the shipping store; head office may take any step."""
        self.ensure_one()
        company = self.dest_company_id if step in ("request", "receive") else self.source_company_id
        if not self._allowed_at(company):
            messages = {
                "request": self.env._(
                    "Only a manager of %s or head office requests this transfer."
                ),
                "approve": self.env._(
                    "Only a manager of %s or head office approves this transfer."
                ),
                "ship": self.env._("Only a manager of %s or head office ships this transfer."),
                "receive": self.env._(
                    "Only a manager of %s or head office receives this transfer."
                ),
            }
            raise AccessError(messages[step] % company.sudo().name)

    @api.model
    def _transit_location(self):
        """Odoo's inter-company transit location: company-less, so the
        shipping store's delivery puts the goods there and the receiving
        store's receipt takes them (a store's own inter-warehouse transit
        location belongs to that store and the other could not receive)."""
        location = self.env.ref("stock.stock_location_inter_company").sudo()
        if not location.active:
            location.active = True
        return location

    @api.model
    def _warehouse(self, company):
        """The store's warehouse (the first one), created when the store has
        none yet."""
        Warehouse = self.env["stock.warehouse"].sudo()
        warehouse = Warehouse.search([("company_id", "=", company.id)], limit=1)
        if not warehouse:
            code = (company.member_store_code or f"S{company.id}")[-5:]
            warehouse = Warehouse.with_company(company).create(
                {"name": company.name, "code": code, "company_id": company.id}
            )
        return warehouse

    def _move(self, picking_type, location, location_dest, quantities, check_available=False):
        """A picking of ``picking_type`` moving ``quantities`` ({line: qty}),
        validated (as superuser: the step's rights were checked)."""
        company = picking_type.company_id
        Picking = self.env["stock.picking"].sudo().with_company(company)
        picking = Picking.create(
            {
                "picking_type_id": picking_type.id,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "company_id": company.id,
                "origin": self.name,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "product_uom_qty": qty,
                            "product_uom": line.product_uom_id.id,
                            "location_id": location.id,
                            "location_dest_id": location_dest.id,
                            "company_id": company.id,
                        }
                    )
                    for line, qty in quantities.items()
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        if check_available:
            for move in picking.move_ids:
                if move.product_uom.compare(move.quantity, move.product_uom_qty) < 0:
                    raise UserError(
                        self.env._(
                            "%(store)s has %(available)s of %(product)s available, "
                            "%(qty)s are to ship.",
                            store=company.name,
                            available=move.quantity,
                            product=move.product_id.display_name,
                            qty=move.product_uom_qty,
                        )
                    )
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        return picking

    @api.model
    def _member_demo_stock(self, product_id, company_id, qty):
        """Demo data: ``qty`` of the product on hand in the store's warehouse."""
        company = self.env["res.company"].browse(company_id)
        self.env["stock.quant"].sudo()._update_available_quantity(
            self.env["product.product"].browse(product_id),
            self._warehouse(company).lot_stock_id,
            qty,
        )

    def _difference_message(self, lines, closed=False):
        rows = ", ".join(
            self.env._(
                "%(product)s: %(shipped)s shipped, %(received)s received, %(missing)s missing",
                product=line.product_id.display_name,
                shipped=line.qty_shipped,
                received=line.qty_received,
                missing=line.qty_in_transit if not closed else line.qty_lost,
            )
            for line in lines
        )
        if closed:
            return self.env._("Closed with a difference (written off): %s", rows)
        return self.env._("Received with a difference (still in transit): %s", rows)
