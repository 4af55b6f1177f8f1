import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

// Member prices: the level's discount is put on the lines when the member
// becomes the order's customer and taken off when the customer is removed or
// changed (the server refuses a discount beyond the level at sync).
patch(PosOrder.prototype, {
    setPartner(partner) {
        super.setPartner(...arguments);
        if (this.uiState.member && this.uiState.member.partner_id !== partner?.id) {
            this.uiState.member = undefined;
        }
        this.memberApplyLevelDiscount();
    },

    /** The discount (%) of the customer's member level, 0 for anyone else. */
    memberLevelDiscount() {
        const partner = this.getPartner();
        return (partner && partner.is_member && partner.member_level_discount) || 0;
    },

    /** Whether member prices apply to a line of ``product`` (not to top-ups,
     * amount-only sales, services paid by a package or with points, returns). */
    memberDiscountAppliesTo(product, vals = {}) {
        const id = (record) => (typeof record === "number" ? record : record?.id);
        return Boolean(
            product &&
                !vals.member_package_ref &&
                !vals.member_points_redeemed &&
                !vals.member_timed_session_ref &&
                !vals.refunded_orderline_id &&
                !vals.combo_parent_id &&
                product.id !== id(this.config.member_topup_product_id) &&
                product.id !== id(this.config.member_quick_product_id)
        );
    },

    memberApplyLevelDiscount() {
        const discount = this.memberLevelDiscount();
        for (const line of this.lines) {
            if (!this.memberDiscountAppliesTo(line.product_id, line)) {
                continue;
            }
            // a discount the cashier typed on the line stays as it is
            if ((line.discount || 0) === (line.member_discount || 0)) {
                line.setDiscount(discount);
            }
            line.member_discount = discount;
        }
    },
});
