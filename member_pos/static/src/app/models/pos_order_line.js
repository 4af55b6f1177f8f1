import { patch } from "@web/core/utils/patch";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";

// A line at a fixed member price (member.level.price) keeps that price when its
// unit price changes (quantity, price list, the cashier's price): its member
// discount is computed again from the new unit price.
patch(PosOrderline.prototype, {
    setUnitPrice(price) {
        super.setUnitPrice(...arguments);
        const order = this.order_id;
        if (order?.memberFixedPrice?.(this.product_id) !== undefined) {
            order.memberApplyLineDiscount(this);
        }
    },
});
