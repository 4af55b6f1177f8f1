import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as Order from "@point_of_sale/../tests/generic_helpers/order_widget_util";
import * as Numpad from "@point_of_sale/../tests/generic_helpers/numpad_util";
import * as TicketScreen from "@point_of_sale/../tests/pos/tours/utils/ticket_screen_util";
import { inLeftSide } from "@point_of_sale/../tests/pos/tours/utils/common";
import * as NumberPopup from "@point_of_sale/../tests/generic_helpers/number_popup_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/generic_helpers/utils";
import { registry } from "@web/core/registry";
import { receiptAfterSync } from "@member_pos/../tests/tours/utils/member_pos_util";

function findMember(typed) {
    return [
        {
            content: "open the member search",
            trigger: ".member-pos-find",
            run: "click",
        },
        {
            content: `type ${typed}`,
            trigger: ".modal textarea",
            run: `edit ${typed}`,
        },
        Dialog.confirm("Apply"),
    ];
}

function panelShows(name, balance) {
    return [
        {
            content: "the member panel shows the member",
            trigger: `.modal .member-pos-name:contains("${name}")`,
        },
        {
            content: "and the balance",
            trigger: `.modal .member-pos-balance:contains("${balance}")`,
        },
        {
            content: "and the level",
            trigger: ".modal .member-pos-level:contains('MBT Gold')",
        },
        Dialog.confirm("Ok"),
    ];
}

function payFromBalance(keys, amount) {
    return [
        PaymentScreen.clickPaymentMethod("Member Balance"),
        PaymentScreen.clickNumpad(keys),
        PaymentScreen.selectedPaymentlineHas("Member Balance", amount),
        {
            content: "send the balance payment",
            trigger: ".paymentline .send_payment_request:contains('Send')",
            run: "click",
        },
        {
            content: "the server authorised it",
            trigger: ".paymentlines:contains('Payment Successful')",
        },
    ].flat();
}

/** With member_marketing: a paid membership (付费会员) sold to a basic member,
 * the receipt showing the plan's level, and the next order at its member price. */
function paidMembershipSteps() {
    return [
        ReceiptScreen.clickNextOrder(),
        findMember("MW900000002"),
        {
            content: "a basic member",
            trigger: ".modal .member-pos-level:contains('MBT Basic')",
        },
        Dialog.confirm("Ok"),
        ProductScreen.clickDisplayedProduct("MBT Gold Quarter"),
        ProductScreen.selectedOrderlineHas("MBT Gold Quarter", "1", "180.00"),
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash A"),
        PaymentScreen.clickValidate(),
        receiptAfterSync(),
        {
            content: "the receipt shows the level the plan gave",
            trigger: ".pos-receipt .member-pos-receipt:contains('MBT Gold')",
        },
        ReceiptScreen.clickNextOrder(),
        ProductScreen.clickDisplayedProduct("MBT Coffee"),
        ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "30.00"),
        findMember("MW900000002"),
        {
            content: "the member is gold now",
            trigger: ".modal .member-pos-level:contains('MBT Gold')",
        },
        Dialog.confirm("Ok"),
        ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "27.00"),
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash A"),
        PaymentScreen.clickValidate(),
        receiptAfterSync(),
    ];
}

