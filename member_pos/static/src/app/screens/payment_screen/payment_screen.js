import { patch } from "@web/core/utils/patch";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";

patch(PaymentScreen.prototype, {
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
