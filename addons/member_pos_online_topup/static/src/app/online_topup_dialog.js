import { Component, onMounted, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";

/** Poll the server this often while the top-up is pending (ms). */
export const POLL_INTERVAL = 3000;

/**
 * The QR code of a top-up paid by the member's phone (WeChat Pay, Alipay):
 * the member scans it; the dialog asks the server what became of the
 * top-up until the provider has confirmed it and the card is credited.
 * The till never tells the server that it is paid.
 */
export class MemberOnlineTopupDialog extends Component {
    static template = "member_pos_online_topup.MemberOnlineTopupDialog";
    static components = { Dialog };
    static props = { topup: Object, close: Function };

    setup() {
        this.pos = usePos();
        this.state = useState({ state: "pending", credited: false, balance: null, message: "" });
        onMounted(() => {
            this.timer = setInterval(() => this.poll(), POLL_INTERVAL);
        });
        onWillUnmount(() => clearInterval(this.timer));
    }

    get qrSrc() {
        const value = encodeURIComponent(this.props.topup.qr_code);
        return `/report/barcode/?barcode_type=QR&width=260&height=260&value=${value}`;
    }

    get finished() {
        return this.state.credited || ["cancel", "error"].includes(this.state.state);
    }

    async poll() {
        if (this.polling || this.finished) {
            return;
        }
        this.polling = true;
        try {
            const answer = await this.pos.data.call(
                "pos.session",
                "member_pos_online_topup_status",
                [[this.pos.session.id], this.props.topup.tx_id]
            );
            if (answer.ok) {
                Object.assign(this.state, {
                    state: answer.state,
                    credited: answer.credited,
                    balance: answer.balance ?? null,
                    message: "",
                });
            } else {
                this.state.message = answer.message;
            }
        } catch {
            this.state.message = _t("The server could not be reached: trying again.");
        } finally {
            this.polling = false;
        }
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
