import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";
import { NumberPopup } from "@point_of_sale/app/components/popups/number_popup/number_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";

export class MemberPanel extends Component {
    static template = "member_pos.MemberPanel";
    static components = { Dialog };
    static props = { member: Object, close: Function };

    setup() {
        this.pos = usePos();
    }

    get quickProduct() {
        const product = this.pos.config.member_quick_product_id;
        return typeof product === "number"
            ? this.pos.models["product.product"].get(product)
            : product || false;
    }

    /** Quick consumption (快速消费): the configured product at a typed amount. */
    async quickSale() {
        const product = this.quickProduct;
        const amount = await makeAwaitable(this.pos.dialog, NumberPopup, {
            title: _t("Quick Consumption Amount"),
        });
        const price = parseFloat(amount);
        if (!product || !(price > 0)) {
            return;
        }
        await this.pos.addLineToCurrentOrder(
            { product_tmpl_id: product.product_tmpl_id, product_id: product, price_unit: price },
            {},
            false
        );
        this.props.close();
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
