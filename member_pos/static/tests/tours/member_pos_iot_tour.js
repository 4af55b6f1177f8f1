/* global posmodel */
import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as NumberPopup from "@point_of_sale/../tests/generic_helpers/number_popup_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";

// The till against the fake IoT box of member_pos/tests/test_iot_frontend.py.
registry.category("web_tour.tours").add("member_pos_iot_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            {
                content: "the card is swiped on the box's reader (the test's queue)",
                trigger: ".pos .product-screen",
                run: async () => {
                    // a route of the fake box only, standing for the swipe
                    const response = await fetch(`${posmodel.config.member_iot_url}/fake_box/swipe`, {
                        method: "POST",
                        headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: {} }),
                    });
                    const answer = await response.json();
                    if (!answer.result?.length) {
                        throw new Error(`the fake box did not swipe: ${JSON.stringify(answer)}`);
                    }
                },
            },
            {
                content: "the till's long poll got it: the member panel shows the member",
                trigger: '.modal .member-pos-name:contains("MBT Box Member")',
            },
            {
                content: "with the balance",
                trigger: ".modal .member-pos-balance:contains('100.00')",
            },
            {
                content: "top up from the member panel",
                trigger: ".modal .member-pos-topup",
                run: "click",
            },
            NumberPopup.enterValue("500"),
            Dialog.confirm(),
            {
                content: "the server says the bonus and what the card will hold",
                trigger: ".modal .modal-body:contains('40.00'):contains('640.00')",
            },
            Dialog.confirm(),
            ProductScreen.selectedOrderlineHas("MBT Top-up", "1", "500.00"),
            {
                content: "the swiped member is the order's customer",
                trigger: ".set-partner:contains('MBT Box Member')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            {
                content: "the top-up slip was printed on the box's printer",
                trigger: ".o_notification:contains('Member slip printed on front')",
            },
        ].flat(),
});
