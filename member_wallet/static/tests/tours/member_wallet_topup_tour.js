import { registry } from "@web/core/registry";

// A cashier tops up a card from the card form; the stored value shows the
// top-up and its bonus.
registry.category("web_tour.tours").add("member_wallet_topup", {
    url: "/odoo/action-member_base.action_member_card",
    steps: () => [
        {
            content: "Open the card",
            trigger: ".o_data_cell:contains('7400000001')",
            run: "click",
        },
        {
            content: "Top up",
            trigger: "button[name='action_wallet_topup']",
            run: "click",
        },
        {
            content: "Type the amount",
            trigger: ".modal div[name='amount'] input",
            run: "edit 1000",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The stored value shows 1,000 paid in plus 100 bonus",
            trigger: ".o_form_view .oe_stat_button:contains('1,100.00')",
        },
    ],
});
