from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _member_cashier(self):
        """The employee logged in at the till (pos_hr's ``employee_id``):
        their user when they have one, else the order's user (the session's,
        whose login the till runs on); always the employee's name. Without an
        employee (a till that does not log employees in), member_pos's."""
        self.ensure_one()
        employee = self.sudo().employee_id
        if not employee:
            return super()._member_cashier()
        return employee.user_id or self.sudo().user_id, employee.name
