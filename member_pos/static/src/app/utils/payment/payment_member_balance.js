import { _t } from "@web/core/l10n/translation";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentInterface } from "@point_of_sale/app/utils/payment/payment_interface";
import { register_payment_method } from "@point_of_sale/app/services/pos_store";
import { NumberPopup } from "@point_of_sale/app/components/popups/number_popup/number_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";

/**
 * The member's stored value as a payment terminal: the server authorises
 * and posts the debit when the cashier sends the payment (under the
 * wallet's lock), so an offline till can never spend a balance.
 */
export class PaymentMemberBalance extends PaymentInterface {
    setup() {
        super.setup(...arguments);
        this.supports_reversals = true;
    }

    // the cashier types the part paid from the balance, then sends it
    get fastPayments() {
        return false;
    }

    async sendPaymentRequest(uuid) {
        await super.sendPaymentRequest(...arguments);
        const order = this.pos.getOrder();
        const line = order.getPaymentlineByUuid(uuid);
        if (this.pos.memberIsOffline()) {
            this._showError(
                _t(
                    "Member balance payments are authorised by the server: unavailable while the till is offline. Use another payment method."
                )
            );
            return false;
        }
        if (line.amount < 0) {
            return this.checkReturn(order, line);
        }
        let member = order.uiState.member;
        if (!member || (order.partner_id && member.partner_id !== order.partner_id.id)) {
            member = await this.pos.memberAsk();
        }
        if (!member) {
            return false;
        }
        let pin = null;
        if (member.pin_required) {
            pin = await makeAwaitable(this.env.services.dialog, NumberPopup, {
                title: _t("Card PIN"),
                formatDisplayedValue: (value) => "•".repeat(String(value).length),
            });
            if (!pin) {
                return false;
            }
        }
        let answer;
        try {
            answer = await this.pos.data.call(
                "pos.session",
                "member_pos_authorize",
                [[this.pos.session.id], member.card_number, line.amount, order.uuid, uuid],
                { pin }
            );
        } catch {
            this._showError(
                _t(
                    "The server could not be reached: send the payment again (it is never charged twice)."
                )
            );
            return false;
        }
        if (!answer.ok) {
            this._showError(answer.message);
            return false;
        }
        line.transaction_id = String(answer.move_id);
        line.card_no = (answer.card_number || "").slice(-4);
        member.balance = answer.balance;
        member.principal = answer.principal;
        member.bonus = answer.bonus;
        order.uiState.memberBalance = { before: answer.balance_before, after: answer.balance };
        return true;
    }

    /**
     * A return gives back the share of the returned lines in what the order
     * paid from the balance (all of it for a whole return); the server moves
     * the stored value when the refund syncs.
     */
    async checkReturn(order, line) {
        const refunded = [
            ...new Set(
                order.lines.map((l) => l.refunded_orderline_id?.order_id?.id).filter(Boolean)
            ),
        ];
        let answer;
        try {
            // the returned lines: the balance gets back their share of what it paid
            const lines = order.lines
                .filter((l) => l.refunded_orderline_id)
                .map((l) => [l.refunded_orderline_id.id, -l.qty, -l.priceIncl]);
            answer = await this.pos.data.call("pos.session", "member_pos_check_return", [
                [this.pos.session.id],
                refunded,
                -line.amount,
                lines,
            ]);
        } catch {
            this._showError(_t("The server could not be reached: try again."));
            return false;
        }
        if (!answer.ok) {
            if (answer.amount > 0) {
                // what goes back to the balance, for the cashier to send
                line.setAmount(-answer.amount);
            }
            this._showError(answer.message);
            return false;
        }
        return true;
    }

    async sendPaymentCancel(order, uuid) {
        await super.sendPaymentCancel(...arguments);
        await this.cancelDebit(order, uuid);
        return true;
    }

    async sendPaymentReversal(uuid) {
        return this.cancelDebit(this.pos.getOrder(), uuid);
    }

    /** Give back what was debited for the payment line ``uuid``. */
    async cancelDebit(order, uuid) {
        let answer;
        try {
            answer = await this.pos.data.call("pos.session", "member_pos_cancel", [
                [this.pos.session.id],
                order.uuid,
                uuid,
            ]);
        } catch {
            this._showError(
                _t(
                    "The server could not be reached: the amount goes back to the card automatically if the order is not validated."
                )
            );
            return false;
        }
        if (!answer.ok) {
            this._showError(answer.message);
            return false;
        }
        if (order.uiState.member && answer.balance !== undefined) {
            order.uiState.member.balance = answer.balance;
        }
        return true;
    }

    _showError(message) {
        this.env.services.dialog.add(AlertDialog, {
            title: _t("Member Balance"),
            body: message,
        });
    }
}

register_payment_method("member_balance", PaymentMemberBalance);
