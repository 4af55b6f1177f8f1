import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
        throw new Error(
            `the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`
        );
    }
}

// A visitor on a phone (375 × 812) who asked for a code (name, mobile,
// store, terms) types the code received by SMS (the test reads it from the
// SMS queue) and a password: a member, on their e-card page with its QR; then
// they write a message to their store and see it listed.
registry.category("web_tour.tours").add("member_signup_phone", {
    url: "/member/register",
    steps: () => [
        {
            content: "The code was sent",
            trigger: ".o_member_signup_code_sent:contains('+8613900007788')",
            run: fitsTheScreen,
        },
        {
            content: "The code",
            trigger: "input#member_signup_code",
            run: () => {
                const code = document.cookie.match(/mbt_signup_code=(\d+)/)[1];
                const input = document.querySelector("input#member_signup_code");
                input.value = code;
            },
        },
        {
            content: "A password",
            trigger: "input#member_signup_password",
            run: "edit mbt-secret-9",
        },
        {
            trigger: ".o_member_signup_confirm button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Welcome, with an e-card",
            trigger: ".o_member_welcome",
        },
        {
            trigger: ".o_member_ecard[data-qr-state='shown'] img.o_member_qr[src^='data:image/png']",
            run: fitsTheScreen,
        },
        // the new member writes to their store from the e-card page
        {
            content: "Messages, from the e-card",
            trigger: "a.o_member_messages_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Write to the store",
            trigger: "textarea#member_message_body",
            run: "edit 请问周末几点开门？",
        },
        {
            trigger: ".o_member_message_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Sent, and listed",
            trigger: ".o_member_message_sent",
        },
        {
            trigger: ".o_member_message:contains('请问周末几点开门')",
            run: fitsTheScreen,
        },
    ],
});
