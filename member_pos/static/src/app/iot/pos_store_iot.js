import { reactive } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/services/pos_store";
import { MemberPanel } from "@member_pos/app/components/member_panel/member_panel";
import { MemberIotBox } from "@member_pos/app/iot/member_iot_box";
import { MemberSlip } from "@member_pos/app/iot/member_slip";

// the long poll: the box holds a call up to POLL_WAIT seconds
export const POLL_WAIT = 25;
// pause between two polls answered at once (a box that never waits is not
// called in a tight loop), and after errors (doubled each time, up to MAX)
export const POLL_PAUSE_MS = 250;
export const RETRY_MIN_MS = 2000;
export const RETRY_MAX_MS = 30000;

/**
 * The till and the store's IoT box (pos.config member_iot_*): card reads
 * waited for on a timer (one call at a time, ``setTimeout`` between calls,
 * backing off after errors, stopped when the POS closes) and looked up as a
 * typed or scanned card; member slips sent to the box's printer, else to the
 * POS printer service (the browser's print without a printer).
 */
patch(PosStore.prototype, {
    async afterProcessServerData() {
        const result = await super.afterProcessServerData(...arguments);
        this.memberIotStart();
        return result;
    },

    async closePos() {
        this.memberIotStop();
        return super.closePos(...arguments);
    },

    memberIotBox() {
        const config = this.config;
        if (!this._memberIotBox && config.member_iot_url && config._member_iot_secret) {
            this._memberIotBox = new MemberIotBox(config.member_iot_url, config._member_iot_secret);
        }
        return this._memberIotBox || null;
    },

    /** Start waiting for the box's card reads (when the till reads cards there). */
    memberIotStart() {
        if (this.memberIotRunning) {
            return; // one wait at a time, whatever calls this again
        }
        // what the cashier sees of the box: "connecting", "connected",
        // "unreachable", "refused"; ``reader``: "connected" or "disconnected"
        this.memberIotState = reactive({ status: "connecting", reader: "connected", message: "" });
        if (!this.config.member_iot_card_reader || !this.memberIotBox()) {
            this.memberIotState.status = "off";
            return;
        }
        this.memberIotRunning = true;
        this.memberIotCursor = null;
        this.memberIotRetry = 0;
        this.memberIotHandshake = true;
        this.memberIotSchedule(0);
    },

    memberIotStop() {
        this.memberIotRunning = false;
        clearTimeout(this.memberIotTimer);
        this.memberIotTimer = null;
        this._memberIotBox?.abort();
    },

    memberIotSchedule(delay) {
        clearTimeout(this.memberIotTimer);
        if (this.memberIotRunning) {
            this.memberIotTimer = setTimeout(() => this.memberIotPoll(), delay);
        }
    },

    /** One call to the box: a handshake (at the start and after an error: the
     * cashier soon knows the box is back), else a long poll. The next call
     * is scheduled on a timer, whatever the answer. */
    async memberIotPoll() {
        this.memberIotTimer = null;
        if (!this.memberIotRunning) {
            return;
        }
        let answer;
        try {
            if (this.memberIotHandshake) {
                await this.memberIotBox().call("/hw_proxy/handshake", {}, { timeout: 10000 });
                this.memberIotHandshake = false;
                this.memberIotRetry = 0;
                Object.assign(this.memberIotState, { status: "connected", message: "" });
                this.memberIotSchedule(0);
                return;
            }
            answer = await this.memberIotBox().call(
                "/member_iot/card/wait",
                { cursor: this.memberIotCursor, timeout: POLL_WAIT },
                { timeout: (POLL_WAIT + 10) * 1000 }
            );
        } catch (error) {
            if (!this.memberIotRunning) {
                return;
            }
            this.memberIotRetry = Math.min(
                this.memberIotRetry ? this.memberIotRetry * 2 : RETRY_MIN_MS,
                RETRY_MAX_MS
            );
            this.memberIotHandshake = true;
            Object.assign(this.memberIotState, {
                status: error.refused ? "refused" : "unreachable",
                message: error.message,
            });
            this.memberIotSchedule(error.refused ? RETRY_MAX_MS : this.memberIotRetry);
            return;
        }
        this.memberIotRetry = 0;
        Object.assign(this.memberIotState, { status: "connected", message: "" });
        this.memberIotCursor = answer.cursor ?? this.memberIotCursor;
        const reads = answer.reads || [];
        this.memberIotSchedule(reads.length ? 0 : POLL_PAUSE_MS);
        for (const read of reads) {
            await this.memberIotOnRead(read);
        }
    },

    /** What a read on the box's reader does at this till. */
    async memberIotOnRead(read) {
        if (read.status) {
            this.memberIotState.reader = read.status === "connected" ? "connected" : "disconnected";
            return;
        }
        this.memberIotState.reader = "connected";
        if (read.error) {
            this.notification.add(_t("The card could not be read: swipe it again."), {
                type: "warning",
            });
            return;
        }
        // the box's normalised value (a QR code: its token, verified by the
        // server) goes through the lookup of a typed or scanned card
        const raw = read.kind === "qr" ? read.token : read.value || read.candidates?.[0];
        if (!raw || !this.memberIotMayAct()) {
            return;
        }
        if (this.memberIotAsking || document.querySelector(".member-pos-panel")) {
            // the member search or a member panel is open: the read replaces it
            this.dialog.closeAll();
        }
        const member = await this.memberLookup(raw);
        if (member) {
            this.dialog.add(MemberPanel, { member });
        }
    },

    /** The screen where a scanned card is read (the product screen), and no
     * other dialog the read would cover. */
    memberIotMayAct() {
        if (this.router.state.current !== "ProductScreen") {
            return false;
        }
        const dialogs = [...document.querySelectorAll(".o_dialog")];
        const others = dialogs.filter((dialog) => !dialog.querySelector(".member-pos-panel"));
        if (others.length && !this.memberIotAsking) {
            this.notification.add(_t("Close the open dialog, then swipe the card again."), {
                type: "warning",
            });
            return false;
        }
        return true;
    },

    async memberAsk() {
        this.memberIotAsking = true;
        try {
            return await super.memberAsk(...arguments);
        } finally {
            this.memberIotAsking = false;
        }
    },

    // -- member slips ---------------------------------------------------------

    memberIotHasSlips(order) {
        return (
            this.config.member_iot_print_slips &&
            order?.isSynced &&
            (order.lines.some((line) => line.member_topup_card) ||
                order.payment_ids.some(
                    (payment) =>
                        payment.payment_method_id?.use_payment_terminal === "member_balance"
                ))
        );
    },

    /** Print the member slips of a validated, synced order (never blocks the till). */
    async memberIotPrintSlips(order) {
        if (!this.memberIotHasSlips(order)) {
            return;
        }
        let slips;
        try {
            slips = await this.data.call("pos.config", "member_iot_slips", [
                [this.config.id],
                [order.id],
            ]);
        } catch {
            this.notification.add(
                _t("The member slip could not be prepared: server unreachable."),
                {
                    type: "warning",
                }
            );
            return;
        }
        for (const { slip } of slips) {
            await this.memberIotPrintSlip(slip);
        }
    },

    async memberIotPrintSlip(slip) {
        const box = this.config.member_iot_printer && this.memberIotBox();
        if (box) {
            let answer;
            try {
                answer = await box.call("/member_iot/print_slip", {
                    slip,
                    printer: this.config.member_iot_printer,
                });
            } catch (error) {
                answer = { result: false, message: error.message };
            }
            if (answer?.result) {
                this.notification.add(
                    _t("Member slip printed on %(printer)s.", { printer: answer.printer }),
                    { type: "success" }
                );
                return true;
            }
            this.notification.add(
                _t("The IoT box could not print the member slip (%(message)s): printed here.", {
                    message: answer?.message || "-",
                }),
                { type: "warning" }
            );
        }
        try {
            return await this.printer.print(MemberSlip, { slip }, { webPrintFallback: true });
        } catch (error) {
            this.notification.add(error?.body || _t("The member slip could not be printed."), {
                type: "danger",
            });
            return false;
        }
    },
});
