import * as PosHr from "@pos_hr/../tests/tours/utils/pos_hr_helpers";
import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as PaymentScreen from "@point_of_sale/../tests/pos/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";
import * as SelectionPopup from "@point_of_sale/../tests/generic_helpers/selection_popup_util";
import { registry } from "@web/core/registry";
import { receiptAfterSync } from "@member_pos/../tests/tours/utils/member_pos_util";

function sell(product) {
    return [
        ProductScreen.clickDisplayedProduct(product),
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Cash A"),
        PaymentScreen.clickValidate(),
        receiptAfterSync(),
        ReceiptScreen.clickNextOrder(),
    ].flat();
}

// Wu (no user) logs in at the till and sells a coffee; Li (a user of her
// own) takes over and sells a cake: each order carries its employee.
registry.category("web_tour.tours").add("member_pos_hr_tour", {
    steps: () =>
        [
            // the session is open: the till asks who is there
            Chrome.clickBtn("Unlock Register"),
            PosHr.login("MBH Wu"),
            ProductScreen.isShown(),
            sell("MBH Coffee"),
            PosHr.clickCashierName(),
            SelectionPopup.has("MBH Li", { run: "click" }),
            sell("MBH Cake"),
        ].flat(),
});