function memberPosSteps() {
    return [
            Chrome.startPoS(),
            // by card number, then by phone typed with spaces
            findMember("MW900000001"),
            panelShows("MBT Tour Member", "100.00"),
            {
                content: "the member is the order's customer",
                trigger: ".set-partner:contains('MBT Tour Member')",
            },
            findMember("139 1234 5678"),
            panelShows("MBT Tour Member", "100.00"),
            // scanned (a barcode rule of type Member Card)
            scan_barcode("MW900000001"),
            panelShows("MBT Tour Member", "100.00"),
            // quick consumption: an amount only, on the configured product
            findMember("MW900000001"),
            {
                content: "quick consumption from the member panel",
                trigger: ".modal .member-pos-quick-sale",
                run: "click",
            },
            NumberPopup.enterValue("150"),
            Dialog.confirm(),
            ProductScreen.selectedOrderlineHas("MBT Massage", "1", "150.00"),
            ProductScreen.clickPayButton(),
            // the whole 150 from a balance of 100: refused, balance shown
            PaymentScreen.clickPaymentMethod("Member Balance"),
            {
                content: "send the balance payment",
                trigger: ".paymentline .send_payment_request:contains('Send')",
                run: "click",
            },
            {
                content: "refused with the balance",
                trigger: ".modal .modal-body:contains('Insufficient balance'):contains('100.00')",
            },
            Dialog.confirm(),
            PaymentScreen.clickPaymentlineDelButton("Member Balance", "150.00"),
            // 100 from the balance, sent, then reversed before validating
            ...payFromBalance("1 0 0", "100.00"),
            {
                content: "reverse it: the card gets it back at once",
                trigger: ".paymentlines .send_payment_reversal",
                run: "click",
            },
            {
                content: "the payment is reversed",
                trigger: ".paymentlines:contains('Payment reversed')",
            },
            PaymentScreen.remainingIs("150.00"),
            // 80 from the balance, the rest in cash
            ...payFromBalance("8 0", "80.00"),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
            {
                content: "the receipt shows the stored value before and after",
                trigger: ".pos-receipt .member-pos-receipt-before:contains('100.00')",
            },
            {
                content: "after",
                trigger: ".pos-receipt .member-pos-receipt-after:contains('20.00')",
            },
            {
                content: "the masked card number",
                trigger: ".pos-receipt .member-pos-receipt:contains('*******0001')",
            },
            // top-up at the till, paid in cash
            ReceiptScreen.clickNextOrder(),
            findMember("MW900000001"),
            {
                content: "top up from the member panel",
                trigger: ".modal .member-pos-topup",
                run: "click",
            },
            NumberPopup.enterValue("500"),
            Dialog.confirm(),
            {
                content: "the server says what the card will hold",
                trigger: ".modal .modal-body:contains('520.00')",
            },
            Dialog.confirm(),
            ProductScreen.selectedOrderlineHas("MBT Top-up", "1", "500.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
            {
                content: "the receipt shows the new stored value",
                trigger: ".pos-receipt .member-pos-receipt-after:contains('520.00')",
            },
            // member prices: the gold level's 10 % on what the member buys
            ReceiptScreen.clickNextOrder(),
            ProductScreen.clickDisplayedProduct("MBT Coffee"),
            ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "30.00"),
            findMember("MW900000001"),
            panelShows("MBT Tour Member", "520.00"),
            ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "27.00"),
            Order.hasLine({ productName: "MBT Coffee", priceNoDiscount: "10% discount off" }),
            // the customer removed: the member price goes
            ProductScreen.clickPartnerButton(),
            {
                content: "unselect the member",
                trigger: ".partner-list .unselect-tag",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "30.00"),
            findMember("MW900000001"),
            panelShows("MBT Tour Member", "520.00"),
            ProductScreen.selectedOrderlineHas("MBT Coffee", "1", "27.00"),
            // a package (计次) sold at the till, at the member price too
            ProductScreen.clickDisplayedProduct("MBT Sauna Pass"),
            ProductScreen.selectedOrderlineHas("MBT Sauna Pass", "1", "90.00"),
            // 500 points as a cash deduction, spent by the server at once
            findMember("MW900000001"),
            {
                content: "redeem points from the member panel",
                trigger: ".modal .member-pos-redeem",
                run: "click",
            },
            {
                content: "as a cash deduction",
                trigger: ".modal .selection-item:contains('Cash deduction')",
                run: "click",
            },
            NumberPopup.enterValue("500"),
            Dialog.confirm(),
            ProductScreen.selectedOrderlineHas("Points Deduction", "1", "-5.00"),
            ProductScreen.clickPayButton(),
            ...payFromBalance("1 0 0", "100.00"),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
            {
                content: "the receipt shows what the member prices saved",
                trigger: ".pos-receipt .member-pos-receipt-saving:contains('13.00')",
            },
            // a use of the package: the covered service at price 0
            ReceiptScreen.clickNextOrder(),
            findMember("MW900000001"),
            {
                content: "use the sauna pass from the member panel",
                trigger:
                    ".modal .member-pos-package:contains('MBT Sauna Pass'):contains('3 uses left') .member-pos-package-use",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("MBT Sauna", "1", "0.00"),
            // a fixed member price of the gold level: 14.99, not 20.00 less 10 %
            ProductScreen.clickDisplayedProduct("MBT Tea"),
            ProductScreen.selectedOrderlineHas("MBT Tea", "1", "14.99"),
            // head office's price sync: the juice at store A's synced 24.00
            // (its list price is 26.00 since), 10 % off it for the gold level
            ProductScreen.clickDisplayedProduct("MBT Juice"),
            ProductScreen.selectedOrderlineHas("MBT Juice", "1", "21.60"),
            {
                content: "the member price is taken off the synced price",
                trigger:
                    ".orderline:has(.product-name:contains('MBT Juice')) .info-list:contains('discount off on'):contains('24.00')",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
            // a partial return: the coffee (27 of 112) gives back its share of
            // the 100 paid from the balance, 24.11, the rest in cash
            ReceiptScreen.clickNextOrder(),
            Chrome.clickOrders(),
            TicketScreen.selectFilter("Paid"),
            TicketScreen.selectOrderByPrice("112.00"),
            inLeftSide([
                ...Order.hasLine({ productName: "MBT Coffee", run: "click" }),
                Numpad.click("1"),
            ]),
            TicketScreen.confirmRefund(),
            PaymentScreen.isShown(),
            PaymentScreen.totalIs("-27.00"),
            PaymentScreen.clickPaymentMethod("Member Balance"),
            {
                content: "send the whole refund to the balance",
                trigger: ".paymentlines .send_refund_request",
                run: "click",
            },
            {
                content: "the server says the balance's share",
                trigger: ".modal .modal-body:contains('24.11')",
            },
            Dialog.confirm(),
            PaymentScreen.selectedPaymentlineHas("Member Balance", "-24.11"),
            {
                content: "send the share",
                trigger: ".paymentline .send_payment_request:contains('Retry')",
                run: "click",
            },
            {
                content: "the return to the balance is accepted",
                trigger: ".paymentlines:contains('Refund Successful')",
            },
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
            // timed sessions (计时): table 2 started and paused, table 1 stopped
            // and its hour charged on the order
            ReceiptScreen.clickNextOrder(),
            {
                content: "open the timed sessions",
                trigger: ".member-pos-timed",
                run: "click",
            },
            {
                content: "start table 2",
                trigger:
                    ".modal .member-pos-timed-resource:contains('MBT Table 2') .member-pos-timed-start",
                run: "click",
            },
            {
                content: "pause it",
                trigger:
                    ".modal .member-pos-timed-running:contains('MBT Table 2') .member-pos-timed-pause",
                run: "click",
            },
            {
                content: "table 2 is paused",
                trigger: ".modal .member-pos-timed-paused:contains('MBT Table 2')",
            },
            {
                content: "stop table 1",
                trigger:
                    ".modal .member-pos-timed-running:contains('MBT Table 1') .member-pos-timed-stop",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("Timed Session", "1", "30.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash A"),
            PaymentScreen.clickValidate(),
            receiptAfterSync(),
        ];
}

registry.category("web_tour.tours").add("member_pos_tour", {
    steps: () => memberPosSteps().flat(),
});

// the same tour, then a paid membership (run when member_marketing is installed)
registry.category("web_tour.tours").add("member_pos_tour_paid_membership", {
    steps: () => [...memberPosSteps(), ...paidMembershipSteps()].flat(),
});
