import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
        throw new Error(
            `the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`
        );
    }
}

// A visitor on a phone (375 × 812) signs up: name, mobile, store, the terms
// (the marketing SMS left unticked); a code is sent.
registry.category("web_tour.tours").add("member_signup_phone", {
    url: "/member/register",
    steps: () => [
        {
            trigger: ".o_member_signup_form",
            run: fitsTheScreen,
        },
        {
            content: "Name",
            trigger: "input#member_signup_name",
            run: "edit 王小明",
        },
        {
            content: "Mobile",
            trigger: "input#member_signup_mobile",
            run: "edit 139 0000 7788",
        },
        {
            content: "Accept the terms",
            trigger: "input#member_signup_terms",
            run: "click",
        },
        {
            content: "Ask for the code",
            trigger: ".o_member_signup_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The code is sent",
            trigger: ".o_member_signup_code_sent:contains('+8613900007788')",
            run: fitsTheScreen,
        },
    ],
});

// The same visitor types the code received by SMS (the test reads it from
// the SMS queue) and a password: a member, on their e-card page.
registry.category("web_tour.tours").add("member_signup_phone_confirm", {
    url: "/member/register",
    steps: () => [
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
    ],
});
