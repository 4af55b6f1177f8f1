import { registry } from "@web/core/registry";

/**
 * Enter confirms the dialogs of the suite: in a form marked
 * ``class="o_member_enter_submits"`` (amount wizards), Enter in a text input
 * clicks the dialog's primary button, as a cashier expects after typing an
 * amount. Many2one inputs (their own Enter picks a suggestion), text areas
 * and an Enter that ends an IME composition (pinyin) are left alone.
 */
export const memberEnterSubmitsService = {
    start() {
        document.addEventListener(
            "keydown",
            (ev) => {
                if (ev.key !== "Enter" || ev.isComposing || ev.shiftKey || ev.ctrlKey || ev.altKey) {
                    return;
                }
                const input = ev.target;
                if (
                    !(input instanceof HTMLInputElement) ||
                    ["checkbox", "radio", "button", "submit"].includes(input.type) ||
                    input.closest(".o-autocomplete, .o_field_many2one, .o_field_many2many_tags") ||
                    !input.closest(".o_member_enter_submits")
                ) {
                    return;
                }
                const button = input
                    .closest(".modal")
                    ?.querySelector(".modal-footer button.btn-primary:not([disabled])");
                if (!button) {
                    return;
                }
                ev.preventDefault();
                ev.stopPropagation();
                // commit the typed value (fields commit on change), then confirm
                input.dispatchEvent(new Event("change", { bubbles: true }));
                button.click();
            },
            true
        );
    },
};

registry.category("services").add("member_enter_submits", memberEnterSubmitsService);
