import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
        const wide = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .slice(0, 3)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
        throw new Error(
            `the page is ${document.documentElement.scrollWidth}px wide on a ${width}px ` +
                `screen: ${wide.join(", ")}`
        );
    }
}

// A member on a phone (375 × 812): opens the e-card from the portal home,
// sees the QR code come up and the balance, reads the history, keeps only
// the points; nothing is wider than the screen.
registry.category("web_tour.tours").add("member_portal_phone", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home offers the member card",
            trigger: "a[href='/my/member']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The e-card code comes up",
            trigger: ".o_member_ecard[data-qr-state='shown'] img.o_member_qr[src^='data:image/png']",
        },
        {
            content: "The balance and the points",
            trigger: ".o_member_balance:contains('100.00')",
        },
        {
            trigger: ".o_member_points:contains('250')",
            run: fitsTheScreen,
        },
        {
            content: "Open the history",
            trigger: "a.o_member_history_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_member_history_line",
            run: fitsTheScreen,
        },
        {
            content: "Only the points",
            trigger: "select#member_history_kind",
            run: "select points",
        },
        {
            trigger: ".o_member_history_filters button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "One line of points",
            trigger: ".o_member_history_amount:contains('+250')",
        },
        {
            trigger: "body:not(:has(.o_member_history_line:nth-child(2)))",
            run: fitsTheScreen,
        },
    ],
});
