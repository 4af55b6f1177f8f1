import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";

patch(OrderSummary.prototype, {
    /** A line paid with points is removed whole (its points go back to the
     * card at once), never changed: redeem again instead. */
    _setValue(val) {
        const line = this.currentOrder.getSelectedOrderline();
        if (line?.member_points_redeemed && !line.refunded_orderline_id) {
            if (val !== "remove") {
                this.pos.memberShowError(
                    _t("A line paid with points cannot be changed: remove it and redeem again.")
                );
                return;
            }
            this.pos.memberCancelRedemption(this.currentOrder, line.uuid);
        }
        return super._setValue(...arguments);
    },
});
