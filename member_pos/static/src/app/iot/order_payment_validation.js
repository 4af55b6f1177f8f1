import { patch } from "@web/core/utils/patch";
import OrderPaymentValidation from "@point_of_sale/app/utils/order_payment_validation";

patch(OrderPaymentValidation.prototype, {
    /** A validated order's member slips (top-up, consumption), once it is on
     * the server: printed in the background, the receipt screen not held. */
    async afterOrderValidation() {
        const result = await super.afterOrderValidation(...arguments);
        this.pos.memberIotPrintSlips(this.order);
        return result;
    },
});
