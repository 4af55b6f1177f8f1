import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";

patch(OrderSummary.prototype, {
    /** A line paid with points is removed whole (its points go back to the
     * card at once), never changed: redeem again instead. A package use is
     * not changed either (the server checked that one use was left). */
    _setValue(val) {
        const line = this.currentOrder.getSelectedOrderline();
        if (line?.member_package_ref && !line.refunded_orderline_id && val !== "remove") {
            this.pos.memberShowError(
                _t("A use of a package is added from the member panel, one at a time.")
            );
            return;
        }
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
