import { registry } from "@web/core/registry";

// A cashier finds a member in the Members list, issues a card from the
// member form and lands on the active card.
registry.category("web_tour.tours").add("member_base_issue_card", {
    url: "/odoo/action-member_base.action_member_partner",
    steps: () => [
        {
            content: "Open the member",
            trigger: ".o_data_cell:contains('Tour Member')",
            run: "click",
        },
        {
            content: "The member form of the Membership app opens, with the member's mobile",
            trigger: ".o_form_view div[name='member_mobile']",
        },
        {
            content: "Issue a card",
            trigger: "button[name='action_issue_card']",
            run: "click",
        },
        {
            content: "Type the pre-printed card number",
            trigger: ".modal div[name='number'] input",
            run: "edit 7300 0000 01",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_issue']",
            run: "click",
        },
        {
            content: "The new card is active",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Active')",
        },
        {
            content: "with its normalised number",
            trigger: ".o_form_view div[name='name']:contains('7300000001')",
        },
    ],
});
