import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { NumberPopup } from "@point_of_sale/app/components/popups/number_popup/number_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { MemberPanel } from "@member_pos/app/components/member_panel/member_panel";
import { MemberOnlineTopupDialog } from "./online_topup_dialog";

patch(MemberPanel.prototype, {
    get onlineTopupEnabled() {
        return Boolean(this.pos.config.member_online_topup_provider_id);
    },

    /**
     * Top-up paid by the member's phone: the server creates the top-up
     * transaction of the till's provider and gives its QR code; the card is
     * credited when the provider confirms, not by the till.
     */
    async topUpByQr() {
        const amount = await makeAwaitable(this.pos.dialog, NumberPopup, {
            title: _t("Top-up Amount"),
        });
        if (!(parseFloat(amount) > 0)) {
            return;
        }
        let topup;
        try {
            topup = await this.pos.data.call("pos.session", "member_pos_online_topup_create", [
                [this.pos.session.id],
                this.props.member.card_number,
                amount,
            ]);
        } catch {
            this.pos.memberShowError(_t("The server could not be reached: try again."));
            return;
        }
        if (!topup.ok) {
            this.pos.memberShowError(topup.message);
            return;
        }
        this.props.close();
        this.pos.dialog.add(MemberOnlineTopupDialog, { topup });
    },
});
