import { registry } from "@web/core/registry";

// A cashier lands on the desk, types a card number and lands on the card;
// back on the desk, types the holder's mobile with spaces and lands on the
// same card; a number nobody has says so.
registry.category("web_tour.tours").add("member_base_desk", {
    steps: () => [
        {
            content: "The desk's search box has the focus",
            trigger: ".o_member_home input.o_member_home_input:focus",
        },
        {
            content: "Type (or swipe) a card number with spaces",
            trigger: ".o_member_home input.o_member_home_input",
            run: "edit 7310 0000 01 && press Enter",
        },
        {
            content: "The card opens",
            trigger: ".o_form_view div[name='name']:contains('7310000001')",
        },
        {
            content: "Back to the desk",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Type the holder's mobile with spaces",
            trigger: ".o_member_home input.o_member_home_input",
            run: "edit 137 9603 0465 && press Enter",
        },
        {
            content: "The same card opens",
            trigger: ".o_form_view div[name='name']:contains('7310000001')",
        },
        {
            content: "Back to the desk",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "A number nobody has",
            trigger: ".o_member_home input.o_member_home_input",
            run: "edit 7399 9999 99 && press Enter",
        },
        {
            content: "is refused with the reason",
            trigger: ".o_member_home_error:contains('7399999999')",
        },
    ],
});
