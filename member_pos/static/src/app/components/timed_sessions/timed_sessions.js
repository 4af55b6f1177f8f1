import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

/**
 * Timed sessions (计时) at the till: the store's tables and rooms with
 * their running sessions; start (for the order's member, if any), pause,
 * resume, stop. Stopping adds the charge the server computed to the order;
 * the session is paid when the order reaches the server.
 */
export class TimedSessions extends Component {
    static template = "member_pos.TimedSessions";
    static components = { Dialog };
    static props = { resources: Array, productId: [Number, Boolean], close: Function };

    setup() {
        this.pos = usePos();
        this.state = useState({ resources: this.props.resources });
    }

    async run(action, resource) {
        const member = this.pos.getOrder()?.uiState.member;
        const answer = await this.pos.memberTimedCall(action, {
            resource_id: resource.id,
            session_id: resource.session?.id || false,
            card_ref: action === "start" && member ? member.card_number : false,
        });
        if (!answer) {
            return;
        }
        this.state.resources = answer.resources;
        if (action === "stop" && answer.session) {
            await this.addCharge(answer.session, answer.product_id);
        }
    }

    async addCharge(session, productId) {
        const product = this.pos.models["product.product"].get(productId);
        if (!product) {
            this.pos.memberShowError(_t("This product is not available in this point of sale."));
            return;
        }
        if (session.amount > 0) {
            await this.pos.addLineToCurrentOrder(
                {
                    product_tmpl_id: product.product_tmpl_id,
                    product_id: product,
                    price_unit: session.amount,
                    member_timed_session_ref: session.id,
                },
                {},
                false
            );
        }
        this.props.close();
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
