import { Component, onMounted, onWillStart, useRef, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The Membership desk: one search box that takes whatever a cashier swipes,
 * scans or types (a keyboard-wedge reader ends with Enter) and lands on the
 * card or the member, through the server's lookup service (member.home).
 */
export class MemberHome extends Component {
    static template = "member_base.MemberHome";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        this.input = useRef("query");
        this.state = useState({ error: "", busy: false, store: "", shortcuts: [] });
        onWillStart(async () => {
            const data = await this.orm.call("member.home", "get_home_data", []);
            Object.assign(this.state, data);
        });
        onMounted(() => this.input.el?.focus());
    }

    onKeydown(ev) {
        // isComposing: Enter that ends an IME composition (pinyin) is not a search
        if (ev.key === "Enter" && !ev.isComposing) {
            ev.preventDefault();
            this.search();
        }
    }

    async search() {
        const query = this.input.el.value;
        if (this.state.busy || !query.trim()) {
            return;
        }
        this.state.busy = true;
        this.state.error = "";
        try {
            const result = await this.orm.call("member.home", "lookup", [query]);
            if (result.error) {
                this.state.error = result.error;
                this.input.el.select();
                return;
            }
            if (result.message) {
                this.notification.add(result.message, { type: "warning" });
            }
            this.input.el.value = "";
            await this.action.doAction(result.action);
        } finally {
            this.state.busy = false;
        }
    }

    openShortcut(shortcut) {
        return this.action.doAction(shortcut.action);
    }
}

registry.category("actions").add("member_base.home", MemberHome);
