import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

/**
 * A member slip printed by the POS printer service (or the browser), from the
 * same payload the box's ``/member_iot/print_slip`` prints
 * (``pos.config.member_iot_slips``).
 */
export class MemberSlip extends Component {
    static template = "member_pos.MemberSlip";
    static props = { slip: Object };

    get title() {
        return (
            this.props.slip.title ||
            (this.props.slip.type === "topup" ? _t("Top-up Slip") : _t("Consumption Slip"))
        );
    }

    money(value) {
        return value === undefined || value === null || value === ""
            ? ""
            : `${this.props.slip.currency || ""}${value}`;
    }

    /** [label, value] of the slip's lines, those without a value left out. */
    get pairs() {
        const slip = this.props.slip;
        return [
            [_t("Card"), slip.card],
            [_t("Member"), slip.member],
            [
                slip.type === "topup" ? _t("Top-up Amount") : _t("Amount Paid"),
                this.money(slip.amount),
            ],
            [_t("Bonus"), this.money(slip.bonus)],
            [_t("Balance Before"), this.money(slip.balance_before)],
            [_t("Balance After"), this.money(slip.balance_after)],
            [_t("Points Earned"), slip.points],
            [_t("Points Balance"), slip.points_balance],
        ].filter(([, value]) => value !== undefined && value !== null && value !== "");
    }

    get footerPairs() {
        const slip = this.props.slip;
        return [
            [_t("Time"), slip.date],
            [_t("Cashier"), slip.operator],
            [_t("Reference"), slip.reference],
        ].filter(([, value]) => value);
    }
}
