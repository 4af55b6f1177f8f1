import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as PosLoyalty from "@pos_loyalty/../tests/tours/utils/pos_loyalty_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// A member_marketing campaign's coupon (a code of an Odoo loyalty coupon
// program, sent to the member) redeemed at the till: the member found by
// card, the code entered, the discount applied, the order paid; on a member
// day, whose name and doubled points the receipt shows.
registry.category("web_tour.tours").add("member_campaign_coupon_tour", {
    steps: () =>
        [
            {
                // the till's data can take a while on a loaded machine
                content: "wait for the till to load",
                trigger: ".screen-login .btn.open-register-btn",
                timeout: 60000,
            },
            Chrome.startPoS(),
            {
                content: "open the member search",
                trigger: ".member-pos-find",
                run: "click",
            },
            {
                content: "type the member's card number",
                trigger: ".modal textarea",
                run: "edit MW900000077",
            },
            Dialog.confirm("Apply"),
            {
                content: "the member panel shows the member",
                trigger: ".modal .member-pos-name:contains('MBT Campaign Member')",
            },
            {
                content: "the member panel shows the portrait of the nightly run",
                trigger: ".modal .member-pos-fact:contains('Visits (30 / 90 / 365 days)'):contains('1 / 1 / 1')",
            },
            Dialog.confirm("Ok"),
            {
                content: "the member is the order's customer",
                trigger: ".set-partner:contains('MBT Campaign Member')",
            },
            ProductScreen.addOrderline("MBT Coffee", "2"),
            PosLoyalty.orderTotalIs("60.00"),
            PosLoyalty.enterCode("MBTCAMP-0001"),
            PosLoyalty.hasRewardLine("10% on your order", "-6.00"),
            PosLoyalty.orderTotalIs("54.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickNumpad("5 4"),
            PaymentScreen.clickValidate(),
            {
                // the order's sync (its picking, the coupon's points) can take a while
                content: "the order is saved",
                trigger: ".receipt-screen",
                timeout: 60000,
            },
            {
                content: "the receipt names the member day, and only this store's",
                trigger:
                    ".receipt-screen .member-pos-receipt-benefit:contains('Member Day: MBT Double Points (points ×2)')",
            },
            {
                content: "the receipt shows the doubled points",
                trigger: ".receipt-screen .member-pos-receipt-earned:contains('108')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
