import * as ReceiptScreen from "@point_of_sale/../tests/pos/tours/utils/receipt_screen_util";

/**
 * The receipt screen comes once the order reached the server (sync_from_ui: the
 * order, its picking, its payments, the member's postings, ~180 queries). On a
 * loaded test machine that took 6 to 12 s, past the 10 s a step waits by default
 * (the till on "Loading…" meanwhile, no error): wait as Odoo's own slow POS steps do.
 * A real hang still fails.
 */
export function receiptAfterSync() {
    return ReceiptScreen.isShown().map((step) => ({ ...step, timeout: 30000 }));
}
