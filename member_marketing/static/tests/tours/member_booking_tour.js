import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
        throw new Error(
            `the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`
        );
    }
}

// A member on a phone (375 × 812) goes from their e-card to the bookings,
// books room A1 of their store for tomorrow (the test gives the date in a
// cookie) 19:00, an hour and a half, and sees the booking listed.
registry.category("web_tour.tours").add("member_booking_phone", {
    url: "/my/member",
    steps: () => [
        {
            content: "Bookings, from the e-card",
            trigger: "a.o_member_bookings_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Nothing booked yet",
            trigger: ".o_member_booking_none",
            run: fitsTheScreen,
        },
        {
            content: "The room",
            trigger: "select#member_booking_what",
            run: () => {
                const select = document.querySelector("select#member_booking_what");
                const option = [...select.options].find((o) =>
                    o.textContent.includes("MMT Portal Room A1")
                );
                select.value = option.value;
            },
        },
        {
            content: "Tomorrow",
            trigger: "input#member_booking_date",
            run: () => {
                const day = document.cookie.match(/mbt_booking_date=([\d-]+)/)[1];
                document.querySelector("input#member_booking_date").value = day;
            },
        },
        {
            content: "At 19:00",
            trigger: "input#member_booking_time",
            run: () => {
                document.querySelector("input#member_booking_time").value = "19:00";
            },
        },
        {
            content: "For an hour and a half",
            trigger: "select#member_booking_minutes",
            run: "select 90",
        },
        {
            trigger: ".o_member_booking_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Booked, and listed",
            trigger: ".o_member_booking_done",
        },
        {
            trigger: ".o_member_booking:contains('MMT Portal Room A1'):contains('19:00–20:30')",
            run: fitsTheScreen,
        },
    ],
});
