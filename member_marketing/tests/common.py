"""Fixtures of the level tests, on member_wallet's test chain (itself on
member_base's ``MemberChainMixin``): rules scoped to the chain's stores (the
database's own members and rules do not interfere), postings put back in
time, and what a review wrote, read from the tables."""

import datetime
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import Command

from odoo.addons.member_wallet.tests.common import WalletCase, WalletHttpCase, new_key  # noqa: F401

# 04:00 UTC is noon in Shanghai: the same date in the stores and in UTC
NOON = datetime.time(4, 0)


class LevelCase(WalletCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the database's own level and earning rules (demo) do not interfere
        cls.env["member.level.rule"].search([]).write({"state": "draft"})
        cls.env["member.points.rule"].search([]).write({"active": False})
        cls.env["member.points.rule"].create(
            {"name": "MMT 1 point per yuan", "amount_step": 1, "points_per_step": 1}
        )
        cls.set_param("points_expiry_policy", "never")
        cls.today = cls.head_office._member_local_today()
        cls.stores = cls.store_a | cls.store_b

    # ------------------------------------------------------------------
    # Fixtures
    # ------------------------------------------------------------------

    @classmethod
    def make_rule(cls, level, measure, threshold, months=12, state="active", **vals):
        """A level rule of the chain's stores, made by the member administrator."""
        env = cls.env_as(cls.admin_user)
        return env["member.level.rule"].create(
            {
                "name": f"MMT {measure} {threshold} → {level.name}",
                "level_id": level.id,
                "measure": measure,
                "threshold": threshold,
                "period_months": months,
                "state": state,
                "company_ids": [Command.set(cls.stores.ids)],
                **vals,
            }
        )

    @classmethod
    def member_card(cls, level=None, store=None, **vals):
        """A member of ``level`` (default basic) registered in ``store``
        (default A) and their funded-later card."""
        partner = cls.make_member(
            level=level, member_register_company_id=(store or cls.store_a).id, **vals
        )
        return cls.make_card(partner=partner)

    @classmethod
    def months_ago(cls, months, days=0):
        """Noon in Shanghai ``months`` months (and ``days`` days) before today, UTC."""
        day = cls.today - relativedelta(months=months, days=days)
        return datetime.datetime.combine(day, NOON)

    @staticmethod
    def at(move, when):
        """Put a posting and its lines at ``when`` (UTC): postings are
        append-only through the ORM."""
        env = move.env
        env.flush_all()
        env.cr.execute("UPDATE member_wallet_move SET date = %s WHERE id = %s", [when, move.id])
        env.cr.execute(
            "UPDATE member_wallet_line SET date = %s WHERE move_id = %s", [when, move.id]
        )
        env.invalidate_all()
        return move

    def topup_at(self, card, amount, when, **kwargs):
        move, _answer = self.topup(card, amount, **kwargs)
        return self.at(move, when)

    def consume_at(self, card, amount, when):
        answer = self.consume(card, amount)
        return self.at(self.env["member.wallet.move"].browse(answer["move_id"]), when)

    def earn_at(self, card, amount, when):
        wallet = self.wallet_of(card).with_env(self.env_as(self.cashier_a))
        move, _answer = wallet.env["member.points.lot"]._earn(
            wallet, amount, key=new_key("earn"), card=card
        )
        return self.at(move, when)

    @contextmanager
    def rules_paused(self):
        """Fixture postings made while the active rules are in draft (no
        immediate upgrade), then the rules active again."""
        rules = self.env["member.level.rule"].search([("state", "=", "active")])
        rules.write({"state": "draft"})
        yield
        rules.write({"state": "active"})

    @classmethod
    def set_level_date(cls, partners, day):
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE res_partner SET member_level_date = %s WHERE id = ANY(%s)",
            [day, partners.ids],
        )
        cls.env.invalidate_all()

    # ------------------------------------------------------------------
    # Running and reading
    # ------------------------------------------------------------------

    def review(self, user=None):
        """The periodic review as the cron runs it (its own user: superuser)
        and the changes of the chain's members."""
        Review = self.env["member.level.review"]
        changes = Review._review()
        return {change.partner_id: change for change in changes}

    def history(self, partner):
        return (
            self.env["member.level.history"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="id")
        )

    def level_state(self):
        """What a level change writes: every member's level, the history and
        the operation log."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("SELECT id, member_level_id, member_level_date FROM res_partner ORDER BY id")
        partners = cr.fetchall()
        return {
            "partners": partners,
            "history": self.table_count("member_level_history"),
            "log": self.table_count("member_operation_log"),
            "rules": self.table_count("member_level_rule"),
        }


class MarketingPortalCase(WalletHttpCase):
    """The chain in an ``HttpCase``, with portal users for its members and
    the forms of the portal posted as a browser does (with their token)."""

    @classmethod
    def portal_user_of(cls, partner, login):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "password": login,
                    "partner_id": partner.id,
                    "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
                }
            )
        )

    def csrf_token(self, url):
        """The CSRF token of the form on ``url`` (read once per session)."""
        cached = getattr(self, "_csrf", None)
        if cached and cached[0] == self.session.sid:
            return cached[1]
        page = self.url_open(url).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        self._csrf = (self.session.sid, token)
        return token

    def post_form(self, url, form_url=None, **values):
        """POST ``values`` to ``url`` with the token of the form on
        ``form_url`` (default: ``url``); the answer's text."""
        token = self.csrf_token(form_url or url)
        return self.url_open(url, data={"csrf_token": token, **values}).text
