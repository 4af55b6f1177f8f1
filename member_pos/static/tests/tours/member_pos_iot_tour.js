/* global posmodel */
import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as NumberPopup from "@point_of_sale/../tests/generic_helpers/number_popup_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { registry } from "@web/core/registry";
import { receiptAfterSync } from "@member_pos/../tests/tours/utils/member_pos_util";

// The till against the fake IoT box of member_pos/tests/test_iot_frontend.py.

/** A route of the fake box only (the test's hand on the box). */
function fakeBox(what, check = () => true) {
    return {
        content: `the box: ${what}`,
        trigger: ".pos",
        run: async () => {
            const response = await fetch(`${posmodel.config.member_iot_url}/fake_box/${what}`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: {} }),
            });
            const answer = await response.json();
            if (!check(answer.result)) {
                throw new Error(`the fake box did not ${what}: ${JSON.stringify(answer)}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("member_pos_iot_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            // the box goes down: the cashier is told, the till keeps working
            fakeBox("down"),
            {
                content: "the till says the box is offline",
                trigger: ".pos-rightheader .member-iot-status .member-iot-unreachable",
            },
            {
                content: "the member search still works meanwhile (typed)",
                trigger: ".member-pos-find",
                run: "click",
            },
            {
                content: "type the card number",
                trigger: ".modal textarea",
                run: "edit 6000000000123",
            },
            Dialog.confirm("Apply"),
            {
                content: "found",
                trigger: '.modal .member-pos-name:contains("MBT Box Member")',
            },
            Dialog.confirm("Ok"),
            // back: the till's next try (after its pause) clears the status
            fakeBox("up"),
            {
                content: "the box is reachable again",
                trigger: ".pos-rightheader:not(:has(.member-iot-status))",
            },
            fakeBox("unplug"),
            {
                content: "the reader was unplugged from the box",
                trigger: ".pos-rightheader .member-iot-status .member-iot-reader-unplugged",
            },
            // a swipe on the box (plugged in again): the member panel
            fakeBox("swipe", (reads) => reads?.length === 1),
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
            receiptAfterSync(),
            {
                content: "the top-up slip was printed on the box's printer",
                trigger: ".o_notification:contains('Member slip printed on front')",
            },
            // the box's printer off: a payment from the balance, its slip printed here
            {
                content: "what the browser prints is recorded (headless: no dialog)",
                trigger: "body",
                run: () => {
                    window.print = () => {
                        const slip = document.querySelector(".render-container .member-pos-slip");
                        document.body.dataset.memberSlipPrinted = slip?.textContent || "none";
                    };
                },
            },
            ReceiptScreen.clickNextOrder(),
            fakeBox("printer_off"),
            fakeBox("swipe", (reads) => reads?.length === 1),
            {
                content: "the member again, with the new stored value",
                trigger: ".modal .member-pos-balance:contains('640.00')",
            },
            Dialog.confirm("Ok"),
            ProductScreen.clickDisplayedProduct("MBT Coffee"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Member Balance"),
            {
                content: "send the balance payment (the whole order: validated once authorised)",
                trigger: ".paymentline .send_payment_request:contains('Send')",
                run: "click",
            },
            receiptAfterSync(),
            {
                content: "the box could not print: the cashier is told",
                trigger: ".o_notification:contains('could not print the member slip')",
            },
            {
                content: "and the consumption slip went to the browser's print",
                trigger:
                    "body[data-member-slip-printed*='Consumption Slip'][data-member-slip-printed*='610.00']",
            },
        ].flat(),
});
