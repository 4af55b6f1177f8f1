import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PosStore } from "@point_of_sale/app/services/pos_store";
import { TextInputPopup } from "@point_of_sale/app/components/popups/text_input_popup/text_input_popup";
import { makeAwaitable } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { MemberPanel } from "@member_pos/app/components/member_panel/member_panel";
import { TimedSessions } from "@member_pos/app/components/timed_sessions/timed_sessions";

// Members are looked up on the server when the cashier asks (never
// preloaded): the till opens as fast with a million members as with fifty.
patch(PosStore.prototype, {
    memberShowError(message, title = _t("Member")) {
        this.dialog.add(AlertDialog, { title, body: message });
    },

    memberIsOffline() {
        return Boolean(this.data.network?.offline);
    },

    /**
     * The member behind what was swiped, scanned or typed, made the
     * customer of the current order (loaded from the server when the POS
     * did not preload the partner). Returns the member panel data, or false
     * after telling the cashier why not.
     */
    async memberLookup(raw) {
        if (this.memberIsOffline()) {
            // who the customer is, from the members this till saw recently;
            // balances are the server's and stay unavailable
            const seen = Object.values(this.memberCache || {}).find(
                (member) => member.card_number === String(raw).trim()
            );
            this.memberShowError(
                seen
                    ? _t(
                          "The till is offline: %(name)s (card %(card)s, %(level)s) as last seen; balances and balance payments are unavailable.",
                          {
                              name: seen.name,
                              card: seen.card_number_masked,
                              level: seen.level || "-",
                          }
                      )
                    : _t(
                          "Members are looked up on the server: unavailable while the till is offline."
                      )
            );
            return false;
        }
        let answer;
        try {
            answer = await this.data.call("pos.session", "member_pos_lookup", [
                [this.session.id],
                raw,
            ]);
        } catch {
            this.memberShowError(_t("The server could not be reached: try again."));
            return false;
        }
        if (!answer.ok) {
            this.memberShowError(answer.message);
            return false;
        }
        let partner = this.models["res.partner"].get(answer.partner_id);
        if (!partner && answer.partner_id) {
            await this.data.callRelated("res.partner", "get_new_partner", [
                this.config.id,
                [["id", "=", answer.partner_id]],
                0,
            ]);
            partner = this.models["res.partner"].get(answer.partner_id);
        }
        const member = {
            ...answer.member,
            partner_id: answer.partner_id,
            card_id: answer.card_id,
            card_number: answer.card_number,
            pin_required: answer.pin_required,
        };
        if (partner && answer.member) {
            // the server's member price of today (a level bought or changed since the
            // till loaded the partner, a member day), before the order applies it
            partner.member_level_discount = answer.member.discount || 0;
            partner.member_level_id = answer.member.level_id || false;
        }
        const order = this.getOrder();
        if (order) {
            if (partner) {
                order.setPartner(partner);
            }
            order.uiState.member = member;
        }
        // recently seen members, for the panel (balances stay the server's)
        this.memberCache = { ...(this.memberCache || {}), [answer.partner_id]: member };
        return member;
    },

    /** A line added for a member customer gets the member price: the level's
     * fixed price of the product (its discount set once the unit price is
     * known, in handlePriceUnit), else the level's discount. */
    async addLineToOrder(vals, order, opts = {}, configure = true) {
        if (order?.memberLevelDiscount && !("discount" in vals)) {
            const template =
                typeof vals.product_tmpl_id === "number"
                    ? this.models["product.template"].get(vals.product_tmpl_id)
                    : vals.product_tmpl_id;
            const product = vals.product_id || template?.product_variant_ids[0];
            const fixed = order.memberFixedPrice(product) !== undefined;
            const discount = fixed ? 0 : order.memberLevelDiscount();
            if ((fixed || discount) && order.memberDiscountAppliesTo(product, vals)) {
                vals = { ...vals, discount, member_discount: discount };
            }
        }
        return super.addLineToOrder(vals, order, opts, configure);
    },

    /** The unit price is known: a line at a fixed member price gets the
     * discount that brings it to that price. */
    handlePriceUnit(values, order, price_unit) {
        super.handlePriceUnit(...arguments);
        if (
            !("member_discount" in values) ||
            !order.memberDiscountAppliesTo(values.product_id, values)
        ) {
            return;
        }
        const price = order.memberFixedPrice(values.product_id);
        if (price !== undefined) {
            const discount = order.memberFixedDiscount(price, values.price_unit);
            values.discount = discount;
            values.member_discount = discount;
        }
    },

    /** Give back at once the points of a redemption line removed from the
     * order (else the order's sync, or the cron, reverses it). */
    async memberCancelRedemption(order, lineUuid) {
        try {
            const answer = await this.data.call("pos.session", "member_pos_redeem_cancel", [
                [this.session.id],
                order.uuid,
                lineUuid,
            ]);
            if (!answer.ok) {
                this.memberShowError(answer.message);
            }
            return answer.ok;
        } catch {
            return false;
        }
    },

    /** A call of the timed sessions (计时); the answer, or false after
     * telling the cashier why not. */
    async memberTimedCall(action, args = {}) {
        if (this.memberIsOffline()) {
            this.memberShowError(_t("Timed sessions are run on the server: unavailable offline."));
            return false;
        }
        let answer;
        try {
            answer = await this.data.call("pos.session", "member_pos_timed", [
                [this.session.id],
                action,
                args.resource_id || false,
                args.session_id || false,
                args.card_ref || false,
            ]);
        } catch {
            this.memberShowError(_t("The server could not be reached: try again."));
            return false;
        }
        if (!answer.ok) {
            this.memberShowError(answer.message);
            return false;
        }
        return answer;
    },

    async memberOpenTimed() {
        const answer = await this.memberTimedCall("list");
        if (answer) {
            this.dialog.add(TimedSessions, {
                resources: answer.resources,
                productId: answer.product_id,
            });
        }
    },

    async memberAsk() {
        const raw = await makeAwaitable(this.dialog, TextInputPopup, {
            title: _t("Find a Member"),
            placeholder: _t("Swipe or scan the card, or type a card number or phone"),
        });
        return raw && raw.trim() ? this.memberLookup(raw.trim()) : false;
    },

    async findMember() {
        const member = await this.memberAsk();
        if (member) {
            this.dialog.add(MemberPanel, { member });
        }
        return member;
    },
});
