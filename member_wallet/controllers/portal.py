"""The member's assets and history on the portal: balances (paid-in and
bonus), points and what expires soon, packages with uses left, running
timed sessions, and every ledger line of their wallets, filtered and paged.
Read as superuser, filtered to the logged-in member's own wallets."""

from datetime import datetime, time, timedelta

import pytz

from odoo import fields, http
from odoo.http import request
from odoo.tools.translate import LazyTranslate

from odoo.addons.member_base.controllers.portal import MemberPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_lt = LazyTranslate(__name__)

# the history's filters: which ledger lines each shows, and its label
HISTORY_FILTERS = {
    "all": [],
    "stored_value": [("asset", "in", ("principal", "bonus"))],
    "points": [("asset", "=", "points")],
    "packages": [("asset", "=", "package")],
}
HISTORY_LABELS = {
    "all": _lt("All"),
    "stored_value": _lt("Stored value"),
    "points": _lt("Points"),
    "packages": _lt("Packages"),
}
HISTORY_PAGE = 20
# points that expire within this many days are shown apart
POINTS_SOON_DAYS = 30


class MemberWalletPortal(MemberPortal):
    def _member_wallets(self, cards):
        """``{card id: wallet}`` of the member's cards (a supplementary card
        shows the wallet it draws on); never creates a wallet."""
        Wallet = request.env["member.wallet"].sudo()
        mains = {card.id: card._wallet_card() for card in cards}
        wallets = Wallet.search([("card_id", "in", [main.id for main in mains.values()])])
        by_card = {wallet.card_id.id: wallet for wallet in wallets}
        return {card_id: by_card.get(main.id, Wallet) for card_id, main in mains.items()}

    def _member_page_values(self, partner, cards):
        values = super()._member_page_values(partner, cards)
        wallets = self._member_wallets(cards)
        all_wallets = (
            request.env["member.wallet"].sudo().browse({w.id for w in wallets.values() if w})
        )
        today = fields.Date.context_today(request.env.user)
        soon = {}
        if all_wallets:
            lots = (
                request.env["member.points.lot"]
                .sudo()
                .search(
                    [
                        ("wallet_id", "in", all_wallets.ids),
                        ("points_remaining", ">", 0),
                        ("date_expiry", "!=", False),
                        ("date_expiry", "<=", today + timedelta(days=POINTS_SOON_DAYS)),
                    ],
                    order="date_expiry",
                )
            )
            for lot in lots:
                entry = soon.setdefault(lot.wallet_id.id, [0, lot.date_expiry])
                entry[0] += lot.points_remaining
        packages = (
            request.env["member.package"]
            .sudo()
            .search([("wallet_id", "in", all_wallets.ids), ("state", "=", "active")])
        )
        sessions = (
            request.env["member.timed.session"]
            .sudo()
            .search([("card_id", "in", cards.ids), ("state", "in", ("running", "paused"))])
        )
        values.update(
            wallets=wallets,
            points_soon=soon,
            packages=packages,
            timed_sessions=sessions,
        )
        return values

    @http.route(
        ["/my/member/history", "/my/member/history/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_member_history(self, page=1, kind="all", date_from=None, date_to=None, **kw):
        partner = self._member_partner()
        cards = self._member_cards(partner)
        wallets = (
            request.env["member.wallet"]
            .sudo()
            .browse({w.id for w in self._member_wallets(cards).values() if w})
        )
        kind = kind if kind in HISTORY_FILTERS else "all"
        domain = [("wallet_id", "in", wallets.ids), *HISTORY_FILTERS[kind]]
        start, end = self._member_date(date_from), self._member_date(date_to)
        if start:
            domain.append(("date", ">=", self._member_utc(start)))
        if end:
            domain.append(("date", "<", self._member_utc(end + timedelta(days=1))))
        Line = request.env["member.wallet.line"].sudo()
        total = Line.search_count(domain) if wallets else 0
        url_args = {"kind": kind}
        if start:
            url_args["date_from"] = fields.Date.to_string(start)
        if end:
            url_args["date_to"] = fields.Date.to_string(end)
        pager = portal_pager(
            url="/my/member/history",
            url_args=url_args,
            total=total,
            page=page,
            step=HISTORY_PAGE,
        )
        lines = (
            Line.search(
                domain, order="date desc, id desc", limit=HISTORY_PAGE, offset=pager["offset"]
            )
            if wallets
            else Line
        )
        values = {
            **self._prepare_portal_layout_values(),
            "page_name": "member_history",
            "member": partner,
            "lines": lines,
            "pager": pager,
            "kind": kind,
            "kinds": [(name, str(label)) for name, label in HISTORY_LABELS.items()],
            "date_from": url_args.get("date_from", ""),
            "date_to": url_args.get("date_to", ""),
        }
        return request.render("member_wallet.portal_my_member_history", values)

    def _member_personal_data(self, partner):
        data = super()._member_personal_data(partner)
        wallets = (
            request.env["member.wallet"]
            .sudo()
            .browse({w.id for w in self._member_wallets(self._member_cards(partner)).values() if w})
        )
        lines = (
            request.env["member.wallet.line"]
            .sudo()
            .search([("wallet_id", "in", wallets.ids)], order="date, id")
        )
        data["ledger"] = [
            {
                "date": line.date,
                "card": line.move_id.card_id.name or "",
                "store": line.company_id.name or "",
                "kind": line.kind,
                "asset": line.asset,
                "amount": line.amount,
                "balance_after": line.balance_after,
            }
            for line in lines
        ]
        return data

    @staticmethod
    def _member_utc(day):
        """Midnight of ``day`` in the member's time zone, as stored (UTC)."""
        tz = pytz.timezone(request.env.user.tz or "Asia/Shanghai")
        local = tz.localize(datetime.combine(day, time.min))
        return fields.Datetime.to_string(local.astimezone(pytz.utc).replace(tzinfo=None))

    @staticmethod
    def _member_date(value):
        """A date typed in the filter (YYYY-MM-DD), or None when it is not one."""
        if not value:
            return None
        try:
            return fields.Date.to_date(value)
        except (TypeError, ValueError):
            return None
