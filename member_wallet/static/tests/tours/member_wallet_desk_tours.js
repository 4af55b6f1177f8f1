import { registry } from "@web/core/registry";

function checkValue(text) {
    return function () {
        if (!this.anchor.value.includes(text)) {
            throw new Error(`expected “${text}” in “${this.anchor.value}”`);
        }
    };
}

// A cashier, in Chinese: types a card number on the desk and lands on the
// card; types the holder's mobile with spaces and lands on the same card;
// tops up ¥500 with the store's cash journal preselected and sees the ¥40
// bonus before confirming (Enter confirms); pays 88 and sees the points it
// earns; finds both in the card's timeline.
registry.category("web_tour.tours").add("member_wallet_cashier_desk", {
    steps: () => [
        {
            content: "The desk, in Chinese",
            trigger: ".o_member_home h2:contains('查找会员或会员卡')",
        },
        {
            content: "Swipe (type) the card number",
            trigger: ".o_member_home input.o_member_home_input:focus",
            run: "edit 7320 0000 01 && press Enter",
        },
        {
            content: "The card opens",
            trigger: ".o_form_view div[name='name']:contains('7320000001')",
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
            trigger: ".o_form_view div[name='name']:contains('7320000001')",
        },
        {
            content: "Top up",
            trigger: ".o_form_view button[name='action_wallet_topup']:contains('充值')",
            run: "click",
        },
        {
            content: "The wizard is named",
            trigger: ".modal .modal-title:contains('充值'):contains('7320000001')",
        },
        {
            content: "The payment method is labelled as money received",
            trigger: ".modal .o_form_label:contains('收款方式')",
        },
        {
            content: "The store's cash journal is preselected",
            trigger: ".modal div[name='journal_id'] input",
            run: checkValue("现金"),
        },
        {
            content: "Type 500",
            trigger: ".modal div[name='amount'] input",
            run: "edit 500 && press Tab",
        },
        {
            content: "The ¥40 bonus shows before confirming",
            trigger: ".modal div[name='bonus_preview']:contains('¥'):contains('40.00')",
        },
        {
            content: "Enter in the amount confirms",
            trigger: ".modal div[name='amount'] input",
            run: "click && press Enter",
        },
        {
            content: "A notification confirms the amounts and the bonus",
            trigger: ".o_notification:contains('500.00'):contains('40.00')",
        },
        {
            content: "The card shows ¥540",
            trigger: "body:not(:has(.modal)) .o_form_view .oe_stat_button:contains('540.00')",
        },
        {
            content: "Pay from the balance",
            trigger: ".o_form_view button[name='action_wallet_consume']",
            run: "click",
        },
        {
            content: "Type 88",
            trigger: ".modal div[name='amount'] input",
            run: "edit 88 && press Tab",
        },
        {
            content: "The points it earns show before confirming",
            trigger: ".modal div[name='points_preview']:contains('88')",
        },
        {
            content: "Enter confirms",
            trigger: ".modal div[name='amount'] input",
            run: "click && press Enter",
        },
        {
            content: "A notification says the points earned",
            trigger: ".o_notification:contains('88.00'):contains('88')",
        },
        {
            content: "The card shows ¥452",
            trigger: "body:not(:has(.modal)) .o_form_view .oe_stat_button:contains('452.00')",
        },
        {
            content: "Open the card's timeline",
            trigger: ".o_form_view button[name='action_view_operation_log']",
            run: "click",
        },
        {
            content: "The top-up is in the timeline, paid-in value and bonus together",
            trigger: ".o_list_view .o_data_row:contains('充值'):contains('540.00')",
        },
        {
            content: "The payment is in the timeline",
            trigger: ".o_list_view .o_data_row:contains('消费'):contains('88.00')",
        },
        {
            content: "The points earned are in the timeline",
            trigger: ".o_list_view .o_data_row:contains('获得积分'):contains('+88')",
        },
    ],
});

// A store manager, in Chinese: freezes a card with a reason, then unfreezes
// it with a reason.
registry.category("web_tour.tours").add("member_wallet_manager_freeze", {
    steps: () => [
        {
            content: "The card opens from the desk",
            trigger: ".o_member_home input.o_member_home_input:focus",
            run: "edit 7320000001 && press Enter",
        },
        {
            content: "Freeze",
            trigger: ".o_form_view button[name='action_freeze']:contains('冻结')",
            run: "click",
        },
        {
            content: "The reason is labelled",
            trigger: ".modal .o_form_label:contains('原因')",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit 会员出差，申请冻结",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The card is frozen",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_unfreeze']",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit 会员回来了",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The card is active again",
            trigger: "body:not(:has(.modal)) .o_form_view button[name='action_freeze']",
        },
    ],
});
