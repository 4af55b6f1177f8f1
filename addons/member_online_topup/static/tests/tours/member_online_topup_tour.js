import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
        throw new Error(`the page is ${document.documentElement.scrollWidth}px wide on ${width}px`);
    }
}

// A member on a phone (375 × 812) tops up 200 online: sees the bonus before
// paying, pays through the payment form (the fake Alipay of the test answers
// the QR code), says it is paid, and comes back to the card with the balance.
registry.category("web_tour.tours").add("member_online_topup_phone", {
    url: "/my/member",
    steps: () => [
        {
            content: "The member page offers the online top-up",
            trigger: ".o_member_topup_link a[href='/my/member/topup']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Choose 200",
            trigger: ".o_member_topup_choices a:contains('200.00')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The bonus is shown before paying",
            trigger: ".o_member_topup_summary:contains('230.00')",
            run: fitsTheScreen,
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The QR code to scan",
            trigger: ".o_alipay_qr img[src*='barcode_type=QR']",
            run: fitsTheScreen,
        },
        {
            content: "Paid",
            trigger: ".o_alipay_qr a.btn-primary",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the card, the balance credited",
            trigger: ".o_member_balance:contains('230.00')",
        },
    ],
});
