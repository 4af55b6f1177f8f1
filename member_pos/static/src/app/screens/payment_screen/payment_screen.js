import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
    /** A discount beyond the member's level (a product with a fixed price
     * for the level: beyond the discount that gives that price) is refused
     * here, before the order is paid, rather than by the server when it syncs. */
    async validateOrder(isForceValidate) {
        const order = this.currentOrder;
        if (order.getPartner()?.is_member) {
            const allowedOn = (line) => order.memberLineDiscount(line.product_id, line.price_unit);
            const over = order.lines.find(
                (line) =>
                    !line.refunded_orderline_id && (line.discount || 0) > allowedOn(line) + 1e-6
            );
            if (over) {
                const allowed = allowedOn(over);
                this.dialog.add(AlertDialog, {
                    title: _t("Member Prices"),
                    body: _t(
                        "The discount on %(product)s is more than the member's level allows (at most %(allowed)s percent).",
                        { product: over.getFullProductName(), allowed }
                    ),
                });
                return;
            }
        }
        return super.validateOrder(...arguments);
    },

    /** A done member-balance line removed before validation: the debit is
     * given back to the card first. */
    async deletePaymentLine(uuid) {
        const line = this.paymentLines.find((line) => line.uuid === uuid);
        if (
            line?.payment_method_id.use_payment_terminal === "member_balance" &&
            line.getPaymentStatus() === "done"
        ) {
            const terminal = line.payment_method_id.payment_terminal;
            if (!(await terminal.cancelDebit(this.currentOrder, uuid))) {
                return;
            }
            this.currentOrder.removePaymentline(line);
            this.numberBuffer.reset();
            return;
        }
        return super.deletePaymentLine(...arguments);
    },
});
