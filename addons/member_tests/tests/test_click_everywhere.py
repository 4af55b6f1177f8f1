from odoo.tests import tagged

from odoo.addons.member_base.tests.common import MemberChainHttpCase

CLICKBOT = (
    "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
    ".startClickEverywhere('member_base.menu_member_root');"
)


@tagged("post_install", "-at_install")
class TestClickEverywhere(MemberChainHttpCase):
    """Odoo's click-everywhere bot in Chromium over the Membership app, as a
    store's cashier and as head office: every menu the role sees opens, each
    of its views (list, form, kanban, pivot, graph, calendar) renders and
    every filter of its search view applies, with the role's own rights and
    no client error. The screens of every addon installed beside
    member_base (wallet, POS, marketing, reports) are in that app."""

    def click_everywhere(self, user):
        if "tour_enabled" in user._fields:
            user.sudo().tour_enabled = False
        self.browser_js(
            "/odoo",
            CLICKBOT,
            "odoo.isReady === true",
            login=user.login,
            timeout=900,
            success_signal="clickbot test succeeded",
        )

    def test_cashier_clicks_everywhere(self):
        self.click_everywhere(self.cashier_a)

    def test_head_office_clicks_everywhere(self):
        self.click_everywhere(self.head_office_user)
