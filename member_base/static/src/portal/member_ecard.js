/**
 * The e-card on /my/member: asks the server for a fresh signed code of each
 * active card and shows it as a QR image, again every half lifetime of a
 * code, on timers (never a tight loop); a code that could not be renewed is
 * hidden when it expires. The code never appears in a URL.
 */
(function () {
    "use strict";

    function ask(cardId) {
        return fetch("/my/member/qr", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            credentials: "same-origin",
            body: JSON.stringify({
                jsonrpc: "2.0",
                method: "call",
                params: { card_id: cardId },
            }),
        }).then((response) => response.json());
    }

    function start(ecard) {
        const img = ecard.querySelector(".o_member_qr");
        const status = ecard.querySelector(".o_member_qr_status");
        const cardId = parseInt(ecard.dataset.cardId, 10);
        let expiresAt = 0;
        let failures = 0;

        function schedule(seconds) {
            window.setTimeout(refresh, Math.max(2, seconds) * 1000);
        }

        function hideIfExpired() {
            if (Date.now() >= expiresAt) {
                img.classList.add("d-none");
                img.removeAttribute("src");
            }
        }

        function refresh() {
            if (document.hidden) {
                schedule(5); // nobody looks: ask when the page is shown again
                return;
            }
            ask(cardId)
                .then((body) => {
                    const result = body.result || {};
                    if (body.error || result.error) {
                        throw new Error(result.error || (body.error.data || {}).message || "");
                    }
                    failures = 0;
                    img.src = result.image;
                    img.classList.remove("d-none");
                    ecard.dataset.qrState = "shown";
                    status.textContent = "";
                    expiresAt = Date.now() + result.expires_in * 1000;
                    window.setTimeout(hideIfExpired, result.expires_in * 1000 + 100);
                    schedule(result.expires_in / 2);
                })
                .catch((error) => {
                    failures += 1;
                    hideIfExpired();
                    status.textContent = error.message || status.dataset.offline || "";
                    ecard.dataset.qrState = "error";
                    schedule(Math.min(60, 5 * failures));
                });
        }
        refresh();
    }

    function init() {
        document
            .querySelectorAll(".o_member_ecard[data-active='1']")
            .forEach((ecard) => start(ecard));
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
