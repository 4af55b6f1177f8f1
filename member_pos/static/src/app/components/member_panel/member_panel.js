import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { usePos } from "@point_of_sale/app/hooks/pos_hook";
import { NumberPopup } from "@point_of_sale/app/components/popups/number_popup/number_popup";
import { SelectionPopup } from "@point_of_sale/app/components/popups/selection_popup/selection_popup";
import { makeAwaitable, ask } from "@point_of_sale/app/utils/make_awaitable_dialog";
import { uuidv4 } from "@point_of_sale/utils";

export class MemberPanel extends Component {
    static template = "member_pos.MemberPanel";
    static components = { Dialog };
    static props = { member: Object, close: Function };

    setup() {
        this.pos = usePos();
    }

    get quickProduct() {
        const product = this.pos.config.member_quick_product_id;
        return typeof product === "number"
            ? this.pos.models["product.product"].get(product)
            : product || false;
    }

    /** Quick consumption (快速消费): the configured product at a typed amount. */
    async quickSale() {
        const product = this.quickProduct;
        const amount = await makeAwaitable(this.pos.dialog, NumberPopup, {
            title: _t("Quick Consumption Amount"),
        });
        const price = parseFloat(amount);
        if (!product || !(price > 0)) {
            return;
        }
        await this.pos.addLineToCurrentOrder(
            { product_tmpl_id: product.product_tmpl_id, product_id: product, price_unit: price },
            {},
            false
        );
        this.props.close();
    }

    get topupProduct() {
        const product = this.pos.config.member_topup_product_id;
        return typeof product === "number"
            ? this.pos.models["product.product"].get(product)
            : product || false;
    }

    /**
     * Top-up at the till (充值): the server says the bonus and the stored
     * value after; the top-up product is added at the amount, and the card
     * is topped up when the paid order reaches the server.
     */
    async topUp() {
        const product = this.topupProduct;
        const amount = await makeAwaitable(this.pos.dialog, NumberPopup, {
            title: _t("Top-up Amount"),
        });
        if (!product || !(parseFloat(amount) > 0)) {
            return;
        }
        let preview;
        try {
            preview = await this.pos.data.call("pos.session", "member_pos_topup_preview", [
                [this.pos.session.id],
                this.props.member.card_number,
                amount,
            ]);
        } catch {
            this.pos.memberShowError(_t("The server could not be reached: try again."));
            return;
        }
        if (!preview.ok) {
            this.pos.memberShowError(preview.message);
            return;
        }
        const confirmed = await ask(this.pos.dialog, {
            title: _t("Top Up"),
            body: _t("Top up %(amount)s, bonus %(bonus)s: stored value after %(after)s.", {
                amount: this.format(preview.amount),
                bonus: this.format(preview.bonus),
                after: this.format(preview.balance_after),
            }),
        });
        if (!confirmed) {
            return;
        }
        await this.pos.addLineToCurrentOrder(
            {
                product_tmpl_id: product.product_tmpl_id,
                product_id: product,
                price_unit: preview.amount,
                member_topup_card: this.props.member.card_number,
            },
            {},
            false
        );
        this.props.close();
    }

    /**
     * A use of a package (计次消费): the covered service at price 0, once
     * the server said the package has a use left for it (the uses already on
     * the order counted); the use is posted when the paid order reaches the
     * server.
     */
    async usePackage(pkg) {
        let service = pkg.services[0];
        if (pkg.services.length > 1) {
            service = await makeAwaitable(this.pos.dialog, SelectionPopup, {
                title: _t("Service"),
                list: pkg.services.map((s) => ({ id: s.id, label: s.name, item: s })),
            });
        }
        const product = service && this.pos.models["product.product"].get(service.id);
        if (!service) {
            return;
        }
        if (!product) {
            this.pos.memberShowError(
                _t("%s is not available in this point of sale.", service.name)
            );
            return;
        }
        const order = this.pos.getOrder();
        const onOrder = order.lines
            .filter((line) => line.member_package_ref === pkg.id)
            .reduce((total, line) => total + line.qty, 0);
        let answer;
        try {
            answer = await this.pos.data.call("pos.session", "member_pos_package_check", [
                [this.pos.session.id],
                this.props.member.card_number,
                pkg.id,
                service.id,
                onOrder + 1,
            ]);
        } catch {
            this.pos.memberShowError(_t("The server could not be reached: try again."));
            return;
        }
        if (!answer.ok) {
            this.pos.memberShowError(answer.message);
            return;
        }
        await this.pos.addLineToCurrentOrder(
            {
                product_tmpl_id: product.product_tmpl_id,
                product_id: product,
                price_unit: 0,
                member_package_ref: pkg.id,
            },
            {},
            false
        );
        this.props.close();
    }

    /**
     * Points redeemed (积分兑换) for a gift (at price 0) or as a cash
     * deduction (a negative line): the server spends the points before the
     * line is added, keyed by the order and the line; removing the line gives
     * them back.
     */
    async redeemPoints() {
        const member = this.props.member;
        const choice = await makeAwaitable(this.pos.dialog, SelectionPopup, {
            title: _t("Redeem Points"),
            list: [
                { id: 0, label: _t("Cash deduction"), item: { cash: true } },
                ...(member.gifts || []).map((gift) => ({
                    id: gift.id,
                    label: _t("%(gift)s (%(points)s points)", {
                        gift: gift.name,
                        points: gift.points,
                    }),
                    item: gift,
                })),
            ],
        });
        if (!choice) {
            return;
        }
        let points = null;
        if (choice.cash) {
            points = parseInt(
                await makeAwaitable(this.pos.dialog, NumberPopup, {
                    title: _t("Points to Redeem"),
                })
            );
            if (!(points > 0)) {
                return;
            }
        }
        let pin = null;
        if (member.pin_required) {
            pin = await makeAwaitable(this.pos.dialog, NumberPopup, {
                title: _t("Card PIN"),
                formatDisplayedValue: (value) => "•".repeat(String(value).length),
            });
            if (!pin) {
                return;
            }
        }
        const order = this.pos.getOrder();
        const lineUuid = uuidv4();
        let answer;
        try {
            answer = await this.pos.data.call("pos.session", "member_pos_redeem", [
                [this.pos.session.id],
                member.card_number,
                order.uuid,
                lineUuid,
                points,
                choice.cash ? false : choice.id,
                pin,
            ]);
        } catch {
            this.pos.memberShowError(_t("The server could not be reached: try again."));
            return;
        }
        if (!answer.ok) {
            this.pos.memberShowError(answer.message);
            return;
        }
        const product = this.pos.models["product.product"].get(answer.product_id);
        if (!product) {
            await this.pos.memberCancelRedemption(order, lineUuid);
            this.pos.memberShowError(_t("This product is not available in this point of sale."));
            return;
        }
        await this.pos.addLineToCurrentOrder(
            {
                product_tmpl_id: product.product_tmpl_id,
                product_id: product,
                price_unit: choice.cash ? -answer.cash_amount : 0,
                uuid: lineUuid,
                member_points_redeemed: answer.points,
            },
            {},
            false
        );
        member.points = answer.points_left;
        this.props.close();
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
