import { Component } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

export class MemberPanel extends Component {
    static template = "member_pos.MemberPanel";
    static components = { Dialog };
    static props = { member: Object, close: Function };

    setup() {
        this.pos = usePos();
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
