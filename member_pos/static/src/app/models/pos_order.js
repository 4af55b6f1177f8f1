import { patch } from "@web/core/utils/patch";
import { roundDecimals } from "@web/core/utils/numbers";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

const recordId = (record) => (typeof record === "number" ? record : record?.id);

// Member prices: the level's discount is put on the lines when the member
// becomes the order's customer and taken off when the customer is removed or
// changed (the server refuses a discount beyond the level at sync). A product
// with a fixed price for the member's level (member.level.price) gets instead
// the discount that brings the line's unit price to that price.
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

    /** The fixed member price of ``product`` for the customer's level, or
     * undefined (no member, no such price: the level's discount applies). */
    memberFixedPrice(product) {
        const partner = this.getPartner();
        const levelId = partner?.is_member && recordId(partner.member_level_id);
        const templateId = recordId(product?.product_tmpl_id);
        if (!levelId || !templateId) {
            return undefined;
        }
        const price = this.models["member.level.price"]?.find(
            (record) =>
                recordId(record.level_id) === levelId &&
                recordId(record.raw.product_tmpl_id) === templateId
        );
        return price ? price.price : undefined;
    },

    /** The discount (%) that brings ``priceUnit`` to the member ``price``,
     * rounded as the server does (the discount's decimals), never negative. */
    memberFixedDiscount(price, priceUnit) {
        if (!(priceUnit > 0)) {
            return 0;
        }
        const digits =
            this.models["decimal.precision"].find((dp) => dp.name === "Discount")?.digits ?? 2;
        const discount = roundDecimals((1 - price / priceUnit) * 100, digits);
        return Math.min(Math.max(discount, 0), 100);
    },

    /** The member discount (%) of a line of ``product`` at ``priceUnit``:
     * the level's fixed price of the product, else the level's discount. */
    memberLineDiscount(product, priceUnit) {
        const price = this.memberFixedPrice(product);
        return price === undefined
            ? this.memberLevelDiscount()
            : this.memberFixedDiscount(price, priceUnit);
    },

    /** Whether member prices apply to a line of ``product`` (not to top-ups,
     * amount-only sales, services paid by a package or with points, returns). */
    memberDiscountAppliesTo(product, vals = {}) {
        return Boolean(
            product &&
                !vals.member_package_ref &&
                !vals.member_points_redeemed &&
                !vals.member_timed_session_ref &&
                !vals.refunded_orderline_id &&
                !vals.combo_parent_id &&
                product.id !== recordId(this.config.member_topup_product_id) &&
                product.id !== recordId(this.config.member_quick_product_id)
        );
    },

    memberApplyLevelDiscount() {
        for (const line of this.lines) {
            this.memberApplyLineDiscount(line);
        }
    },

    /** Put the member discount on ``line`` (a discount the cashier typed on
     * the line stays as it is). */
    memberApplyLineDiscount(line) {
        if (!this.memberDiscountAppliesTo(line.product_id, line)) {
            return;
        }
        const discount = this.memberLineDiscount(line.product_id, line.price_unit);
        if ((line.discount || 0) === (line.member_discount || 0)) {
            line.setDiscount(discount);
        }
        line.member_discount = discount;
    },
});
